/**
 * The path-scoped writer's deadline (src/core/io/scoped_write.ts): a Worker that never answers (a
 * write stuck on a stalled disk, made here by the test-only fault `hang@<boundary>`) is ended when its
 * deadline passes; the write fails with E_WRITE_TIMEOUT naming the file, the file is left as it was
 * (no temp left), the lock is released, and the run's other files are written by a fresh Worker.
 * The deadline (60 s) is shortened for these tests by MCP_NEXUS_TEST_WRITE_TIMEOUT_MS, honoured only
 * as the fault switch is (HOME under /tmp holding a marker file with the same value).
 *
 * And `backup restore` of a file its backup holds as absent: the path is checked against the client
 * config paths we know (a manifest chooses nothing), and the file is removed from the Worker.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode, type RunResult, type Sandbox, walkFiles, withSandbox } from "./helpers.ts";
import { armFault, disarmFault, hasStackTrace, runWithin } from "./safety_helpers.ts";
import { quotedCommands, runHint, runHintOnPty } from "./fixtures/pty.ts";
import { WRITE_DEADLINE_MS, writeDeadlineMs } from "../src/core/io/scoped_write.ts";

const ENV = { MCP_NEXUS_BACKEND: "env" };
/** The test deadline: long enough for a Worker to start and write on a busy machine, short to wait for. */
const DEADLINE = "3000";
/** A run that never ends fails the test instead of hanging it. */
const BOUND_MS = 90_000;
const TEMP = /\.\d+\.[0-9a-f]{8}\.tmp$/;

const EMPTY = '{\n  "mcpServers": {}\n}\n';

async function setup(sb: Sandbox): Promise<string> {
  const file = join(sb.home, ".cursor", "mcp.json");
  await Deno.mkdir(join(sb.home, ".cursor"), { recursive: true });
  await Deno.writeTextFile(file, EMPTY);
  expectCode(await sb.run(["server", "add", "plain", "--", "npx", "-y", "some-mcp"], { env: ENV }), 0);
  return file;
}

/** Arms `hang@point` and the short deadline; returns the environment of the run. */
async function armHang(sb: Sandbox, point: string): Promise<Record<string, string>> {
  await Deno.writeTextFile(join(sb.home, ".mcp-nexus-test-write-timeout"), DEADLINE);
  return { ...ENV, ...await armFault(sb, `hang@${point}`), MCP_NEXUS_TEST_WRITE_TIMEOUT_MS: DEADLINE };
}

async function disarm(sb: Sandbox): Promise<void> {
  await disarmFault(sb);
  await Deno.remove(join(sb.home, ".mcp-nexus-test-write-timeout")).catch(() => {});
}

/** Names in `dir` that are temp files of ours. */
function temps(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => TEMP.test(n));
}

/**
 * After a run that abandoned a write, the lock still names that run (as a dead run's does: a write
 * stuck in the kernel may yet leave a temp file, which the next run sweeps); the OS lock itself is
 * free (each test's next command takes it). Returns the pid it names.
 */
async function lockNamesRun(sb: Sandbox): Promise<number> {
  const text = await Deno.readTextFile(join(sb.nexusHome, ".sync.lock"));
  assert.match(text, /^\d+\n$/, "the lock names the run that abandoned a write");
  return Number(text.trim());
}

function noTrace(r: RunResult): void {
  assert.ok(!hasStackTrace(r), `no stack trace:\n${r.stdout}\n${r.stderr}`);
}

interface FileReport {
  client: string;
  path: string;
  status: string;
  error?: { code: string; message: string; hint?: string; details?: Record<string, unknown> };
}

