/**
 * The OS keychains, through @napi-rs/keyring: shared by the macOS, Windows and libsecret plugins.
 *
 * Two pitfalls of the library are handled here:
 * - On Linux it silently falls back to the kernel keyutils store (memory only, gone at reboot) when no
 *   Secret Service answers. We pin every entry to `secret-service`, so that case throws instead.
 * - A read of a locked or absent store can look like "not found". We read with getSecret (which
 *   throws on unreadable stores) and, whenever a read says "absent", confirm the store is healthy with
 *   a probe (write, read back, delete a probe item) before reporting "not found".
 */
import type { BackendContext, BackendHealth, SecretBackend } from "../../core/secrets.ts";
import { backendError } from "../../core/secrets.ts";
import { NexusError } from "../../core/errors.ts";

type Keyring = typeof import("@napi-rs/keyring");
let keyringModule: Promise<Keyring> | undefined;
function keyring(): Promise<Keyring> {
  return keyringModule ??= import("@napi-rs/keyring");
}

/** The account name of the probe item (filtered out of every listing). */
export const PROBE_ACCOUNT = ".mcp-nexus-probe";

export interface KeyringSpec {
  id: string;
  label: string;
  /** Pin Linux entries to this store (never the keyutils fallback). */
  linuxStore?: "secret-service";
  /** Turns a native error message into what the user should know and do. */
  classify(message: string): Omit<BackendHealth, "ok">;
}

export function keyringBackend(spec: KeyringSpec, ctx: BackendContext): SecretBackend {
  const options = spec.linuxStore ? { linux: { store: spec.linuxStore } } : undefined;
  let health: Promise<BackendHealth> | undefined;

  const fail = (err: unknown): NexusError => {
    const h = spec.classify(err instanceof Error ? err.message : String(err));
    return backendError(h.status, h.message, h.hint, spec.id);
  };
  const entry = async (name: string) => {
    const { Entry } = await keyring();
    try {
      return new Entry(ctx.service, name, options);
    } catch (err) {
      throw fail(err);
    }
  };
  const probe = (): Promise<BackendHealth> =>
    health ??= (async () => {
      try {
        const e = await entry(PROBE_ACCOUNT);
        const token = crypto.randomUUID();
        e.setPassword(token);
        const back = e.getSecret();
        e.deleteCredential();
        if (back === null || new TextDecoder().decode(new Uint8Array(back)) !== token) {
          return {
            ok: false,
            status: "unavailable",
            message: `${spec.label} accepted a test item but did not return it.`,
            hint: "The store is not persisting items; check its configuration.",
          };
        }
        return { ok: true, status: "ok", message: `${spec.label} is available and unlocked.` };
      } catch (err) {
        if (err instanceof NexusError) {
          const status = (err.details?.status ?? "unavailable") as BackendHealth["status"];
          return { ok: false, status, message: err.message, hint: err.hint };
        }
        return { ok: false, ...spec.classify(err instanceof Error ? err.message : String(err)) };
      }
    })();
  const requireHealthy = async () => {
    const h = await probe();
    if (!h.ok) throw backendError(h.status, h.message, h.hint, spec.id);
  };

  return {
    id: spec.id,
    label: spec.label,
    writable: true,
    usesKeysIndex: true,
    probe,
    async get(name) {
      const e = await entry(name);
      let bytes: number[] | null;
      try {
        bytes = e.getSecret();
      } catch (err) {
        throw fail(err);
      }
      if (bytes === null) {
        await requireHealthy(); // "absent" from a locked or missing store is not "absent"
        return null;
      }
      return new TextDecoder().decode(new Uint8Array(bytes));
    },
    async set(name, value) {
      const e = await entry(name);
      try {
        e.setPassword(value);
      } catch (err) {
        throw fail(err);
      }
    },
    async delete(name) {
      const e = await entry(name);
      let deleted: boolean;
      try {
        deleted = e.deleteCredential();
      } catch (err) {
        throw fail(err);
      }
      if (!deleted) await requireHealthy();
      return deleted;
    },
    async list() {
      await requireHealthy();
      const { findCredentials } = await keyring();
      let found: Array<{ account: string }>;
      try {
        found = findCredentials(ctx.service);
      } catch (err) {
        throw fail(err);
      }
      return [...new Set(found.map((c) => c.account))].filter((a) => a !== PROBE_ACCOUNT).sort();
    },
  };
}
