/**
 * GitHub Copilot CLI: `~/.copilot/mcp-config.json` (`$COPILOT_HOME/mcp-config.json` when set), key
 * `mcpServers`. VS Code's Copilot sessions read this file too.
 *
 * stdio  `{type:"local", command, args, env, tools:["*"]}` (`"stdio"` is read as a synonym)
 * remote `{type:"http"|"sse", url, headers, tools:["*"]}`
 *
 * `tools: ["*"]` enables every tool of the server; without it the CLI offers none.
 */
import type { ClientAdapter, PathContext } from "../../ports/clients.ts";
import { installed, isRecord, joiner, jsonEntryShape } from "./common.ts";
import { remoteSecrets } from "./remote_secrets.ts";

const copilotHome = (ctx: PathContext) => ctx.env("COPILOT_HOME") ?? joiner(ctx)(ctx.home, ".copilot");

const shape = jsonEntryShape({
  client: "Copilot CLI",
  stdioType: "local",
  remote: { http: "http", sse: "sse" },
  typeAliases: { stdio: "stdio" },
});

export const copilotCli: ClientAdapter = {
  id: "copilot-cli",
  name: "GitHub Copilot CLI",
  format: "json",
  paths: (ctx) => [joiner(ctx)(copilotHome(ctx), "mcp-config.json")],
  serversPath: ["mcpServers"],
  transports: ["stdio", "http", "sse"],
  render: (name, server) => ({ ...shape.render(name, server), tools: ["*"] }),
  parse: (name, entry) => {
    if (!isRecord(entry)) return null;
    const { tools: _tools, ...rest } = entry;
    return shape.parse(name, rest);
  },
  ...remoteSecrets("copilot-cli"),
  detect: (ctx) => installed(ctx, { paths: [copilotHome(ctx)], commands: ["copilot"] }),
  docs: "https://docs.github.com/en/copilot/how-tos/use-copilot-agents/use-copilot-cli",
  checked: {
    version: "@github/copilot 1.0.102 (npm)",
    docs: "https://docs.github.com/en/copilot/how-tos/use-copilot-agents/use-copilot-cli",
    date: "2026-12-02",
  },
  notes: 'Entries carry tools: ["*"] (every tool enabled). COPILOT_HOME moves the file. Remote servers ' +
    "with secrets go through the launcher bridge. No cwd.",
};
export default copilotCli;
