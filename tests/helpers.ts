/**
 * Test helpers: a sandbox per test (temp HOME, temp tool home, a test-only keychain service name),
 * and `run`, which spawns the CLI exactly as users run it: `deno run -P=nexus main.ts …`, the same
 * entry and the same permission set (from deno.json) as `deno task nexus` and the compiled binary.
 */
import { join } from "node:path";

export const REPO = new URL("..", import.meta.url).pathname;
export const MAIN = join(REPO, "main.ts");
export const CONFIG = join(REPO, "deno.json");

/**
 * The one way to start the CLI from source (same as `deno task nexus`); with MCP_NEXUS_TEST_BINARY
 * set (the release workflow), the compiled binary under test instead.
 */
export function cliCommand(): string[] {
  const binary = Deno.env.get("MCP_NEXUS_TEST_BINARY");
  if (binary) return [binary];
  return [Deno.execPath(), "run", "-q", "--no-prompt", "-P=nexus", "--config", CONFIG, MAIN];
}

export const HAS_SECRET_SERVICE = Deno.env.get("MCP_NEXUS_TEST_SECRET_SERVICE") === "1";

/**
 * Shell lines that start an unlocked GNOME Keyring (password "pw") inside a test's own
 * `dbus-run-session` and return once it owns the Secret Service name. `--unlock` alone returns
 * before that; a Secret Service call in that window makes D-Bus start a second daemon that cannot
 * find the first and opens the keyring locked (scripts/test.sh starts the suite's keyrings the same way).
 */
export const START_PRIVATE_KEYRING =
  `eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null
export GNOME_KEYRING_CONTROL
gnome-keyring-daemon --start --components=secrets >/dev/null`;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  stdin?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
}

export interface Sandbox {
  home: string;
  nexusHome: string;
  service: string;
  env: Record<string, string>;
  run(args: string[], opts?: RunOptions): Promise<RunResult>;
  /** Runs and parses stdout as JSON (adds --json). */
  json<T = Record<string, unknown>>(
    args: string[],
    opts?: RunOptions,
  ): Promise<{ code: number; data: T; stderr: string }>;
  cleanup(): Promise<void>;
}

/** Every file under a directory, recursively (for "no secret in any file" checks). */
export async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      const p = join(dir, e.name);
      if (e.isDirectory) out.push(...await walkFiles(p));
      else if (e.isFile) out.push(p);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out;
}

