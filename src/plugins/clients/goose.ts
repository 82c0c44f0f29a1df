/**
 * Goose: `config.yaml`, key **`extensions`** (a map; Goose lower-cases keys and strips spaces).
 *
 * - macOS and Linux: `$XDG_CONFIG_HOME/goose/config.yaml` (`~/.config/goose`)
 * - Windows: `%APPDATA%\Block\goose\config\config.yaml`
 * - `GOOSE_PATH_ROOT` replaces both: `$GOOSE_PATH_ROOT/config/config.yaml`
 *
 * stdio  `{type:"stdio", name, description, cmd, args, envs, enabled:true, timeout:300}`
 * remote `{type:"streamable_http", name, description, uri, headers, enabled:true, timeout:300}`
 *
 * `args` and `description` are always written: Goose's deserializer requires them (`args` on stdio,
 * `description` on streamable_http). SSE extensions are no longer supported by Goose.
 */
import type { ClientAdapter, ClientServer, PathContext } from "../../ports/clients.ts";
import {
  installed,
  isRecord,
  joiner,
  nonEmptyString,
  stringList,
  stringMap,
  unsupportedTransport,
} from "./common.ts";
import { remoteSecrets } from "./remote_secrets.ts";

/** Goose's default extension timeout, in seconds. */
const TIMEOUT = 300;

function configDir(ctx: PathContext): string {
  const join = joiner(ctx);
  const root = ctx.env("GOOSE_PATH_ROOT");
  if (root) return join(root, "config");
  if (ctx.os === "windows") return join(ctx.appData, "Block", "goose", "config");
  return join(ctx.xdgConfigHome, "goose");
}

export const goose: ClientAdapter = {
  id: "goose",
  name: "Goose",
  format: "yaml",
  paths: (ctx) => [joiner(ctx)(configDir(ctx), "config.yaml")],
  serversPath: ["extensions"],
  // Goose addresses extensions by name_to_key(name): lower-cased, whitespace removed
  entryKey: (name) => name.toLowerCase().replace(/\s+/g, ""),
  transports: ["stdio", "http"],
  // recent Goose substitutes $VAR in remote URLs/headers, older builds do not: bridge works with both
  ...remoteSecrets("goose"),
  render(name, server) {
    if (server.transport === "stdio") {
      return {
        type: "stdio",
        name,
        description: "",
        cmd: server.command,
        args: server.args,
        envs: server.env,
        enabled: true,
        timeout: TIMEOUT,
      };
    }
    if (server.transport !== "http") throw unsupportedTransport("Goose", server.transport);
    return {
      type: "streamable_http",
      name,
      description: "",
      uri: server.url,
      headers: server.headers,
      enabled: true,
      timeout: TIMEOUT,
    };
  },
  parse(_name, entry): ClientServer | null {
    if (!isRecord(entry)) return null;
    if (entry.type === "stdio") {
      const command = nonEmptyString(entry.cmd);
      const args = stringList(entry.args);
      const env = stringMap(entry.envs);
      if (command === null || args === null || env === null) return null;
      return { transport: "stdio", command, args, env };
    }
    if (entry.type === "streamable_http") {
      const url = nonEmptyString(entry.uri);
      const headers = stringMap(entry.headers);
      if (url === null || headers === null) return null;
      return { transport: "http", url, headers };
    }
    return null; // builtin, platform, frontend, inline_python, the retired sse
  },
  detect: (ctx) => installed(ctx, { paths: [configDir(ctx)], commands: ["goose"], apps: ["Goose.app"] }),
  docs: "https://block.github.io/goose/docs/guides/config-files",
  checked: {
    version: "(docs unversioned)",
    docs: "https://block.github.io/goose/docs/guides/config-files",
    date: "2026-12-02",
  },
  notes:
    "Key `extensions`; Goose lower-cases keys. No interpolation (Goose's env_keys read values from its " +
    "keyring, not used). Streamable HTTP only. Entries are written enabled with timeout 300 s. No cwd.",
};
export default goose;
