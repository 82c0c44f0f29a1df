/**
 * How each built-in client gets the secret headers of a remote server: the one table.
 *
 * Every client gets the **bridge** by default: the entry is a launcher entry (`mcp-nexus run <server>`)
 * that bridges stdio to the remote server, with `net` for that server's host alone and the secret
 * headers held only in the launcher's memory. It works wherever the client starts (a GUI app opened
 * from the Dock or Start menu included) with no variable to export and no secret in any file.
 *
 * A row's `interpolation` is the client's own environment placeholder (`${env:MCP_NEXUS_SECRET_X}`),
 * written only for a user who opts in for that client (`mcp-nexus client remote-secrets ID interpolate`,
 * stored as `settings.interpolateClients` in the registry) to keep the client's own HTTP transport;
 * that user then exports the variable where the client starts. A row without one is bridge-only
 * (`why` says why the client cannot read the variable there).
 *
 * Every adapter takes its `envInterpolation` / `envInterpolationScope` from here (`remoteSecrets`);
 * a test checks that every built-in client has a row and that its adapter agrees with it.
 */
import type { ClientAdapter } from "../../ports/clients.ts";

export interface RemoteSecretPolicy {
  /** The client's own environment placeholder (opt-in only); absent: the bridge is the only form. */
  interpolation?: {
    /** The placeholder for an environment variable. */
    syntax: (variable: string) => string;
    /** Where the placeholder may stand in a header value (Codex: the whole value only). */
    scope?: "anywhere" | "whole-value";
  };
  why: string;
}

const dollarBraces = (v: string) => `\${${v}}`;
const envColon = (v: string) => `\${env:${v}}`;
const opencodeEnv = (v: string) => `{env:${v}}`;

/** Client id → whether it can read a remote secret header from its environment (opt-in), and why. */
export const REMOTE_SECRETS: Readonly<Record<string, RemoteSecretPolicy>> = {
  "claude-desktop": { why: "stdio only in its file, no interpolation" },
  "claude-code": { interpolation: { syntax: dollarBraces }, why: "${VAR} in url and headers (≥ 2.1.119)" },
  cursor: { interpolation: { syntax: envColon }, why: "${env:VAR} in headers" },
  windsurf: { interpolation: { syntax: envColon }, why: "${env:VAR} in headers" },
  "windsurf-jetbrains": { interpolation: { syntax: envColon }, why: "Windsurf's file format: ${env:VAR}" },
  vscode: { interpolation: { syntax: envColon }, why: "${env:VAR} predefined variable" },
  "gemini-cli": { interpolation: { syntax: dollarBraces }, why: "$VAR / ${VAR} in every string" },
  "qwen-code": { interpolation: { syntax: dollarBraces }, why: "Gemini CLI's settings loader: ${VAR}" },
  codex: {
    interpolation: { syntax: dollarBraces, scope: "whole-value" },
    why: "no interpolation in values; env_http_headers / bearer_token_env_var name the variable",
  },
  zed: { why: "no interpolation in context_servers" },
  cline: {
    why: "the Cline CLI (3.0.x) sends ${env:VAR} in headers literally; the VS Code extension expands it",
  },
  opencode: { interpolation: { syntax: opencodeEnv }, why: "{env:VAR} anywhere in the file" },
  kilo: { interpolation: { syntax: opencodeEnv }, why: "opencode's loader: {env:VAR}" },
  continue: { why: "${{ secrets.X }} reads .env files, not the environment" },
  goose: {
    why:
      "only recent Goose builds substitute $VAR in remote headers; the file does not say which build reads it",
  },
  "lm-studio": { why: "interpolation undocumented" },
  amp: { why: "interpolation in amp.mcpServers headers undocumented for the CLI" },
  "copilot-cli": { why: "interpolation in mcp-config.json headers undocumented" },
  "factory-droid": { why: "no interpolation in mcp.json" },
  qoder: { why: "interpolation undocumented" },
  auggie: { why: "interpolation undocumented" },
  crush: { interpolation: { syntax: dollarBraces }, why: "shell-style $VAR / ${VAR} expansion in headers" },
};

/** The adapter fields for a client's row: spread into the adapter record. */
export function remoteSecrets(id: string): Pick<ClientAdapter, "envInterpolation" | "envInterpolationScope"> {
  const row = REMOTE_SECRETS[id];
  if (!row) {
    throw new Error(`no remote-secrets row for client '${id}' (src/plugins/clients/remote_secrets.ts)`);
  }
  const i = row.interpolation;
  if (!i) return {};
  return { envInterpolation: i.syntax, ...(i.scope ? { envInterpolationScope: i.scope } : {}) };
}
