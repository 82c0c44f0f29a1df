/**
 * Zed: `settings.json` (the whole editor settings, with comments), key `context_servers`.
 *
 * - macOS: `~/.config/zed/settings.json` (not Application Support)
 * - Linux: `$FLATPAK_XDG_CONFIG_HOME/zed` (Flatpak), else `$XDG_CONFIG_HOME/zed` (`~/.config/zed`)
 * - Windows: `%APPDATA%\Zed\settings.json`
 *
 * stdio `{command, args, env}`, remote `{url, headers}`. Older builds nested the command as
 * `{command: {path, args, env}}` (with `"source": "custom"`); parse reads that form too.
 */
import type { ClientAdapter, PathContext } from "../../ports/clients.ts";
import { installed, isRecord, joiner, jsonEntryShape } from "./common.ts";
import { remoteSecrets } from "./remote_secrets.ts";

function configDir(ctx: PathContext): string {
  const join = joiner(ctx);
  switch (ctx.os) {
    case "darwin":
      return join(ctx.home, ".config", "zed");
    case "windows":
      return join(ctx.appData, "Zed");
    default:
      return join(ctx.env("FLATPAK_XDG_CONFIG_HOME") ?? ctx.xdgConfigHome, "zed");
  }
}

// Zed's schema requires `args`: it is always written, `[]` when empty
const shape = jsonEntryShape({ client: "Zed", remote: { http: null }, alwaysArgs: true });

export const zed: ClientAdapter = {
  id: "zed",
  name: "Zed",
  format: "jsonc",
  paths: (ctx) => [joiner(ctx)(configDir(ctx), "settings.json")],
  serversPath: ["context_servers"],
  // Zed's HTTP context servers take no transport type, so SSE cannot be told apart.
  transports: ["stdio", "http"],
  render: shape.render,
  ...remoteSecrets("zed"),
  parse(name, entry) {
    // Legacy `{command: {path, args, env}}` → the flat form.
    if (isRecord(entry) && isRecord(entry.command)) {
      const { path, args, env } = entry.command;
      return shape.parse(name, { command: path, args, env });
    }
    return shape.parse(name, entry);
  },
  detect: (ctx) =>
    installed(ctx, {
      paths: [configDir(ctx)],
      commands: ["zed", "zeditor"],
      apps: ["Zed.app"],
      windowsPrograms: ["Zed"],
      desktopEntries: ["dev.zed.Zed.desktop"],
    }),
  docs: "https://zed.dev/docs/ai/mcp",
  checked: { version: "(editor; docs unversioned)", docs: "https://zed.dev/docs/ai/mcp", date: "2026-12-02" },
  project: { path: [".zed", "settings.json"] },
  notes: "Writes into Zed's full settings.json (comments kept); `args` always written (Zed requires it). " +
    "Streamable HTTP only; no interpolation, no cwd. " +
    'Zed builds older than remote support need `"source": "custom"`, which is not written.',
};
export default zed;
