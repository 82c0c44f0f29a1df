/**
 * What a failed or dead run leaves behind, and what the next run makes of it: a dead run's temp files
 * are cleared by the next sync even next to a file it has nothing to write (src/core/io/fs.ts
 * sweepAfterCrash), while a clean run's lock says nothing died; a write that failed leaves no claim
 * on entries it never wrote; a backup taken while an entry was still pending restores it as ours.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode, killStrays, type Sandbox, withSandbox } from "./helpers.ts";
import { addServers, PLAIN } from "./server_fixtures.ts";
import { armFault, disarmFault } from "./safety_helpers.ts";

const ENV = { MCP_NEXUS_BACKEND: "env" };

const EMPTY = '{\n  "mcpServers": {}\n}\n';

/** Cursor's file with no servers, and the registry's plain server; returns the file's path. */
async function cursorWithPlain(sb: Sandbox): Promise<string> {
  const file = join(sb.home, ".cursor", "mcp.json");
  await Deno.mkdir(join(sb.home, ".cursor"), { recursive: true });
  await Deno.writeTextFile(file, EMPTY);
  await addServers(sb, ENV, PLAIN);
  return file;
}

/** A pid no process has now (what a run that died leaves in the lock file and its temp names). */
function deadPid(): number {
  for (let pid = 4_000_000; pid > 1000; pid -= 7919) {
    try {
      Deno.statSync(`/proc/${pid}`);
    } catch {
      return pid;
    }
  }
  throw new Error("no free pid found");
}

Deno.test({
  name:
    "sync: a dead run's temp file next to a client file it has nothing to write is removed (lock held by the dead run)",
  ignore: Deno.build.os !== "linux",
  fn: () =>
    withSandbox(async (sb) => {
      const dir = join(sb.home, ".cursor");
      await cursorWithPlain(sb);
      const sync = () => sb.run(["sync", "--client", "cursor", "--yes"], { env: ENV });
      expectCode(await sync(), 0); // written: the next sync has nothing to write there
      const pid = deadPid();
      // the dead run had exchanged its temp in and was killed before removing the displaced file
      const stale = join(dir, `.mcp.json.${pid}.0badc0de.tmp`);
      const foreign = join(dir, ".mcp.json.notours.tmp");
      await Deno.writeTextFile(stale, '{"mcpServers":{"old":{"command":"x"}}}\n');
      await Deno.writeTextFile(foreign, "someone else's\n");
      // a clean release leaves the lock empty: nothing is swept
      expectCode(await sync(), 0);
      assert.ok(await Deno.lstat(stale).then(() => true, () => false), "no sweep after a clean run");
      // the lock names its holder, which died holding it
      await Deno.writeTextFile(join(sb.nexusHome, ".sync.lock"), `${pid}\n`);
      const before = await Deno.readTextFile(join(dir, "mcp.json"));
      const r = expectCode(await sb.run(["sync", "--client", "cursor", "--yes", "--json"], { env: ENV }), 0);
      assert.equal(JSON.parse(r.stdout).applied, false, "nothing to write in cursor's file");
      await assert.rejects(Deno.lstat(stale), Deno.errors.NotFound, "the dead run's temp is gone");
      assert.equal(await Deno.readTextFile(foreign), "someone else's\n", "a name not ours is left alone");
      assert.equal(await Deno.readTextFile(join(dir, "mcp.json")), before);
      assert.equal(await Deno.readTextFile(join(sb.nexusHome, ".sync.lock")), "", "released cleanly");
    }, ENV),
});

Deno.test("backup restore: an entry the backed-up run was still confirming (pending) is ours again after a restore, not drift", () =>
  withSandbox(async (sb) => {
    const file = await cursorWithPlain(sb);
    const sync = (...extra: string[]) =>
      sb.run(["sync", "--client", "cursor", "--yes", "--json", ...extra], { env: ENV });
    expectCode(await sync(), 0);
    // a run that died after its rename and before confirming: the file's entry is the pending hash
    const ledgerPath = join(sb.nexusHome, "state", "ledger.json");
    const ledger = JSON.parse(await Deno.readTextFile(ledgerPath));
    const entry = ledger.files[file].entries.plain;
    ledger.files[file].entries.plain = { ...entry, sha256: "0".repeat(64), pending: entry.sha256 };
    await Deno.writeTextFile(ledgerPath, JSON.stringify(ledger, null, 2));
    const first = await Deno.readTextFile(file);
    // the next change is backed up with that ledger entry, then written
    await addServers(sb, ENV, ["plain", "--replace", "--", "uvx", "other-mcp"]);
    expectCode(await sync(), 0);
    expectCode(await sb.run(["backup", "restore", "latest", "--client", "cursor", "--yes"], { env: ENV }), 0);
    assert.equal(await Deno.readTextFile(file), first, "the backed-up file is back");
    // the restored entry is the one mcp-nexus wrote: the next sync updates it (no drift)
    const r = expectCode(await sync(), 0);
    const cursor = JSON.parse(r.stdout).files.find((f: { client: string }) => f.client === "cursor");
    assert.deepEqual(cursor.skipped, [], r.stdout);
    assert.match(await Deno.readTextFile(file), /other-mcp/);
  }, ENV));

