/**
 * Whether the launcher can bridge to a remote server: it may connect only to the hosts in the
 * permission set (deno.json `permissions.nexus.net`). Kept apart from bridge.ts so that sync can ask
 * without loading the MCP SDK.
 */
import { ExitCode, NexusError } from "./errors.ts";

/** The host the bridge would connect to, or null for a URL it cannot bridge. */
export function bridgeHost(url: string): string | null {
  try {
    const u = new URL(url.replace(/\$\{keychain:[^}]*\}/g, "x"));
    return u.protocol === "http:" || u.protocol === "https:" ? u.host : null;
  } catch {
    return null;
  }
}

let remembered: Map<string, boolean> | undefined;

/**
 * Called before this process drops `net` (src/host/privileges.ts): the answers for these hosts are
 * kept, because the question is what the launcher (`run`, which keeps `net`) may reach.
 */
export function rememberNetAnswers(hosts: string[]): void {
  remembered = new Map(
    hosts.map((h) => [h, Deno.permissions.querySync({ name: "net", host: h }).state === "granted"]),
  );
}

/** True if this program may connect to the server's URL (the bridge would work). */
export function bridgeable(url: string): boolean {
  const host = bridgeHost(url);
  if (host === null) return false;
  if (remembered) return remembered.get(host) ?? false;
  try {
    return Deno.permissions.querySync({ name: "net", host }).state === "granted";
  } catch {
    return false;
  }
}

export function notBridgeable(name: string, url: string): NexusError {
  let host = url;
  try {
    host = new URL(url).host;
  } catch { /* keep the raw value */ }
  return new NexusError(
    "E_NET_NOT_ALLOWED",
    `Server '${name}': mcp-nexus may not connect to ${host} (its permission set allows loopback and the hosts it needs itself).`,
    {
      exitCode: ExitCode.USAGE,
      hint:
        "Add the server in the client's own settings, or use --secrets inline for clients that take a URL.",
      details: { server: name, host },
    },
  );
}
