/**
 * Claude Code (CLI): user-scope servers in `~/.claude.json`, top-level `mcpServers`
 * (`$CLAUDE_CONFIG_DIR/.claude.json` when CLAUDE_CONFIG_DIR is set).
 *
 * The file also holds all of Claude Code's state, and running sessions rewrite it (re-indenting it
 * and adding their own keys): a re-formatted entry is not a user edit.
 */
import type { ClientAdapter, PathContext } from "../../core/clients.ts";
import { installed, joiner, jsonEntryShape } from "./common.ts";
import { remoteSecrets } from "./remote_secrets.ts";

function configDir(ctx: PathContext): string {
  return ctx.env("CLAUDE_CONFIG_DIR") ?? ctx.home;
}

export const claudeCode: ClientAdapter = {
  id: "claude-code",
  name: "Claude Code",
  format: "json",
  paths: (ctx) => [joiner(ctx)(configDir(ctx), ".claude.json")],
  serversPath: ["mcpServers"],
  transports: ["stdio", "http", "sse"],
  // stdio `{type:"stdio", command, args, env}`; remote `{type:"http"|"sse", url, headers}`. No `cwd`.
  ...jsonEntryShape({ client: "Claude Code", stdioType: "stdio", remote: { http: "http", sse: "sse" } }),
  // `${VAR}` (and `${VAR:-default}`) in command, args, env, url and headers.
  ...remoteSecrets("claude-code"),
  detect: (ctx) =>
    installed(ctx, {
      paths: [
        joiner(ctx)(configDir(ctx), ".claude.json"),
        ctx.env("CLAUDE_CONFIG_DIR") ?? joiner(ctx)(ctx.home, ".claude"),
      ],
      commands: ["claude"],
    }),
  docs: "https://code.claude.com/docs/en/mcp",
  checked: { version: "2.1", docs: "https://code.claude.com/docs/en/mcp", date: "2026-12-02" },
  // project scope: `.mcp.json` at the repository root (Claude Code asks the user to approve it)
  project: { path: [".mcp.json"] },
  notes: "User scope only (top-level mcpServers of ~/.claude.json, or $CLAUDE_CONFIG_DIR/.claude.json); " +
    "Claude Code rewrites this file itself. Header ${VAR} expansion needs Claude Code ≥ 2.1.119. No cwd.",
};
export default claudeCode;
