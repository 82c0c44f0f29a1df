/**
 * `deno task install` / `uninstall` (the from-source `mcp-nexus` on PATH) and stable launcher
 * paths: entries name the command the user invokes, and when it moves, doctor says so and sync
 * rewrites the entries it owns.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO, type Sandbox, withSandbox } from "./helpers.ts";

async function task(verb: "install" | "uninstall", root: string) {
  const o = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-q",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      join(REPO, "scripts/install.ts"),
      verb,
      "--root",
      root,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: o.code, stdout: dec.decode(o.stdout), stderr: dec.decode(o.stderr) };
}

async function via(wrapper: string, sb: Sandbox, args: string[]) {
  const o = await new Deno.Command(wrapper, {
    args,
    env: sb.env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const dec = new TextDecoder();
  return { code: o.code, stdout: dec.decode(o.stdout), stderr: dec.decode(o.stderr) };
}

Deno.test({
  name: "install: the wrapper carries the permission set; launcher entries follow it when it moves",
  ignore: Deno.build.os === "windows",
  async fn() {
    await withSandbox(async (sb) => {
      const a = join(sb.home, "a-bin"), b = join(sb.home, "b-bin");
      assert.equal((await task("install", a)).code, 0);
      const wa = join(a, "mcp-nexus"), wb = join(b, "mcp-nexus");
      assert.match(await Deno.readTextFile(wa), /-P=nexus --no-prompt/);
      const v = await via(wa, sb, ["--version"]);
      assert.equal(v.code, 0, v.stderr);
      assert.match(v.stdout, /^\d+\.\d+\.\d+/);

      await Deno.mkdir(join(sb.home, ".cursor"));
      await Deno.writeTextFile(join(sb.home, ".cursor", "mcp.json"), "{}\n");
      const env = { ...sb.env, MCP_NEXUS_BACKEND: "env" };
      const add = await new Deno.Command(wa, {
        args: ["server", "add", "gh", "--env", "T=${keychain:gh-token}", "--", "npx", "gh-mcp"],
        env,
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(add.code, 0, new TextDecoder().decode(add.stderr));
      assert.equal((await via(wa, sb, ["sync", "--yes"])).code, 0);
      const entry = async () =>
        JSON.parse(await Deno.readTextFile(join(sb.home, ".cursor", "mcp.json"))).mcpServers.gh;
      assert.deepEqual(await entry(), { command: wa, args: ["run", "gh"] });

      // the install moves: the old path is gone
      assert.equal((await task("install", b)).code, 0);
      assert.equal((await task("uninstall", a)).code, 0);
      const doc = JSON.parse((await via(wb, sb, ["--json", "doctor"])).stdout);
      const stale = doc.findings.find((f: { check: string }) => f.check === "launcher");
      assert.ok(stale, JSON.stringify(doc.findings));
      assert.match(stale.message, new RegExp(`starts ${wa}, which no longer exists`));
      assert.equal(stale.fix, "mcp-nexus sync --client cursor");
      assert.equal((await via(wb, sb, ["sync", "--yes"])).code, 0, "an owned, unedited entry is rewritten");
      assert.deepEqual(await entry(), { command: wb, args: ["run", "gh"] });
      const after = JSON.parse((await via(wb, sb, ["--json", "doctor"])).stdout);
      assert.ok(!after.findings.some((f: { check: string }) => f.check === "launcher"));

      // uninstall removes only a wrapper it wrote
      await Deno.writeTextFile(wa, "#!/bin/sh\necho someone else's\n");
      const refused = await task("uninstall", a);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /not written by 'deno task install'/);
      assert.equal(await Deno.readTextFile(wa), "#!/bin/sh\necho someone else's\n");
      assert.equal((await task("install", a)).code, 1, "install does not overwrite it either");
    });
  },
});

Deno.test({
  name: "install: a compiled binary names the PATH link it is run by, not the versioned Cellar path",
  ignore: Deno.build.os === "windows",
  async fn() {
    const { invokedPath } = await import("../src/core/launch/launcher_command.ts");
    const root = await Deno.makeTempDir();
    try {
      const cellar = join(root, "Cellar", "mcp-nexus", "0.1.0", "bin");
      await Deno.mkdir(cellar, { recursive: true });
      await Deno.mkdir(join(root, "bin"));
      await Deno.mkdir(join(root, "other"));
      const real = join(cellar, "mcp-nexus");
      await Deno.writeTextFile(real, "binary");
      await Deno.writeTextFile(join(root, "other", "mcp-nexus"), "another binary");
      await Deno.symlink("../Cellar/mcp-nexus/0.1.0/bin/mcp-nexus", join(root, "bin", "mcp-nexus"));
      const path = [join(root, "other"), "relative/bin", join(root, "bin")].join(":");
      assert.equal(invokedPath(real, path), join(root, "bin", "mcp-nexus"));
      assert.equal(
        invokedPath(real, join(root, "other")),
        null,
        "a different file of the same name is not us",
      );
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
