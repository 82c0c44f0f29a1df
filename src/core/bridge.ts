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

/**
 * The JSON-RPC error reply for a request the remote server refused with an HTTP status other than
 * 401/403 (the server's own JSON-RPC error when its body holds one); null when the bridge should end.
 */
export function errorReply(m: JSONRPCMessage, err: unknown): JSONRPCMessage | null {
  if (!("method" in m) || !("id" in m) || m.id === undefined) return null; // not a request
  const status = (err as { code?: unknown } | null)?.code;
  if (typeof status !== "number" || status < 400 || status === 401 || status === 403) return null;
  const message = err instanceof Error ? err.message : String(err);
  let error: { code: number; message: string; data?: unknown } = {
    code: -32603,
    message: redact(`the server answered HTTP ${status}: ${message}`),
  };
  const body = /Error POSTing to endpoint: (\{.*\})\s*$/s.exec(message)?.[1];
  try {
    const parsed = body ? JSON.parse(body) : null;
    const e = parsed?.error;
    if (e && typeof e.code === "number" && typeof e.message === "string") {
      error = { code: e.code, message: redact(e.message) };
    }
  } catch {
    // not JSON: the generic error above
  }
  return { jsonrpc: "2.0", id: m.id, error } as JSONRPCMessage;
}

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
  // A request the server refuses with an HTTP error (Copilot CLI asks before `initialize`, which
  // server-everything answers 400 "Server not initialized") gets a JSON-RPC error reply and the bridge
  // stays up; refused credentials (401/403) and a lost connection end it, saying why.
  const answered = new WeakSet<object>();
  local.onmessage = (m: JSONRPCMessage) =>
    void remote.send(m).catch((err: unknown) => {
      const reply = errorReply(m, err);
      if (!reply) return fail("sending to the server")(err);
      answered.add(err as object);
      void local.send(reply).catch(fail("writing to the client"));
    });
  remote.onmessage = (m: JSONRPCMessage) => void local.send(m).catch(fail("writing to the client"));
  // the SDK reports a failed send here first, then rejects the send: decide once the send has been seen
  remote.onerror = (err: unknown) =>
    void setTimeout(() => {
      if (!(typeof err === "object" && err !== null && answered.has(err))) fail("the server connection")(err);
    }, 0);
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
