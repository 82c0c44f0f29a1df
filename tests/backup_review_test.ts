/**
 * Review finding on `backup restore latest --client ID` (README's example): 'latest' with --client is
 * the newest backup holding that client's file, not the newest backup of any file.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode, withSandbox } from "./helpers.ts";

const ENV = { MCP_NEXUS_BACKEND: "env" };

Deno.test("backup restore latest --client codex: the newest backup of codex's file, even when a later sync backed up only another client", () =>
  withSandbox(async (sb) => {
    const codex = join(sb.home, ".codex", "config.toml");
    await Deno.mkdir(join(sb.home, ".codex"), { recursive: true });
    const original = '# mine\nmodel = "o3"\n';
    await Deno.writeTextFile(codex, original);
    await Deno.mkdir(join(sb.home, ".cursor"), { recursive: true });
    await Deno.writeTextFile(join(sb.home, ".cursor", "mcp.json"), '{ "mcpServers": {} }\n');
    const opts = { env: ENV };
    expectCode(await sb.run(["server", "add", "one", "--", "npx", "-y", "one"], opts), 0);
    expectCode(await sb.run(["sync", "--client", "codex", "--client", "cursor", "--yes"], opts), 0);
    expectCode(await sb.run(["server", "add", "two", "--", "npx", "-y", "two"], opts), 0);
    expectCode(await sb.run(["sync", "--client", "cursor", "--yes"], opts), 0); // newest backup: cursor only
    assert.notEqual(await Deno.readTextFile(codex), original);

    const r = await sb.run(["backup", "restore", "latest", "--client", "codex", "--yes"], opts);
    expectCode(r, 0);
    assert.equal(await Deno.readTextFile(codex), original, "codex's file as it was before the first sync");

    // a client no backup holds: said so, with a command that lists them
    const none = expectCode(
      await sb.run(["backup", "restore", "latest", "--client", "zed", "--yes"], opts),
      2,
    );
    assert.match(none.stderr, /zed/);
    assert.match(none.stderr, /mcp-nexus backup list/);
  }));
