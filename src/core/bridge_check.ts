/**
 * Whether the launcher can bridge to a remote server: it may connect only to the hosts in the
 * permission set (deno.json `permissions.nexus.net`). Kept apart from bridge.ts so that sync can ask
 * without loading the MCP SDK.
 */
import { ExitCode, NexusError } from "./errors.ts";

/** True if this program may connect to the server's URL (the bridge would work). */
export function bridgeable(url: string): boolean {
  try {
    const u = new URL(url.replace(/\$\{keychain:[^}]*\}/g, "x"));
    if (u.protocol !== "http:" && u.protocol !== "https:") return false;
    return Deno.permissions.querySync({ name: "net", host: u.host }).state === "granted";
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
