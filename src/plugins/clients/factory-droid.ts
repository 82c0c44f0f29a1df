/**
 * Factory Droid (CLI): `~/.factory/mcp.json`, key `mcpServers`, Claude Code's entry shape
 * (`{type:"stdio", command, args, env}` / `{type:"http", url, headers}`), with no variable
 * interpolation: remote servers with secrets get the launcher bridge. Project file `.factory/mcp.json`.
 */
import type { ClientAdapter, PathContext } from "../../ports/clients.ts";
import { installed, joiner, jsonEntryShape } from "./common.ts";
import { remoteSecrets } from "./remote_secrets.ts";

const factoryDir = (ctx: PathContext) => joiner(ctx)(ctx.home, ".factory");

export const factoryDroid: ClientAdapter = {
  id: "factory-droid",
  name: "Factory Droid",
  format: "json",
  paths: (ctx) => [joiner(ctx)(factoryDir(ctx), "mcp.json")],
  serversPath: ["mcpServers"],
  // droid documents two transports: stdio and http
  transports: ["stdio", "http"],
  ...jsonEntryShape({ client: "Factory Droid", stdioType: "stdio", remote: { http: "http" } }),
  ...remoteSecrets("factory-droid"),
  detect: (ctx) => installed(ctx, { paths: [factoryDir(ctx)], commands: ["droid"] }),
  docs: "https://docs.factory.ai/cli/configuration/mcp",
  checked: {
    version: "@factory/cli 0.225.1 (npm)",
    docs: "https://docs.factory.ai/cli/configuration/mcp",
    date: "2026-12-02",
  },
  project: { path: [".factory", "mcp.json"] },
  notes: "Claude Code's entry shape without interpolation: remote servers with secrets go through the " +
    "launcher bridge. stdio and streamable HTTP only. No cwd.",
};
export default factoryDroid;
