/**
 * Review leftovers: a backup restore keeps the ledger's `inline` flag; an atomic write lists its
 * directory only after a run died holding a lock; `server add` has --disable / --disable-client; `--json GROUP` hints the group's help; a header
 * added by `server add --replace` reaches every client.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { allowWritesUnder, withLock, writeFileAtomic } from "../src/core/io/fs.ts";
import { BUILTIN_CLIENT_IDS, expectCode, withSandbox } from "./helpers.ts";
import { addServers, GH } from "./server_fixtures.ts";
import { getClient } from "../src/plugins/clients/mod.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const ENV = { MCP_NEXUS_BACKEND: "env", MCP_NEXUS_SECRET_GH_TOKEN: "ghp_leftoverTestSecret0000000000000000" };

Deno.test("backup restore: an entry written with --secrets inline is inline again in the ledger", () =>
  withSandbox(async (sb) => {
    const ledger = async () =>
      JSON.parse(await Deno.readTextFile(join(sb.nexusHome, "state", "ledger.json")));
    const cursor = join(sb.home, ".cursor", "mcp.json");
    await Deno.mkdir(join(sb.home, ".cursor"), { recursive: true });
    await Deno.writeTextFile(cursor, '{ "mcpServers": {} }\n');
    await addServers(sb, ENV, GH);
    expectCode(await sb.run(["sync", "--client", "cursor", "--secrets", "inline", "--yes"], { env: ENV }), 0);
    assert.equal((await ledger()).files[cursor].entries.gh.inline, true);
    // a plain sync replaces the values with a launcher entry (the backup keeps the inline version)
    expectCode(await sb.run(["sync", "--client", "cursor", "--yes"], { env: ENV }), 0);
    assert.equal((await ledger()).files[cursor].entries.gh.inline, undefined);
    expectCode(await sb.run(["backup", "restore", "latest", "--client", "cursor", "--yes"], { env: ENV }), 0);
    assert.match(await Deno.readTextFile(cursor), /ghp_leftoverTestSecret/, "the inline file is back");
    assert.equal((await ledger()).files[cursor].entries.gh.inline, true, "and so is its inline flag");
  }));

Deno.test("atomic write: the target's directory is not listed on an ordinary write; after a run died holding a lock, its temp files go", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp-nexus-fs-" });
  const realReadDir = Deno.readDir;
  const listed: string[] = [];
  try {
    allowWritesUnder(dir);
    const target = join(dir, "config.json");
    // a temp file of ours from a pid that cannot exist (above Linux's pid_max)
    const stale = join(dir, ".config.json.99999999.abcdef01.tmp");
    await Deno.writeTextFile(stale, "half");
    Deno.readDir = (p: string | URL) => (listed.push(String(p)), realReadDir(p));
    await writeFileAtomic(target, "one");
    assert.deepEqual(listed, [], "an ordinary write lists nothing (the directory may be a huge $HOME)");
    // the lock file still names its holder: that run died while holding it
    const lock = join(dir, ".sync.lock");
    await Deno.writeTextFile(lock, "99999999\n");
    await withLock(lock, () => writeFileAtomic(target, "two"));
    assert.equal(await Deno.readTextFile(target), "two");
    if (Deno.build.os === "linux") {
      assert.ok(!(await Deno.stat(stale).then(() => true, () => false)), "the dead run's temp file is gone");
    }
    assert.equal(await Deno.readTextFile(lock), "", "a clean release leaves the lock file empty");
  } finally {
    Deno.readDir = realReadDir;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("server add --disable / --disable-client: a replaced server keeps being off where it was asked", () =>
  withSandbox(async (sb) => {
    const show = async () => (await sb.json<Json>(["server", "show", "s"], { env: ENV })).data;
    expectCode(await sb.run(["server", "add", "s", "--disable", "--", "npx", "-y", "s"], { env: ENV }), 0);
    assert.equal((await show()).enabled, false);
    expectCode(
      await sb.run(
        [
          "server",
          "add",
          "s",
          "--replace",
          "--disable-client",
          "zed",
          "--disable-client",
          "cursor",
          "--",
          "npx",
          "s",
        ],
        { env: ENV },
      ),
      0,
    );
    const s = await show();
    assert.equal(s.enabled, true);
    assert.deepEqual(s.disabledClients, ["cursor", "zed"]);
    const bad = expectCode(
      await sb.run(["server", "add", "t", "--disable-client", "no-such-client", "--", "npx", "t"], {
        env: ENV,
      }),
      2,
    );
    assert.match(bad.stderr, /no-such-client/);
    // sync: not written to the disabled clients
    await Deno.mkdir(join(sb.home, ".cursor"), { recursive: true });
    await Deno.writeTextFile(join(sb.home, ".cursor", "mcp.json"), "{}");
    expectCode(
      await sb.run(["sync", "--client", "cursor", "--client", "claude-code", "--yes"], { env: ENV }),
      0,
    );
    assert.equal(
      JSON.parse(await Deno.readTextFile(join(sb.home, ".cursor", "mcp.json"))).mcpServers?.s,
      undefined,
    );
    assert.ok(JSON.parse(await Deno.readTextFile(join(sb.home, ".claude.json"))).mcpServers.s);
  }));

Deno.test("--json with a command group and no subcommand: the hint is that group's help, and it works", () =>
  withSandbox(async (sb) => {
    for (const group of ["secret", "server", "client", "backup", "plugin", "schedule"]) {
      const r = await sb.json<Json>([group], { env: ENV });
      assert.equal(r.code, 2, group);
      assert.equal(r.data.error.hint, `mcp-nexus ${group} --help`);
      expectCode(await sb.run([group, "--help"], { env: ENV }), 0);
    }
    const root = await sb.json<Json>([], { env: ENV });
    assert.equal(root.data.error.hint, "mcp-nexus --help");
  }));

Deno.test("server add --replace adds a secret header to a remote server: every client's entry is rewritten, none keeps the old one", () =>
  withSandbox(async (sb) => {
    const clients = BUILTIN_CLIENT_IDS.flatMap((c) => ["--client", c]);
    expectCode(
      await sb.run(["server", "add", "rem", "--url", "https://mcp.example.com/mcp"], { env: ENV }),
      0,
    );
    expectCode(await sb.run(["sync", ...clients, "--yes"], { env: ENV }), 0);
    expectCode(
      await sb.run([
        "server",
        "add",
        "rem",
        "--replace",
        "--url",
        "https://mcp.example.com/mcp",
        "--header",
        "Authorization=Bearer ${keychain:gh-token}",
      ], { env: ENV }),
      0,
    );
    const r = await sb.json<{ files: { client: string; path: string; status: string }[] }>(
      ["sync", ...clients, "--yes"],
      { env: ENV },
    );
    assert.equal(r.code, 0, JSON.stringify(r.data));
    const { parseDocument } = await import("../src/core/formats/mod.ts");
    const { readEntries } = await import("../src/core/sync/sync.ts");
    for (const f of r.data.files) {
      const a = getClient(f.client);
      const doc = await parseDocument(a.format, await Deno.readTextFile(f.path), f.path);
      const [key, { entry }] = [...readEntries(doc, a)].find(([k]) => k === (a.entryKey?.("rem") ?? "rem"))!;
      const cs = a.parse(key, entry);
      // the secret header is held by the launcher's bridge: the entry runs `mcp-nexus run rem`
      assert.ok(
        cs?.transport === "stdio" && cs.args.slice(-2).join(" ") === "run rem",
        `${f.client}: ${JSON.stringify(entry)}`,
      );
    }
  }));
