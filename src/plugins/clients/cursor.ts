/**
 * Cursor: `~/.cursor/mcp.json` on every OS, `mcpServers`. Remote entries are `{url, headers}` and
 * Cursor detects the transport; an SSE server is marked with `type: "sse"`.
 */
// Declared in manifests/cursor.json (a client manifest, the same format third-party plugins use).
import type { ClientAdapter } from "../../ports/clients.ts";
import { adapterFromManifest, type ClientManifest } from "./manifest.ts";
import { remoteSecrets } from "./remote_secrets.ts";
import manifest from "./manifests/cursor.json" with { type: "json" };

// How its remote secret headers are written comes from the one table (remote_secrets.ts).
export const cursor: ClientAdapter = {
  ...adapterFromManifest(manifest as ClientManifest),
  ...remoteSecrets("cursor"),
};
export default cursor;
