/**
 * Crush (Charm): the legacy JSON config `crush.json`, key **`mcp`** (a map).
 *
 * - global: `$XDG_CONFIG_HOME/crush/crush.json` (`~/.config/crush`) on every OS; on Windows older
 *   builds read `%LOCALAPPDATA%\crush\crush.json`, used when only that one exists
 * - project: `.crush.json` at the repository root
 *
 * stdio  `{type:"stdio", command, args, env}` (Crush also knows `timeout`, `disabled`, left to the user)
 * remote `{type:"http"|"sse", url, headers}`; header values go through Crush's shell-style expansion,
 *        so `${VAR}` reads the environment.
 *
 * Format versions: Crush now prefers `crushrc`, a Bash file of `mcp add …` commands, and keeps
 * reading JSON (deprecated, merged, with crushrc winning in the same directory). mcp-nexus edits the
 * JSON only; doctor says when a crushrc sits next to it.
 */
import { pathFor } from "../../ports/path.ts";
import type { ClientAdapter, PathContext } from "../../ports/clients.ts";
import { installed, joiner, jsonEntryShape } from "./common.ts";
import { remoteSecrets } from "./remote_secrets.ts";

function configDirs(ctx: PathContext): string[] {
  const join = joiner(ctx);
  const xdg = ctx.os === "windows"
    ? join(ctx.env("XDG_CONFIG_HOME") ?? join(ctx.home, ".config"), "crush")
    : join(ctx.xdgConfigHome, "crush");
  return ctx.os === "windows" ? [xdg, join(ctx.localAppData, "crush")] : [xdg];
}

export const crush: ClientAdapter = {
  id: "crush",
  name: "Crush",
  format: "json",
  paths: (ctx) => configDirs(ctx).map((d) => joiner(ctx)(d, "crush.json")),
  serversPath: ["mcp"],
  transports: ["stdio", "http", "sse"],
  ...jsonEntryShape({ client: "Crush", stdioType: "stdio", remote: { http: "http", sse: "sse" } }),
  ...remoteSecrets("crush"),
  unknownFormat(_data, path, ctx) {
    const dir = pathFor(ctx.os).dirname(path);
    const rc = joiner(ctx)(dir, "crushrc");
    return ctx.exists(rc)
      ? `${rc} exists: Crush's newer Bash config (crushrc), which mcp-nexus does not edit, is merged over ` +
        "this JSON file and wins for a server defined in both"
      : null;
  },
  detect: (ctx) => installed(ctx, { paths: configDirs(ctx), commands: ["crush"] }),
  docs: "https://github.com/charmbracelet/crush/blob/main/docs/config/README.md",
  checked: {
    version: "@charmland/crush 0.96.1 (npm; JSON config deprecated but read)",
    docs: "https://github.com/charmbracelet/crush/blob/main/docs/config/README.md",
    date: "2026-12-02",
  },
  emptyFile: '{\n  "$schema": "https://charm.land/crush.json"\n}\n',
  project: { path: [".crush.json"] },
  notes: "Key `mcp`, in the legacy crush.json (still read; crushrc is the new Bash config, not edited). " +
    "Secret headers use ${VAR} (Crush expands them). No cwd.",
};
export default crush;