Deno.test("sync: a write that hangs ends at its deadline: E_WRITE_TIMEOUT naming the file, the file as it was, no temp, the lock free", () =>
  withSandbox(async (sb) => {
    const file = await setup(sb);
    const before = await Deno.readFile(file);
    const args = ["sync", "--client", "cursor", "--yes"];

    // text
    const text = await runWithin(sb, args, BOUND_MS, { env: await armHang(sb, "tmp:mcp.json") });
    await disarm(sb);
    expectCode(text, 1);
    noTrace(text);
    const out = text.stdout + text.stderr;
    assert.match(out, /E_WRITE_TIMEOUT|did not finish within 3 s/, out);
    assert.ok(out.includes(`Writing ${file} did not finish within 3 s`), out);
    assert.ok(out.includes("mcp-nexus sync"), `the hint is a command:\n${out}`);
    assert.deepEqual(await Deno.readFile(file), before, "the client file is byte-identical");
    assert.deepEqual(temps(join(sb.home, ".cursor")), [], "no temp file left");
    await lockNamesRun(sb);

    // --json
    const json = await runWithin(sb, ["--json", ...args], BOUND_MS, {
      env: await armHang(sb, "tmp:mcp.json"),
    });
    await disarm(sb);
    expectCode(json, 1);
    noTrace(json);
    const report = JSON.parse(json.stdout) as { files: FileReport[] };
    const cursor = report.files.find((f) => f.client === "cursor")!;
    assert.equal(cursor.status, "error", json.stdout);
    assert.equal(cursor.error?.code, "E_WRITE_TIMEOUT", json.stdout);
    assert.ok(cursor.error?.message.includes(file), cursor.error?.message);
    assert.match(cursor.error?.message ?? "", /left the file as it was/);
    assert.match(cursor.error?.hint ?? "", /run 'mcp-nexus sync' again/);
    assert.equal(cursor.error?.details?.file, file);
    assert.deepEqual(await Deno.readFile(file), before, "the client file is byte-identical");
    assert.deepEqual(temps(join(sb.home, ".cursor")), [], "no temp file left");
    await lockNamesRun(sb);

    // what a write stuck in the kernel could still leave once its Worker was gone: a temp of that run
    const pid = await lockNamesRun(sb);
    const late = join(sb.home, ".cursor", `.mcp.json.${pid}.0badc0de.tmp`);
    await Deno.writeTextFile(late, '{"mcpServers": {"half');

    // the hint's command, run verbatim right after (on a terminal: sync asks first): the lock is free,
    // the file is written, the late temp swept, and the lock emptied (a clean run)
    const commands = quotedCommands(cursor.error?.hint ?? "");
    assert.deepEqual(commands, ["mcp-nexus sync"]);
    const again = await runHintOnPty(sb, commands[0], ENV);
    assert.equal(again.code, 0, again.screen);
    assert.equal(await Deno.lstat(late).then(() => true, () => false), false, "the late temp was swept");
    assert.equal(
      await Deno.readTextFile(join(sb.nexusHome, ".sync.lock")),
      "",
      "a clean run empties the lock",
    );
    assert.ok(JSON.parse(await Deno.readTextFile(file)).mcpServers.plain);
    assert.deepEqual(temps(join(sb.home, ".cursor")), []);
    expectCode(await sb.run(["sync", "--dry-run"], { env: ENV }), 0);
  }, ENV));

Deno.test("sync --secrets inline: a write that times out never shows the secret it was writing, in text, --json or any file", () =>
  withSandbox(async (sb) => {
    const canary = `canary-${crypto.randomUUID()}`;
    const file = await setup(sb);
    const before = await Deno.readFile(file);
    const env = { ...ENV, MCP_NEXUS_SECRET_TOK: canary };
    expectCode(
      await sb.run(["server", "add", "withtok", "--env", "API_KEY=${keychain:tok}", "--", "npx", "-y", "x"], {
        env,
      }),
      0,
    );
    const args = ["sync", "--client", "cursor", "--yes", "--secrets", "inline"];
    for (const json of [false, true]) {
      const r = await runWithin(sb, json ? ["--json", ...args] : args, BOUND_MS, {
        env: { ...await armHang(sb, "tmp:mcp.json"), MCP_NEXUS_SECRET_TOK: canary },
      });
      await disarm(sb);
      expectCode(r, 1);
      assert.match(r.stdout + r.stderr, /E_WRITE_TIMEOUT|did not finish within 3 s/);
      assert.ok(!(r.stdout + r.stderr).includes(canary), `the secret was shown:\n${r.stdout}\n${r.stderr}`);
    }
    assert.deepEqual(await Deno.readFile(file), before, "the client file is byte-identical");
    for (const f of await walkFiles(sb.home)) {
      const text = await Deno.readTextFile(f).catch(() => "");
      assert.ok(!text.includes(canary), `the secret is in ${f}`);
    }
  }));

