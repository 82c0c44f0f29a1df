/**
 * Cursor: `~/.cursor/mcp.json` on every OS, `mcpServers`. Remote entries are `{url, headers}` and
 * Cursor detects the transport; an SSE server is marked with `type: "sse"`.
 */
import type { ClientAdapter, PathContext } from "../../core/clients.ts";
import { installed, joiner, jsonEntryShape } from "./common.ts";
import { remoteSecrets } from "./remote_secrets.ts";

const dir = (ctx: PathContext) => joiner(ctx)(ctx.home, ".cursor");

export const cursor: ClientAdapter = {
  id: "cursor",
  name: "Cursor",
  format: "json",
  paths: (ctx) => [joiner(ctx)(dir(ctx), "mcp.json")],
  serversPath: ["mcpServers"],
  transports: ["stdio", "http", "sse"],
  ...jsonEntryShape({
    client: "Cursor",
    remote: { http: null, sse: "sse" },
    typeAliases: { stdio: "stdio", http: "http", streamableHttp: "http", "streamable-http": "http" },
  }),
  ...remoteSecrets("cursor"),
  detect: (ctx) =>
    installed(ctx, {
      paths: [dir(ctx)],
      commands: ["cursor"],
      apps: ["Cursor.app"],
      windowsPrograms: ["cursor"],
      desktopEntries: ["cursor.desktop"],
    }),
  docs: "https://cursor.com/docs/context/mcp",
  checked: {
    version: "(editor; docs unversioned)",
    docs: "https://cursor.com/docs/context/mcp",
    date: "2026-12-02",
  },
  project: { path: [".cursor", "mcp.json"] },
  notes: "Streamable HTTP servers are written without `type` (Cursor detects the transport); " +
    'SSE ones with `type: "sse"` (unverified in Cursor\'s docs, widely used). No cwd.',
};
export default cursor;
