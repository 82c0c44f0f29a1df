/**
 * Windsurf for JetBrains (the Codeium/Windsurf plugin): `~/.codeium/mcp_config.json` on every OS, in
 * Windsurf's shape (`mcpServers`, remote `serverUrl`).
 */
import type { ClientAdapter, PathContext } from "../../ports/clients.ts";
import { installed, joiner } from "./common.ts";
import { windsurf } from "./windsurf.ts";
import { remoteSecrets } from "./remote_secrets.ts";

const dir = (ctx: PathContext) => joiner(ctx)(ctx.home, ".codeium");

export const windsurfJetbrains: ClientAdapter = {
  id: "windsurf-jetbrains",
  name: "Windsurf for JetBrains",
  format: "json",
  paths: (ctx) => [joiner(ctx)(dir(ctx), "mcp_config.json")],
  serversPath: ["mcpServers"],
  transports: ["stdio", "http"],
  render: windsurf.render,
  parse: windsurf.parse,
  ...remoteSecrets("windsurf-jetbrains"),
  // the plugin keeps its file in ~/.codeium itself; the IDE has no command of its own to look for
  detect: (ctx) => installed(ctx, { paths: [joiner(ctx)(dir(ctx), "mcp_config.json")] }),
  docs: "https://docs.windsurf.com/plugins/cascade/mcp",
  checked: {
    version: "(plugin; docs unversioned)",
    docs: "https://docs.windsurf.com/plugins/cascade/mcp",
    date: "2026-12-02",
  },
  notes: "Windsurf's format in ~/.codeium/mcp_config.json (the editor's own is ~/.codeium/windsurf/…); " +
    "that path comes from ToolHive's client list, not confirmed in Windsurf's docs. " +
    "Detected only when that file exists (~/.codeium alone is the editor's too). No cwd.",
};
export default windsurfJetbrains;
