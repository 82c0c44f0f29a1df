/**
 * Windsurf (Codeium): `~/.codeium/windsurf/mcp_config.json` on every OS, `mcpServers`. Remote
 * entries use **`serverUrl`** (a Cursor-style `url` is also read on import).
 */
import type { ClientAdapter, PathContext } from "../../core/clients.ts";
import { installed, joiner, jsonEntryShape } from "./common.ts";
import { remoteSecrets } from "./remote_secrets.ts";

const dir = (ctx: PathContext) => joiner(ctx)(ctx.home, ".codeium", "windsurf");

export const windsurf: ClientAdapter = {
  id: "windsurf",
  name: "Windsurf",
  format: "json",
  paths: (ctx) => [joiner(ctx)(dir(ctx), "mcp_config.json")],
  serversPath: ["mcpServers"],
  // Windsurf has no `type` field, so an SSE entry could not be told from a streamable HTTP one.
  transports: ["stdio", "http"],
  ...jsonEntryShape({ client: "Windsurf", remote: { http: null }, urlKey: "serverUrl", urlAliases: ["url"] }),
  ...remoteSecrets("windsurf"),
  detect: (ctx) =>
    installed(ctx, {
      paths: [dir(ctx)],
      commands: ["windsurf"],
      apps: ["Windsurf.app"],
      windowsPrograms: ["Windsurf"],
      desktopEntries: ["windsurf.desktop"],
    }),
  docs: "https://docs.windsurf.com/windsurf/cascade/mcp",
  checked: {
    version: "(editor; docs unversioned)",
    docs: "https://docs.windsurf.com/windsurf/cascade/mcp",
    date: "2026-12-02",
  },
  notes:
    "Remote servers use `serverUrl` and Windsurf detects the transport, so mcp-nexus writes streamable " +
    "HTTP servers only (an SSE entry would read back as HTTP). No cwd.",
};
export default windsurf;
