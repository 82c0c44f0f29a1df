/** The fs gateway: atomic writes, modes, symlinks, scope, locks; and that it is the only writer. */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  allowWritesUnder,
  copyFilePrivate,
  readTextIfExists,
  removeFile,
  withLock,
  writeFileAtomic,
} from "../src/core/io/fs.ts";
import { modeOf, REPO } from "./helpers.ts";

const posix = Deno.build.os !== "windows";

async function tmp(): Promise<string> {
  const d = await Deno.makeTempDir({ prefix: "nexus-fs-" });
  allowWritesUnder(d);
  return d;
}

Deno.test(
  { name: "new files are 0600 in new 0700 dirs; existing modes are kept", ignore: !posix },
  async () => {
    const d = await tmp();
    const f = join(d, "a", "b", "file.json");
    await writeFileAtomic(f, "one");
    assert.equal(await Deno.readTextFile(f), "one");
    assert.equal(await modeOf(f), 0o600);
    assert.equal(await modeOf(join(d, "a")), 0o700);
    assert.equal(await modeOf(join(d, "a", "b")), 0o700);
    await Deno.chmod(f, 0o640);
    await writeFileAtomic(f, "two");
    assert.equal(await modeOf(f), 0o640, "an existing client file keeps its mode");
    await writeFileAtomic(f, "three", { mode: 0o600 });
    assert.equal(await modeOf(f), 0o600);
    const left = [...Deno.readDirSync(join(d, "a", "b"))].map((e) => e.name);
    assert.deepEqual(left, ["file.json"], "no temp files left behind");
  },
);

Deno.test(
  { name: "writing through a symlink replaces the target and keeps the link", ignore: !posix },
  async () => {
    const d = await tmp();
    const target = join(d, "dotfiles", "claude.json");
    await Deno.mkdir(join(d, "dotfiles"));
    await Deno.writeTextFile(target, "old");
    await Deno.chmod(target, 0o644);
    const link = join(d, ".claude.json");
    await Deno.symlink("dotfiles/claude.json", link);
    await writeFileAtomic(link, "new");
    assert.ok((await Deno.lstat(link)).isSymlink, "the link is still a link");
    assert.equal(await Deno.readTextFile(target), "new");
    assert.equal(await modeOf(target), 0o644);
    assert.equal(await removeFile(join(d, "missing")), false);
  },
);

Deno.test("writes outside the allowed roots are refused", async () => {
  const d = await Deno.makeTempDir({ prefix: "nexus-fs-outside-" });
  await assert.rejects(() => writeFileAtomic(join(d, "x"), "nope"), /outside the places mcp-nexus manages/);
  assert.equal(await readTextIfExists(join(d, "x")), null);
});

Deno.test({ name: "copyFilePrivate makes a 0600 copy", ignore: !posix }, async () => {
  const d = await tmp();
  await Deno.writeTextFile(join(d, "src"), "data");
  await Deno.chmod(join(d, "src"), 0o644);
  await copyFilePrivate(join(d, "src"), join(d, "backups", "copy"));
  assert.equal(await Deno.readTextFile(join(d, "backups", "copy")), "data");
  assert.equal(await modeOf(join(d, "backups", "copy")), 0o600);
  assert.equal(await modeOf(join(d, "backups")), 0o700);
});

Deno.test("withLock serialises concurrent runs and times out with a clear error", async () => {
  const d = await tmp();
  const lock = join(d, ".lock");
  const order: string[] = [];
  const slow = withLock(lock, async () => {
    order.push("a-start");
    await new Promise((r) => setTimeout(r, 150));
    order.push("a-end");
  });
  await new Promise((r) => setTimeout(r, 20));
  await withLock(lock, () => {
    order.push("b");
    return Promise.resolve();
  });
  await slow;
  assert.deepEqual(order, ["a-start", "a-end", "b"]);

  // another process holds the lock: we give up with E_BUSY
  const holder = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `const f = await Deno.open(${
        JSON.stringify(lock)
      }, {read:true, write:true}); await f.lock(true); console.log("held"); await new Promise(r => setTimeout(r, 3000));`,
    ],
    stdout: "piped",
  }).spawn();
  const reader = holder.stdout.getReader();
  await reader.read();
  try {
    await assert.rejects(
      () => withLock(lock, () => Promise.resolve(), { timeoutMs: 200, what: "the registry" }),
      /Another mcp-nexus process is changing the registry/,
    );
  } finally {
    holder.kill();
    reader.releaseLock();
    await holder.status;
    await holder.stdout.cancel().catch(() => {});
  }
});

Deno.test("only src/core/io/fs.ts writes files (the one write module)", async () => {
  const forbidden =
    /Deno\.(writeTextFile|writeFile|rename|remove|mkdir|chmod|chown|truncate|symlink|link|create|makeTemp\w*)(Sync)?\(|writeFileSync|renameSync|fs\/promises|node:fs["']/;
  const offenders: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const p = join(dir, e.name);
      if (e.isDirectory) await walk(p);
      else if (p.endsWith(".ts") && !p.endsWith(join("core", "io", "fs.ts"))) {
        const lines = (await Deno.readTextFile(p)).split("\n");
        lines.forEach((l, i) => {
          if (forbidden.test(l) || (/Deno\.open\(/.test(l) && /write|create|append/.test(l))) {
            offenders.push(`${p.slice(REPO.length)}:${i + 1}: ${l.trim()}`);
          }
        });
      }
    }
  };
  await walk(join(REPO, "src"));
  assert.deepEqual(offenders, [], "file writes must go through src/core/io/fs.ts");
});

Deno.test({
  name: "a relative symlink inside a symlinked directory is followed from where it really is",
  ignore: !posix,
  async fn() {
    const d = await tmp();
    await Deno.mkdir(join(d, "dotfiles", "codex"), { recursive: true });
    await Deno.mkdir(join(d, "dotfiles", "shared"));
    await Deno.writeTextFile(join(d, "dotfiles", "shared", "config.toml"), "old");
    await Deno.symlink("dotfiles/codex", join(d, ".codex"));
    await Deno.symlink("../shared/config.toml", join(d, "dotfiles", "codex", "config.toml"));
    await writeFileAtomic(join(d, ".codex", "config.toml"), "new");
    assert.equal(await Deno.readTextFile(join(d, "dotfiles", "shared", "config.toml")), "new");
    await assert.rejects(() => Deno.stat(join(d, "shared")), Deno.errors.NotFound);
  },
});
