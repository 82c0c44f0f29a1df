/**
 * Cline: `~/.cline/data/settings/cline_mcp_settings.json` (shared by the Cline CLI, VS Code and
 * JetBrains), key `mcpServers`. Overrides, first wins: `CLINE_MCP_SETTINGS_PATH` (the file),
 * `CLINE_DATA_DIR` (`<dir>/settings/…`), `CLINE_DIR` (`<dir>/data/settings/…`).
 *
 * stdio `{type:"stdio", command, args, cwd, env}`; remote `{type:"streamableHttp"|"sse", url,
 * headers}`. A remote entry with no `type` is SSE (Cline's default); older files say `transportType`.
 */
import type { ClientAdapter, PathContext } from "../../ports/clients.ts";
import { installed, joiner, jsonEntryShape } from "./common.ts";
import { remoteSecrets } from "./remote_secrets.ts";

function clineDir(ctx: PathContext): string {
  return ctx.env("CLINE_DIR") ?? joiner(ctx)(ctx.home, ".cline");
}

function settingsFile(ctx: PathContext): string {
  const join = joiner(ctx);
  const explicit = ctx.env("CLINE_MCP_SETTINGS_PATH");
  if (explicit) return explicit;
  const data = ctx.env("CLINE_DATA_DIR") ?? join(clineDir(ctx), "data");
  return join(data, "settings", "cline_mcp_settings.json");
}

/**
 * Seconds Cline waits for a launcher entry to answer `initialize`. The Cline CLI 3.0.x gives a server
 * 3 s unless its entry has `timeout` (its own message says "Increase the timeout field"); the launcher
 * reads the keychain and then starts the server (a Node server, or `deno run` from source), which can
 * take longer on a busy machine. Not more: a launcher entry that fails (a wrong secret) costs Cline
 * this long, as it retries with another framing and waits out the timeout (measured: 60 s made the
 * Cline e2e run 54 s longer).
 */
export const CLINE_LAUNCHER_TIMEOUT = 30;

const shape = jsonEntryShape({
  client: "Cline",
  stdioType: "stdio",
  remote: { http: "streamableHttp", sse: "sse" },
  untypedRemote: "sse",
  typeKeys: ["type", "transportType"],
  cwd: true,
});

export const cline: ClientAdapter = {
  id: "cline",
  name: "Cline",
  format: "json",
  paths: (ctx) => [settingsFile(ctx)],
  serversPath: ["mcpServers"],
  transports: ["stdio", "http", "sse"],
  supportsCwd: true,
  parse: shape.parse,
  render: (name, server) =>
    server.transport === "stdio" && server.launcher
      ? { ...shape.render(name, server), timeout: CLINE_LAUNCHER_TIMEOUT }
      : shape.render(name, server),
  // the extension expands `${env:VAR}`, but the Cline CLI 3.0.x sends it literally: bridge instead
  ...remoteSecrets("cline"),
  detect: (ctx) => installed(ctx, { paths: [settingsFile(ctx), clineDir(ctx)], commands: ["cline"] }),
  docs: "https://docs.cline.bot/mcp/configuring-mcp-servers",
  checked: {
    version: "cline 3.0.65 (npm)",
    docs: "https://docs.cline.bot/mcp/configuring-mcp-servers",
    date: "2026-12-02",
  },
  notes:
    'Remote entries without `type` are SSE; streamable HTTP is `type: "streamableHttp"`. Remote servers ' +
    "with secrets go through the launcher bridge (the CLI does not expand ${env:VAR} in headers). Launcher " +
    "entries get `timeout: 30` (the CLI's own default is 3 s, too short for a launcher start). The legacy " +
    "VS Code globalStorage file (saoudrizwan.claude-dev) is migrated by Cline and not written.",
};
export default cline;
