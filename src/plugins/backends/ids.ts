/**
 * The ids of the built-in secret backends: the one table. src/plugins/backends/mod.ts registers
 * exactly these (it refuses to load otherwise), and the launcher and src/host/privileges.ts ask here
 * whether a backend is built in (a third-party one runs in a Worker that keeps `net`/`run`). No
 * imports: `run` loads this on its hot path.
 */
export const BUILT_IN_BACKEND_IDS = [
  "libsecret",
  "macos-keychain",
  "windows-credential-manager",
  "env",
  "age-file",
] as const;

/** Whether `id` (as requested: `auto` means the OS keychain) names a built-in backend. */
export function isBuiltInBackend(id: string): boolean {
  return id === "auto" || (BUILT_IN_BACKEND_IDS as readonly string[]).includes(id);
}
