/**
 * Least privilege at run time: before a command loads anything untrusted (a plugin, a client's file,
 * a marketplace answer), it gives up the powers it has no use for. `deno.json`'s permission set grants
 * `run`, `ffi` and `net` to the program as a whole; each command keeps only what this table says, and
 * `Deno.permissions.revoke` drops the rest for the rest of the process (measured on Deno 2.9.6: a
 * revoked permission throws NotCapable; it cannot be re-granted without a prompt, and we never prompt).
 *
 * A revoked permission is back in the "prompt" state, and Deno would ask on a terminal. So revoking is
 * done only where no prompt can appear: in the compiled binary (built with `--no-prompt`), when
 * stdin or stderr is not a terminal (clients starting `run`, cron, CI, the tests), or from source
 * when `DENO_NO_PROMPT=1` (which Deno honours: then nothing can prompt) is set, as `deno task nexus`
 * and the install wrapper do. A source run on a terminal without it keeps its powers.
 */
import { runningFromSource } from "../core/launch/launcher_command.ts";
import { isBuiltInBackend, requestedBackend } from "../plugins/backends/ids.ts";

export type Power = "run" | "ffi" | "net";

/**
 * What each command may keep, and why. (Read, write and the listed environment variables stay: every
 * command reads the registry; writes go through the fs gateway's allow-list.)
 */
export const COMMAND_POWERS: Record<string, { keep: Power[]; why: string }> = {
  schema: { keep: [], why: "prints a document" },
  completion: { keep: [], why: "prints a shell script" },
  client: { keep: [], why: "reads client files only" },
  backup: { keep: [], why: "copies files of ours" },
  server: { keep: ["ffi"], why: "`server show` checks referenced secrets exist in the keychain" },
  secret: { keep: ["ffi"], why: "the keychain (a native library)" },
  sync: { keep: ["ffi"], why: "the keychain, for --secrets inline only; never runs or fetches anything" },
  adopt: { keep: ["ffi"], why: "moves plaintext values into the keychain" },
  import: { keep: ["ffi"], why: "moves plaintext values into the keychain" },
  doctor: {
    keep: ["ffi"],
    why: "probes the keychain; finds runtimes by scanning PATH, without running them",
  },
  search: { keep: ["net"], why: "the marketplace APIs (only their hosts: src/core/marketplace/http.ts)" },
  show: { keep: ["net"], why: "the marketplace APIs" },
  outdated: { keep: ["net"], why: "npm and PyPI" },
  install: {
    keep: ["net", "ffi", "run"],
    why: "marketplace, keychain, and an offered `sync` in a child process",
  },
  update: { keep: ["net", "ffi"], why: "marketplace and keychain" },
  check: {
    keep: ["run", "ffi"],
    why: "starts the server through the launcher (a remote one through its bridge, which has the network)",
  },
  plugin: {
    keep: ["run", "net"],
    why: "a backend plugin's Worker can be granted only what the program still has (run/net as declared)",
  },
  schedule: {
    keep: ["run"],
    why: "installs the timer with the OS scheduler (systemctl, launchctl, schtasks)",
  },
  version: {
    keep: ["run", "ffi", "net"],
    why: "reports the permission set in force and which keychains and schedulers work here; connects nowhere",
  },

  run: {
    keep: ["run", "ffi", "net"],
    why:
      "the launcher (src/cli/run.ts drops for itself): a stdio server drops net before the keychain and the exec; a remote one gets a Worker with net for its host:port alone, then this thread drops net, run and ffi",
  },
};

const GLOBAL_WITH_VALUE = new Set(["--backend"]);

/** The command word of an argv (after the global options), or undefined. */
export function commandOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (GLOBAL_WITH_VALUE.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith("-")) continue;
    return a;
  }
  return undefined;
}

/** Whether a revoked permission could show a prompt in this process. */
export function promptPossible(): boolean {
  if (!runningFromSource()) return false; // compiled with --no-prompt
  if (!(Deno.stdin.isTerminal() && Deno.stderr.isTerminal())) return false;
  return !promptsOff();
}

