/**
 * The launcher behind `mcp-nexus run <server>`: every AI-client start of a stdio server goes through
 * it, so it loads as little as it can and then gets out of the way.
 *
 * 1. Reads the registry JSON and checks the one server's shape by hand (zod is loaded only to explain
 *    a registry that is wrong). No `node:` module is loaded on this path: the node compat layer alone
 *    costs ~10 ms of start-up.
 * 2. If the server refers to secrets, resolves them in one batch through the secret services it is
 *    given (src/host/services.ts selects the backend; the keyring module is loaded only then).
 * 3. Starts the real server with the secrets only in its environment (and args where referenced),
 *    stdio untouched: on Linux and macOS by REPLACING this process (execve through libc, over FFI),
 *    so nothing of ours stays resident; where that is impossible (Windows, no libc, exec refused), as
 *    a child with inherited stdio, forwarding SIGINT/SIGTERM/SIGHUP and exiting with its code
 *    (128+signal if it was killed by a signal).
 *
 * The child gets our whole environment plus the server's `env`, minus the `MCP_NEXUS_SECRET_*`
 * variables of the env backend: a server gets the secrets it refers to, not every secret we can see.
 */
import { load } from "../model/load.ts";
import { ExitCode, NexusError, usageError } from "../model/errors.ts";
import type { LaunchSecrets } from "../secrets/services.ts";

const OS = Deno.build.os;
const IS_WINDOWS = OS === "windows";
const SEP = IS_WINDOWS ? "\\" : "/";

/** A stdio server as the launcher needs it (references not yet resolved). */
export interface StdioLaunchDef {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

/** What to start: the resolved server. Holds secret values: never print it. */
export interface LaunchPlan {
  server: string;
  command: string;
  args: string[];
  /** The server's own variables (resolved); the rest of the environment is inherited. */
  env: Record<string, string>;
  cwd?: string;
}

// ---------------------------------------------------------------------------------------------
// The registry, read without zod and without node:path.

function envVar(name: string): string | undefined {
  const v = Deno.env.get(name);
  return v === undefined || v === "" ? undefined : v;
}

/** Joins path parts with the OS separator, collapsing repeated separators (a UNC prefix is kept). */
function joinPath(...parts: string[]): string {
  const joined = parts.filter((p) => p !== "").join(SEP);
  if (!IS_WINDOWS) return joined.replace(/\/{2,}/g, "/");
  return (/^[\\/]{2}[^\\/]/.test(joined) ? "\\" : "") + joined.replace(/[\\/]+/g, "\\");
}

/**
 * The registry's path, as paths.ts's `registryPath()` computes it (tests/launcher_test.ts checks they
 * agree), without loading node:path. Undefined when a variable it needs is missing: the caller then
 * asks paths.ts, which explains what to set.
 */
export function quickRegistryPath(): string | undefined {
  const override = envVar("MCP_NEXUS_HOME");
  if (override) return joinPath(override, "registry.json");
  const home = envVar("HOME") ?? envVar("USERPROFILE");
  switch (OS) {
    case "darwin":
      return home && joinPath(home, "Library", "Application Support", "mcp-nexus", "registry.json");
    case "windows": {
      const appData = envVar("APPDATA") ?? (home && joinPath(home, "AppData", "Roaming"));
      return appData && joinPath(appData, "mcp-nexus", "registry.json");
    }
    default: {
      const config = envVar("XDG_CONFIG_HOME") ?? (home && joinPath(home, ".config"));
      return config && joinPath(config, "mcp-nexus", "registry.json");
    }
  }
}

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === "string");

