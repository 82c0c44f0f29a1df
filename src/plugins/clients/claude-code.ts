/**
 * Claude Code (CLI): user-scope servers in `~/.claude.json`, top-level `mcpServers`
 * (`$CLAUDE_CONFIG_DIR/.claude.json` when CLAUDE_CONFIG_DIR is set).
 *
 * The file also holds all of Claude Code's state, and running sessions rewrite it (re-indenting it
 * and adding their own keys): a re-formatted entry is not a user edit.
 */
// Declared in manifests/claude-code.json (a client manifest, the same format third-party plugins use).
import type { ClientAdapter } from "../../ports/clients.ts";
import { adapterFromManifest, type ClientManifest } from "./manifest.ts";
import { remoteSecrets } from "./remote_secrets.ts";
import manifest from "./manifests/claude-code.json" with { type: "json" };

// How its remote secret headers are written comes from the one table (remote_secrets.ts).
export const claudeCode: ClientAdapter = {
  ...adapterFromManifest(manifest as ClientManifest),
  ...remoteSecrets("claude-code"),
};
export default claudeCode;
