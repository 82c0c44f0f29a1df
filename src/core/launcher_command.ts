/**
 * The command a client runs to start a server through our launcher (`mcp-nexus run <server>`):
 * the absolute path of this program when compiled, or `deno run` with the same permission set and
 * absolute paths to deno.json and main.ts when running from source.
 */
import { basename } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";

/** True when running as `deno run …` (from source), false in a `deno compile`d binary. */
export function runningFromSource(): boolean {
  return /^deno(\.exe)?$/i.test(basename(Deno.execPath()));
}

/** `[command, ...args]` that starts mcp-nexus itself. */
export function selfCommand(): string[] {
  if (!runningFromSource()) return [Deno.execPath()];
  const config = fromFileUrl(new URL("../../deno.json", import.meta.url));
  const main = fromFileUrl(new URL("../../main.ts", import.meta.url));
  return [Deno.execPath(), "run", "-q", "--no-prompt", "-P=nexus", "--config", config, main];
}

/** The launcher entry for a server: `{command, args}` that runs `mcp-nexus run <server>`. */
export function launcherEntry(server: string): { command: string; args: string[] } {
  const [command, ...pre] = selfCommand();
  return { command, args: [...pre, "run", server] };
}
