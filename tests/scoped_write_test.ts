/**
 * sync and `backup restore` write client files from a path-scoped Worker (src/core/io/scoped_write.ts):
 * its Deno permissions name the resolved target and the temp file alone. The proof runs a real sync (a
 * real restore) with a
 * test-only fault hook (`escape@<boundary>`, gated like every MCP_NEXUS_TEST_FAULT: HOME under /tmp
 * and a marker file) that makes the code at that boundary try to write `$HOME/.mcp-nexus-escape`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode, type Sandbox, withSandbox } from "./helpers.ts";
import { armFault, disarmFault } from "./safety_helpers.ts";
import { writerPermissions } from "../src/core/io/scoped_write.ts";

const ENV = { MCP_NEXUS_BACKEND: "env" };

async function setup(sb: Sandbox) {
  await Deno.mkdir(join(sb.home, ".cursor"), { recursive: true });
  await Deno.writeTextFile(join(sb.home, ".cursor", "mcp.json"), '{\n  "mcpServers": {}\n}\n');
  expectCode(await sb.run(["server", "add", "plain", "--", "npx", "-y", "some-mcp"], { env: ENV }), 0);
}

/** Runs `sync --client cursor --yes` with `escape@point`; returns the trace lines and whether the escape file exists. */
async function escapeAt(sb: Sandbox, point: string) {
  const trace = join(sb.home, ".mcp-nexus-fault-trace");
  const escaped = join(sb.home, ".mcp-nexus-escape");
  await Deno.remove(trace).catch(() => {});
  await Deno.remove(escaped).catch(() => {});
  const env = await armFault(sb, `escape@${point}`);
  const r = await sb.run(["sync", "--client", "cursor", "--yes"], { env: { ...ENV, ...env } });
  await disarmFault(sb);
  const lines = (await Deno.readTextFile(trace).catch(() => "")).split("\n").filter(Boolean);
  const exists = await Deno.lstat(escaped).then(() => true, () => false);
  return { r, lines, exists };
}

Deno.test("sync: the Worker writing a client file cannot write anywhere else (NotCapable)", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    const { r, lines, exists } = await escapeAt(sb, "tmp:mcp.json");
    expectCode(r, 0);
    assert.deepEqual(lines, ["escape:tmp:mcp.json:NotCapable"], "the write outside its grant was refused");
    assert.equal(exists, false, "no file was written outside the grant");
    const cursor = JSON.parse(await Deno.readTextFile(join(sb.home, ".cursor", "mcp.json")));
    assert.ok(cursor.mcpServers.plain, "the client file itself was written");
  }, ENV));

Deno.test("sync: the same hook in the main thread (the ledger, a file of ours) does write: the Worker's refusal is its grant", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    const { r, lines, exists } = await escapeAt(sb, "tmp:ledger.json");
    expectCode(r, 0);
    assert.deepEqual(lines, ["escape:tmp:ledger.json:written"]);
    assert.equal(exists, true);
  }, ENV));

Deno.test("sync: a client file that is a symlink is written at its target, from the Worker, and the link stays", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    const dotfiles = join(sb.home, "dotfiles");
    await Deno.mkdir(dotfiles);
    await Deno.rename(join(sb.home, ".cursor", "mcp.json"), join(dotfiles, "cursor.json"));
    await Deno.symlink(join(dotfiles, "cursor.json"), join(sb.home, ".cursor", "mcp.json"));
    const { r, lines } = await escapeAt(sb, "rename:cursor.json");
    expectCode(r, 0);
    assert.deepEqual(lines, ["escape:rename:cursor.json:NotCapable"]);
    assert.ok((await Deno.lstat(join(sb.home, ".cursor", "mcp.json"))).isSymlink, "the link is still a link");
    const target = JSON.parse(await Deno.readTextFile(join(dotfiles, "cursor.json")));
    assert.ok(target.mcpServers.plain);
  }, ENV));

