/**
 * Where things live, per OS. Every path is derived from environment variables (never `~`), so tests
 * can point HOME / MCP_NEXUS_HOME at a temp dir and never touch the real user's files.
 */
import { join } from "./path.ts";
import { NexusError } from "../model/errors.ts";
import { keychainServiceName } from "../model/names.ts";

export type OS = "linux" | "darwin" | "windows";

/** The OS we run on, normalised to the three we support (BSDs behave as Linux). */
export function currentOS(): OS {
  const os = Deno.build.os;
  if (os === "darwin" || os === "windows") return os;
  return "linux";
}

/** Read an environment variable, treating the empty string as unset. */
export function env(name: string): string | undefined {
  const v = Deno.env.get(name);
  return v === undefined || v === "" ? undefined : v;
}

/** The user's home directory (HOME, or USERPROFILE on Windows). */
export function homeDir(): string {
  const home = env("HOME") ?? env("USERPROFILE");
  if (!home) {
    throw new NexusError("E_NO_HOME", "Cannot find your home directory: HOME is not set.", {
      hint: "Set HOME (or USERPROFILE on Windows), or set MCP_NEXUS_HOME to a directory for mcp-nexus.",
    });
  }
  return home;
}

/** `$XDG_CONFIG_HOME`, or `~/.config`. */
export function xdgConfigHome(): string {
  return env("XDG_CONFIG_HOME") ?? join(homeDir(), ".config");
}

/** `%APPDATA%`, or `~/AppData/Roaming`. */
export function appData(): string {
  return env("APPDATA") ?? join(homeDir(), "AppData", "Roaming");
}

/**
 * The tool's own home: registry, ledger, backups, cache.
 * `MCP_NEXUS_HOME` overrides; else `$XDG_CONFIG_HOME/mcp-nexus` (Linux),
 * `~/Library/Application Support/mcp-nexus` (macOS), `%APPDATA%\mcp-nexus` (Windows).
 */
export function nexusHome(): string {
  const override = env("MCP_NEXUS_HOME");
  if (override) return override;
  switch (currentOS()) {
    case "darwin":
      return join(homeDir(), "Library", "Application Support", "mcp-nexus");
    case "windows":
      return join(appData(), "mcp-nexus");
    default:
      return join(xdgConfigHome(), "mcp-nexus");
  }
}

/** The central registry file. */
export function registryPath(): string {
  return join(nexusHome(), "registry.json");
}

/**
 * The index of credential names, shared with the MCP Nexus desktop app:
 * `~/.mcp-manager/credential_keys.json` (a JSON array of names, 0600 in a 0700 dir).
 */
export function keysIndexPath(): string {
  return join(homeDir(), ".mcp-manager", "credential_keys.json");
}

/** The keychain service all credentials are stored under (shared with the desktop app). */
export function keychainService(): string {
  return keychainServiceName();
}
