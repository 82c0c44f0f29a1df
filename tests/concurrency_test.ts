/**
 * A client rewriting its own file while sync runs (Claude Code rewrites ~/.claude.json on its own):
 * no write of the client is ever lost, and our entries end up in the file with its last write.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode, withSandbox } from "./helpers.ts";

const BUSY = new URL("./fixtures/busy_client.ts", import.meta.url).pathname;

Deno.test("a client rewriting its file in a tight loop during several syncs loses no write", () =>
  withSandbox(async (sb) => {
    const file = join(sb.home, ".claude.json");
    await Deno.writeTextFile(file, JSON.stringify({ userID: "u", mcpServers: { mine: { command: "x" } } }));
    const stop = join(sb.home, "stop");
    const client = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", BUSY, file, stop, "200000"],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const codes: number[] = [];
    try {
      for (let i = 1; i <= 4; i++) {
        expectCode(await sb.run(["server", "add", `s${i}`, "--", "npx", "-y", `pkg-${i}`]), 0);
        const r = await sb.run(["sync", "--yes", "--client", "claude-code"]);
        codes.push(r.code);
        // a file that never holds still for long enough is reported, never overwritten
        if (r.code !== 0) assert.match(r.stdout + r.stderr, /changed while mcp-nexus was writing it/);
      }
    } finally {
      await Deno.writeTextFile(stop, "");
    }
    const out = await client.output();
    const report = JSON.parse(new TextDecoder().decode(out.stdout)) as { writes: number; lost: number[] };
    assert.ok(report.writes > 50, `the client kept writing during the syncs (${report.writes} writes)`);
    assert.deepEqual(report.lost, [], "no client write was replaced by an older version");
    assert.ok(codes.some((c) => c === 0), `at least one sync went through (${codes})`);
    // its last write is there; one more sync (the client now idle) brings in all our entries
    expectCode(await sb.run(["sync", "--yes", "--client", "claude-code"]), 0);
    const data = JSON.parse(await Deno.readTextFile(file));
    assert.equal(data.busyCounter, report.writes, "the client's last write is present");
    assert.equal(data.userID, "u");
    assert.deepEqual(Object.keys(data.mcpServers).sort(), ["mine", "s1", "s2", "s3", "s4"]);
    const dry = await sb.json<{ files: Array<{ status: string; skipped: unknown[] }> }>([
      "sync",
      "--dry-run",
      "--client",
      "claude-code",
    ]);
    assert.equal(dry.code, 0, "no drift, no conflict afterwards");
    assert.equal(dry.data.files[0].status, "unchanged");
  }));
