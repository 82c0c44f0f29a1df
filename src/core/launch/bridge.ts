/**
 * The stdio ↔ remote bridge: `mcp-nexus run NAME` for a remote (http/sse) server. A client that can
 * only start stdio servers (Claude Desktop), or that cannot read a secret header from its
 * environment, starts the launcher; the launcher resolves the headers from the keychain and relays
 * JSON-RPC messages between its stdin/stdout and the remote server with the official MCP SDK's
 * transports. Messages are passed through as they are, never interpreted.
 *
 * The network part runs in a Worker granted `net` for that server's host:port alone (computed from
 * the registry entry), with no files, environment, programs or native libraries; this thread resolves
 * the secrets, keeps stdio, and drops `net`, `run` and `ffi` once the Worker exists. So any http(s)
 * server can be bridged (`bridgeable()` only checks the URL), and the bridge can reach nothing else.
 */
import { ExitCode } from "../model/errors.ts";
import { bridgeHost, notBridgeable } from "./bridge_check.ts";
import { redact } from "../secrets/redact.ts";
import { sanitizeTerminal } from "../io/sanitize.ts";
import type { RemoteServerDef } from "../model/registry_schema.ts";
import type { SecretServices } from "../secrets/services.ts";
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

/**
 * The `host:port` the bridge's Worker may connect to: the server URL's, with the scheme's default port
 * written out (Deno checks `host:port`). Null for a URL that is not http(s).
 */
export function bridgeNetGrant(url: string): string | null {
  if (bridgeHost(url) === null) return null;
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol === "https:" ? "443" : "80")}`;
}

/** Relays stdio ↔ the remote server until either side closes; returns the exit code. */
export async function bridgeRemote(
  name: string,
  server: RemoteServerDef,
  secrets: SecretServices,
): Promise<number> {
  const resolved = await secrets.resolveServer(name, server);
  const grant = bridgeNetGrant(resolved.url);
  if (grant === null) throw notBridgeable(name);
  // The network part runs in a Worker that may reach this one host:port and nothing else; this
  // thread keeps stdio and the keychain, and then gives up the network and programs for good
  // (measured on Deno 2.9.6: revoking here after the Worker exists leaves the Worker's grant as is).
  const worker = new Worker(new URL("./bridge_worker.ts", import.meta.url).href, {
    type: "module",
    // @ts-ignore: Deno's worker options (deno.json `unstable: ["worker-options"]`)
    deno: {
      permissions: {
        net: [grant],
        read: false,
        write: false,
        run: false,
        ffi: false,
        env: false,
        sys: false,
        import: false,
      },
    },
  });
  for (const power of ["net", "run", "ffi"] as const) await Deno.permissions.revoke({ name: power });
  const probePort = Number(Deno.env.get("MCP_NEXUS_DEBUG_PERMISSIONS")) || undefined;
  if (probePort) {
    // the tests' proof that this thread gave up the network and programs
    const attempt = async (f: () => Promise<unknown>) => {
      try {
        await f();
        return "allowed";
      } catch (err) {
        return err instanceof Deno.errors.NotCapable ? "denied" : "allowed";
      }
    };
    const result = {
      net: await attempt(async () =>
        (await Deno.connect({ hostname: "127.0.0.1", port: probePort })).close()
      ),
      run: await attempt(() => new Deno.Command(Deno.execPath(), { args: ["--version"] }).output()),
    };
    Deno.stderr.writeSync(new TextEncoder().encode(`bridge main thread: ${JSON.stringify(result)}\n`));
  }
  const { StdioServerTransport } = await import("@modelcontextprotocol/sdk/server/stdio.js");
  const local = new StdioServerTransport();

  let finish!: (code: number) => void;
  const done = new Promise<number>((r) => finish = r);
  let failed = false;
  const fail = (where: string, message: string) => {
    if (failed) return;
    failed = true;
    Deno.stderr.writeSync(
      new TextEncoder().encode(sanitizeTerminal(redact(`mcp-nexus run: ${name}: ${where}: ${message}\n`))),
    );
    finish(ExitCode.FAILURE);
  };
  const writeFailed = (err: unknown) =>
    fail("writing to the client", err instanceof Error ? err.message : String(err));
  let started!: () => void;
  const ready = new Promise<void>((r) => started = r);
  let closed!: () => void;
  const workerClosed = new Promise<void>((r) => closed = r);
  worker.onmessage = (e: MessageEvent) => {
    const m = e.data as
      | { type: "started" | "closed" }
      | { type: "message" | "reply"; message: JSONRPCMessage }
      | { type: "fail"; where: string; message: string }
      | { type: "probe"; result: Record<string, string> };
    if (m.type === "started") started();
    else if (m.type === "probe") {
      Deno.stderr.writeSync(new TextEncoder().encode(`bridge permissions: ${JSON.stringify(m.result)}\n`));
    } else if (m.type === "message") {
      void local.send(m.message).catch(writeFailed);
    } else if (m.type === "reply") {
      const reply = m.message as { error?: { message?: string } };
      if (reply.error?.message) reply.error.message = redact(reply.error.message);
      void local.send(m.message).catch(writeFailed);
    } else if (m.type === "fail") {
      fail(m.where, m.message);
      started();
    } else if (m.type === "closed") {
      closed();
      finish(failed ? ExitCode.FAILURE : ExitCode.OK);
    }
  };
  worker.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    fail("the bridge", e.message);
    started();
  };
  // Requests the server refuses with an HTTP error (Copilot CLI asks before `initialize`, which
  // server-everything answers 400 "Server not initialized") get a JSON-RPC error reply in the Worker.
  local.onmessage = (message: JSONRPCMessage) => worker.postMessage({ type: "send", message });
  local.onclose = () => finish(ExitCode.OK);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    try {
      Deno.addSignalListener(sig, () => finish(128 + (sig === "SIGINT" ? 2 : sig === "SIGTERM" ? 15 : 1)));
    } catch { /* not on this OS */ }
  }
  worker.postMessage({
    type: "start",
    url: resolved.url,
    transport: server.transport === "sse" ? "sse" : "http",
    headers: resolved.headers,
    probe: probePort,
  });
  await ready;
  if (!failed) await local.start();
  const code = await done;
  worker.postMessage({ type: "close" });
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([workerClosed, new Promise((r) => timer = setTimeout(r, 1000))]);
  clearTimeout(timer);
  worker.terminate();
  await local.close().catch(() => {});
  return code;
}
