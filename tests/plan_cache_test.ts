/**
 * The plan cache (src/core/sync/plan_cache.ts) through the CLI: a no-op sync served from it reports exactly
 * what a full plan does; a user's edit (even one that keeps size and mtime), a registry change, and a
 * damaged, hostile or stale cache all lead to a full plan, with drift still reported and nothing of the
 * user's overwritten.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode, type Sandbox, withSandbox } from "./helpers.ts";
import { addServers, GITHUB, PLAIN } from "./server_fixtures.ts";

const ENV = { MCP_NEXUS_BACKEND: "env" };
const CLIENTS = [
  "--client",
  "cursor",
  "--client",
  "codex",
  "--client",
  "continue",
  "--client",
  "claude-code",
];
const sync = (sb: Sandbox, ...extra: string[]) =>
  sb.run(["sync", ...CLIENTS, "--yes", "--json", ...extra], { env: ENV });
const cachePath = (sb: Sandbox) => join(sb.nexusHome, "state", "plan-cache.json");

async function setup(sb: Sandbox): Promise<void> {
  const remote = [
    "remote",
    "--url",
    "https://mcp.example.com/mcp",
    "--header",
    "Authorization=Bearer ${keychain:tok}",
  ];
  await addServers(sb, ENV, PLAIN, GITHUB, remote);
  expectCode(await sync(sb), 0); // writes every file
}

/** The --json result without what differs between runs of the same plan. */
function files(stdout: string): unknown {
  return JSON.parse(stdout).files;
}

Deno.test("plan cache: a no-op sync served from the cache reports exactly what a full plan does", async () => {
  await withSandbox(async (sb) => {
    // Cursor opted in to its own interpolation: its plan then carries a note, which the cache must keep
    expectCode(await sb.run(["client", "remote-secrets", "cursor", "interpolate"], { env: ENV }), 0);
    await setup(sb);
    await Deno.remove(cachePath(sb)).catch(() => {});
    // a dry run writes no cache
    expectCode(await sb.run(["sync", ...CLIENTS, "--dry-run"], { env: ENV }), 0);
    await assert.rejects(Deno.stat(cachePath(sb)), Deno.errors.NotFound);
    const full = expectCode(await sync(sb), 0); // a full plan (no cache), which records it
    const cache = JSON.parse(await Deno.readTextFile(cachePath(sb)));
    assert.equal(Object.keys(cache.files).length, 4, "each unchanged file is recorded");
    assert.equal((await Deno.stat(cachePath(sb))).mode! & 0o777, 0o600);
    const cached = expectCode(await sync(sb), 0);
    assert.deepEqual(files(cached.stdout), files(full.stdout));
    assert.equal(JSON.parse(cached.stdout).applied, false);
    // ...and it really was served from the cache: a record's text, under the right key, is what shows
    const cursorPath = join(sb.home, ".cursor", "mcp.json");
    const marked = structuredClone(cache);
    marked.files[cursorPath].notes = ["served from the cache"];
    await Deno.writeTextFile(cachePath(sb), JSON.stringify(marked));
    const served = JSON.parse(expectCode(await sync(sb), 0).stdout).files;
    assert.deepEqual(served.find((f: { client: string }) => f.client === "cursor").notes, [
      "served from the cache",
    ]);
    await Deno.writeTextFile(cachePath(sb), JSON.stringify(cache));
    // the human output too
    const human = (sb2: Sandbox) => sb2.run(["sync", ...CLIENTS, "--yes"], { env: ENV });
    const a = expectCode(await human(sb), 0).stdout;
    await Deno.remove(cachePath(sb));
    const b = expectCode(await human(sb), 0).stdout;
    assert.equal(a, b);
    assert.match(a, /note: remote: .* reads \S+ from its environment/);
  });
});

Deno.test("plan cache: a user's edit that keeps size and mtime is still drift", async () => {
  await withSandbox(async (sb) => {
    await setup(sb);
    expectCode(await sync(sb), 0); // cached now
    const file = join(sb.home, ".cursor", "mcp.json");
    const before = await Deno.stat(file);
    const text = await Deno.readTextFile(file);
    // same length: one character of our entry changed
    const edited = text.replace('"-y"', '"-Y"');
    assert.notEqual(edited, text);
    assert.equal(edited.length, text.length);
    await Deno.writeTextFile(file, edited);
    await Deno.utime(file, before.atime!, before.mtime!);
    const r = expectCode(await sync(sb), 5);
    const cursor = JSON.parse(r.stdout).files.find((f: { client: string }) => f.client === "cursor");
    assert.ok(cursor.skipped.some((s: { kind: string }) => s.kind === "drift"), r.stdout);
    assert.equal(await Deno.readTextFile(file), edited, "the user's edit is kept");
    // and again (a plan with drift is not kept: planned afresh, drift again)
    const cache = JSON.parse(await Deno.readTextFile(cachePath(sb)));
    assert.ok(!Object.hasOwn(cache.files, file), "a drifted file's plan is not cached");
    expectCode(await sync(sb), 5);
    assert.equal(await Deno.readTextFile(file), edited);
  });
});

