/**
 * Whether the launcher can bridge to a remote server. The bridge's network part runs in a Worker
 * granted `net` for the server's own host:port (src/core/launch/bridge.ts), so every http(s) URL can be
 * bridged; only a URL that is not http(s) cannot. Kept apart from bridge.ts so that sync can ask
 * without loading the MCP SDK.
 */
import { ExitCode, NexusError } from "../model/errors.ts";

/** The host the bridge would connect to, or null for a URL it cannot bridge. */
export function bridgeHost(url: string): string | null {
  try {
    const u = new URL(url.replace(/\$\{keychain:[^}]*\}/g, "x"));
    return u.protocol === "http:" || u.protocol === "https:" ? u.host : null;
  } catch {
    return null;
  }
}

/** True if the launcher can bridge stdio to this URL (an http(s) URL, on any host). */
export function bridgeable(url: string): boolean {
  return bridgeHost(url) !== null;
}

export function notBridgeable(name: string): NexusError {
  return new NexusError(
    "E_INVALID_URL",
    `Server '${name}': its url is not an http(s) URL, so mcp-nexus cannot connect to it.`,
    {
      exitCode: ExitCode.USAGE,
      hint:
        `Give it an http:// or https:// URL: mcp-nexus server add ${name} --replace --url https://HOST/PATH`,
      details: { server: name },
    },
  );
}
