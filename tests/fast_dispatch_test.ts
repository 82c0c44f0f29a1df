/**
 * The lean dispatch (src/cli/fast.ts) against commander: each command line it takes gives the same
 * stdout, stderr and exit code as the same command in a form only commander takes (`--backend=ID`,
 * which the lean dispatch leaves to commander), and the forms it does not know still reach commander.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode, type Sandbox, withSandbox } from "./helpers.ts";

const ENV = { MCP_NEXUS_BACKEND: "env" };

/** Runs `args` through the lean dispatch (`--backend env …`) and through commander (`--backend=env …`). */
async function both(sb: Sandbox, args: string[]) {
  const lean = await sb.run(["--backend", "env", ...args], { env: ENV });
  const full = await sb.run(["--backend=env", ...args], { env: ENV });
  const clean = (s: string) => s.replace(/\d{4}-\d\d-\d\dT[\d-]+Z-[0-9a-f]+/g, "BACKUP");
  assert.deepEqual(
    { code: lean.code, stdout: clean(lean.stdout), stderr: clean(lean.stderr) },
    { code: full.code, stdout: clean(full.stdout), stderr: clean(full.stderr) },
    `mcp-nexus ${args.join(" ")}`,
  );
  return lean;
}

Deno.test("lean dispatch: server list / ls, human and --json, as commander gives them", async () => {
  await withSandbox(async (sb) => {
    for (const args of [["server", "list"], ["server", "ls", "--json"], ["--json", "server", "list"]]) {
      expectCode(await both(sb, args), 0);
    }
    const add = async (a: string[]) => expectCode(await sb.run(["server", "add", ...a], { env: ENV }), 0);
    await add(["b-server", "--env", "T=${keychain:tok}", "--", "npx", "-y", "pkg"]);
    await add(["a-remote", "--url", "https://mcp.example.com/mcp", "--client", "cursor"]);
    expectCode(await sb.run(["server", "disable", "a-remote", "--client", "cursor"], { env: ENV }), 0);
    for (
      const args of [
        ["server", "list"],
        ["server", "ls"],
        ["server", "list", "--json"],
        ["server", "list", "--no-color"],
        ["--json", "--no-color", "server", "ls"],
      ]
    ) {
      const r = expectCode(await both(sb, args), 0);
      if (args.includes("--json")) {
        const servers = JSON.parse(r.stdout).servers;
        assert.deepEqual(servers.map((s: { name: string }) => s.name), ["a-remote", "b-server"]);
        assert.equal(servers[1].enabled, true);
      } else {assert.match(
          r.stdout,
          /a-remote +http +yes +cursor \(not cursor\) +https:\/\/mcp\.example\.com\/mcp/,
        );}
    }
  });
});

Deno.test("lean dispatch: a bad registry is reported as commander's path reports it", async () => {
  await withSandbox(async (sb) => {
    const reg = join(sb.nexusHome, "registry.json");
    await Deno.mkdir(sb.nexusHome, { recursive: true });
    for (
      const text of [
        "{ not json",
        JSON.stringify({ version: 2, servers: {} }),
        JSON.stringify({ version: 1, servers: { x: { transport: "stdio", command: "" } } }),
        JSON.stringify({
          version: 1,
          servers: { x: { transport: "http", url: "https://h", headers: { A: "a\nb" } } },
        }),
      ]
    ) {
      await Deno.writeTextFile(reg, text);
      for (const args of [["server", "list"], ["server", "list", "--json"], ["sync", "--dry-run"]]) {
        const r = await both(sb, args);
        assert.notEqual(r.code, 0, `${text}: ${r.stdout}${r.stderr}`);
        assert.match(r.stdout + r.stderr, /registry\.json/);
      }
    }
  });
});

Deno.test("lean dispatch: sync in its usual forms, as commander gives it", async () => {
  await withSandbox(async (sb) => {
    await Deno.mkdir(join(sb.home, ".cursor"), { recursive: true });
    await Deno.writeTextFile(join(sb.home, ".cursor", "mcp.json"), '{ "mcpServers": {} }\n');
    expectCode(await sb.run(["server", "add", "plain", "--", "npx", "-y", "pkg"], { env: ENV }), 0);
    const C = ["--client", "cursor", "--client", "codex"];
    // not on a terminal, without --yes: refused (exit 2), nothing written
    assert.equal((await both(sb, ["sync", ...C])).code, 2);
    assert.equal((await both(sb, ["sync", "--secrets", "bogus", ...C, "--yes"])).code, 2);
    assert.equal((await both(sb, ["sync", "--client", "no-such-client", "--yes"])).code, 2);
    assert.equal((await both(sb, ["sync", "--unattended", "--force"])).code, 2);
    expectCode(await both(sb, ["sync", ...C, "--dry-run"]), 0);
    expectCode(await both(sb, ["sync", ...C, "--dry-run", "--json"]), 0);
    // apply once through each path (the second finds nothing to do, as the first of the other would)
    const lean = expectCode(
      await sb.run(["--backend", "env", "sync", ...C, "-y", "--json"], { env: ENV }),
      0,
    );
    assert.equal(JSON.parse(lean.stdout).applied, true);
    for (
      const args of [["sync", ...C, "--yes"], ["sync", "--yes", ...C, "--json"], [
        "sync",
        ...C,
        "-y",
        "--force",
      ]]
    ) {
      expectCode(await both(sb, args), 0);
    }
    // drift: exit 5 on both paths
    const cursor = join(sb.home, ".cursor", "mcp.json");
    await Deno.writeTextFile(cursor, (await Deno.readTextFile(cursor)).replace('"pkg"', '"pkg2"'));
    assert.equal((await both(sb, ["sync", ...C, "--yes", "--json"])).code, 5);
  });
});

Deno.test("lean dispatch: forms it does not know still reach commander", async () => {
  await withSandbox(async (sb) => {
    const help = expectCode(await sb.run(["server", "list", "--help"], { env: ENV }), 0);
    assert.match(help.stdout, /Usage: mcp-nexus server list/);
    assert.match(
      expectCode(await sb.run(["sync", "--help"], { env: ENV }), 0).stdout,
      /Usage: mcp-nexus sync/,
    );
    // sync's options are not server list's: commander refuses them
    const r = await sb.run(["--backend", "sync", "server", "list", "--yes"], { env: ENV });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option '--yes'/);
    assert.equal((await sb.run(["server", "list", "extra"], { env: ENV })).code, 2);
    assert.equal((await sb.run(["sync", "--client"], { env: ENV })).code, 2);
  });
});