Deno.test("sync: a write that hangs after its exchange: the error says the new version is in place, and the next sync finds no drift", () =>
  withSandbox(async (sb) => {
    const file = await setup(sb);
    // a second run writes over a file of ours (the exchange path: an `expect` that is not null)
    expectCode(await sb.run(["sync", "--client", "cursor", "--yes"], { env: ENV }), 0);
    expectCode(await sb.run(["server", "add", "other", "--", "npx", "-y", "other-mcp"], { env: ENV }), 0);
    const r = await runWithin(sb, ["--json", "sync", "--client", "cursor", "--yes"], BOUND_MS, {
      env: await armHang(sb, "rename:mcp.json"),
    });
    await disarm(sb);
    expectCode(r, 1);
    noTrace(r);
    const cursor = (JSON.parse(r.stdout) as { files: FileReport[] }).files.find((f) =>
      f.client === "cursor"
    )!;
    assert.equal(cursor.error?.code, "E_WRITE_TIMEOUT", r.stdout);
    assert.match(cursor.error?.message ?? "", /after the new version was in place/);
    const now = JSON.parse(await Deno.readTextFile(file));
    assert.ok(now.mcpServers.plain && now.mcpServers.other, "the file holds the whole new version");
    assert.deepEqual(temps(join(sb.home, ".cursor")), []);
    await lockNamesRun(sb);
    // the entries written are ours: nothing is called drift, nothing is left to write
    const dry = await sb.json<{ files: Array<FileReport & { skipped?: unknown[] }> }>(
      ["sync", "--dry-run", "--client", "cursor"],
      { env: ENV },
    );
    assert.equal(dry.code, 0, JSON.stringify(dry.data));
    const plan = dry.data.files.find((f) => f.client === "cursor")!;
    assert.equal(plan.status, "unchanged", JSON.stringify(plan));
  }, ENV));

Deno.test("sync: after a write timed out, the run's other files are written by a fresh Worker granted the rest alone; the timed-out file is not retried", () =>
  withSandbox(async (sb) => {
    const cursorFile = await setup(sb);
    const codexFile = join(sb.home, ".codex", "config.toml");
    await Deno.mkdir(join(sb.home, ".codex"), { recursive: true });
    await Deno.writeTextFile(codexFile, '# mine\nmodel = "o3"\n');
    const before = await Deno.readFile(cursorFile);
    const args = ["--json", "sync", "--client", "cursor", "--client", "codex", "--yes"];
    const r = await runWithin(sb, args, BOUND_MS, {
      env: { ...await armHang(sb, "tmp:mcp.json"), MCP_NEXUS_DEBUG_PERMISSIONS: "9" },
    });
    await disarm(sb);
    noTrace(r);
    const files = (JSON.parse(r.stdout) as { files: FileReport[] }).files;
    const cursor = files.find((f) => f.client === "cursor")!;
    const codex = files.find((f) => f.client === "codex")!;
    assert.equal(cursor.error?.code, "E_WRITE_TIMEOUT", r.stdout);
    assert.deepEqual(await Deno.readFile(cursorFile), before);
    assert.deepEqual(temps(join(sb.home, ".cursor")), []);
    assert.equal(codex.status, "changed", r.stdout);
    const toml = await Deno.readTextFile(codexFile);
    assert.ok(toml.startsWith('# mine\nmodel = "o3"\n') && toml.includes("plain"), toml);
    expectCode(r, 1);

    const grants = r.stderr.split("\n").filter((l) => l.startsWith("writer permissions: "))
      .map((l) => JSON.parse(l.slice("writer permissions: ".length)) as { write: string[] });
    const cursorReal = await Deno.realPath(cursorFile);
    const codexReal = await Deno.realPath(codexFile);
    // cursor's file is written first (the adapters' order), so codex's is written after the timeout:
    // by a second Worker, granted codex's file alone
    const order = files.map((f) => f.client).filter((c) => c === "cursor" || c === "codex");
    assert.deepEqual(order, ["cursor", "codex"]);
    assert.equal(grants.length, 2, r.stderr);
    assert.ok(grants[0].write.includes(cursorReal) && grants[0].write.includes(codexReal));
    assert.ok(!grants[1].write.includes(cursorReal), "the timed-out file is not granted again");
    assert.ok(grants[1].write.includes(codexReal));
    await lockNamesRun(sb);
    expectCode(await sb.run(["sync", "--yes"], { env: ENV }), 0);
    assert.ok(JSON.parse(await Deno.readTextFile(cursorFile)).mcpServers.plain);
  }, ENV));

