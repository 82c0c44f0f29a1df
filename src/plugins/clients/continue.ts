/**
 * Continue: `~/.continue/config.yaml` (`CONTINUE_GLOBAL_DIR` replaces `~/.continue`). YAML;
 * `mcpServers` is an **array** of entries carrying their own `name`.
 *
 * stdio  `{name, command, args, env, cwd}`
 * remote `{name, type:"sse"|"streamable-http", url, requestOptions:{headers}}`
 */
import type { ClientAdapter, ClientServer, PathContext } from "../../ports/clients.ts";
import { installed, isRecord, joiner, jsonEntryShape, nonEmptyString, stringMap } from "./common.ts";
import { remoteSecrets } from "./remote_secrets.ts";

const globalDir = (ctx: PathContext) => ctx.env("CONTINUE_GLOBAL_DIR") ?? joiner(ctx)(ctx.home, ".continue");

const stdio = jsonEntryShape({ client: "Continue", cwd: true });
const REMOTE_TYPES = { http: "streamable-http", sse: "sse" } as const;

export const continueClient: ClientAdapter = {
  id: "continue",
  name: "Continue",
  format: "yaml",
  paths: (ctx) => [joiner(ctx)(globalDir(ctx), "config.yaml")],
  serversPath: ["mcpServers"],
  storage: "array",
  transports: ["stdio", "http", "sse"],
  supportsCwd: true,
  ...remoteSecrets("continue"),
  // `cn`'s headless run stops entirely when one MCP server fails to start
  oneFailureStopsAll: true,
  render(name, server) {
    if (server.transport === "stdio") return { name, ...stdio.render(name, server) };
    return {
      name,
      type: REMOTE_TYPES[server.transport],
      url: server.url,
      ...(Object.keys(server.headers).length ? { requestOptions: { headers: server.headers } } : {}),
    };
  },
  parse(name, entry): ClientServer | null {
    if (!isRecord(entry)) return null;
    const { name: _n, type, ...rest } = entry;
    if (type === undefined || type === "stdio") {
      if (rest.command !== undefined) return stdio.parse(name, rest);
      if (type === "stdio") return null;
    }
    const transport = type === "sse"
      ? "sse"
      : type === "streamable-http" || type === undefined
      ? "http"
      : null;
    const url = nonEmptyString(rest.url);
    if (transport === null || url === null) return null;
    const options = rest.requestOptions === undefined ? {} : rest.requestOptions;
    if (!isRecord(options)) return null;
    const headers = stringMap(options.headers);
    if (headers === null) return null;
    // `apiKey` is sent as a bearer token.
    const apiKey = nonEmptyString(rest.apiKey);
    if (apiKey !== null && !Object.keys(headers).some((h) => h.toLowerCase() === "authorization")) {
      headers.Authorization = `Bearer ${apiKey}`;
    }
    return { transport, url, headers };
  },
  detect: (ctx) => installed(ctx, { paths: [globalDir(ctx)], commands: ["cn"] }),
  docs: "https://docs.continue.dev/customize/deep-dives/mcp",
  checked: {
    version: "(docs unversioned)",
    docs: "https://docs.continue.dev/customize/deep-dives/mcp",
    date: "2026-12-02",
  },
  // project scope: a block file of our own in the workspace's .continue/mcpServers/ (Continue loads every
  // file there), so the project's config.yaml is never edited
  project: {
    path: [".continue", "mcpServers", "mcp-nexus.yaml"],
    emptyFile: "name: mcp-nexus\nversion: 0.0.1\nschema: v1\n",
  },
  // A new config.yaml needs these top-level fields to be valid.
  emptyFile: "name: Local Config\nversion: 1.0.0\nschema: v1\n",
  notes:
    "mcpServers is a list of {name, …}. Continue's own ${{ secrets.X }} are not environment variables, " +
    "so there is no env interpolation. A new config.yaml gets name/version/schema.",
};
export default continueClient;
