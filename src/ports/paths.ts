/** Port: OS, home and environment lookups, so a plugin resolves paths exactly as the rest does. */
export { currentOS, env, keychainService, nexusHome } from "../core/io/paths.ts";
export type { OS } from "../core/io/paths.ts";