/** codex's and cursor's files synced once; returns the backup id (their files as they were before). */
async function restoreSetup(sb: Sandbox): Promise<string> {
  await setup(sb);
  await Deno.mkdir(join(sb.home, ".codex"), { recursive: true });
  await Deno.writeTextFile(join(sb.home, ".codex", "config.toml"), '# mine\nmodel = "o3"\n');
  expectCode(await sb.run(["sync", "--client", "cursor", "--client", "codex", "--yes"], { env: ENV }), 0);
  const list = await sb.json<{ backups: Array<{ id: string }> }>(["backup", "list"], { env: ENV });
  assert.equal(list.data.backups.length, 1);
  return list.data.backups[0].id;
}

Deno.test("backup restore: a write that hangs ends at its deadline the same way; the hint's command then restores", () =>
  withSandbox(async (sb) => {
    const id = await restoreSetup(sb);
    const file = join(sb.home, ".cursor", "mcp.json");
    const before = await Deno.readFile(file);
    const r = await runWithin(
      sb,
      ["--json", "backup", "restore", id, "--client", "cursor", "--yes"],
      BOUND_MS,
      {
        env: await armHang(sb, "tmp:mcp.json"),
      },
    );
    await disarm(sb);
    expectCode(r, 1);
    noTrace(r);
    const err = JSON.parse(r.stdout).error as FileReport["error"];
    assert.equal(err?.code, "E_WRITE_TIMEOUT", r.stdout);
    assert.ok(err?.message.includes(`Writing ${file} did not finish within 3 s`), err?.message);
    const hint = `mcp-nexus backup restore ${id} --client cursor --yes`;
    assert.deepEqual(quotedCommands(err?.hint ?? ""), [hint], err?.hint);
    assert.deepEqual(await Deno.readFile(file), before, "the client file is byte-identical");
    assert.deepEqual(temps(join(sb.home, ".cursor")), []);
    await lockNamesRun(sb);

    // text: the same message and hint
    const text = await runWithin(sb, ["backup", "restore", id, "--client", "cursor", "--yes"], BOUND_MS, {
      env: await armHang(sb, "tmp:mcp.json"),
    });
    await disarm(sb);
    expectCode(text, 1);
    assert.ok(text.stderr.includes(`Writing ${file} did not finish within 3 s`), text.stderr);
    assert.ok(text.stderr.includes(hint), text.stderr);
    assert.deepEqual(await Deno.readFile(file), before);

    // the hint's command, run verbatim
    const again = await runHint(sb, hint, ENV);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await Deno.readTextFile(file), EMPTY, "restored as it was before the sync");
    assert.deepEqual(temps(join(sb.home, ".cursor")), []);
  }, ENV));

