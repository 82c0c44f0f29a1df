/**
 * OpenAI Codex CLI: `$CODEX_HOME/config.toml` (default `~/.codex`), tables `[mcp_servers.<name>]`.
 *
 * stdio `{command, args, env, cwd}`; remote (streamable HTTP only) `{url, http_headers}`. Codex does
 * not expand variables inside values, so `envInterpolation` is left undefined. Instead it has fields
 * that name an environment variable, and render uses them for headers given as a placeholder:
 *
 * - a header whose whole value is `${VAR}` → `env_http_headers = { Header = "VAR" }`
 * - `Authorization: Bearer ${VAR}` → `bearer_token_env_var = "VAR"`
 * - any other header → `http_headers`, as is.
 *
 * parse maps them back, so `${VAR}` placeholders round-trip.
 */
import type { ClientAdapter, ClientServer, PathContext } from "../../ports/clients.ts";
import {
  ifNonEmpty,
  installed,
  isRecord,
  joiner,
  jsonEntryShape,
  nonEmptyString,
  stringMap,
  unsupportedTransport,
} from "./common.ts";
import { remoteSecrets } from "./remote_secrets.ts";

/**
 * What a launcher entry needs from Codex's environment to reach the keychain. Codex passes servers
 * only a short allowlist (HOME, PATH, USER, …), so these are named in `env_vars` (passed through).
 */
export const CODEX_LAUNCHER_ENV_VARS = ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"];

const codexHome = (ctx: PathContext) => ctx.env("CODEX_HOME") ?? joiner(ctx)(ctx.home, ".codex");

/** The placeholder Codex's render recognises in a header value: `${VAR}`. */
export function codexEnvPlaceholder(variable: string): string {
  return `\${${variable}}`;
}

const VAR = "[A-Za-z_][A-Za-z0-9_]*";
const WHOLE = new RegExp(`^\\$\\{(${VAR})\\}$`);
const BEARER = new RegExp(`^Bearer \\$\\{(${VAR})\\}$`);

const stdio = jsonEntryShape({ client: "Codex", cwd: true });

export const codex: ClientAdapter = {
  id: "codex",
  name: "Codex CLI",
  format: "toml",
  paths: (ctx) => [joiner(ctx)(codexHome(ctx), "config.toml")],
  serversPath: ["mcp_servers"],
  transports: ["stdio", "http"],
  supportsCwd: true,
  // secret headers are read from Codex's environment via env_http_headers / bearer_token_env_var
  ...remoteSecrets("codex"),
  render(name, server) {
    if (server.transport === "stdio") {
      const entry = stdio.render(name, server);
      return server.launcher ? { ...entry, env_vars: CODEX_LAUNCHER_ENV_VARS } : entry;
    }
    if (server.transport !== "http") throw unsupportedTransport("Codex CLI", server.transport);
    const plain: Array<[string, string]> = [];
    const fromEnv: Array<[string, string]> = [];
    let bearer: string | undefined;
    for (const [header, value] of Object.entries(server.headers)) {
      const b = header === "Authorization" ? BEARER.exec(value) : null;
      const w = WHOLE.exec(value);
      if (b) bearer = b[1];
      else if (w) fromEnv.push([header, w[1]]);
      else plain.push([header, value]);
    }
    return {
      url: server.url,
      ...(bearer ? { bearer_token_env_var: bearer } : {}),
      ...ifNonEmpty("http_headers", Object.fromEntries(plain)),
      ...ifNonEmpty("env_http_headers", Object.fromEntries(fromEnv)),
    };
  },
  parse(name, entry): ClientServer | null {
    if (!isRecord(entry)) return null;
    if (entry.command !== undefined) {
      const cs = stdio.parse(name, entry);
      const passed = Array.isArray(entry.env_vars) ? entry.env_vars : [];
      return cs?.transport === "stdio" && CODEX_LAUNCHER_ENV_VARS.every((v) => passed.includes(v))
        ? { ...cs, launcher: true }
        : cs;
    }
    const url = nonEmptyString(entry.url);
    const plain = stringMap(entry.http_headers);
    const fromEnv = stringMap(entry.env_http_headers);
    if (url === null || plain === null || fromEnv === null) return null;
    const headers: Array<[string, string]> = [
      ...Object.entries(plain),
      ...Object.entries(fromEnv).map(([h, v]): [string, string] => [h, codexEnvPlaceholder(v)]),
    ];
    const bearer = nonEmptyString(entry.bearer_token_env_var);
    if (bearer !== null && !headers.some(([h]) => h === "Authorization")) {
      headers.push(["Authorization", `Bearer ${codexEnvPlaceholder(bearer)}`]);
    }
    return { transport: "http", url, headers: Object.fromEntries(headers) };
  },
  detect: (ctx) => installed(ctx, { paths: [codexHome(ctx)], commands: ["codex"] }),
  docs: "https://github.com/openai/codex/blob/main/docs/config.md",
  checked: {
    version: "codex 0.171.0 (npm)",
    docs: "https://developers.openai.com/codex/mcp (mcp_servers.env_vars: variables passed through)",
    date: "2026-12-02",
  },
  // trusted projects only
  project: { path: [".codex", "config.toml"] },
  notes: "Launcher entries carry env_vars = [DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR] (Codex scrubs the " +
    "environment). No interpolation in values. A header whose whole value is ${VAR} is written as env_http_headers, " +
    "`Authorization: Bearer ${VAR}` as bearer_token_env_var; other headers as is. Streamable HTTP only, no SSE.",
};
export default codex;