Deno.test("writerPermissions: exactly the targets and their temps; no net, run, ffi, env, sys or import", () => {
  const files = [
    { path: "/h/.cursor/mcp.json", target: "/h/dot/c.json", tmp: "/h/dot/.c.json.1.abcd1234.tmp" },
    { path: "/h/.claude.json", target: "/h/.claude.json", tmp: "/h/..claude.json.1.abcd1234.tmp" },
  ].map((f) => ({ ...f, newOwner: null, keepOwner: false }));
  const p = writerPermissions(files);
  const want = [
    "/h/dot/c.json",
    "/h/dot/.c.json.1.abcd1234.tmp",
    "/h/.claude.json",
    "/h/..claude.json.1.abcd1234.tmp",
  ];
  assert.deepEqual(p.read, want);
  assert.deepEqual(p.write, want);
  for (const k of ["net", "run", "ffi", "env", "sys", "import"] as const) assert.equal(p[k], false, k);
});

Deno.test("sync: the writer Worker starts only when a file is written, granted that file and its temp alone", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    const env = { ...ENV, MCP_NEXUS_DEBUG_PERMISSIONS: "9" };
    const args = ["sync", "--client", "cursor"];
    const grants = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("writer permissions: "));
    const dry = expectCode(await sb.run([...args, "--dry-run"], { env }), 0);
    assert.deepEqual(grants(dry.stderr), [], "a dry run starts no Worker");
    const first = expectCode(await sb.run([...args, "--yes"], { env }), 0);
    const lines = grants(first.stderr);
    assert.equal(lines.length, 1, first.stderr);
    const p = JSON.parse(lines[0].slice("writer permissions: ".length));
    const file = await Deno.realPath(join(sb.home, ".cursor", "mcp.json"));
    assert.equal(p.write.length, 2);
    assert.equal(p.write[0], file);
    assert.match(p.write[1], /\/\.mcp\.json\.\d+\.[0-9a-f]{8}\.tmp$/);
    assert.deepEqual(p.read, p.write);
    for (const k of ["net", "run", "ffi", "env", "sys", "import"]) assert.equal(p[k], false, k);
    const noop = expectCode(await sb.run([...args, "--yes"], { env }), 0);
    assert.deepEqual(grants(noop.stderr), [], "a sync with nothing to write starts no Worker");
  }, ENV));

Deno.test("Worker permissions need worker-options: deno.json is the one source, for run, the tasks, the wrapper and compile", async () => {
  const { REPO } = await import("./helpers.ts");
  const config = JSON.parse(await Deno.readTextFile(join(REPO, "deno.json")));
  assert.ok(config.unstable.includes("worker-options"));
  assert.match(config.tasks.nexus, /-P=nexus/);
  const { posixWrapper, cmdWrapper } = await import("../scripts/install.ts");
  for (const w of [posixWrapper("/x", "deno", REPO), cmdWrapper("/x", "deno", REPO)]) {
    assert.ok(w.includes(join(REPO, "deno.json")), "the wrapper runs with the repo's deno.json");
  }
  const { compileArgs } = await import("../scripts/compile.ts");
  const args = compileArgs("x86_64-unknown-linux-gnu", "dist");
  assert.ok(!args.includes("--no-config"), "compile reads deno.json (its unstable list is embedded)");
  assert.ok(args.includes("-P=nexus"));
});

/** codex's and cursor's files synced once (one backup holds both as they were); returns the backup id. */
async function restoreSetup(sb: Sandbox): Promise<string> {
  await setup(sb);
  await Deno.mkdir(join(sb.home, ".codex"), { recursive: true });
  await Deno.writeTextFile(join(sb.home, ".codex", "config.toml"), '# mine\nmodel = "o3"\n');
  expectCode(await sb.run(["sync", "--client", "cursor", "--client", "codex", "--yes"], { env: ENV }), 0);
  const list = await sb.json<{ backups: Array<{ id: string; files: Array<{ path: string }> }> }>(
    ["backup", "list"],
    { env: ENV },
  );
  assert.equal(list.data.backups.length, 1);
  assert.equal(list.data.backups[0].files.length, 2, "the backup holds both files");
  return list.data.backups[0].id;
}

