/**
 * Amp (Sourcegraph): `~/.config/amp/settings.json`, JSON with comments. The servers live under ONE
 * top-level key literally named `"amp.mcpServers"` (a dot inside the key, VS Code-settings style):
 * `serversPath` is `["amp.mcpServers"]`, a single key, never `amp` → `mcpServers`.
 *
 * stdio `{command, args, env}`; remote `{url, headers}`. Project file: `.amp/settings.json`.
 */
import type { ClientAdapter, PathContext } from "../../ports/clients.ts";
import { installed, joiner, jsonEntryShape } from "./common.ts";
import { remoteSecrets } from "./remote_secrets.ts";

function configDir(ctx: PathContext): string {
  const join = joiner(ctx);
  return ctx.os === "windows" ? join(ctx.home, ".config", "amp") : join(ctx.xdgConfigHome, "amp");
}

export const amp: ClientAdapter = {
  id: "amp",
  name: "Amp",
  format: "jsonc",
  paths: (ctx) => [joiner(ctx)(configDir(ctx), "settings.json")],
  serversPath: ["amp.mcpServers"],
  // remote entries carry no type: SSE cannot be told from streamable HTTP
  transports: ["stdio", "http"],
  ...jsonEntryShape({ client: "Amp", remote: { http: null } }),
  ...remoteSecrets("amp"),
  detect: (ctx) => installed(ctx, { paths: [configDir(ctx)], commands: ["amp"] }),
  docs: "https://ampcode.com/manual#mcp",
  checked: {
    version: "@ampcode/cli 0.0.1790712063 (npm)",
    docs: "https://ampcode.com/manual#mcp",
    date: "2026-12-02",
  },
  project: { path: [".amp", "settings.json"] },
  notes: 'One key literally named "amp.mcpServers" (the dot is part of the key). Remote servers as ' +
    "{url, headers} (streamable HTTP); with secrets they go through the launcher bridge. No cwd.",
};
export default amp;