Deno.test("writeDeadlineMs: the test deadline is honoured only under a /tmp HOME holding the marker with the same value", async () => {
  const saved = { home: Deno.env.get("HOME"), value: Deno.env.get("MCP_NEXUS_TEST_WRITE_TIMEOUT_MS") };
  const tmpHome = await Deno.makeTempDir({ dir: "/tmp", prefix: "mcp-nexus-deadline-" });
  const varHome = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "mcp-nexus-deadline-" });
  const marker = ".mcp-nexus-test-write-timeout";
  try {
    Deno.env.set("MCP_NEXUS_TEST_WRITE_TIMEOUT_MS", "1500");
    Deno.env.set("HOME", tmpHome);
    assert.equal(writeDeadlineMs(), WRITE_DEADLINE_MS, "the variable alone does nothing");
    await Deno.writeTextFile(join(tmpHome, marker), "2500");
    assert.equal(writeDeadlineMs(), WRITE_DEADLINE_MS, "a marker saying something else does nothing");
    await Deno.writeTextFile(join(tmpHome, marker), "1500");
    assert.equal(writeDeadlineMs(), 1500, "variable and marker agree under /tmp");
    for (const bad of ["0", "-5", "1e3", "600001", "abc", " 1500"]) {
      Deno.env.set("MCP_NEXUS_TEST_WRITE_TIMEOUT_MS", bad);
      await Deno.writeTextFile(join(tmpHome, marker), bad);
      assert.equal(writeDeadlineMs(), WRITE_DEADLINE_MS, `'${bad}' is not a deadline`);
    }
    Deno.env.set("MCP_NEXUS_TEST_WRITE_TIMEOUT_MS", "1500");
    await Deno.writeTextFile(join(varHome, marker), "1500");
    Deno.env.set("HOME", varHome);
    assert.equal(writeDeadlineMs(), WRITE_DEADLINE_MS, "a HOME outside /tmp: ignored");
    assert.equal(WRITE_DEADLINE_MS, 60_000);
  } finally {
    if (saved.home === undefined) Deno.env.delete("HOME");
    else Deno.env.set("HOME", saved.home);
    if (saved.value === undefined) Deno.env.delete("MCP_NEXUS_TEST_WRITE_TIMEOUT_MS");
    else Deno.env.set("MCP_NEXUS_TEST_WRITE_TIMEOUT_MS", saved.value);
    await Deno.remove(tmpHome, { recursive: true });
    await Deno.remove(varHome, { recursive: true });
  }
});

// --- backup restore of a file its backup holds as absent

/** A backup of cursor's file taken while it did not exist (copy: null); returns its id. */
async function absentSetup(sb: Sandbox): Promise<string> {
  await Deno.mkdir(join(sb.home, ".cursor"), { recursive: true });
  expectCode(await sb.run(["server", "add", "plain", "--", "npx", "-y", "some-mcp"], { env: ENV }), 0);
  expectCode(await sb.run(["sync", "--client", "cursor", "--yes"], { env: ENV }), 0);
  assert.ok(await Deno.lstat(join(sb.home, ".cursor", "mcp.json")), "sync created cursor's file");
  const list = await sb.json<{ backups: Array<{ id: string; files: Array<{ copy: string | null }> }> }>(
    ["backup", "list"],
    { env: ENV },
  );
  assert.equal(list.data.backups.length, 1);
  assert.equal(list.data.backups[0].files[0].copy, null, "the backup holds the file as absent");
  return list.data.backups[0].id;
}

Deno.test("backup restore: a file its backup holds as absent is removed from the Worker (granted that file alone), not by the main thread", () =>
  withSandbox(async (sb) => {
    const id = await absentSetup(sb);
    const file = join(sb.home, ".cursor", "mcp.json");
    const real = await Deno.realPath(file);
    const trace = join(sb.home, ".mcp-nexus-fault-trace");
    const escaped = join(sb.home, ".mcp-nexus-escape");
    // the escape hook at the removal's boundary: in the Worker it is refused (NotCapable); in the main
    // thread, which may write there, it would be written
    const env = { ...ENV, ...await armFault(sb, "escape@remove:mcp.json"), MCP_NEXUS_DEBUG_PERMISSIONS: "9" };
    const r = await sb.run(["backup", "restore", id, "--yes"], { env });
    await disarmFault(sb);
    expectCode(r, 0);
    const lines = (await Deno.readTextFile(trace).catch(() => "")).split("\n").filter(Boolean);
    assert.deepEqual(lines, ["escape:remove:mcp.json:NotCapable"], "the removal ran in the Worker");
    assert.equal(await Deno.lstat(escaped).then(() => true, () => false), false);
    assert.equal(await Deno.lstat(file).then(() => true, () => false), false, "the file was removed");
    const grants = r.stderr.split("\n").filter((l) => l.startsWith("writer permissions: "))
      .map((l) => JSON.parse(l.slice("writer permissions: ".length)));
    assert.equal(grants.length, 1, r.stderr);
    assert.deepEqual(grants[0].write, [real], "the file to remove alone: no temp file, nothing else");
    assert.deepEqual(grants[0].read, [real]);
    for (const k of ["net", "run", "ffi", "env", "sys", "import"]) assert.equal(grants[0][k], false, k);
    // the removed file was backed up first, and the next sync writes it again
    expectCode(await sb.run(["sync", "--client", "cursor", "--yes"], { env: ENV }), 0);
    assert.ok(JSON.parse(await Deno.readTextFile(file)).mcpServers.plain);
  }, ENV));

