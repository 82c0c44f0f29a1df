/**
 * The launcher's stdio ↔ remote bridge, against a real server: server-everything over streamable
 * HTTP behind a gate that lets through only the right bearer token. A client that takes only stdio
 * servers (Claude Desktop) gets a launcher entry; an MCP handshake through `mcp-nexus run` reaches
 * the remote server's tools with the header resolved from the secret store.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { LauncherTransport } from "../src/core/mcp_check.ts";
import { expectCode, walkFiles, withSandbox } from "./helpers.ts";
import { startGatedEverything } from "./fixtures/gated_everything.ts";

Deno.test({
  name: "run bridges stdio to a remote server with a secret header; sync writes it for stdio-only clients",
  ignore: Deno.build.os === "windows",
  fn: () =>
    withSandbox(async (sb) => {
      const secret = `bridge-canary-${crypto.randomUUID()}`;
      const remote = await startGatedEverything(secret);
      try {
        const env = { MCP_NEXUS_BACKEND: "env", MCP_NEXUS_SECRET_REMOTE_TOKEN: secret };
        const url = remote.url;
        expectCode(
          await sb.run([
            "server",
            "add",
            "remote",
            "--url",
            url,
            "--header",
            "Authorization=Bearer ${keychain:remote-token}",
          ], { env }),
          0,
        );
        expectCode(
          await sb.run([
            "server",
            "add",
            "far",
            "--url",
            "https://mcp.example.com/mcp",
            "--header",
            "X-Key=${keychain:remote-token}",
          ], { env }),
          0,
        );
        const r = expectCode(
          await sb.run(["sync", "--client", "claude-desktop", "--client", "zed", "--yes"], { env }),
          0,
        );
        assert.match(
          r.stdout,
          /far: .*permission set/,
          "a host the bridge cannot reach is skipped with the reason",
        );

        for (
          const [rel, key] of [[".config/Claude/claude_desktop_config.json", "mcpServers"], [
            ".config/zed/settings.json",
            "context_servers",
          ]]
        ) {
          const entry = JSON.parse(await Deno.readTextFile(join(sb.home, rel)))[key].remote;
          assert.deepEqual(entry.args.slice(-2), ["run", "remote"], `${rel}: ${JSON.stringify(entry)}`);
          assert.equal(JSON.parse(await Deno.readTextFile(join(sb.home, rel)))[key].far, undefined);
        }

        // what the client does: start the entry's command and speak MCP over its stdio
        const desktop = JSON.parse(
          await Deno.readTextFile(join(sb.home, ".config/Claude/claude_desktop_config.json")),
        );
        const entry = desktop.mcpServers.remote;
        const transport = new LauncherTransport(entry.command, entry.args, { ...sb.env, ...env });
        const client = new Client({ name: "bridge-test", version: "1.0.0" });
        await client.connect(transport);
        const tools = await client.listTools();
        assert.ok(tools.tools.length > 0, "tools through the bridge");
        const echo = await client.callTool({ name: "echo", arguments: { message: "through the bridge" } });
        assert.match(JSON.stringify(echo.content), /through the bridge/);
        await client.close();
        assert.ok(
          remote.authorized > 0 && remote.refused === 0,
          `authorized ${remote.authorized}, refused ${remote.refused}`,
        );
        assert.ok(!transport.stderr.includes(secret));

        // a wrong secret: the bridge reports the failure on stderr, without the value
        const wrong = new LauncherTransport(entry.command, entry.args, {
          ...sb.env,
          ...env,
          MCP_NEXUS_SECRET_REMOTE_TOKEN: "wrong-value-xyz",
        });
        const c2 = new Client({ name: "bridge-test", version: "1.0.0" });
        await assert.rejects(() => c2.connect(wrong));
        await c2.close().catch(() => {});
        assert.ok(remote.refused > 0);
        assert.ok(!wrong.stderr.includes("wrong-value-xyz"), wrong.stderr);
        for (const f of await walkFiles(sb.home)) {
          assert.ok(!(await Deno.readTextFile(f)).includes(secret), f);
        }
      } finally {
        await remote.close();
      }
    }),
});
