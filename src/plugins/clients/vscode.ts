/**
 * VS Code (Copilot): the user `mcp.json` in VS Code's user data dir (`~/Library/Application
 * Support/Code/User` on macOS, `%APPDATA%\Code\User` on Windows, `$XDG_CONFIG_HOME/Code/User` on
 * Linux). JSONC; the key is **`servers`** (next to `inputs`), and every entry has a `type`.
 */
import type { ClientAdapter, PathContext } from "../../core/clients.ts";
import { installed, joiner, jsonEntryShape } from "./common.ts";
import { remoteSecrets } from "./remote_secrets.ts";

function userDataDir(ctx: PathContext): string {
  const join = joiner(ctx);
  switch (ctx.os) {
    case "darwin":
      return join(ctx.home, "Library", "Application Support", "Code");
    case "windows":
      return join(ctx.appData, "Code");
    default:
      return join(ctx.xdgConfigHome, "Code");
  }
}

export const vscode: ClientAdapter = {
  id: "vscode",
  name: "VS Code",
  format: "jsonc",
  paths: (ctx) => [joiner(ctx)(userDataDir(ctx), "User", "mcp.json")],
  serversPath: ["servers"],
  transports: ["stdio", "http", "sse"],
  supportsCwd: true,
  // stdio `{type:"stdio", command, args, env, cwd}`; remote `{type:"http"|"sse", url, headers}`.
  ...jsonEntryShape({
    client: "VS Code",
    stdioType: "stdio",
    remote: { http: "http", sse: "sse" },
    cwd: true,
  }),
  ...remoteSecrets("vscode"),
  detect: (ctx) =>
    installed(ctx, {
      paths: [userDataDir(ctx)],
      commands: ["code"],
      apps: ["Visual Studio Code.app"],
      windowsPrograms: ["Microsoft VS Code"],
      desktopEntries: ["code.desktop"],
    }),
  docs: "https://code.visualstudio.com/docs/copilot/reference/mcp-configuration",
  checked: {
    version: "(docs dated 2026-11-25)",
    docs: "https://code.visualstudio.com/docs/copilot/reference/mcp-configuration",
    date: "2026-12-02",
  },
  project: { path: [".vscode", "mcp.json"] },
  notes: "Key `servers`, not `mcpServers`. The default profile's mcp.json only: named profiles " +
    "(User/profiles/<id>/mcp.json), Insiders and remote/WSL servers are not written.",
};
export default vscode;
