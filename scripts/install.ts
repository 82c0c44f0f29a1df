/**
 * `deno task install [--root DIR]` puts an `mcp-nexus` command on PATH for a checkout: a small
 * wrapper that runs main.ts with the one permission set and --no-prompt, exactly as the compiled
 * binary would. `deno task uninstall [--root DIR]` removes it (only a wrapper this script wrote).
 * DIR defaults to ~/.local/bin (Windows: %LOCALAPPDATA%\mcp-nexus\bin).
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const MARKER = "written by 'deno task install' (mcp-nexus)";

const windows = Deno.build.os === "windows";
const repo = dirname(dirname(fileURLToPath(import.meta.url)));

function defaultRoot(): string {
  if (windows) {
    const local = Deno.env.get("LOCALAPPDATA") ??
      join(Deno.env.get("USERPROFILE") ?? ".", "AppData", "Local");
    return join(local, "mcp-nexus", "bin");
  }
  return join(Deno.env.get("HOME") ?? ".", ".local", "bin");
}

/** The deno to run: the one on PATH as the user named it (a link that survives upgrades), else this one. */
function denoPath(): string {
  for (const dir of (Deno.env.get("PATH") ?? "").split(windows ? ";" : ":")) {
    if (!dir) continue;
    const p = join(dir, windows ? "deno.exe" : "deno");
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch { /* next */ }
  }
  return Deno.execPath();
}

const sq = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

export function posixWrapper(self: string, deno: string, root: string): string {
  return [
    "#!/bin/sh",
    `# mcp-nexus from source: ${MARKER}; remove with 'deno task uninstall'.`,
    `MCP_NEXUS_LAUNCHER_PATH=${sq(self)}`,
    "export MCP_NEXUS_LAUNCHER_PATH",
    // Deno honours it (nothing can prompt), and the program then knows it may drop powers on a terminal
    "DENO_NO_PROMPT=1",
    "export DENO_NO_PROMPT",
    `exec ${sq(deno)} run -q -P=nexus --no-prompt --config ${sq(join(root, "deno.json"))} ${
      sq(join(root, "main.ts"))
    } "$@"`,
    "",
  ].join("\n");
}

export function cmdWrapper(_self: string, deno: string, root: string): string {
  return [
    "@echo off",
    `rem mcp-nexus from source: ${MARKER}; remove with 'deno task uninstall'.`,
    // no MCP_NEXUS_LAUNCHER_PATH here: clients start commands without a shell, and a .cmd cannot be
    // started that way, so launcher entries keep naming deno.exe and main.ts
    "setlocal",
    "set DENO_NO_PROMPT=1",
    `"${deno}" run -q -P=nexus --no-prompt --config "${join(root, "deno.json")}" "${
      join(root, "main.ts")
    }" %*`,
    "",
  ].join("\r\n");
}

function parseRoot(args: string[]): string {
  const i = args.findIndex((a) => a === "--root" || a.startsWith("--root="));
  if (i < 0) return defaultRoot();
  const v = args[i].includes("=") ? args[i].slice("--root=".length) : args[i + 1];
  if (!v) {
    console.error("--root needs a directory");
    Deno.exit(2);
  }
  return v;
}

if (import.meta.main) {
  const [verb, ...rest] = Deno.args;
  const dir = parseRoot(rest);
  const target = join(dir, windows ? "mcp-nexus.cmd" : "mcp-nexus");
  const existing = await Deno.readTextFile(target).catch(() => null);
  if (verb === "install") {
    if (existing !== null && !existing.includes(MARKER)) {
      console.error(`${target} exists and was not written by 'deno task install'; left as is.`);
      Deno.exit(1);
    }
    await Deno.mkdir(dir, { recursive: true });
    const text = windows ? cmdWrapper(target, denoPath(), repo) : posixWrapper(target, denoPath(), repo);
    const tmp = `${target}.${Deno.pid}.tmp`;
    await Deno.writeTextFile(tmp, text, { mode: 0o755 });
    if (!windows) await Deno.chmod(tmp, 0o755);
    await Deno.rename(tmp, target);
    const onPath = (Deno.env.get("PATH") ?? "").split(windows ? ";" : ":").includes(dir);
    console.log(`Installed ${target} (runs ${join(repo, "main.ts")} with the nexus permission set).`);
    if (!onPath) console.log(`note: ${dir} is not on your PATH; add it, e.g. export PATH="${dir}:$PATH"`);
  } else if (verb === "uninstall") {
    if (existing === null) {
      console.log(`Nothing to remove: ${target} does not exist.`);
    } else if (!existing.includes(MARKER)) {
      console.error(`${target} was not written by 'deno task install'; left as is.`);
      Deno.exit(1);
    } else {
      await Deno.remove(target);
      console.log(`Removed ${target}.`);
    }
  } else {
    console.error("usage: deno task install [--root DIR] | deno task uninstall [--root DIR]");
    Deno.exit(2);
  }
}
