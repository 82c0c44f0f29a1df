/**
 * VS Code (Copilot): the user `mcp.json` in VS Code's user data dir (`~/Library/Application
 * Support/Code/User` on macOS, `%APPDATA%\Code\User` on Windows, `$XDG_CONFIG_HOME/Code/User` on
 * Linux). JSONC; the key is **`servers`** (next to `inputs`), and every entry has a `type`.
 */
// Declared in manifests/vscode.json (a client manifest, the same format third-party plugins use).
import type { ClientAdapter } from "../../ports/clients.ts";
import { adapterFromManifest, type ClientManifest } from "./manifest.ts";
import { remoteSecrets } from "./remote_secrets.ts";
import manifest from "./manifests/vscode.json" with { type: "json" };

// How its remote secret headers are written comes from the one table (remote_secrets.ts).
export const vscode: ClientAdapter = {
  ...adapterFromManifest(manifest as ClientManifest),
  ...remoteSecrets("vscode"),
};
export default vscode;
