/**
 * The ids of the built-in secret backends: the one table. src/plugins/backends/mod.ts registers
 * exactly these (it refuses to load otherwise), and the launcher and src/host/privileges.ts ask here
 * whether a backend is built in (a third-party one runs in a Worker that keeps `net`/`run`), and
 * which one is asked for. No imports: `run` loads this on its hot path.
 */
export const BUILT_IN_BACKEND_IDS = [
  "libsecret",
  "macos-keychain",
  "windows-credential-manager",
  "env",
  "age-file",
] as const;

/**
 * The backend id asked for, in the one order: `--backend`, then `MCP_NEXUS_BACKEND` (empty counts as
 * unset), then the registry's `settings.secretBackend`, then `auto` (the OS keychain).
 */
export function requestedBackend(flag?: string, setting?: string): string {
  const fromEnv = Deno.env.get("MCP_NEXUS_BACKEND");
  return flag ?? (fromEnv === "" ? undefined : fromEnv) ?? setting ?? "auto";
}

/** Whether `id` (as requested: `auto` means the OS keychain) names a built-in backend. */
export function isBuiltInBackend(id: string): boolean {
  return id === "auto" || (BUILT_IN_BACKEND_IDS as readonly string[]).includes(id);
}
