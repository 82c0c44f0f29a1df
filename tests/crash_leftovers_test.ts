/**
 * What a run that died holding the sync lock leaves next to client files is cleared by the next sync,
 * even next to a file that sync has nothing to write (src/core/io/fs.ts sweepAfterCrash); a clean
 * run's lock says nothing died, and nothing is listed or removed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode, withSandbox } from "./helpers.ts";
import { addServers, PLAIN } from "./server_fixtures.ts";
import { armFault, disarmFault } from "./safety_helpers.ts";

const ENV = { MCP_NEXUS_BACKEND: "env" };

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
      await Deno.mkdir(dir, { recursive: true });
      await Deno.writeTextFile(join(dir, "mcp.json"), '{\n  "mcpServers": {}\n}\n');
      await addServers(sb, ENV, PLAIN);
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

Deno.test("sync: a client file that could not be written leaves no claim on its new entries (a user's entry of that name stays a conflict, even with --force)", () =>
  withSandbox(async (sb) => {
    const file = join(sb.home, ".cursor", "mcp.json");
    await Deno.mkdir(join(sb.home, ".cursor"), { recursive: true });
    await Deno.writeTextFile(file, '{\n  "mcpServers": {}\n}\n');
    await addServers(sb, ENV, PLAIN);
    const env = await armFault(sb, "fail@tmp:mcp.json");
    const failed = await sb.run(["sync", "--client", "cursor", "--yes", "--json"], {
      env: { ...ENV, ...env },
    });
    await disarmFault(sb);
    expectCode(failed, 1);
    assert.equal(await Deno.readTextFile(file), '{\n  "mcpServers": {}\n}\n', "not written");
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
