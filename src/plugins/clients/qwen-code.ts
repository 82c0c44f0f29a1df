/**
 * Qwen Code (a Gemini CLI fork): `~/.qwen/settings.json`, JSON with comments, key `mcpServers`, in
 * Gemini CLI's entry shape for stdio (`{command, args, env, cwd}`). Remote servers differ from Gemini
 * CLI 0.61: Qwen Code 0.24.4 reads `url` as SSE whatever `type` says (`mcp list` shows `(sse) -
 * Disconnected` for a streamable server), so streamable HTTP is written as `httpUrl` and SSE as `url`
 * (both read, and Gemini's `url` + `type` too). Project file: `.qwen/settings.json`.
 */
import type { ClientAdapter, PathContext } from "../../ports/clients.ts";
import { ifNonEmpty, installed, joiner } from "./common.ts";
import { geminiCli } from "./gemini-cli.ts";
import { remoteSecrets } from "./remote_secrets.ts";

const qwenDir = (ctx: PathContext) => joiner(ctx)(ctx.home, ".qwen");

export const qwenCode: ClientAdapter = {
  id: "qwen-code",
  name: "Qwen Code",
  format: "jsonc",
  paths: (ctx) => [joiner(ctx)(qwenDir(ctx), "settings.json")],
  serversPath: ["mcpServers"],
  transports: ["stdio", "http", "sse"],
  supportsCwd: true,
  render(name, server) {
    if (server.transport === "stdio") return geminiCli.render(name, server);
    const at = server.transport === "http" ? { httpUrl: server.url } : { url: server.url };
    return { ...at, ...ifNonEmpty("headers", server.headers) };
  },
  parse: geminiCli.parse,
  ...remoteSecrets("qwen-code"),
  detect: (ctx) => installed(ctx, { paths: [qwenDir(ctx)], commands: ["qwen"] }),
  docs: "https://qwenlm.github.io/qwen-code-docs/en/users/features/mcp/",
  checked: {
    version: "@qwen-code/qwen-code 0.24.4 (npm; needs Node ≥ 22)",
    docs: "https://qwenlm.github.io/qwen-code-docs/en/users/features/mcp/",
    date: "2026-12-02",
  },
  project: { path: [".qwen", "settings.json"] },
  notes:
    "Gemini CLI's settings format in ~/.qwen/settings.json (comments kept); streamable HTTP servers as " +
    "`httpUrl` (Qwen Code reads `url` as SSE). Needs Node ≥ 22.",
};
export default qwenCode;