Deno.test("sync: a client file that could not be written leaves no claim on its new entries (a user's entry of that name stays a conflict, even with --force)", () =>
  withSandbox(async (sb) => {
    const file = await cursorWithPlain(sb);
    const env = await armFault(sb, "fail@tmp:mcp.json");
    const failed = await sb.run(["sync", "--client", "cursor", "--yes", "--json"], {
      env: { ...ENV, ...env },
    });
    await disarmFault(sb);
    expectCode(failed, 1);
    assert.equal(await Deno.readTextFile(file), EMPTY, "not written");
    const ledger = JSON.parse(await Deno.readTextFile(join(sb.nexusHome, "state", "ledger.json")));
    assert.equal(ledger.files[file]?.entries?.plain, undefined, "no claim on an entry never written");
    // the user then adds a server of that name by hand: it is theirs, --force or not
    const mine = '{\n  "mcpServers": {\n    "plain": { "command": "my-own-server" }\n  }\n}\n';
    await Deno.writeTextFile(file, mine);
    const r = await sb.run(["sync", "--client", "cursor", "--yes", "--force", "--json"], { env: ENV });
    const cursor = JSON.parse(r.stdout).files.find((f: { client: string }) => f.client === "cursor");
    assert.ok(cursor.skipped.some((s: { kind: string }) => s.kind === "conflict"), r.stdout);
    assert.equal(await Deno.readTextFile(file), mine, "the user's entry is kept");
  }, ENV));

Deno.test("sync: a dead lock holder's temp files are stale even when its pid now belongs to a live process (pid reuse)", () =>
  withSandbox(async (sb) => {
    const file = await cursorWithPlain(sb);
    const sync = () => sb.run(["sync", "--client", "cursor", "--yes"], { env: ENV });
    expectCode(await sync(), 0);
    // the dead run's pid is taken by a live process by now (this test's own)
    const stale = join(sb.home, ".cursor", `.mcp.json.${Deno.pid}.0badc0de.tmp`);
    await Deno.writeTextFile(stale, "half-written\n");
    await Deno.writeTextFile(join(sb.nexusHome, ".sync.lock"), `${Deno.pid}\n`);
    expectCode(await sync(), 0);
    await assert.rejects(Deno.lstat(stale), Deno.errors.NotFound, "the dead holder's temp is gone");
    assert.ok(JSON.parse(await Deno.readTextFile(file)).mcpServers.plain);
  }, ENV));

Deno.test("a write into our home leaves a live process's temp file alone (/proc is refused to the permission set: that is no proof of death)", () =>
  withSandbox(async (sb) => {
    await addServers(sb, ENV, PLAIN); // the registry exists
    // another mcp-nexus process (alive: this test's own pid) is writing the registry right now
    const live = join(sb.nexusHome, `.registry.json.${Deno.pid}.0badc0de.tmp`);
    await Deno.writeTextFile(live, "being written\n");
    await addServers(sb, ENV, ["other", "--", "uvx", "other-mcp"]); // writes registry.json (private dir)
    assert.equal(await Deno.readTextFile(live), "being written\n", "a live process's temp is left alone");
  }, ENV));

Deno.test({
  name: "test sandboxes end what a client leaves running (the Cline CLI's hub daemon outlived the suite)",
  ignore: Deno.build.os !== "linux",
  async fn() {
    let pid = 0;
    await withSandbox(async (sb) => {
      // a daemon as Cline's: its own session, its parent gone, the sandbox's HOME in its environment
      const out = await new Deno.Command("setsid", {
        args: ["-f", "sh", "-c", "sleep 300 </dev/null >/dev/null 2>&1 & echo $!"],
        env: { HOME: sb.home, PATH: "/usr/bin:/bin" },
        clearEnv: true,
        stdout: "piped",
      }).output();
      pid = Number(new TextDecoder().decode(out.stdout).trim());
      assert.ok(pid > 0 && Deno.statSync(`/proc/${pid}`).isDirectory, "the daemon runs");
    });
    const running = async () => {
      const stat = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => null);
      return stat !== null && !/^\d+ \(.*\) [ZX] /.test(stat); // gone, or a zombie not yet reaped
    };
    let alive = await running();
    for (let i = 0; i < 100 && alive; i++) {
      await new Promise((r) => setTimeout(r, 20));
      alive = await running();
    }
    assert.ok(!alive, `pid ${pid} still runs after the sandbox's cleanup`);
    assert.deepEqual(await killStrays("/nonexistent-home"), []);
  },
});
