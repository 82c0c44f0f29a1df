/**
 * How each built-in client gets the secret headers of a remote server: the one table.
 *
 * - `interpolate`: the client expands an environment variable inside the header value, so the file
 *   holds a placeholder (`${env:MCP_NEXUS_SECRET_X}`) and the user sets the variable where the client
 *   starts. The value never lands in the file.
 * - `bridge`: the client cannot (or does not reliably) read a variable there, so the entry is a
 *   launcher entry (`mcp-nexus run <server>`) that bridges stdio to the remote server with the
 *   secret headers held only in the launcher's memory.
 *
 * Every adapter takes its `envInterpolation` / `envInterpolationScope` from here (`remoteSecrets`),
 * so changing a client's mode is one line in this table; a test checks that every built-in client
 * has a row and that its adapter agrees with it.
 */
import type { ClientAdapter } from "../../core/clients.ts";

export type RemoteSecretPolicy =
  | {
    mode: "interpolate";
    /** The placeholder for an environment variable. */
    syntax: (variable: string) => string;
    /** Where the placeholder may stand in a header value (Codex: the whole value only). */
    scope?: "anywhere" | "whole-value";
    why: string;
  }
  | { mode: "bridge"; why: string };

const dollarBraces = (v: string) => `\${${v}}`;
const envColon = (v: string) => `\${env:${v}}`;
const opencodeEnv = (v: string) => `{env:${v}}`;

/** Client id → how its remote secret headers are written. */
export const REMOTE_SECRETS: Readonly<Record<string, RemoteSecretPolicy>> = {
  "claude-desktop": { mode: "bridge", why: "stdio only in its file, no interpolation" },
  "claude-code": { mode: "interpolate", syntax: dollarBraces, why: "${VAR} in url and headers (≥ 2.1.119)" },
  cursor: { mode: "interpolate", syntax: envColon, why: "${env:VAR} in headers" },
  windsurf: { mode: "interpolate", syntax: envColon, why: "${env:VAR} in headers" },
  "windsurf-jetbrains": { mode: "interpolate", syntax: envColon, why: "Windsurf's file format: ${env:VAR}" },
  vscode: { mode: "interpolate", syntax: envColon, why: "${env:VAR} predefined variable" },
  "gemini-cli": { mode: "interpolate", syntax: dollarBraces, why: "$VAR / ${VAR} in every string" },
  "qwen-code": { mode: "interpolate", syntax: dollarBraces, why: "Gemini CLI's settings loader: ${VAR}" },
  codex: {
    mode: "interpolate",
    syntax: dollarBraces,
    scope: "whole-value",
    why: "no interpolation in values; env_http_headers / bearer_token_env_var name the variable",
  },
  zed: { mode: "bridge", why: "no interpolation in context_servers" },
  cline: {
    mode: "bridge",
    why: "the Cline CLI (3.0.x) sends ${env:VAR} in headers literally; the VS Code extension expands it",
  },
  opencode: { mode: "interpolate", syntax: opencodeEnv, why: "{env:VAR} anywhere in the file" },
  kilo: { mode: "interpolate", syntax: opencodeEnv, why: "opencode's loader: {env:VAR}" },
  continue: { mode: "bridge", why: "${{ secrets.X }} reads .env files, not the environment" },
  goose: {
    mode: "bridge",
    why:
      "only recent Goose builds substitute $VAR in remote headers; the file does not say which build reads it",
  },
  "lm-studio": { mode: "bridge", why: "interpolation undocumented" },
  amp: { mode: "bridge", why: "interpolation in amp.mcpServers headers undocumented for the CLI" },
  "copilot-cli": { mode: "bridge", why: "interpolation in mcp-config.json headers undocumented" },
  "factory-droid": { mode: "bridge", why: "no interpolation in mcp.json" },
  qoder: { mode: "bridge", why: "interpolation undocumented" },
  auggie: { mode: "bridge", why: "interpolation undocumented" },
  crush: { mode: "interpolate", syntax: dollarBraces, why: "shell-style $VAR / ${VAR} expansion in headers" },
};

/** The adapter fields for a client's row: spread into the adapter record. */
export function remoteSecrets(id: string): Pick<ClientAdapter, "envInterpolation" | "envInterpolationScope"> {
  const row = REMOTE_SECRETS[id];
  if (!row) {
    throw new Error(`no remote-secrets row for client '${id}' (src/plugins/clients/remote_secrets.ts)`);
  }
  if (row.mode === "bridge") return {};
  return { envInterpolation: row.syntax, ...(row.scope ? { envInterpolationScope: row.scope } : {}) };
}
