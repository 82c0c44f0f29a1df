/**
 * The work behind `mcp-nexus check`: a real MCP handshake (initialize + tools/list, with the SDK's
 * Client) with a server, the way an AI client reaches it: a stdio server through the launcher
 * (`selfCommand() run NAME`, exactly the entry written to clients), a remote one through the same
 * launcher's bridge (its network part in a Worker granted that server's host:port alone). Loaded only by `check` (src/cli/check.ts): the
 * SDK's module graph is not something every command should pay for.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { deserializeMessage, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { NexusError, toNexusError } from "../model/errors.ts";
import type { ServerDef } from "../model/registry.ts";
import type { SecretServices } from "../secrets/services.ts";
import { selfCommand } from "./launcher_command.ts";
import { bridgeHost } from "./bridge_check.ts";
import { VERSION } from "../../version.ts";

type StdioDef = Extract<ServerDef, { transport: "stdio" }>;
type RemoteDef = Exclude<ServerDef, StdioDef>;

/** One server's check, as `--json` prints it. Never holds a secret value. */
export interface CheckResult {
  name: string;
  transport: ServerDef["transport"];
  ok: boolean;
  /** How many tools tools/list returned. */
  tools: number | null;
  toolNames: string[];
  /** What the server said it is, in its initialize answer. */
  serverInfo: { name: string; version: string } | null;
  /** Wall time from spawn/connect to the tools list, in milliseconds. */
  ms: number;
  error?: { code: string; message: string; hint?: string };
  /** The last lines the server (or the launcher) wrote to stderr, when the check failed. */
  stderr?: string;
}

const STDERR_TAIL_LINES = 20;
const STDERR_KEEP_BYTES = 16 * 1024;
const MAX_LINE = 10 * 1024 * 1024;

function tail(text: string): string {
  return text.trimEnd().split("\n").slice(-STDERR_TAIL_LINES).join("\n");
}

/**
 * A stdio client transport for the SDK's Client that spawns with Deno.Command. (The SDK's own
 * StdioClientTransport cannot run under our permission set: its cross-spawn reads OSTYPE, and it hands
 * the child only a short list of variables, where a client hands the launcher its whole environment.)
 * Messages are newline-delimited JSON-RPC, as in the SDK. The child's exit code and the tail of its
 * stderr are kept for the error report.
 */
export class LauncherTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** The last bytes the child wrote to stderr. */
  stderr = "";
  exitCode: number | null = null;
  #child?: Deno.ChildProcess;
  #writer?: WritableStreamDefaultWriter<Uint8Array>;
  #done?: Promise<void>;
  #closed = false;

  constructor(
    readonly command: string,
    readonly args: string[],
    readonly env: Record<string, string> = {},
  ) {}

  start(): Promise<void> {
    if (this.#child) throw new Error("LauncherTransport already started");
    const child = new Deno.Command(this.command, {
      args: this.args,
      env: this.env, // on top of ours, as a client's spawn would
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    const stdout = this.#readLines(child.stdout);
    const stderr = (async () => {
      const dec = new TextDecoder();
      for await (const chunk of child.stderr) {
        this.stderr = (this.stderr + dec.decode(chunk, { stream: true })).slice(-STDERR_KEEP_BYTES);
      }
    })().catch(() => {});
    this.#done = Promise.all([stdout, stderr, child.status]).then(([, , status]) => {
      this.exitCode = status.code;
      if (!this.#closed) {
        this.#closed = true;
        this.onclose?.();
      }
    });
    return Promise.resolve();
  }

  async #readLines(stream: ReadableStream<Uint8Array>): Promise<void> {
    const dec = new TextDecoder();
    let pending = "";
    try {
      for await (const chunk of stream) {
        pending += dec.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = pending.indexOf("\n")) >= 0) {
          const line = pending.slice(0, nl).replace(/\r$/, "");
          pending = pending.slice(nl + 1);
          if (line.trim() === "") continue;
          try {
            this.onmessage?.(deserializeMessage(line));
          } catch (err) {
            this.onerror?.(err as Error);
          }
        }
        if (pending.length > MAX_LINE) throw new Error("a message over 10 MiB from the server");
      }
    } catch (err) {
      this.onerror?.(err as Error);
    }
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (!this.#writer) throw new Error("Not connected");
    await this.#writer.write(new TextEncoder().encode(serializeMessage(message)));
  }

  /** Ends stdin; after 2 s SIGTERM, after 2 more SIGKILL (as the SDK's transport does). */
  async close(): Promise<void> {
    const child = this.#child;
    if (!child || !this.#done) return;
    await this.#writer?.close().catch(() => {});
    const waitFor = (ms: number) =>
      Promise.race([
        this.#done!.then(() => true),
        new Promise<boolean>((r) => {
          const t = setTimeout(() => r(false), ms);
          this.#done!.then(() => clearTimeout(t));
        }),
      ]);
    for (const sig of [null, "SIGTERM", "SIGKILL"] as const) {
      if (sig) {
        try {
          child.kill(sig);
        } catch {
          // already gone
        }
      }
      if (await waitFor(2000)) return;
    }
  }
}

