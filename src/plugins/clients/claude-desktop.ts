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
// Declared in manifests/claude-desktop.json (a client manifest, the same format third-party plugins use).
import type { ClientAdapter } from "../../ports/clients.ts";
import { adapterFromManifest, type ClientManifest } from "./manifest.ts";
import { remoteSecrets } from "./remote_secrets.ts";
import manifest from "./manifests/claude-desktop.json" with { type: "json" };

// How its remote secret headers are written comes from the one table (remote_secrets.ts).
export const claudeDesktop: ClientAdapter = {
  ...adapterFromManifest(manifest as ClientManifest),
  ...remoteSecrets("claude-desktop"),
};
export default claudeDesktop;
