/**
 * The launcher's stdio ↔ remote bridge, against a real server: server-everything over streamable
 * HTTP behind a gate that lets through only the right bearer token. A client that takes only stdio
 * servers (Claude Desktop) gets a launcher entry; an MCP handshake through `mcp-nexus run` reaches
 * the remote server's tools with the header resolved from the secret store.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { LauncherTransport } from "../src/core/launch/mcp_check.ts";
import { expectCode, walkFiles, withSandbox } from "./helpers.ts";
import { EVERYTHING, startGatedEverything } from "./fixtures/gated_everything.ts";

Deno.test({
  name:
    "run bridges stdio to a remote server with a secret header on any host; sync writes it for stdio-only clients",
  ignore: Deno.build.os === "windows",
  fn: () =>
    withSandbox(async (sb) => {
      const secret = `bridge-canary-${crypto.randomUUID()}`;
      // 127.0.0.2: a host outside every list mcp-nexus has (Deno's permission check sees "127.0.0.2:port")
      const remote = await startGatedEverything(secret, "127.0.0.2");
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
        assert.doesNotMatch(
          r.stdout,
          /skipped|permission set/,
          "no host is skipped: the bridge may reach any host",
        );

        for (
          const [rel, key] of [[".config/Claude/claude_desktop_config.json", "mcpServers"], [
            ".config/zed/settings.json",
            "context_servers",
          ]]
        ) {
          const entry = JSON.parse(await Deno.readTextFile(join(sb.home, rel)))[key].remote;
          assert.deepEqual(entry.args.slice(-2), ["run", "remote"], `${rel}: ${JSON.stringify(entry)}`);
          const far = JSON.parse(await Deno.readTextFile(join(sb.home, rel)))[key].far;
          assert.deepEqual(far.args.slice(-2), ["run", "far"], `${rel}: ${JSON.stringify(far)}`);
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

Deno.test({
  name:
    "inside the bridge, only the server's host:port is reachable: another port, files, env, programs are denied",
  ignore: Deno.build.os === "windows",
  fn: () =>
    withSandbox(async (sb) => {
      // a listener the bridge must never reach, counting connections
      let connections = 0;
      const other = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const otherPort = (other.addr as Deno.NetAddr).port;
      const accepting = (async () => {
        for await (const conn of other) {
          connections++;
          conn.close();
        }
      })();
      const secret = `probe-canary-${crypto.randomUUID()}`;
      const remote = await startGatedEverything(secret, "127.0.0.2");
      try {
        // the test process itself reaches the listener: a denial below is the bridge's own
        (await Deno.connect({ hostname: "127.0.0.1", port: otherPort })).close();
        for (let i = 0; i < 50 && connections === 0; i++) await new Promise((r) => setTimeout(r, 10));
        assert.equal(connections, 1);
        const env = { MCP_NEXUS_BACKEND: "env", MCP_NEXUS_SECRET_TOK: secret };
        expectCode(
          await sb.run([
            "server",
            "add",
            "gated",
            "--url",
            remote.url,
            "--header",
            "Authorization=Bearer ${keychain:tok}",
          ], {
            env,
          }),
          0,
        );
        expectCode(await sb.run(["sync", "--client", "claude-desktop", "--yes"], { env }), 0);
        const entry = JSON.parse(
          await Deno.readTextFile(join(sb.home, ".config/Claude/claude_desktop_config.json")),
        ).mcpServers.gated;
        const transport = new LauncherTransport(entry.command, entry.args, {
          ...sb.env,
          ...env,
          MCP_NEXUS_DEBUG_PERMISSIONS: String(otherPort),
        });
        const client = new Client({ name: "bridge-test", version: "1.0.0" });
        await client.connect(transport);
        assert.ok((await client.listTools()).tools.length > 0, "its own server is reachable");
        await client.close();
        const line = transport.stderr.split("\n").find((l) => l.startsWith("bridge permissions: "));
        assert.ok(line, transport.stderr);
        assert.deepEqual(JSON.parse(line!.slice("bridge permissions: ".length)), {
          net: "denied",
          read: "denied",
          env: "denied",
          run: "denied",
        });
        const main = transport.stderr.split("\n").find((l) => l.startsWith("bridge main thread: "));
        assert.ok(main, transport.stderr);
        assert.deepEqual(
          JSON.parse(main!.slice("bridge main thread: ".length)),
          { net: "denied", run: "denied" },
          "the main thread (stdio, keychain) dropped the network once the Worker existed",
        );
        assert.equal(connections, 1, "the bridge never connected to the other port");
        assert.ok(remote.authorized > 0);
      } finally {
        await remote.close();
        other.close();
        await accepting.catch(() => {});
      }
    }),
});

Deno.test("every http(s) URL is bridgeable, on any host; the Worker's grant is that host:port alone", async () => {
  const { bridgeable, notBridgeable } = await import("../src/core/launch/bridge_check.ts");
  const { bridgeNetGrant } = await import("../src/core/launch/bridge.ts");
  for (const url of ["https://mcp.example.com/mcp", "http://127.0.0.2:8080/mcp", "http://[::1]:9/sse"]) {
    assert.ok(bridgeable(url), url);
  }
  assert.ok(bridgeable("https://${keychain:host}/mcp"), "a host from a secret is decided after resolving");
  for (const url of ["ftp://example.com/x", "not a url", "file:///etc/passwd"]) {
    assert.ok(!bridgeable(url), url);
  }
  assert.equal(bridgeNetGrant("https://mcp.example.com/mcp"), "mcp.example.com:443");
  assert.equal(bridgeNetGrant("http://mcp.example.com/mcp"), "mcp.example.com:80");
  assert.equal(bridgeNetGrant("http://127.0.0.2:8080/mcp"), "127.0.0.2:8080");
  assert.equal(bridgeNetGrant("http://[::1]:9/sse"), "[::1]:9");
  assert.equal(bridgeNetGrant("ftp://example.com/x"), null);
  const e = notBridgeable("far");
  assert.equal(e.code, "E_INVALID_URL");
  assert.match(e.message, /Server 'far': its url is not an http\(s\) URL/);
});

Deno.test({
  name: "run bridges an SSE server too (the Worker's SSE transport)",
  ignore: Deno.build.os === "windows",
  fn: () =>
    withSandbox(async (sb) => {
      const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (probe.addr as Deno.NetAddr).port;
      probe.close();
      const server = new Deno.Command(EVERYTHING, {
        args: ["sse"],
        env: { PORT: String(port) },
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      try {
        const reader = server.stderr.pipeThrough(new TextDecoderStream()).getReader();
        for (let log = ""; !/listening|running/i.test(log);) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`server-everything (sse) did not start: ${log}`);
          log += value;
        }
        reader.releaseLock();
        server.stderr.cancel().catch(() => {});
        expectCode(
          await sb.run([
            "server",
            "add",
            "events",
            "--transport",
            "sse",
            "--url",
            `http://127.0.0.1:${port}/sse`,
          ]),
          0,
        );
        expectCode(await sb.run(["sync", "--client", "claude-desktop", "--yes"]), 0);
        const entry = JSON.parse(
          await Deno.readTextFile(join(sb.home, ".config/Claude/claude_desktop_config.json")),
        ).mcpServers.events;
        const transport = new LauncherTransport(entry.command, entry.args, sb.env);
        const client = new Client({ name: "bridge-test", version: "1.0.0" });
        await client.connect(transport);
        assert.ok((await client.listTools()).tools.length > 0, transport.stderr);
        await client.close();
      } finally {
        server.kill("SIGTERM");
        await server.status;
      }
    }),
});