/** The one server's definition, checked by hand; undefined if anything is off (then zod explains). */
function quickServer(raw: unknown, name: string): { def?: StdioLaunchDef; setting?: string; ok: boolean } {
  if (!isObject(raw) || raw.version !== 1) return { ok: false };
  const settings = raw.settings ?? {};
  if (!isObject(settings)) return { ok: false };
  const setting = settings.secretBackend;
  if (setting !== undefined && typeof setting !== "string") return { ok: false };
  const servers = raw.servers ?? {};
  if (!isObject(servers)) return { ok: false };
  if (!Object.hasOwn(servers, name)) return { ok: true, setting }; // not found: the caller says so
  const s = servers[name];
  if (!isObject(s) || s.transport !== "stdio") return { ok: false };
  const { command, args = [], env = {}, cwd } = s;
  if (typeof command !== "string" || command === "" || /\$\{keychain:|^keychain:/.test(command)) {
    return { ok: false };
  }
  if (!isStringArray(args) || (cwd !== undefined && typeof cwd !== "string") || !isObject(env)) {
    return { ok: false };
  }
  for (const [k, v] of Object.entries(env)) {
    if (!ENV_KEY.test(k) || typeof v !== "string") return { ok: false };
  }
  return { ok: true, setting, def: { command, args, env: env as Record<string, string>, cwd } };
}

/**
 * Loads server `name` for launching: its stdio definition and the registry's backend setting.
 * Errors: E_SERVER_NOT_FOUND (exit 3), E_NOT_STDIO (exit 2), a registry parse/validation error.
 */
export async function loadLaunchDef(name: string): Promise<{ def: StdioLaunchDef; setting?: string }> {
  const path = quickRegistryPath() ??
    (await load<typeof import("../io/paths.ts")>(import.meta.url, "../io/paths.ts")).registryPath();
  let text: string | null;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    text = null;
  }
  let raw: unknown = { version: 1, servers: {} };
  if (text !== null && text.trim() !== "") {
    try {
      raw = JSON.parse(text);
    } catch {
      const { parseJsonWithPosition } = await load<typeof import("../model/registry.ts")>(
        import.meta.url,
        "../model/registry.ts",
      );
      parseJsonWithPosition(text, path); // throws the error with line and column
    }
  }
  const quick = quickServer(raw, name);
  if (quick.ok && quick.def) return { def: quick.def, setting: quick.setting };
  // Something is unusual: the full validation explains it (or it is "not found" / "not stdio").
  const registry = await load<typeof import("../model/registry.ts")>(import.meta.url, "../model/registry.ts");
  const data = await registry.loadRegistry(path);
  const server = registry.getServer(data, name);
  if (server.transport !== "stdio") {
    throw usageError(
      "E_NOT_STDIO",
      `Server '${name}' is a remote (${server.transport}) server: clients connect to its URL, there is nothing to start.`,
      { hint: `Test it with: mcp-nexus check ${name}`, details: { server: name } },
    );
  }
  return {
    def: { command: server.command, args: server.args, env: server.env, cwd: server.cwd },
    setting: data.settings.secretBackend,
  };
}

// ---------------------------------------------------------------------------------------------
// Secrets: one batch from the backend, only when the server refers to any.

/**
 * Resolves the server's secret references through `secrets` (the host's: src/host/services.ts picks
 * the backend; the values are registered for masking there). Backend failures become one message
 * naming the server and the secrets it needs (never a value); a missing secret names the server,
 * field and secret.
 */