Deno.test("plan cache: a registry change after a cached no-op is written", async () => {
  await withSandbox(async (sb) => {
    await setup(sb);
    expectCode(await sync(sb), 0);
    expectCode(await sb.run(["server", "add", "extra", "--", "uvx", "extra-mcp"], { env: ENV }), 0);
    const r = expectCode(await sync(sb), 0);
    assert.equal(JSON.parse(r.stdout).applied, true);
    assert.match(await Deno.readTextFile(join(sb.home, ".cursor", "mcp.json")), /extra-mcp/);
    assert.match(await Deno.readTextFile(join(sb.home, ".codex", "config.toml")), /extra-mcp/);
    expectCode(await sb.run(["server", "disable", "extra"], { env: ENV }), 0);
    expectCode(await sync(sb), 0);
    assert.doesNotMatch(await Deno.readTextFile(join(sb.home, ".cursor", "mcp.json")), /extra-mcp/);
  });
});

Deno.test("plan cache: a damaged, hostile or forged cache only costs time", async () => {
  await withSandbox(async (sb) => {
    await setup(sb);
    const full = files(expectCode(await sync(sb), 0).stdout);
    const good = JSON.parse(await Deno.readTextFile(cachePath(sb)));
    const cursorPath = join(sb.home, ".cursor", "mcp.json");
    const variants: unknown[] = [
      "not json",
      { version: 2, files: {} },
      { version: 1, files: [] },
      // a record claiming a drift, under a key that is not this file's: ignored
      {
        version: 1,
        files: {
          ...good.files,
          [cursorPath]: {
            key: "0".repeat(64),
            skipped: [{ server: "plain", kind: "drift", reason: "x" }],
            notes: [],
          },
        },
      },
      // control characters (a terminal escape) in a note: the whole cache is ignored
      {
        version: 1,
        files: {
          ...good.files,
          [cursorPath]: { ...good.files[cursorPath], notes: ["\u001b]0;pwned\u0007"] },
        },
      },
      // an unknown field, a bad kind
      { version: 1, files: { [cursorPath]: { ...good.files[cursorPath], path: "/etc/passwd" } } },
      {
        version: 1,
        files: {
          [cursorPath]: { ...good.files[cursorPath], skipped: [{ server: "a", kind: "boom", reason: "r" }] },
        },
      },
    ];
    for (const v of variants) {
      await Deno.writeTextFile(cachePath(sb), typeof v === "string" ? v : JSON.stringify(v));
      const r = expectCode(await sync(sb), 0);
      assert.deepEqual(files(r.stdout), full, JSON.stringify(v).slice(0, 200));
      assert.doesNotMatch(r.stdout + r.stderr, /pwned/);
    }
    // the cache is never a path to write: /etc/passwd above was only an (invalid) field
    // and a cache that is a directory (unwritable, unreadable) does not fail the sync
    await Deno.remove(cachePath(sb));
    await Deno.mkdir(cachePath(sb));
    assert.deepEqual(files(expectCode(await sync(sb), 0).stdout), full);
  });
});

Deno.test("plan cache: a file changed after a cached no-op is planned again and updated", async () => {
  await withSandbox(async (sb) => {
    await setup(sb);
    expectCode(await sync(sb), 0); // cached
    // the user removes our entry from Cursor's file (a deletion is not drift: it is written back)
    const cursor = join(sb.home, ".cursor", "mcp.json");
    const data = JSON.parse(await Deno.readTextFile(cursor));
    delete data.mcpServers.plain;
    await Deno.writeTextFile(cursor, JSON.stringify(data, null, 2));
    const r = expectCode(await sync(sb), 0);
    assert.equal(JSON.parse(r.stdout).applied, true);
    assert.ok(JSON.parse(await Deno.readTextFile(cursor)).mcpServers.plain);
  });
});

Deno.test("plan cache: from source, an edited module in any room of src/core plans afresh", async () => {
  const { REPO } = await import("./helpers.ts");
  await withSandbox(async (sb) => {
    await setup(sb);
    expectCode(await sync(sb), 0); // cached
    const cursorPath = join(sb.home, ".cursor", "mcp.json");
    const cache = JSON.parse(await Deno.readTextFile(cachePath(sb)));
    cache.files[cursorPath].notes = ["served from the cache"];
    await Deno.writeTextFile(cachePath(sb), JSON.stringify(cache));
    const notes = async () =>
      JSON.parse(expectCode(await sync(sb), 0).stdout).files.find((f: { client: string }) =>
        f.client === "cursor"
      )
        .notes;
    assert.deepEqual(await notes(), ["served from the cache"], "served from the cache");
    // the planning code changes (its mtime stands for an edit): the record no longer matches
    for (const rel of ["src/core/sync/sync.ts", "src/core/formats/json.ts", "src/plugins/clients/mod.ts"]) {
      await Deno.writeTextFile(cachePath(sb), JSON.stringify(cache));
      const module = join(REPO, rel);
      const was = await Deno.stat(module);
      try {
        await Deno.utime(module, was.atime!, new Date(was.mtime!.getTime() + 1000));
        assert.notDeepEqual(await notes(), ["served from the cache"], `${rel} changed: planned afresh`);
      } finally {
        await Deno.utime(module, was.atime!, was.mtime!);
      }
    }
  });
});