/**
 * Whether this source run was started with prompts off: `DENO_NO_PROMPT=1`, which Deno itself honours
 * (no prompt can appear, whatever the flags), and which `deno task nexus` and the install wrapper set
 * beside `--no-prompt`. Read only where the permission set grants it, so the look cannot prompt.
 * (The flag alone cannot be seen: Deno refuses /proc/self/cmdline and /proc/<pid>/cmdline to any
 * permission set short of --allow-all, measured on 2.9.6.)
 */
export function promptsOff(): boolean {
  try {
    const env = Deno.permissions.querySync({ name: "env", variable: "DENO_NO_PROMPT" });
    return env.state === "granted" && Deno.env.get("DENO_NO_PROMPT") === "1";
  } catch {
    return false;
  }
}

function backendFlag(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--backend") return argv[i + 1];
    if (argv[i].startsWith("--backend=")) return argv[i].slice("--backend=".length);
  }
  return undefined;
}

/**
 * Drops the powers the command does not need. Returns what was revoked (empty when nothing could be,
 * e.g. on a terminal from source). A third-party secret backend keeps run and net: its Worker is
 * limited to what its trusted manifest declares, and can only be granted what the program still has.
 */
export async function dropPrivileges(
  argv: readonly string[],
  opts: { force?: boolean; backendSetting?: string } = {},
): Promise<Power[]> {
  const command = commandOf(argv);
  const entry = command === undefined ? undefined : COMMAND_POWERS[command];
  if (!entry || (!opts.force && promptPossible())) return [];
  const keep = new Set(entry.keep);
  const backend = requestedBackend(backendFlag(argv), opts.backendSetting);
  if (!isBuiltInBackend(backend)) {
    keep.add("run");
    keep.add("net");
    keep.add("ffi");
  }
  // libsecret asks the Secret Service whether the keyring is locked with `dbus-send` (a read-only
  // probe that creates no item): commands that use the keychain on Linux keep `run` for it.
  const effective = backend === "auto" ? (Deno.build.os === "linux" ? "libsecret" : "other") : backend;
  if (keep.has("ffi") && effective === "libsecret") keep.add("run");
  const dropped: Power[] = [];
  for (const name of ["run", "ffi", "net"] as const) {
    if (keep.has(name)) continue;
    await Deno.permissions.revoke({ name });
    dropped.push(name);
  }
  return dropped;
}

/** What dropping needs from the registry file, read as untrusted text: `settings.secretBackend`. */
export function registryFacts(registryFile: string): { backendSetting?: string } {
  try {
    // only a plain file is read here: a FIFO would block (the registry's own reader names the problem)
    if (!Deno.statSync(registryFile).isFile) return {};
    const data = JSON.parse(Deno.readTextFileSync(registryFile)) as {
      settings?: { secretBackend?: unknown };
    };
    const v = data?.settings?.secretBackend;
    return typeof v === "string" ? { backendSetting: v } : {};
  } catch {
    return {};
  }
}

/**
 * Tries each power for real (spawn this runtime, open a native library, connect to 127.0.0.1:port)
 * and reports which were denied. Used by `MCP_NEXUS_DEBUG_PERMISSIONS=<port>` (the tests' proof that
 * a command cannot do what it dropped); nothing is run when the variable is unset.
 */
export async function probePowers(port: number): Promise<Record<Power, "allowed" | "denied">> {
  const denied = (err: unknown) =>
    err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied;
  const result = {} as Record<Power, "allowed" | "denied">;
  try {
    await new Deno.Command(Deno.execPath(), { args: ["--version"], stdout: "null", stderr: "null" }).output();
    result.run = "allowed";
  } catch (err) {
    result.run = denied(err) ? "denied" : "allowed";
  }
  try {
    Deno.dlopen(
      Deno.build.os === "windows"
        ? "kernel32.dll"
        : Deno.build.os === "darwin"
        ? "libSystem.dylib"
        : "libc.so.6",
      {},
    )
      .close();
    result.ffi = "allowed";
  } catch (err) {
    result.ffi = denied(err) ? "denied" : "allowed";
  }
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    result.net = "allowed";
  } catch (err) {
    result.net = denied(err) ? "denied" : "allowed";
  }
  return result;
}
