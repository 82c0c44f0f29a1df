/**
 * The stdio ↔ remote bridge: `mcp-nexus run NAME` for a remote (http/sse) server. A client that can
 * only start stdio servers (Claude Desktop), or that cannot read a secret header from its
 * environment, starts the launcher; the launcher resolves the headers from the keychain and relays
 * JSON-RPC messages between its stdin/stdout and the remote server with the official MCP SDK's
 * transports. Messages are passed through as they are, never interpreted.
 *
 * It can reach only the hosts in the permission set (deno.json `permissions.nexus.net`: loopback and
 * the hosts mcp-nexus itself uses); `bridgeable()` tells sync beforehand, so nothing is written that
 * could not work.
 */
import { ExitCode } from "./errors.ts";
import { bridgeable, notBridgeable } from "./bridge_check.ts";
import { redact } from "./redact.ts";
import { sanitizeTerminal } from "./sanitize.ts";
import type { RemoteServerDef } from "./registry_schema.ts";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

/** Relays stdio ↔ the remote server until either side closes; returns the exit code. */
export async function bridgeRemote(
  name: string,
  server: RemoteServerDef,
  opts: { backendFlag?: string; setting?: string } = {},
): Promise<number> {
  const { resolveServer, collectReferences } = await import("./references.ts");
  let resolved = server;
  if (collectReferences(server, name).length > 0) {
    const { selectBackend } = await import("../plugins/backends/mod.ts");
    const { SecretStore } = await import("./secrets.ts");
    const store = new SecretStore(selectBackend(opts.backendFlag, opts.setting));
    resolved = await resolveServer(server, name, (names) => store.getMany(names));
  }
  if (!bridgeable(resolved.url)) throw notBridgeable(name, resolved.url);
  const url = new URL(resolved.url);
  const [{ StdioServerTransport }, remoteModule] = await Promise.all([
    import("@modelcontextprotocol/sdk/server/stdio.js"),
    server.transport === "sse"
      ? import("@modelcontextprotocol/sdk/client/sse.js")
      : import("@modelcontextprotocol/sdk/client/streamableHttp.js"),
  ]);
  const requestInit = { headers: resolved.headers };
  const remote = "SSEClientTransport" in remoteModule
    ? new remoteModule.SSEClientTransport(url, { requestInit })
    : new remoteModule.StreamableHTTPClientTransport(url, { requestInit });
  const local = new StdioServerTransport();

  let finish!: (code: number) => void;
  const done = new Promise<number>((r) => finish = r);
  let failed = false;
  const fail = (where: string) => (err: unknown) => {
    if (failed) return;
    failed = true;
    const message = err instanceof Error ? err.message : String(err);
    Deno.stderr.writeSync(
      new TextEncoder().encode(sanitizeTerminal(redact(`mcp-nexus run: ${name}: ${where}: ${message}\n`))),
    );
    finish(ExitCode.FAILURE);
  };
  local.onmessage = (m: JSONRPCMessage) => void remote.send(m).catch(fail("sending to the server"));
  remote.onmessage = (m: JSONRPCMessage) => void local.send(m).catch(fail("writing to the client"));
  remote.onerror = fail("the server connection");
  local.onclose = () => finish(ExitCode.OK);
  remote.onclose = () => finish(failed ? ExitCode.FAILURE : ExitCode.OK);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    try {
      Deno.addSignalListener(sig, () => finish(128 + (sig === "SIGINT" ? 2 : sig === "SIGTERM" ? 15 : 1)));
    } catch { /* not on this OS */ }
  }
  await remote.start();
  await local.start();
  const code = await done;
  await Promise.allSettled([remote.close(), local.close()]);
  return code;
}
