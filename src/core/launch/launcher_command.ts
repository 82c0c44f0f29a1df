/**
 * The command a client runs to start a server through our launcher (`mcp-nexus run <server>`), and
 * the command a scheduled sync runs. It must name a path that survives upgrades:
 * - the wrapper `deno task install` wrote (it sets MCP_NEXUS_LAUNCHER_PATH to its own path);
 * - for a compiled binary, the PATH entry the user runs it by when that resolves to this binary:
 *   `Deno.execPath()` resolves symlinks, so under Homebrew it is `…/Cellar/mcp-nexus/<version>/…`,
 *   which the next upgrade deletes, while `/opt/homebrew/bin/mcp-nexus` stays;
 * - else this binary's own path, or `deno run` with the same permission set and absolute paths to
 *   deno.json and main.ts when running from source.
 * Entries we wrote with an older path are rewritten by the next sync (they are ours and unedited),
 * and `doctor` reports those whose command is gone.
 */
import { basename, fromFileUrl, isAbsolute, join } from "../io/path.ts";

/** True when running as `deno run …` (from source), false in a `deno compile`d binary. */
export function runningFromSource(): boolean {
  return /^deno(\.exe)?$/i.test(basename(Deno.execPath()));
}

function envVar(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined;
  }
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function realPath(path: string): string | null {
  try {
    return Deno.realPathSync(path);
  } catch {
    return null;
  }
}

/** A stable path the user invokes us by (see the module comment), or null. */
export function stableSelfPath(): string | null {
  const wrapper = envVar("MCP_NEXUS_LAUNCHER_PATH");
  if (wrapper && isAbsolute(wrapper) && isFile(wrapper)) return wrapper;
  if (runningFromSource()) return null;
  return invokedPath(Deno.execPath(), envVar("PATH") ?? "", Deno.build.os === "windows");
}

/**
 * The first PATH entry named like `exec` that resolves to the same file (Homebrew's `bin/` link to
 * the Cellar, winget's Links shim), or null.
 */
export function invokedPath(exec: string, pathVar: string, windows = false): string | null {
  const real = realPath(exec) ?? exec;
  for (const dir of pathVar.split(windows ? ";" : ":")) {
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, basename(exec));
    if (candidate === exec || candidate === real) continue;
    if (isFile(candidate) && realPath(candidate) === real) return candidate;
  }
  return null;
}

/** `[command, ...args]` that starts mcp-nexus itself. */
export function selfCommand(): string[] {
  const stable = stableSelfPath();
  if (stable) return [stable];
  if (!runningFromSource()) return [Deno.execPath()];
  const config = fromFileUrl(new URL("../../../deno.json", import.meta.url));
  const main = fromFileUrl(new URL("../../../main.ts", import.meta.url));
  return [Deno.execPath(), "run", "-q", "--no-prompt", "-P=nexus", "--config", config, main];
}

/** The launcher entry for a server: `{command, args}` that runs `mcp-nexus run <server>`. */
export function launcherEntry(server: string): { command: string; args: string[] } {
  const [command, ...pre] = selfCommand();
  return { command, args: [...pre, "run", server] };
}
