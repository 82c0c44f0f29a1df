/**
 * opencode: `$XDG_CONFIG_HOME/opencode/opencode.json` or `opencode.jsonc` (`~/.config/opencode`,
 * on every OS, Windows and macOS included: opencode uses xdg-basedir). `OPENCODE_CONFIG` names
 * the file instead. JSONC; the key is **`mcp`**.
 *
 * local  `{type:"local", command:[cmd, ...args], environment, enabled:true}`
 * remote `{type:"remote", url, headers, enabled:true}` (opencode tries streamable HTTP, then SSE)
 */
import type { ClientAdapter, ClientServer, PathContext } from "../../core/clients.ts";
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

const configDir = (ctx: PathContext) => joiner(ctx)(ctx.xdgConfigHome, "opencode");

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
  render(_name, server) {
    if (server.transport === "stdio") {
      return {
        type: "local",
        command: [server.command, ...server.args],
        ...ifNonEmpty("environment", server.env),
        enabled: true,
      };
    }
    if (server.transport !== "http") throw unsupportedTransport("opencode", server.transport);
    return { type: "remote", url: server.url, ...ifNonEmpty("headers", server.headers), enabled: true };
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
  // `{env:VAR}` (no `$`); an unset variable becomes "".
  envInterpolation: (v) => `{env:${v}}`,
  detect: (ctx) => installed(ctx, { paths: [configDir(ctx)], commands: ["opencode"] }),
  docs: "https://opencode.ai/docs/mcp-servers/",
  emptyFile: '{\n  "$schema": "https://opencode.ai/config.json"\n}\n',
  notes:
    "Key `mcp`; the command is one array. Uses ~/.config/opencode on every OS (OPENCODE_CONFIG overrides). " +
    "Remote servers are written as streamable HTTP (opencode falls back to SSE itself). No cwd.",
};
export default opencode;
