/**
 * Qoder CLI: user scope `~/.qoder/settings.json`, key `mcpServers`, LM Studio's ("Cursor notation")
 * entry shape: `{command, args, env}` / `{url, headers}`. The file also holds Qoder's other settings
 * (permissions, …), which are kept. Qoder's project scope is the repository's `.mcp.json`, the same
 * file as Claude Code's project scope, so `sync --project` writes it once, through Claude Code.
 */
import type { ClientAdapter, PathContext } from "../../ports/clients.ts";
import { installed, joiner, jsonEntryShape } from "./common.ts";
import { remoteSecrets } from "./remote_secrets.ts";

const qoderDir = (ctx: PathContext) => joiner(ctx)(ctx.home, ".qoder");

export const qoder: ClientAdapter = {
  id: "qoder",
  name: "Qoder CLI",
  format: "json",
  paths: (ctx) => [joiner(ctx)(qoderDir(ctx), "settings.json")],
  serversPath: ["mcpServers"],
  transports: ["stdio", "http"],
  ...jsonEntryShape({ client: "Qoder CLI", remote: { http: null } }),
  ...remoteSecrets("qoder"),
  detect: (ctx) => installed(ctx, { paths: [qoderDir(ctx)], commands: ["qodercli"] }),
  docs: "https://docs.qoder.com/cli/mcp-servers",
  checked: {
    version: "@qoder-ai/qodercli 1.1.52 (npm)",
    docs: "https://docs.qoder.com/cli/mcp-servers",
    date: "2026-12-02",
  },
  notes: "User scope in ~/.qoder/settings.json (other settings kept). Project scope is .mcp.json, shared " +
    "with Claude Code. Remote servers as {url, headers}; with secrets, the launcher bridge. No cwd.",
};
export default qoder;
