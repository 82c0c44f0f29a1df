/**
 * The secret store as the launcher (`mcp-nexus run`) reads it: the selected backend's batch read,
 * with a start-up-light fast path for the common case (Linux, the OS keychain = the Secret Service).
 *
 * This file loads nothing heavy: no `node:` module, no npm package. When the fast path applies
 * (secret_service_fast.ts), a server's secrets are read without loading the backend registry
 * (mod.ts), the secret store (secrets.ts) or @napi-rs/keyring; when it cannot be sure (library
 * missing, no bus, several items match, anything unexpected) they are loaded and asked as before,
 * so the answer and its diagnostics are the normal path's. macOS and Windows take the normal path.
 */
import { ExitCode, NexusError } from "../../ports/errors.ts";
import { keychainServiceName, validateSecretName } from "../../ports/names.ts";
import { ensureSessionBusAddress } from "./session_bus.ts";
import { classifyLinux } from "./secret_service_errors.ts";
import { type FastRead, readSecretsFast } from "./secret_service_fast.ts";
import { registerSecret } from "../../ports/redact.ts";
import { requestedBackend } from "./ids.ts";

/** What the launcher needs of a secret store. */
export interface LaunchStore {
  readonly backend: { readonly id: string; readonly label: string };
  /** Each name's value, or null if it is not stored. Throws exit-4 errors for an unusable store. */
  getMany(names: string[]): Promise<Map<string, string | null>>;
}

const LIBSECRET = { id: "libsecret", label: "Secret Service (libsecret)" } as const;

/**
 * The store for `run`: `--backend` flag, then MCP_NEXUS_BACKEND, then the registry setting, then the
 * OS keychain (ids.ts's order, as selectBackend picks). `normalStore` is the host's store for that
 * choice (src/host/services.ts: the backend registry, trusted plugins, SecretStore's batch read): it
 * answers whenever the fast path does not apply or is unsure, and throws for a bad choice.
 */
export async function openLaunchStore(
  backendFlag: string | undefined,
  setting: string | undefined,
  normalStore: () => Promise<LaunchStore>,
): Promise<LaunchStore> {
  const id = requestedBackend(backendFlag, setting);
  if (Deno.build.os !== "linux" || (id !== "auto" && id !== LIBSECRET.id)) {
    return await normalStore();
  }
  let normal: Promise<LaunchStore> | undefined;
  const fallback = () => normal ??= normalStore();
  return {
    backend: LIBSECRET,
    async getMany(names) {
      for (const n of names) validateSecretName(n);
      ensureSessionBusAddress(); // as the libsecret plugin does: a scrubbed environment still finds the bus
      const answers = await readSecretsFast(keychainServiceName(), names);
      const read = (n: string): FastRead => answers.get(n) ?? { kind: "fallback", reason: "no answer" };
      if (names.some((n) => read(n).kind === "locked")) {
        const h = classifyLinux("the collection is locked");
        throw new NexusError("E_BACKEND_LOCKED", h.message, {
          exitCode: ExitCode.BACKEND,
          hint: h.hint,
          details: { backend: LIBSECRET.id, status: h.status },
        });
      }
      if (names.some((n) => read(n).kind !== "found" && read(n).kind !== "missing")) {
        return await (await fallback()).getMany(names); // the normal path decides, and explains
      }
      const out = new Map<string, string | null>();
      for (const n of names) {
        const r = read(n);
        if (r.kind === "found") registerSecret(r.value); // read values can never be printed (redact.ts)
        out.set(n, r.kind === "found" ? r.value : null);
      }
      return out;
    },
  };
}
