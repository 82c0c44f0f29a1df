/** Validation of the names users give: secrets (shared rules with the desktop app) and servers. */
import { usageError } from "./errors.ts";

/**
 * The keychain service every credential is stored under (shared with the desktop app), unless
 * MCP_NEXUS_KEYCHAIN_SERVICE names another (tests). The one place it is written: paths.ts and the
 * launcher's light store (launch_store.ts, which must not load node:path) both ask here.
 */
export function keychainServiceName(): string {
  const v = Deno.env.get("MCP_NEXUS_KEYCHAIN_SERVICE");
  return v === undefined || v === "" ? "com.mcp-manager.credentials" : v;
}

/** Secret names: 1–256 characters of `[A-Za-z0-9._-]` (the MCP Nexus desktop app's rule). */
export const SECRET_NAME_RE = /^[A-Za-z0-9._-]{1,256}$/;

/**
 * Server names: a letter or digit, then letters, digits, `_` or `-`, at most 64 in all. Every client
 * accepts these as map keys (Goose lower-cases keys; Gemini warns about other characters).
 */
export const SERVER_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Environment variable names we accept in `--env KEY=VALUE`. */
export const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** HTTP header names (RFC 9110 token). */
export const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function describe(name: string): string {
  return name.length > 60
    ? `${JSON.stringify(name.slice(0, 60))}… (${name.length} characters)`
    : JSON.stringify(name);
}

export function validateSecretName(name: string): string {
  if (!SECRET_NAME_RE.test(name)) {
    const why = name.length === 0
      ? "it is empty"
      : name.length > 256
      ? `it has ${name.length} characters (at most 256)`
      : "it may only hold letters, digits, '.', '_' and '-'";
    throw usageError("E_INVALID_NAME", `Invalid secret name ${describe(name)}: ${why}.`, {
      hint: "Use a name like 'github-token' or 'openai.api_key'.",
      details: { secret: name.slice(0, 256) },
    });
  }
  return name;
}

export function validateServerName(name: string): string {
  if (!SERVER_NAME_RE.test(name)) {
    throw usageError(
      "E_INVALID_NAME",
      `Invalid server name ${
        describe(name)
      }: use 1–64 letters, digits, '_' or '-', starting with a letter or digit.`,
      { hint: "For example 'github' or 'brave-search'.", details: { server: name.slice(0, 64) } },
    );
  }
  return name;
}

/**
 * A valid server name made from a client's or a marketplace's name: `github.com/upstash/context7-mcp`
 * → `context7-mcp`, `My Server.v2` → `My-Server-v2`. Valid names are returned as they are.
 */
export function toServerName(raw: string): string {
  if (SERVER_NAME_RE.test(raw)) return raw;
  const last = raw.split("/").filter(Boolean).pop() ?? raw;
  const n = last.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/-{2,}/g, "-").replace(/^[^A-Za-z0-9]+/, "").slice(
    0,
    64,
  )
    .replace(/[-_]+$/, "");
  return n || "server";
}

/**
 * A part of a secret name made from a server name or a key (`GITHUB_TOKEN` → `github_token` is not
 * it: `github-token`): lower-case, runs of other characters as one `-`, at most 100 characters, so
 * `<server>.<key>` stays a valid secret name. Empty if nothing is left.
 */
export function secretSlug(x: string): string {
  return x.toLowerCase().replace(/[^a-z0-9.-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 100);
}