Deno.test("backup restore: the writer Worker is granted only the restored client file and its temp", () =>
  withSandbox(async (sb) => {
    const id = await restoreSetup(sb);
    const env = { ...ENV, MCP_NEXUS_DEBUG_PERMISSIONS: "9" };
    const r = expectCode(
      await sb.run(["backup", "restore", id, "--client", "cursor", "--yes"], { env }),
      0,
    );
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("writer permissions: "));
    assert.equal(lines.length, 1, r.stderr);
    const p = JSON.parse(lines[0].slice("writer permissions: ".length));
    const file = await Deno.realPath(join(sb.home, ".cursor", "mcp.json"));
    assert.equal(p.write.length, 2, "cursor's file and its temp; not codex's, not the backups or the ledger");
    assert.equal(p.write[0], file);
    assert.match(p.write[1], /\/\.mcp\.json\.\d+\.[0-9a-f]{8}\.tmp$/);
    assert.deepEqual(p.read, p.write);
    for (const k of ["net", "run", "ffi", "env", "sys", "import"]) assert.equal(p[k], false, k);
    // the file is back as it was before the sync; codex's stays synced
    assert.deepEqual(JSON.parse(await Deno.readTextFile(join(sb.home, ".cursor", "mcp.json"))), {
      mcpServers: {},
    });
    assert.match(await Deno.readTextFile(join(sb.home, ".codex", "config.toml")), /plain/);
  }, ENV));

Deno.test("backup restore: the Worker writing the restored client file cannot write anywhere else (NotCapable)", () =>
  withSandbox(async (sb) => {
    const id = await restoreSetup(sb);
    const trace = join(sb.home, ".mcp-nexus-fault-trace");
    const escaped = join(sb.home, ".mcp-nexus-escape");
    const env = await armFault(sb, "escape@tmp:mcp.json");
    const r = await sb.run(["backup", "restore", id, "--yes"], { env: { ...ENV, ...env } });
    await disarmFault(sb);
    expectCode(r, 0);
    const lines = (await Deno.readTextFile(trace).catch(() => "")).split("\n").filter(Boolean);
    assert.deepEqual(lines, ["escape:tmp:mcp.json:NotCapable"], "the write outside its grant was refused");
    assert.equal(await Deno.lstat(escaped).then(() => true, () => false), false, "nothing written outside");
    assert.deepEqual(JSON.parse(await Deno.readTextFile(join(sb.home, ".cursor", "mcp.json"))), {
      mcpServers: {},
    });
    assert.equal(await Deno.readTextFile(join(sb.home, ".codex", "config.toml")), '# mine\nmodel = "o3"\n');
  }, ENV));

Deno.test("sync: a writer Worker that dies mid-write leaves no temp file, the client file as it was, and the next sync writes it", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    const dir = join(sb.home, ".cursor");
    const file = join(dir, "mcp.json");
    const before = await Deno.readTextFile(file);
    const env = await armFault(sb, "crash@tmp:mcp.json");
    const r = await sb.run(["sync", "--client", "cursor", "--yes", "--json"], { env: { ...ENV, ...env } });
    await disarmFault(sb);
    expectCode(r, 1);
    const cursor = JSON.parse(r.stdout).files.find((f: { client: string }) => f.client === "cursor");
    assert.equal(cursor.status, "error", r.stdout);
    assert.equal(await Deno.readTextFile(file), before, "the client file is as it was");
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n !== "mcp.json");
    assert.deepEqual(left, [], "no temp file of the dead Worker is left");
    // the lock was released cleanly (no sweep comes): the next sync writes the file all the same
    expectCode(await sb.run(["sync", "--client", "cursor", "--yes"], { env: ENV }), 0);
    assert.ok(JSON.parse(await Deno.readTextFile(file)).mcpServers.plain);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["mcp.json"]);
  }, ENV));