export async function sandbox(extraEnv: Record<string, string> = {}): Promise<Sandbox> {
  const home = await Deno.makeTempDir({ prefix: "mcp-nexus-test-" });
  const service = `mcp-nexus-test-${crypto.randomUUID()}`;
  const env: Record<string, string> = {
    HOME: home,
    MCP_NEXUS_HOME: join(home, "nexus"),
    XDG_CONFIG_HOME: join(home, ".config"),
    MCP_NEXUS_KEYCHAIN_SERVICE: service,
    // `schedule` must never edit the real user's crontab: a user that does not exist, unless a test
    // names its throwaway user
    MCP_NEXUS_CRONTAB_USER: "mcp-nexus-no-such-user",
    NO_COLOR: "1",
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    ...extraEnv,
  };
  for (const k of ["DBUS_SESSION_BUS_ADDRESS", "DENO_DIR"]) {
    const v = Deno.env.get(k);
    if (v && !(k in env)) env[k] = v;
  }
  const run = async (args: string[], opts: RunOptions = {}): Promise<RunResult> => {
    const [cmd, ...pre] = cliCommand();
    const merged: Record<string, string> = { ...env };
    for (const [k, v] of Object.entries(opts.env ?? {})) {
      if (v === undefined) delete merged[k];
      else merged[k] = v;
    }
    const child = new Deno.Command(cmd, {
      args: [...pre, ...args],
      env: merged,
      clearEnv: true,
      cwd: opts.cwd ?? home,
      stdin: opts.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (opts.stdin !== undefined) {
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(opts.stdin));
      await w.close();
    }
    const out = await child.output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  };
  const json = async <T>(args: string[], opts?: RunOptions) => {
    const r = await run(["--json", ...args], opts); // before any "--"
    let data: T;
    try {
      data = JSON.parse(r.stdout) as T;
    } catch {
      throw new Error(`not JSON (exit ${r.code}):\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    }
    return { code: r.code, data, stderr: r.stderr };
  };
  const cleanup = async () => {
    await killStrays(home);
    if (HAS_SECRET_SERVICE && env.DBUS_SESSION_BUS_ADDRESS) await clearService(service);
    await Deno.remove(home, { recursive: true }).catch(() => {});
  };
  return { home, nexusHome: env.MCP_NEXUS_HOME, service, env, run, json, cleanup };
}

/** Removes every item a test stored under its own test-only service name. */
export async function clearService(service: string): Promise<void> {
  if (!service.startsWith("mcp-nexus-test-")) {
    throw new Error(`refusing to clear non-test service ${service}`);
  }
  const { Entry, findCredentials } = await import("@napi-rs/keyring");
  const opts = { linux: { store: "secret-service" as const } };
  try {
    for (const c of findCredentials(service)) new Entry(service, c.account, opts).deleteCredential();
  } catch {
    // the store may be gone (tests of an unavailable store)
  }
}

/** Runs `fn` with a sandbox and always cleans it up. */
/**
 * Linux: ends every process still running with this sandbox's HOME (a client that leaves a daemon
 * behind, such as the Cline CLI's `--cline-hub-daemon`, which detaches from its parent and would
 * otherwise outlive the suite, holding ~240 MB). Returns the commands it ended, for tests to assert on.
 */
export async function killStrays(home: string): Promise<string[]> {
  if (Deno.build.os !== "linux") return [];
  const ended: string[] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name) || Number(e.name) === Deno.pid) continue;
    let environ: string;
    try {
      environ = await Deno.readTextFile(`/proc/${e.name}/environ`);
    } catch {
      continue; // gone, or not ours
    }
    if (!environ.split("\0").includes(`HOME=${home}`)) continue;
    const cmd = (await Deno.readTextFile(`/proc/${e.name}/cmdline`).catch(() => "")).replaceAll("\0", " ");
    try {
      Deno.kill(Number(e.name), "SIGKILL");
      ended.push(cmd.trim());
    } catch {
      // already gone
    }
  }
  return ended;
}

export async function withSandbox(fn: (sb: Sandbox) => Promise<void>, extraEnv?: Record<string, string>) {
  const sb = await sandbox(extraEnv);
  try {
    await fn(sb);
  } finally {
    await sb.cleanup();
  }
}

/** Fails the test with the CLI's output when the exit code is not the expected one. */
export function expectCode(r: RunResult, code: number): RunResult {
  if (r.code !== code) {
    throw new Error(`expected exit ${code}, got ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
  return r;
}

export async function modeOf(path: string): Promise<number> {
  return (await Deno.stat(path)).mode! & 0o777;
}

/** Every built-in client id (tests assert each one exists and works). */
export const BUILTIN_CLIENT_IDS = [
  "claude-desktop",
  "claude-code",
  "cursor",
  "windsurf",
  "vscode",
  "gemini-cli",
  "codex",
  "zed",
  "cline",
  "opencode",
  "continue",
  "goose",
  "lm-studio",
  "qwen-code",
  "kilo",
  "amp",
  "copilot-cli",
  "factory-droid",
  "qoder",
  "auggie",
  "crush",
  "windsurf-jetbrains",
];

/**
 * Runs CLI commands and keeps everything they printed, for canary checks. The command line itself
 * is recorded with the canary masked (a test may pass it deliberately, to check it is refused).
 */
export function recorder(sb: Sandbox, canary: string) {
  const seen: string[] = [];
  const run = async (args: string[], stdin?: string) => {
    const r = await sb.run(args, { stdin });
    seen.push(`$ ${args.join(" ").replaceAll(canary, "<canary>")}\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  return { run, seen };
}

/** The lowercase hex SHA-256 of `text` (what `sha256sum` prints for it). */
export async function sha256Hex(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A Linux test against the suite's Secret Service, in a sandbox (skipped elsewhere; fails loudly when
 * the suite's keyring was not set up).
 */
export function secretServiceTest(name: string, fn: (sb: Sandbox) => Promise<void>): void {
  Deno.test({
    name,
    ignore: Deno.build.os !== "linux",
    fn: () =>
      withSandbox(async (sb) => {
        if (!HAS_SECRET_SERVICE) throw new Error("run with `deno task test` (a private Secret Service)");
        await fn(sb);
      }),
  });
}

/**
 * A temp HOME and XDG_RUNTIME_DIR for a test's own `dbus-run-session` (its own bus and keyring, never
 * the suite's), with the cleared environment to start it with: `extra` is added (a canary, …).
 * Removes both directories after `fn`.
 */
export async function withPrivateSession(
  fn: (s: { home: string; runtime: string; env: Record<string, string> }) => Promise<void>,
  extra: Record<string, string> = {},
): Promise<void> {
  const home = await Deno.makeTempDir({ prefix: "mcp-nexus-test-session-" });
  const runtime = await Deno.makeTempDir({ prefix: "mcp-nexus-test-session-rt-" });
  try {
    const env: Record<string, string> = {
      HOME: home,
      XDG_RUNTIME_DIR: runtime,
      XDG_CONFIG_HOME: join(home, ".config"),
      MCP_NEXUS_HOME: join(home, "nexus"),
      MCP_NEXUS_KEYCHAIN_SERVICE: `mcp-nexus-test-${crypto.randomUUID()}`,
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      NO_COLOR: "1",
      ...extra,
    };
    const denoDir = Deno.env.get("DENO_DIR");
    if (denoDir) env.DENO_DIR = denoDir;
    await fn({ home, runtime, env });
  } finally {
    await Deno.remove(home, { recursive: true }).catch(() => {});
    await Deno.remove(runtime, { recursive: true }).catch(() => {});
  }
}

/** Runs `args` under `dbus-run-session` (a bus of its own) with exactly `env`; its output, decoded. */
export async function dbusRunSession(
  args: string[],
  env: Record<string, string>,
): Promise<{ stdout: string; stderr: string }> {
  const out = await new Deno.Command("dbus-run-session", {
    args,
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Whether util-linux `script` is here (the tests that need a real terminal run under it). */
export const HAS_SCRIPT = (() => {
  try {
    return new Deno.Command("script", { args: ["--version"], stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
})();