Deno.test("backup restore: a removal that hangs ends at its deadline: E_WRITE_TIMEOUT, the file still there, the lock released", () =>
  withSandbox(async (sb) => {
    const id = await absentSetup(sb);
    const file = join(sb.home, ".cursor", "mcp.json");
    const before = await Deno.readFile(file);
    const r = await runWithin(sb, ["--json", "backup", "restore", id, "--yes"], BOUND_MS, {
      env: await armHang(sb, "remove:mcp.json"),
    });
    await disarm(sb);
    expectCode(r, 1);
    noTrace(r);
    const err = JSON.parse(r.stdout).error as FileReport["error"];
    assert.equal(err?.code, "E_WRITE_TIMEOUT", r.stdout);
    assert.ok(err?.message.includes(file), err?.message);
    assert.match(err?.message ?? "", /the file is still there/);
    assert.deepEqual(await Deno.readFile(file), before);
    await lockNamesRun(sb);
    expectCode(await sb.run(["backup", "restore", id, "--yes"], { env: ENV }), 0);
    assert.equal(await Deno.lstat(file).then(() => true, () => false), false);
  }, ENV));

Deno.test("backup restore: a removal killed or failing at its boundary leaves the file; the restore run again removes it", () =>
  withSandbox(async (sb) => {
    const id = await absentSetup(sb);
    const file = join(sb.home, ".cursor", "mcp.json");
    const before = await Deno.readFile(file);
    for (const action of ["kill", "fail"]) {
      const r = await runWithin(sb, ["backup", "restore", id, "--yes"], BOUND_MS, {
        env: { ...ENV, ...await armFault(sb, `${action}@remove:mcp.json`) },
      });
      await disarmFault(sb);
      assert.notEqual(r.code, 0, `${action}: the restore did not complete`);
      if (action === "fail") noTrace(r);
      assert.deepEqual(await Deno.readFile(file), before, `${action}: the file is as it was`);
      assert.deepEqual(temps(join(sb.home, ".cursor")), [], `${action}: no temp file`);
    }
    expectCode(await sb.run(["backup", "restore", id, "--yes"], { env: ENV }), 0);
    assert.equal(
      await Deno.lstat(file).then(() => true, () => false),
      false,
      "removed by the restore run again",
    );
  }, ENV));

function backupId(n: number): string {
  return `2020-01-01T00-00-${String(n).padStart(2, "0")}-000Z-${n.toString(16).padStart(6, "0")}`;
}