/**
 * Reads the server's secrets here too, only so the redactor knows them: whatever the server prints
 * to stderr is shown masked. Best effort: if they cannot be read, the launcher says why.
 */
async function learnSecrets(secrets: SecretServices, name: string, server: ServerDef): Promise<void> {
  try {
    await secrets.resolveServer(name, server);
  } catch {
    // the launcher reports it, on its stderr
  }
}

function timeoutError(name: string, seconds: number): NexusError {
  return new NexusError("E_CHECK_TIMEOUT", `Server '${name}' did not answer within ${seconds} s.`, {
    hint: `A first start may download the server; try again, or give it longer with --timeout.`,
    details: { server: name },
  });
}

/** initialize + tools/list (all pages) over a connected transport; closes it. */
async function handshake(
  // deno-lint-ignore no-explicit-any
  transport: any,
  timeoutMs: number,
): Promise<{ tools: string[]; serverInfo: { name: string; version: string } | null }> {
  const client = new Client({ name: "mcp-nexus-check", version: VERSION });
  try {
    await client.connect(transport, { timeout: timeoutMs });
    const tools: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const res = await client.listTools(cursor ? { cursor } : undefined, { timeout: timeoutMs });
      tools.push(...res.tools.map((t: { name: string }) => t.name));
      cursor = res.nextCursor;
      if (!cursor) break;
    }
    const info = client.getServerVersion();
    return { tools, serverInfo: info ? { name: info.name, version: info.version } : null };
  } finally {
    await client.close().catch(() => {});
  }
}

/** Runs `fn` with an overall deadline (the SDK's own timeouts cover each request, not the spawn). */
async function withDeadline<T>(ms: number, fn: () => Promise<T>, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      fn(),
      new Promise<never>((_, reject) => timer = setTimeout(() => reject(onTimeout()), ms + 5_000)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function checkStdio(
  opts: CheckOptions,
  name: string,
  server: StdioDef | RemoteDef,
): Promise<Omit<CheckResult, "name" | "transport" | "ms">> {
  const { backendFlag, timeoutMs } = opts;
  await learnSecrets(opts.secrets, name, server);
  const [command, ...pre] = selfCommand();
  const transport = new LauncherTransport(
    command,
    [...pre, "run", name],
    backendFlag ? { MCP_NEXUS_BACKEND: backendFlag } : {},
  );
  try {
    const r = await withDeadline(
      timeoutMs,
      () => handshake(transport, timeoutMs),
      () => timeoutError(name, timeoutMs / 1000),
    );
    return { ok: true, tools: r.tools.length, toolNames: r.tools, serverInfo: r.serverInfo };
  } catch (err) {
    await transport.close().catch(() => {});
    const e = toNexusError(err);
    // "Connection closed" says little: the launcher's or the server's own words are in its stderr
    const exited = transport.exitCode === null ? "" : ` (it exited with code ${transport.exitCode})`;
    const message = e.code === "E_INTERNAL"
      ? `Server '${name}' failed the MCP handshake${exited}: ${e.message}`
      : e.message;
    return {
      ok: false,
      tools: null,
      toolNames: [],
      serverInfo: null,
      error: { code: e.code === "E_INTERNAL" ? "E_CHECK_FAILED" : e.code, message, hint: e.hint },
      stderr: tail(transport.stderr) || undefined,
    };
  }
}

/**
 * A remote server is checked through the launcher's bridge (`mcp-nexus run NAME`), exactly as a
 * client reaches it: its network part runs in a Worker granted that server's host:port alone, so
 * `check` itself needs no network at all.
 */
async function checkRemote(
  opts: CheckOptions,
  name: string,
  server: RemoteDef,
): Promise<Omit<CheckResult, "name" | "transport" | "ms">> {
  if (bridgeHost(server.url) === null) {
    return {
      ok: false,
      tools: null,
      toolNames: [],
      serverInfo: null,
      error: {
        code: "E_INVALID_URL",
        message: `Server '${name}': its url is not an http(s) URL.`,
        hint: `mcp-nexus server add ${name} --replace --url https://HOST/PATH`,
      },
    };
  }
  return await checkStdio(opts, name, server);
}

export interface CheckOptions {
  /** Passed on to the launcher it starts (`MCP_NEXUS_BACKEND`). */
  backendFlag?: string;
  /** The host's (src/host/services.ts): the server's secrets are read only to mask them in its stderr. */
  secrets: SecretServices;
  timeoutMs: number;
}

/** Checks one server. */
export async function checkServer(name: string, server: ServerDef, opts: CheckOptions): Promise<CheckResult> {
  const started = performance.now();
  const r = server.transport === "stdio"
    ? await checkStdio(opts, name, server)
    : await checkRemote(opts, name, server);
  return { name, transport: server.transport, ...r, ms: Math.round(performance.now() - started) };
}