export async function resolveLaunch(
  name: string,
  def: StdioLaunchDef,
  secrets: LaunchSecrets,
): Promise<LaunchPlan> {
  const plan = { server: name, command: def.command, args: [...def.args], env: { ...def.env }, cwd: def.cwd };
  const values = [...def.args, ...Object.values(def.env)];
  if (!values.some((v) => v.includes("keychain:"))) return plan;

  // the host's launch store loads the backend registry and secrets.ts only when its fast path
  // cannot answer (src/plugins/backends/launch_store.ts)
  // the store's modules load while the references are read (open() reads no secret yet)
  const opening = secrets.open();
  opening.catch(() => {}); // awaited below; a malformed reference is the error to report first
  const [{ collectReferences, resolveServer }, { registerSecret }] = await Promise.all([
    load<typeof import("../model/references.ts")>(import.meta.url, "../model/references.ts"),
    load<typeof import("../secrets/redact.ts")>(import.meta.url, "../secrets/redact.ts"),
  ]);
  const sites = collectReferences({ args: def.args, env: def.env }, name); // malformed → exit 2
  if (sites.length === 0) return plan;
  const store = await opening;
  const fetched = new Map<string, string | null>();
  const fetchMany = async (names: string[]) => {
    try {
      for (const [k, v] of await store.getMany(names)) fetched.set(k, v);
      return fetched;
    } catch (err) {
      if (!(err instanceof NexusError) || err.exitCode !== ExitCode.BACKEND) throw err;
      const fields = new Map<string, string[]>();
      for (const s of sites) fields.set(s.name, [...fields.get(s.name) ?? [], s.field]);
      const needs = [...fields].map(([n, f]) => `'${n}' (${f.join(", ")})`).join(", ");
      throw new NexusError(
        err.code,
        `Cannot start server '${name}': it needs secret${
          fields.size > 1 ? "s" : ""
        } ${needs} from ${store.backend.label}, which cannot be read: ${err.message}`,
        { exitCode: ExitCode.BACKEND, hint: err.hint, details: { ...err.details, server: name } },
      );
    }
  };
  let resolved: { args?: string[]; env?: Record<string, string> };
  try {
    resolved = await resolveServer({ args: def.args, env: def.env }, name, fetchMany);
  } catch (err) {
    if (err instanceof NexusError && err.code === "E_REFERENCE_MISSING" && store.backend.id === "env") {
      const missing = (err.details?.missing as Array<{ secret: string }> | undefined) ?? [];
      const { envVarFor } = await load<typeof import("../secrets/secrets.ts")>(
        import.meta.url,
        "../secrets/secrets.ts",
      );
      throw new NexusError(err.code, err.message, {
        exitCode: err.exitCode,
        details: err.details,
        hint: `Set ${missing.map((m) => envVarFor(m.secret)).join(", ")} (the env backend is selected).`,
      });
    }
    throw err;
  }
  for (const v of fetched.values()) if (v) registerSecret(v);
  return { ...plan, args: resolved.args ?? [], env: resolved.env ?? {} };
}

// ---------------------------------------------------------------------------------------------
// Finding the program: PATH lookup as a shell does it.

