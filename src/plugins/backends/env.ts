/**
 * `env`: a read-only backend for CI and cron. Secret NAME is read from `MCP_NEXUS_SECRET_<NAME>`:
 * first the name exactly as written, then upper-cased with every other character turned into `_`
 * (`gh-token` → `MCP_NEXUS_SECRET_GH_TOKEN`).
 */
import type { BackendPlugin, SecretBackend } from "../../ports/secrets.ts";
import { backendError, envVarFor } from "../../ports/secrets.ts";

function read(name: string): string | null {
  for (const key of [`MCP_NEXUS_SECRET_${name}`, envVarFor(name)]) {
    const v = Deno.env.get(key);
    if (v !== undefined && v !== "") return v;
  }
  return null;
}

export function envStore(): SecretBackend {
  const readOnly = (name: string) =>
    backendError(
      "read-only",
      `The env backend is read-only: cannot change secret '${name}'.`,
      `Set the environment variable ${envVarFor(name)} instead, or use a keychain backend (--backend).`,
      "env",
    );
  return {
    id: "env",
    label: "environment variables (MCP_NEXUS_SECRET_<NAME>)",
    writable: false,
    usesKeysIndex: false,
    get: (name) => Promise.resolve(read(name)),
    set: (name) => Promise.reject(readOnly(name)),
    delete: (name) => Promise.reject(readOnly(name)),
    // Deno.env.toObject() needs access to every variable; the permission set grants MCP_NEXUS_* only
    listsCandidatesOnly: true,
    list: (candidates) => Promise.resolve(candidates.filter((n) => read(n) !== null)),
    probe: () =>
      Promise.resolve({
        ok: true,
        status: "ok",
        message: "Reads secrets from MCP_NEXUS_SECRET_<NAME> environment variables (read-only).",
      }),
  };
}

export const env: BackendPlugin = {
  id: "env",
  label: "environment variables",
  platforms: ["linux", "darwin", "windows"],
  description: "read-only; MCP_NEXUS_SECRET_<NAME> variables (CI, cron)",
  create: () => envStore(),
};
export default env;