/** A hand-made backup whose one file is recorded as absent (restore would remove it). */
async function absentManifest(sb: Sandbox, path: string, client?: string): Promise<string> {
  const id = backupId(1);
  const dir = join(sb.nexusHome, "backups", id);
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const manifest = {
    id,
    createdAt: "2020-01-01T00:00:00.000Z",
    reason: "sync",
    files: [{ path, ...(client ? { client } : {}), copy: null }],
  };
  await Deno.writeTextFile(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  return id;
}

for (
  const [what, rel, client, field] of [
    ["a file outside every client (~/.bashrc)", ".bashrc", "claude-code", "files[0].path"],
    [
      "a file outside every client, no client named (~/.ssh/authorized_keys)",
      ".ssh/authorized_keys",
      undefined,
      "files[0].path",
    ],
    ["a client's file under another client's name", ".claude.json", "cursor", "files[0].client"],
  ] as const
) {
  Deno.test(`backup restore: a manifest recording ${what} as absent removes nothing; the error names the manifest and the field`, () =>
    withSandbox(async (sb) => {
      const victim = join(sb.home, rel);
      await Deno.mkdir(join(victim, ".."), { recursive: true });
      await Deno.writeTextFile(victim, "mine, keep me\n");
      const id = await absentManifest(sb, victim, client);
      const manifest = join(sb.nexusHome, "backups", id, "manifest.json");
      for (const json of [false, true]) {
        const r = await sb.run([...(json ? ["--json"] : []), "backup", "restore", id, "--yes"], { env: ENV });
        expectCode(r, 1);
        noTrace(r);
        const out = json ? JSON.parse(r.stdout).error.message as string : r.stderr;
        assert.ok(out.includes(manifest), `names the manifest:\n${out}`);
        assert.ok(out.includes(field), `names the field ${field}:\n${out}`);
        assert.ok(out.includes(victim), `names the path:\n${out}`);
        assert.match(out, /nothing was restored/);
        if (json) {
          const e = JSON.parse(r.stdout).error;
          assert.equal(e.code, "E_BACKUP_INVALID");
          assert.deepEqual(e.details, { backup: id, manifest, field, file: victim });
          assert.match(e.hint, /mcp-nexus backup list/);
        }
        assert.equal(await Deno.readTextFile(victim), "mine, keep me\n", "the file survives");
      }
    }, ENV));
}

Deno.test("backup restore: a manifest naming one client file twice (written, then removed) is refused; the file survives", () =>
  withSandbox(async (sb) => {
    const file = join(sb.home, ".claude.json");
    await Deno.writeTextFile(file, '{"mine": true}\n');
    const id = backupId(1);
    const dir = join(sb.nexusHome, "backups", id);
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(join(dir, "0-.claude.json"), '{"restored": true}\n');
    await Deno.writeTextFile(
      join(dir, "manifest.json"),
      JSON.stringify({
        id,
        createdAt: "2020-01-01T00:00:00.000Z",
        reason: "sync",
        files: [
          { path: file, client: "claude-code", copy: "0-.claude.json" },
          { path: file, client: "claude-code", copy: null },
        ],
      }),
    );
    const r = await sb.json<{ error: { code: string; message: string } }>(
      ["backup", "restore", id, "--yes"],
      {
        env: ENV,
      },
    );
    assert.equal(r.code, 1);
    assert.equal(r.data.error.code, "E_BACKUP_INVALID");
    assert.match(r.data.error.message, /files\[1\]\.path/);
    assert.match(r.data.error.message, /a second time/);
    assert.equal(await Deno.readTextFile(file), '{"mine": true}\n');
  }, ENV));

Deno.test("ScopedWriter: every write pending when a deadline passes fails, each naming its file; a timed-out file is refused at once afterwards", async () => {
  const { ScopedWriter } = await import("../src/core/io/scoped_write.ts");
  const { allowWritesUnder } = await import("../src/core/io/fs.ts");
  const dir = await Deno.makeTempDir({ prefix: "mcp-nexus-deadline-" });
  try {
    allowWritesUnder(dir);
    const a = join(dir, "a.json");
    const b = join(dir, "b.json");
    await Deno.writeTextFile(a, "old a\n");
    // 1 ms: no Worker has even loaded by then, so both writes are still pending when it passes
    const w = new ScopedWriter({ deadlineMs: 1, rerun: "mcp-nexus sync" });
    await w.add([a, b]);
    const results = await Promise.allSettled([w.write(a, "new a\n"), w.write(b, "new b\n")]);
    w.stop();
    const errors = results.map((r) => {
      assert.equal(r.status, "rejected");
      return (r as PromiseRejectedResult).reason as {
        code: string;
        message: string;
        details: { file: string };
      };
    });
    assert.deepEqual(errors.map((e) => e.code), ["E_WRITE_TIMEOUT", "E_WRITE_TIMEOUT"]);
    assert.deepEqual(errors.map((e) => e.details.file), [a, b]);
    assert.ok(errors[0].message.startsWith(`Writing ${a} did not finish within`), errors[0].message);
    assert.ok(
      errors[1].message.startsWith(`Writing ${b} was stopped (writing ${a} did not finish`),
      errors[1].message,
    );
    assert.equal(await Deno.readTextFile(a), "old a\n");
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name),
      ["a.json"],
      "no temp file, b not created",
    );
    // the same file again in this run: its error at once (no Worker is given it again)
    await assert.rejects(
      w.write(a, "new a\n"),
      (e: { code?: string; message?: string }) => e.code === "E_WRITE_TIMEOUT" && !!e.message?.includes(a),
    );
    w.stop();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