function isExecutableFile(path: string): boolean {
  try {
    const st = Deno.statSync(path);
    if (!st.isFile) return false;
    return IS_WINDOWS || st.mode === null || (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function isAbsolutePath(p: string): boolean {
  return IS_WINDOWS ? /^([A-Za-z]:)?[\\/]/.test(p) : p.startsWith("/");
}

/**
 * The file `command` names: as given if it holds a path separator (relative to `cwd`), else the first
 * executable match in `PATH` (on Windows, a name without extension with each `PATHEXT` extension). Null if none.
 */
export function findExecutable(
  command: string,
  opts: { path?: string; pathext?: string; cwd?: string } = {},
): string | null {
  const cwd = opts.cwd ?? Deno.cwd();
  const within = (dir: string, file: string) => isAbsolutePath(file) ? file : joinPath(dir || ".", file);
  // Windows, like cmd.exe: a name without an extension is tried only with the PATHEXT extensions (the
  // extensionless `npx` beside `npx.cmd` is a shell script CreateProcess cannot start)
  const exts = IS_WINDOWS && !/\.[^\\/.]+$/.test(command)
    ? (opts.pathext ?? ".COM;.EXE;.BAT;.CMD").split(";").filter(Boolean)
    : [""];
  const candidates = (base: string) => exts.map((e) => base + e);
  if (command.includes("/") || (IS_WINDOWS && command.includes("\\"))) {
    return candidates(within(cwd, command)).find(isExecutableFile) ?? null;
  }
  const dirs = (opts.path ?? (IS_WINDOWS ? "" : "/usr/local/bin:/usr/bin:/bin")).split(
    IS_WINDOWS ? ";" : ":",
  );
  for (const dir of dirs) {
    const base = isAbsolutePath(dir) ? dir : within(cwd, dir || ".");
    const hit = candidates(joinPath(base, command)).find(isExecutableFile);
    if (hit) return hit;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The environment, read through libc (the permission set lets us read only named variables).

const SECRET_VAR = /^MCP_NEXUS_SECRET_/i;

type Libc = {
  /** char** environ, or null */
  environ(): Deno.PointerValue;
  execve(path: Uint8Array, argv: Uint8Array, envp: Uint8Array): number;
  /** signal(sig, SIG_DFL): returns the previous handler. */
  resetSignal(sig: number): Deno.PointerValue;
  restoreSignal(sig: number, handler: Deno.PointerValue): void;
  unblockAllSignals(): void;
};

let libcCache: Libc | null | undefined;

/** libc over FFI on Linux and macOS; null elsewhere or if it cannot be opened. */
function libc(): Libc | null {
  if (libcCache !== undefined) return libcCache;
  libcCache = null;
  const common = {
    execve: { parameters: ["buffer", "buffer", "buffer"], result: "i32" },
    signal: { parameters: ["i32", "pointer"], result: "pointer" },
    pthread_sigmask: { parameters: ["i32", "buffer", "pointer"], result: "i32" },
  } as const;
  const emptySet = new Uint8Array(128); // sigset_t: 128 bytes on Linux, 4 on macOS
  const build = (
    lib: { symbols: Deno.StaticForeignLibraryInterface<typeof common> },
    environ: () => Deno.PointerValue,
    sigSetmask: number,
  ): Libc => ({
    environ,
    execve: (p, a, e) => lib.symbols.execve(p, a, e),
    resetSignal: (sig) => lib.symbols.signal(sig, null),
    restoreSignal: (sig, h) => void lib.symbols.signal(sig, h),
    unblockAllSignals: () => void lib.symbols.pthread_sigmask(sigSetmask, emptySet, null),
  });
  try {
    if (OS === "linux") {
      let lib;
      try {
        lib = Deno.dlopen("libc.so.6", { ...common, environ: { type: "pointer" } } as const);
      } catch {
        lib = Deno.dlopen("libc.so", { ...common, environ: { type: "pointer" } } as const); // musl
      }
      const at = lib.symbols.environ; // the address of `environ`
      libcCache = build(lib, () => at && new Deno.UnsafePointerView(at).getPointer(0), 2);
    } else if (OS === "darwin") {
      const lib = Deno.dlopen(
        "/usr/lib/libSystem.B.dylib",
        {
          ...common,
          _NSGetEnviron: { parameters: [], result: "pointer" },
        } as const,
      );
      libcCache = build(lib, () => {
        const at = lib.symbols._NSGetEnviron(); // char***
        return at && new Deno.UnsafePointerView(at).getPointer(0);
      }, 3);
    }
  } catch {
    libcCache = null;
  }
  return libcCache;
}

/**
 * This process's whole environment as `KEY=VALUE` strings, read from libc's `environ` (Linux, macOS).
 * Null where that is not possible.
 */
export function readEnviron(): string[] | null {
  const c = libc();
  if (!c) return null;
  const envp = c.environ();
  if (!envp) return null;
  const view = new Deno.UnsafePointerView(envp);
  const out: string[] = [];
  for (let i = 0;; i++) {
    const p = view.getPointer(i * 8);
    if (!p) break;
    out.push(Deno.UnsafePointerView.getCString(p));
  }
  return out;
}

/** Our environment (minus the env backend's secrets) with the server's variables on top. */
export function childEnvironment(inherited: string[], serverEnv: Record<string, string>): string[] {
  const merged = new Map<string, string>();
  for (const kv of inherited) {
    const i = kv.indexOf("=", 1);
    const key = i < 0 ? kv : kv.slice(0, i);
    if (!SECRET_VAR.test(key)) merged.set(key, kv);
  }
  for (const [k, v] of Object.entries(serverEnv)) merged.set(k, `${k}=${v}`);
  return [...merged.values()];
}

// ---------------------------------------------------------------------------------------------
// Starting it.

const enc = new TextEncoder();

/** A NULL-terminated array of pointers to NUL-terminated strings; `keep` holds the strings alive. */
function cStringArray(items: string[]): { array: Uint8Array; keep: Uint8Array[] } {
  const keep = items.map((s) => enc.encode(s + "\0"));
  const ptrs = new BigUint64Array(items.length + 1);
  keep.forEach((b, i) => ptrs[i] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(b))));
  return { array: new Uint8Array(ptrs.buffer), keep };
}

const SIGPIPE = 13; // the same on Linux and macOS
/** Keeps exec's C strings reachable while execve runs. */
const pinned: unknown[] = [];

/**
 * Replaces this process with the server (execve). Returns only if that was not possible, with the
 * reason; the caller then starts the server as a child instead.
 */
export function execServer(path: string, argv: string[], envp: string[]): string {
  const c = libc();
  if (!c) return "no libc";
  if ([path, ...argv, ...envp].some((s) => s.includes("\0"))) return "a NUL byte in an argument";
  const file = enc.encode(path + "\0");
  const args = cStringArray(argv);
  const env = cStringArray(envp);
  // Deno (Rust) ignores SIGPIPE; an exec'd program must start with the default, as from a shell.
  pinned.push(file, args, env); // reachable until execve returns (it does only if it failed)
  const previous = c.resetSignal(SIGPIPE);
  c.unblockAllSignals();
  c.execve(file, args.array, env.array);
  c.restoreSignal(SIGPIPE, previous); // still here: exec failed
  pinned.length = 0;
  return "execve failed";
}

const FORWARDED: Deno.Signal[] = IS_WINDOWS ? ["SIGINT", "SIGBREAK"] : ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Starts the server as a child with inherited stdio, forwards signals to it, and returns its exit
 * code (128+signal if a signal ended it).
 */
export async function spawnServer(
  path: string,
  args: string[],
  opts: { env: Record<string, string>; fullEnv?: string[]; cwd?: string },
): Promise<number> {
  let env = opts.env;
  let clearEnv = false;
  if (opts.fullEnv) {
    env = Object.fromEntries(opts.fullEnv.map((kv) => {
      const i = kv.indexOf("=", 1);
      return i < 0 ? [kv, ""] : [kv.slice(0, i), kv.slice(i + 1)];
    }));
    clearEnv = true;
  }
  // Listen before spawning, so a signal that comes at once is not lost: it is passed on at spawn.
  let child: Deno.ChildProcess | undefined;
  const pending: Deno.Signal[] = [];
  const pass = (sig: Deno.Signal) => {
    try {
      child!.kill(sig);
    } catch {
      // already gone
    }
  };
  const listeners: Array<[Deno.Signal, () => void]> = [];
  for (const sig of FORWARDED) {
    // On Windows the child shares our console and gets Ctrl-C / Ctrl-Break itself: we only stay alive.
    const forward = () => IS_WINDOWS ? undefined : child ? pass(sig) : pending.push(sig);
    try {
      Deno.addSignalListener(sig, forward);
      listeners.push([sig, forward]);
    } catch {
      // not supported here
    }
  }
  const unlisten = () => {
    for (const [sig, fn] of listeners) Deno.removeSignalListener(sig, fn);
  };
  try {
    child = new Deno.Command(path, {
      args,
      env,
      clearEnv,
      cwd: opts.cwd,
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
  } catch (err) {
    unlisten();
    throw err;
  }
  for (const sig of pending) pass(sig);
  const status = await child.status;
  unlisten();
  return status.code;
}

function pathExists(path: string, cwd?: string): boolean {
  try {
    Deno.statSync(isAbsolutePath(path) ? path : joinPath(cwd ?? Deno.cwd(), path));
    return true;
  } catch {
    return false;
  }
}

/** An error about starting the program itself (not found, not executable, bad cwd). */
function startError(plan: LaunchPlan, err: unknown, resolved: string | null): NexusError {
  const cmd = plan.command;
  const hasPath = cmd.includes("/") || (IS_WINDOWS && cmd.includes("\\"));
  if (resolved === null && hasPath && pathExists(cmd, plan.cwd)) {
    return new NexusError(
      "E_COMMAND_NOT_EXECUTABLE",
      `Cannot start server '${plan.server}': '${cmd}' is not an executable file.`,
      {
        hint: IS_WINDOWS
          ? "Give the path of a program (.exe, .cmd, .bat)."
          : `Make it executable: chmod +x ${cmd}`,
        details: { server: plan.server, command: cmd },
      },
    );
  }
  if (err instanceof Deno.errors.NotFound || resolved === null) {
    return new NexusError(
      "E_COMMAND_NOT_FOUND",
      `Cannot start server '${plan.server}': command '${cmd}' was not found${hasPath ? "" : " on PATH"}.`,
      {
        hint:
          `Install it, or give its full path: mcp-nexus server add ${plan.server} --replace -- /full/path/to/${
            cmd.split(/[\\/]/).pop()
          } …`,
        details: { server: plan.server, command: cmd },
      },
    );
  }
  return new NexusError(
    "E_COMMAND_FAILED",
    `Cannot start server '${plan.server}': '${resolved}' could not be executed: ${(err as Error).message}`,
    {
      hint: "Check that the file is a program you may run (mode, interpreter line, architecture).",
      details: { server: plan.server, command: cmd },
    },
  );
}

/**
 * Starts the resolved server. With exec (Linux, macOS) this never returns; otherwise it returns the
 * child's exit code. `noExec` (or MCP_NEXUS_NO_EXEC=1) forces the child-process way.
 */
export async function launch(plan: LaunchPlan, opts: { noExec?: boolean } = {}): Promise<number> {
  let cwd: string | undefined;
  if (plan.cwd) {
    cwd = isAbsolutePath(plan.cwd) ? plan.cwd : joinPath(Deno.cwd(), plan.cwd);
    let isDir = false;
    try {
      isDir = Deno.statSync(cwd).isDirectory;
    } catch {
      // reported below
    }
    if (!isDir) {
      throw new NexusError(
        "E_CWD_NOT_FOUND",
        `Cannot start server '${plan.server}': its working directory ${cwd} does not exist. Create it, or ` +
          `give the server another one: mcp-nexus server add ${plan.server} --replace --cwd DIR -- COMMAND…`,
        {
          // a command that works pasted as printed (the other way needs the server's whole definition)
          hint: `mkdir -p '${cwd.replaceAll("'", `'\\''`)}'`,
          details: { server: plan.server, cwd },
        },
      );
    }
  }
  const path = findExecutable(plan.command, {
    path: plan.env.PATH ?? envVar("PATH"),
    pathext: plan.env.PATHEXT ?? envVar("PATHEXT"),
    cwd,
  });
  if (path === null) throw startError(plan, null, null);
  const fullEnv = readEnviron();
  const envp = fullEnv && childEnvironment(fullEnv, plan.env);
  const noExec = opts.noExec ?? envVar("MCP_NEXUS_NO_EXEC") === "1";
  if (envp && !noExec) {
    if (cwd) Deno.chdir(cwd);
    execServer(path, [plan.command, ...plan.args], envp);
    // exec was refused: start it as a child instead (the cwd is already ours)
  }
  try {
    return await spawnServer(path, plan.args, { env: plan.env, fullEnv: envp ?? undefined, cwd });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.PermissionDenied) {
      throw startError(plan, err, path);
    }
    throw err;
  }
}
