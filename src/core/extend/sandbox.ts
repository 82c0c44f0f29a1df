/**
 * Third-party plugin code runs here: in a Worker with no permissions at all (or, for a secret backend,
 * only the permissions its trusted manifest declares), with a time limit, data in and data out.
 *
 * A permissionless Worker alone is not enough on Deno 2.9.6: module loading is not a read, so
 * `import("file:///…/x.json", {with: {type: "json"}})` and `import("npm:…")` work in it. So before the
 * plugin's module is evaluated the Worker removes every way to load code: the source may not contain
 * the word `import` (static, dynamic, `import.meta`), and `eval`, the Function constructors (reached
 * through any function's `.constructor`), `Worker` and `Deno` are gone. What is left is pure
 * computation on the JSON it is given.
 *
 * Calls are synchronous for client hooks (the adapter interface is synchronous): the Worker answers
 * through a SharedArrayBuffer and the caller waits with `Atomics.wait` and a timeout. Needs
 * `--unstable-worker-options` (deno.json `"unstable": ["worker-options"]`, which covers `deno run`,
 * `deno test` and `deno compile` alike).
 */
import { ExitCode, NexusError } from "../model/errors.ts";

/** Words a plugin module's source may not contain (as whole words). */
const FORBIDDEN = [
  "import",
  "eval",
  "Function",
  "Worker",
  "Deno",
  "constructor",
  "globalThis",
  "self",
  "permissions",
];

/**
 * Why a plugin module's source cannot be sandboxed (empty: it can). `allowDeno`: a secret backend's
 * module may use the runtime's APIs, within the permissions its manifest declares.
 */
export function sourceProblems(source: string, opts: { allowDeno?: boolean } = {}): string[] {
  const problems: string[] = [];
  for (const word of FORBIDDEN.filter((w) => !(opts.allowDeno && w === "Deno"))) {
    if (new RegExp(`(^|[^A-Za-z0-9_$])${word}([^A-Za-z0-9_$]|$)`).test(source)) {
      problems.push(
        `the module mentions \`${word}\` (even a comment counts): plugin hooks are one self-contained ` +
          "file of plain functions (no imports, no eval, no runtime APIs)",
      );
    }
  }
  if (/\\u/.test(source)) problems.push("the module uses \\u escapes in code (write the characters instead)");
  return problems;
}

/** The Worker's own code: locks the realm down, loads the plugin, answers calls. */
const BOOTSTRAP = `
const post = self.postMessage.bind(self);
const enc = new TextEncoder();
const AtomicsStore = Atomics.store, AtomicsNotify = Atomics.notify;
const stringify = JSON.stringify;
const deny = () => { throw new TypeError("not available to a plugin"); };
for (const f of [function () {}, async function () {}, function* () {}, async function* () {}]) {
  Object.defineProperty(Object.getPrototypeOf(f), "constructor", { value: deny, writable: false, configurable: false });
}
for (const name of ["eval", "Function", "Worker", "caches", "WebAssembly"]) {
  try { Object.defineProperty(globalThis, name, { value: undefined, writable: false, configurable: false }); } catch { /* not there */ }
}
let hooks = null;
function answer(sab, result) {
  const bytes = enc.encode(stringify(result));
  const view = new Int32Array(sab, 0, 2);
  if (bytes.length > sab.byteLength - 8) {
    const msg = enc.encode(stringify({ error: "the result is too large" }));
    new Uint8Array(sab, 8).set(msg);
    view[1] = msg.length;
  } else {
    new Uint8Array(sab, 8).set(bytes);
    view[1] = bytes.length;
  }
  AtomicsStore(view, 0, 1);
  AtomicsNotify(view, 0);
}
async function run(method, args) {
  const fn = hooks && hooks[method];
  if (typeof fn !== "function") return { error: "the plugin has no " + method + " hook" };
  try {
    const value = await fn(...args);
    return { value: value === undefined ? null : JSON.parse(stringify(value)) };
  } catch (e) {
    return { error: String(e && e.message || e).slice(0, 500) };
  }
}
self.onmessage = async (e) => {
  const m = e.data;
  if (m.load) {
    if (!m.allowDeno) {
      Object.defineProperty(globalThis, "Deno", { value: undefined, writable: false, configurable: false });
    }
    try {
      const mod = await import(m.load);
      hooks = mod.default && typeof mod.default === "object" ? mod.default : mod;
      const names = Object.keys(hooks).filter((k) => typeof hooks[k] === "function");
      post({ ready: names });
    } catch (err) {
      post({ failed: String(err && err.message || err).slice(0, 500) });
    }
    return;
  }
  if (m.sab) {
    // synchronous call: the result goes through the shared buffer
    const r = await run(m.method, m.args);
    answer(m.sab, r);
    return;
  }
  post({ id: m.id, ...(await run(m.method, m.args)) });
};
`;

