/**
 * Auggie (Augment Code CLI): `~/.augment/settings.json`, key `mcpServers`, a map of
 * `{type:"stdio", command, args, env}` / `{type:"http"|"sse", url, headers}` (Auggie writes the
 * `type` itself on `auggie mcp add`). Project file `.augment/settings.json`.
 */
import type { ClientAdapter, PathContext } from "../../ports/clients.ts";
import { installed, joiner, jsonEntryShape } from "./common.ts";
import { remoteSecrets } from "./remote_secrets.ts";

const augmentDir = (ctx: PathContext) => joiner(ctx)(ctx.home, ".augment");

export const auggie: ClientAdapter = {
  id: "auggie",
  name: "Auggie",
  format: "json",
  paths: (ctx) => [joiner(ctx)(augmentDir(ctx), "settings.json")],
  serversPath: ["mcpServers"],
  transports: ["stdio", "http", "sse"],
  ...jsonEntryShape({ client: "Auggie", stdioType: "stdio", remote: { http: "http", sse: "sse" } }),
  ...remoteSecrets("auggie"),
  detect: (ctx) => installed(ctx, { paths: [augmentDir(ctx)], commands: ["auggie"] }),
  docs: "https://docs.augmentcode.com/cli/integrations",
  checked: {
    version: "@augmentcode/auggie 0.36.0 (npm)",
    docs: "https://docs.augmentcode.com/cli/integrations",
    date: "2026-12-02",
  },
  project: { path: [".augment", "settings.json"] },
  notes: "~/.augment/settings.json also holds hooks and other settings (kept). Remote servers with secrets " +
    "go through the launcher bridge (interpolation undocumented). No cwd.",
};
export default auggie;
