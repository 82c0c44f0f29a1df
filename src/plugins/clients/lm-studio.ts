/**
 * LM Studio: `<LM Studio home>/mcp.json`, "Cursor notation" (`mcpServers`, `{command, args, env}` or
 * `{url, headers}`). The home is the path written in `~/.lmstudio-home-pointer` when that file exists,
 * else `~/.lmstudio`, or the legacy `~/.cache/lm-studio` when only that one exists.
 */
import type { ClientAdapter, PathContext } from "../../ports/clients.ts";
import { installed, joiner, jsonEntryShape } from "./common.ts";
import { remoteSecrets } from "./remote_secrets.ts";

/** The pointer file's content, or null. PathContext cannot read files, so this reads the disk. */
function readPointer(path: string): string | null {
  try {
    const text = Deno.readTextFileSync(path).trim();
    return text === "" ? null : text;
  } catch {
    return null;
  }
}

/** LM Studio's home directory. */
export function lmStudioHome(ctx: PathContext): string {
  const join = joiner(ctx);
  const pointed = readPointer(join(ctx.home, ".lmstudio-home-pointer"));
  if (pointed) return pointed;
  const current = join(ctx.home, ".lmstudio");
  const legacy = join(ctx.home, ".cache", "lm-studio");
  return !ctx.exists(current) && ctx.exists(legacy) ? legacy : current;
}

export const lmStudio: ClientAdapter = {
  id: "lm-studio",
  name: "LM Studio",
  format: "json",
  paths: (ctx) => [joiner(ctx)(lmStudioHome(ctx), "mcp.json")],
  serversPath: ["mcpServers"],
  transports: ["stdio", "http"],
  ...jsonEntryShape({ client: "LM Studio", remote: { http: null } }),
  ...remoteSecrets("lm-studio"),
  detect: (ctx) =>
    installed(ctx, {
      paths: [lmStudioHome(ctx)],
      commands: ["lms"],
      apps: ["LM Studio.app"],
      windowsPrograms: ["LM Studio"],
      desktopEntries: ["lm-studio.desktop"],
    }),
  docs: "https://lmstudio.ai/docs/app/mcp",
  checked: { version: "(docs unversioned)", docs: "https://lmstudio.ai/docs/app/mcp", date: "2026-12-02" },
  notes:
    "Home from ~/.lmstudio-home-pointer, else ~/.lmstudio (legacy ~/.cache/lm-studio). Remote entries are " +
    "{url, headers}, written as streamable HTTP. Interpolation and SSE are undocumented (unverified): none used.",
};
export default lmStudio;
