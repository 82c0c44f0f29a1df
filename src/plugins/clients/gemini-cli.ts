/**
 * Gemini CLI: `~/.gemini/settings.json` (GEMINI_CLI_HOME replaces the home:
 * `$GEMINI_CLI_HOME/.gemini/settings.json`). JSON with comments; key `mcpServers`.
 *
 * Remote entries are written as `url` + `type: "http"|"sse"` (what `gemini mcp add` writes; Gemini CLI
 * 0.61 warns that `httpUrl` is deprecated). The older `httpUrl` (streamable) and bare `url` (SSE) are
 * still read.
 */
import type { ClientAdapter, ClientServer, PathContext } from "../../ports/clients.ts";
import {
  ifNonEmpty,
  installed,
  isRecord,
  joiner,
  jsonEntryShape,
  nonEmptyString,
  stringMap,
} from "./common.ts";
import { remoteSecrets } from "./remote_secrets.ts";

const geminiDir = (ctx: PathContext) => joiner(ctx)(ctx.env("GEMINI_CLI_HOME") ?? ctx.home, ".gemini");

// stdio is the common `{command, args, env, cwd}`; remote has its own keys (below).
const stdio = jsonEntryShape({ client: "Gemini CLI", cwd: true });

export const geminiCli: ClientAdapter = {
  id: "gemini-cli",
  name: "Gemini CLI",
  format: "jsonc",
  paths: (ctx) => [joiner(ctx)(geminiDir(ctx), "settings.json")],
  serversPath: ["mcpServers"],
  transports: ["stdio", "http", "sse"],
  supportsCwd: true,
  render(name, server) {
    if (server.transport === "stdio") return stdio.render(name, server);
    return { type: server.transport, url: server.url, ...ifNonEmpty("headers", server.headers) };
  },
  parse(name, entry): ClientServer | null {
    if (!isRecord(entry)) return null;
    if (entry.command !== undefined) return stdio.parse(name, entry);
    const headers = stringMap(entry.headers);
    if (headers === null) return null;
    const httpUrl = nonEmptyString(entry.httpUrl);
    if (httpUrl !== null) return { transport: "http", url: httpUrl, headers };
    const url = nonEmptyString(entry.url);
    if (url === null) return null;
    if (entry.type === "http") return { transport: "http", url, headers };
    if (entry.type === undefined || entry.type === "sse") return { transport: "sse", url, headers };
    return null;
  },
  // `$VAR`, `${VAR}` and `${VAR:-default}` are expanded in every string (unset → "").
  ...remoteSecrets("gemini-cli"),
  detect: (ctx) => installed(ctx, { paths: [geminiDir(ctx)], commands: ["gemini"] }),
  docs: "https://github.com/google-gemini/gemini-cli/blob/main/docs/tools/mcp-server.md",
  checked: {
    version: "gemini-cli 0.61.0 (npm)",
    docs: "https://github.com/google-gemini/gemini-cli/blob/main/docs/tools/mcp-server.md",
    date: "2026-12-02",
  },
  project: { path: [".gemini", "settings.json"] },
  notes:
    'Remote servers are written as `url` + `type: "http"|"sse"` (`httpUrl` is deprecated, still read). ' +
    "Gemini warns against `_` in server names.",
};
export default geminiCli;