export interface SandboxPermissions {
  read?: string[];
  write?: string[];
  net?: string[];
  env?: string[];
  run?: string[];
}

export interface SandboxOptions {
  /** For messages: `plugin 'acme'`. */
  label: string;
  /** Per call and for loading. @default 2000 */
  timeoutMs?: number;
  /** What the Worker may touch; none at all by default. */
  permissions?: SandboxPermissions;
  /** Leave the runtime's APIs to the module (secret backends; still only with `permissions`). */
  allowDeno?: boolean;
}

function hookError(label: string, message: string): NexusError {
  return new NexusError("E_PLUGIN_HOOK", `${label}: ${message}`, {
    exitCode: ExitCode.FAILURE,
    hint: "Fix the plugin, or remove it: mcp-nexus plugin rm <id>",
    details: { plugin: label },
  });
}

/** A plugin module running in a locked-down Worker. */
export class Sandbox {
  #worker: Worker | null;
  #next = 0;
  #pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  private constructor(
    worker: Worker,
    readonly hooks: string[],
    readonly label: string,
    readonly timeoutMs: number,
  ) {
    this.#worker = worker;
    worker.onmessage = (e: MessageEvent) => {
      const m = e.data as { id?: number; value?: unknown; error?: string };
      const p = m.id === undefined ? undefined : this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id!);
      m.error !== undefined ? p.reject(hookError(this.label, m.error)) : p.resolve(m.value);
    };
  }

  /** Checks the source, starts the Worker and loads the module (all within the time limit). */
  static async start(source: string, opts: SandboxOptions): Promise<Sandbox> {
    const problems = sourceProblems(source, { allowDeno: opts.allowDeno });
    if (problems.length) throw hookError(opts.label, problems.join("; "));
    const timeoutMs = opts.timeoutMs ?? 2000;
    const p = opts.permissions;
    const permissions = p
      ? {
        read: p.read ?? false,
        write: p.write ?? false,
        net: p.net ?? false,
        env: p.env ?? false,
        run: p.run ?? false,
        ffi: false,
        sys: false,
        import: false,
      }
      : "none";
    const boot = URL.createObjectURL(new Blob([BOOTSTRAP], { type: "text/javascript" }));
    const code = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    const worker = new Worker(boot, {
      type: "module",
      name: opts.label,
      // deno-lint-ignore no-explicit-any
      deno: { permissions } as any,
    });
    try {
      const hooks = await new Promise<string[]>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(hookError(opts.label, `did not load within ${timeoutMs} ms`)),
          timeoutMs,
        );
        worker.onmessage = (e: MessageEvent) => {
          clearTimeout(timer);
          const m = e.data as { ready?: string[]; failed?: string };
          m.ready ? resolve(m.ready) : reject(hookError(opts.label, `cannot load: ${m.failed}`));
        };
        worker.onerror = (e: ErrorEvent) => {
          e.preventDefault();
          clearTimeout(timer);
          reject(hookError(opts.label, `cannot load: ${e.message}`));
        };
        worker.postMessage({ load: code, allowDeno: !!opts.allowDeno });
      });
      return new Sandbox(worker, hooks, opts.label, timeoutMs);
    } catch (err) {
      worker.terminate();
      throw err;
    } finally {
      URL.revokeObjectURL(boot);
      URL.revokeObjectURL(code);
    }
  }

  /** Calls a hook and waits for it (blocking this thread, at most the time limit). */
  callSync(method: string, args: unknown[]): unknown {
    if (!this.#worker) throw hookError(this.label, "was stopped after an earlier failure");
    const sab = new SharedArrayBuffer(8 + (1 << 20));
    const view = new Int32Array(sab, 0, 2);
    this.#worker.postMessage({ sab, method, args: JSON.parse(JSON.stringify(args)) });
    if (Atomics.wait(view, 0, 0, this.timeoutMs) === "timed-out") {
      this.terminate();
      throw hookError(this.label, `${method} did not answer within ${this.timeoutMs} ms (stopped)`);
    }
    const r = JSON.parse(new TextDecoder().decode(new Uint8Array(sab, 8, view[1]).slice())) as {
      value?: unknown;
      error?: string;
    };
    if (r.error !== undefined) throw hookError(this.label, `${method} failed: ${r.error}`);
    return r.value;
  }

  /** Calls a hook asynchronously (secret backends), within the time limit. */
  call(method: string, args: unknown[]): Promise<unknown> {
    const worker = this.#worker;
    if (!worker) return Promise.reject(hookError(this.label, "was stopped after an earlier failure"));
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        this.terminate();
        reject(hookError(this.label, `${method} did not answer within ${this.timeoutMs} ms (stopped)`));
      }, this.timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      worker.postMessage({ id, method, args });
    });
  }

  terminate(): void {
    this.#worker?.terminate();
    this.#worker = null;
    for (const p of this.#pending.values()) p.reject(hookError(this.label, "was stopped"));
    this.#pending.clear();
  }
}
