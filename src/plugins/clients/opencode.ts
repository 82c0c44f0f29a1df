/**
 * opencode: `$XDG_CONFIG_HOME/opencode/opencode.json` or `opencode.jsonc` (`~/.config/opencode`,
 * on every OS, Windows and macOS included: opencode uses xdg-basedir). `OPENCODE_CONFIG` names
 * the file instead. JSONC; the key is **`mcp`**.
 *
 * local  `{type:"local", command:[cmd, ...args], environment, enabled:true}`
 * remote `{type:"remote", url, headers, enabled:true}` (opencode tries streamable HTTP, then SSE)
 *
 * Format versions: v1 keeps servers directly under `mcp` (`mcp.<name>`, with `enabled`); opencode's
 * v2 docs move them to `mcp.servers.<name>`, with `disabled` instead of `enabled`. A file already in
 * v2 is read and written in v2; a new file gets v1 (what released opencode reads). Kilo Code's CLI
 * (a fork) uses the same shapes in its own file, so the shapes are exported for it.
 */
import type { ClientAdapter, ClientFormatVersion, ClientServer, PathContext } from "../../ports/clients.ts";
import {
  ifNonEmpty,
  installed,
  isRecord,
  joiner,
  nonEmptyString,
  stringList,
  stringMap,
  unsupportedTransport,
} from "./common.ts";
import { remoteSecrets } from "./remote_secrets.ts";

const configDir = (ctx: PathContext) => joiner(ctx)(ctx.xdgConfigHome, "opencode");

/** render/parse of opencode's entries; `v2` writes `disabled: false` instead of `enabled: true`. */
export function opencodeEntries(client: string, v2: boolean): Pick<ClientAdapter, "render" | "parse"> {
  const on = v2 ? { disabled: false } : { enabled: true };
  return {
    render(_name, server) {
      if (server.transport === "stdio") {
        return {
          type: "local",
          command: [server.command, ...server.args],
          ...ifNonEmpty("environment", server.env),
          ...on,
        };
      }
      if (server.transport !== "http") throw unsupportedTransport(client, server.transport);
      return { type: "remote", url: server.url, ...ifNonEmpty("headers", server.headers), ...on };
    },
    parse(_name, entry): ClientServer | null {
      if (!isRecord(entry)) return null;
      if (entry.type === "local") {
        const argv = stringList(entry.command);
        const env = stringMap(entry.environment);
        if (argv === null || argv.length === 0 || argv[0] === "" || env === null) return null;
        return { transport: "stdio", command: argv[0], args: argv.slice(1), env };
      }
      if (entry.type === "remote") {
        const url = nonEmptyString(entry.url);
        const headers = stringMap(entry.headers);
        if (url === null || headers === null) return null;
        return { transport: "http", url, headers };
      }
      return null;
    },
  };
}

const ENTRY_TYPES = new Set(["local", "remote"]);

/** v2: `mcp.servers` is a map of entries (a v1 server named "servers" has a string `type` instead). */
function isV2(data: unknown): boolean {
  if (!isRecord(data) || !isRecord(data.mcp)) return false;
  const servers = data.mcp.servers;
  return isRecord(servers) && typeof servers.type !== "string" &&
    Object.values(servers).every((e) => isRecord(e));
}

/** opencode's format versions (v2 first: it is recognised by shape; v1 is the adapter's own). */
export function opencodeFormats(client: string): ClientFormatVersion[] {
  return [{ id: "v2", matches: isV2, serversPath: ["mcp", "servers"], ...opencodeEntries(client, true) }];
}

/** Why a file is in an opencode format we do not know, or null. */
export function opencodeUnknownFormat(data: unknown): string | null {
  if (!isRecord(data) || data.mcp === undefined) return null;
  if (!isRecord(data.mcp)) return "`mcp` is not a map of servers";
  const container = isV2(data) ? data.mcp.servers as Record<string, unknown> : data.mcp;
  const odd = Object.entries(container).filter(([, e]) =>
    !isRecord(e) || typeof e.type !== "string" || !ENTRY_TYPES.has(e.type)
  ).map(([k]) => k);
  return odd.length
    ? `entries ${odd.map((k) => `'${k}'`).join(", ")} are not {type: "local"|"remote"} (a newer format?)`
    : null;
}

export const opencode: ClientAdapter = {
  id: "opencode",
  name: "opencode",
  format: "jsonc",
  paths(ctx) {
    const explicit = ctx.env("OPENCODE_CONFIG");
    if (explicit) return [explicit];
    const join = joiner(ctx);
    return [join(configDir(ctx), "opencode.json"), join(configDir(ctx), "opencode.jsonc")];
  },
  serversPath: ["mcp"],
  // `type: "remote"` does not say which transport: SSE cannot be told from streamable HTTP.
  transports: ["stdio", "http"],
  ...opencodeEntries("opencode", false),
  formats: opencodeFormats("opencode"),
  unknownFormat: opencodeUnknownFormat,
  // `{env:VAR}` (no `$`); an unset variable becomes "".
  ...remoteSecrets("opencode"),
  detect: (ctx) => installed(ctx, { paths: [configDir(ctx)], commands: ["opencode"] }),
  docs: "https://opencode.ai/docs/mcp-servers/",
  checked: {
    version: "opencode docs (v1 `mcp.<name>`; v2 `mcp.servers.<name>` recognised)",
    docs: "https://opencode.ai/docs/mcp-servers/",
    date: "2026-12-02",
  },
  emptyFile: '{\n  "$schema": "https://opencode.ai/config.json"\n}\n',
  // the project's `opencode.json` at the repository root
  project: { path: ["opencode.json"] },
  notes:
    "Key `mcp`; the command is one array. Uses ~/.config/opencode on every OS (OPENCODE_CONFIG overrides). " +
    "A file in the v2 format (mcp.servers.<name>, `disabled`) is kept in v2. " +
    "Remote servers are written as streamable HTTP (opencode falls back to SSE itself). No cwd.",
};
export default opencode;
