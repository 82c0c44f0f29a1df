/**
 * The network half of the stdio ↔ remote bridge, run in a Worker that may connect to one host:port
 * (the registered server's) and nothing else: no files, no environment, no programs, no native
 * libraries (bridge.ts creates it). The main thread keeps stdio and the keychain and hands this
 * Worker the resolved URL and headers once; messages pass through as they are.
 *
 * Main → Worker: `{ type: "start", url, transport, headers }`, `{ type: "send", message }`,
 * `{ type: "close" }`. Worker → main: `{ type: "started" }`, `{ type: "message", message }`,
 * `{ type: "reply", message }` (a JSON-RPC error for a refused request), `{ type: "fail", where,
 * message }`, `{ type: "closed" }`, `{ type: "probe", result }` (debug only).
 */
import { errorReply } from "./bridge.ts";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

type In =
  | {
    type: "start";
    url: string;
    transport: "http" | "sse";
    headers: Record<string, string>;
    /** `MCP_NEXUS_DEBUG_PERMISSIONS`: first try 127.0.0.1:probe, a file and a variable (the tests' proof). */
    probe?: number;
  }
  | { type: "send"; message: JSONRPCMessage }
  | { type: "close" };

const scope = self as unknown as {
  postMessage(m: unknown): void;
  onmessage: ((e: MessageEvent<In>) => void) | null;
};

interface Remote {
  start(): Promise<void>;
  send(m: JSONRPCMessage): Promise<void>;
  close(): Promise<void>;
  onmessage?: (m: JSONRPCMessage) => void;
  onerror?: (err: Error) => void;
  onclose?: () => void;
}

let remote: Remote | undefined;
const answered = new WeakSet<object>();
let failed = false;

function fail(where: string) {
  return (err: unknown) => {
    if (failed) return;
    failed = true;
    scope.postMessage({ type: "fail", where, message: err instanceof Error ? err.message : String(err) });
  };
}

async function start(url: URL, transport: "http" | "sse", headers: Record<string, string>): Promise<void> {
  const requestInit = { headers };
  const r: Remote = transport === "sse"
    ? new (await import("@modelcontextprotocol/sdk/client/sse.js")).SSEClientTransport(url, { requestInit })
    : new (await import("@modelcontextprotocol/sdk/client/streamableHttp.js")).StreamableHTTPClientTransport(
      url,
      { requestInit },
    );
  r.onmessage = (message) => scope.postMessage({ type: "message", message });
  // the SDK reports a failed send here first, then rejects the send: decide once the send has been seen
  r.onerror = (err) =>
    void setTimeout(() => {
      if (!(typeof err === "object" && err !== null && answered.has(err))) fail("the server connection")(err);
    }, 0);
  r.onclose = () => scope.postMessage({ type: "closed" });
  remote = r;
  await r.start();
  scope.postMessage({ type: "started" });
}

async function probe(port: number): Promise<Record<string, string>> {
  const attempt = async (f: () => unknown) => {
    try {
      await f();
      return "allowed";
    } catch (err) {
      return err instanceof Deno.errors.NotCapable ? "denied" : "allowed";
    }
  };
  return {
    net: await attempt(async () => (await Deno.connect({ hostname: "127.0.0.1", port })).close()),
    read: await attempt(() => Deno.readFileSync(Deno.execPath())),
    env: await attempt(() => Deno.env.get("HOME")),
    run: await attempt(() => new Deno.Command(Deno.execPath(), { args: ["--version"] }).output()),
  };
}

scope.onmessage = (e: MessageEvent<In>) => {
  const m = e.data;
  if (m.type === "start") {
    if (m.probe) void probe(m.probe).then((result) => scope.postMessage({ type: "probe", result }));
    void start(new URL(m.url), m.transport, m.headers).catch(fail("the server connection"));
  } else if (m.type === "send") {
    void remote?.send(m.message).catch((err: unknown) => {
      // a request the server refuses with an HTTP error other than 401/403 gets a JSON-RPC error
      // reply and the bridge stays up; refused credentials and a lost connection end it
      const reply = errorReply(m.message, err);
      if (!reply) return fail("sending to the server")(err);
      answered.add(err as object);
      scope.postMessage({ type: "reply", message: reply });
    });
  } else if (m.type === "close") {
    void (remote?.close() ?? Promise.resolve()).finally(() => scope.postMessage({ type: "closed" }));
  }
};
