/**
 * Qwen Code (a Gemini CLI fork): `~/.qwen/settings.json`, JSON with comments, key `mcpServers`, in
 * Gemini CLI's entry shape (stdio `{command, args, env, cwd}`; remote `url` + `type`, `httpUrl` read).
 * Project file: `.qwen/settings.json`.
 */
import type { ClientAdapter, PathContext } from "../../core/clients.ts";
import { installed, joiner } from "./common.ts";
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
  render: geminiCli.render,
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
  notes: "Gemini CLI's settings format in ~/.qwen/settings.json (comments kept). Needs Node ≥ 22.",
};
export default qwenCode;
