/**
 * Claude Desktop: `claude_desktop_config.json`, `mcpServers`, stdio servers only (remote servers are
 * added in the app under Settings → Connectors).
 *
 * - macOS: `~/Library/Application Support/Claude/claude_desktop_config.json`
 * - Windows: the MSIX install (the default since early 2026) reads
 *   `%LOCALAPPDATA%\Packages\Claude_<id>\LocalCache\Roaming\Claude\…`, so that file comes first when such
 *   a package folder exists; then `%APPDATA%\Claude\…` (the older installer).
 * - Linux: no official build; community builds use `$XDG_CONFIG_HOME/Claude/…` (`~/.config`).
 */
import type { ClientAdapter, PathContext } from "../../core/clients.ts";
import { installed, joiner, jsonEntryShape } from "./common.ts";
import { remoteSecrets } from "./remote_secrets.ts";

const FILE = "claude_desktop_config.json";

/** `%LOCALAPPDATA%\Packages\Claude_*` folders of the MSIX install (Windows only). */
function msixPackages(ctx: PathContext): string[] {
  if (ctx.os !== "windows") return [];
  const join = joiner(ctx);
  const packages = join(ctx.localAppData, "Packages");
  return ctx.list(packages).filter((n) => n.startsWith("Claude_")).map((n) => join(packages, n));
}

function configDirs(ctx: PathContext): string[] {
  const join = joiner(ctx);
  switch (ctx.os) {
    case "darwin":
      return [join(ctx.home, "Library", "Application Support", "Claude")];
    case "windows":
      return [
        ...msixPackages(ctx).map((p) => join(p, "LocalCache", "Roaming", "Claude")),
        join(ctx.appData, "Claude"),
      ];
    default:
      return [join(ctx.xdgConfigHome, "Claude")];
  }
}

export const claudeDesktop: ClientAdapter = {
  id: "claude-desktop",
  name: "Claude Desktop",
  format: "json",
  paths: (ctx) => configDirs(ctx).map((d) => joiner(ctx)(d, FILE)),
  serversPath: ["mcpServers"],
  transports: ["stdio"],
  // `{command, args, env}`; no `type`, no `cwd`, no interpolation.
  ...jsonEntryShape({ client: "Claude Desktop" }),
  ...remoteSecrets("claude-desktop"),
  detect: (ctx) =>
    installed(ctx, {
      paths: [...configDirs(ctx), ...msixPackages(ctx)],
      apps: ["Claude.app"],
    }),
  docs: "https://modelcontextprotocol.io/docs/develop/connect-local-servers",
  checked: {
    version: "(desktop app; no version in the docs)",
    docs: "https://modelcontextprotocol.io/docs/develop/connect-local-servers",
    date: "2026-12-02",
  },
  notes:
    "Stdio only: remote servers are added in the app (Settings → Connectors). No ${VAR} interpolation. " +
    "Windows: the MSIX install's LocalCache path is used when a Claude_* package exists. " +
    "Linux has no official build; ~/.config/Claude is what community builds use (unverified).",
};
export default claudeDesktop;
