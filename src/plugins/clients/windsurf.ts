/**
 * Windsurf (Codeium): `~/.codeium/windsurf/mcp_config.json` on every OS, `mcpServers`. Remote
 * entries use **`serverUrl`** (a Cursor-style `url` is also read on import).
 */
// Declared in manifests/windsurf.json (a client manifest, the same format third-party plugins use).
import type { ClientAdapter } from "../../ports/clients.ts";
import { adapterFromManifest, type ClientManifest } from "./manifest.ts";
import { remoteSecrets } from "./remote_secrets.ts";
import manifest from "./manifests/windsurf.json" with { type: "json" };

// How its remote secret headers are written comes from the one table (remote_secrets.ts).
export const windsurf: ClientAdapter = {
  ...adapterFromManifest(manifest as ClientManifest),
  ...remoteSecrets("windsurf"),
};
export default windsurf;
