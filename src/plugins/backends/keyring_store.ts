/**
 * The OS keychains, through @napi-rs/keyring: shared by the macOS, Windows and libsecret plugins.
 *
 * Two pitfalls of the library are handled here:
 * - On Linux it silently falls back to the kernel keyutils store (memory only, gone at reboot) when no
 *   Secret Service answers. We pin every entry to `secret-service`, so that case throws instead.
 * - A read of a locked or absent store can look like "not found". We read with getSecret (which
 *   throws on unreadable stores) and, whenever a read says "absent", confirm the store is healthy with
 *   read-only checks: a read of a reserved item, and (Linux) the default collection's `Locked`
 *   property over D-Bus. Read paths never write to the keychain.
 * - Only the explicit health commands (`doctor`, `secret backends`) may write a test item, and only
 *   when the read-only checks cannot tell (no D-Bus tool, macOS, Windows), under a reserved account
 *   name no user can create (it is not a valid secret name).
 */
import type { BackendContext, BackendHealth, SecretBackend } from "../../ports/secrets.ts";
import { backendError } from "../../ports/secrets.ts";
import { NexusError } from "../../ports/errors.ts";

let keyringModule: Promise<Keyring> | undefined;
function keyring(): Promise<Keyring> {
  return keyringModule ??= import("@napi-rs/keyring");
}

/**
 * The account name of the health probe: not a valid secret name ('/' and ':' are not allowed), so no
 * user secret can ever be overwritten or deleted by a probe. Filtered out of every listing.
 */
export const PROBE_ACCOUNT = "mcp-nexus:health/probe";

export interface KeyringSpec {
  id: string;
  label: string;
  /** Pin Linux entries to this store (never the keyutils fallback). */
  linuxStore?: "secret-service";
  /** Turns a native error message into what the user should know and do. */
  classify(message: string): Omit<BackendHealth, "ok">;
  /**
   * A read-only check of the store's state (e.g. the Secret Service's default collection `Locked`
   * property): a problem, `"ok"`, or null when it cannot tell.
   */
  readOnlyState?: () => Promise<Omit<BackendHealth, "ok"> | "ok" | null>;
  /** The keyring module (tests pass a fake to see every call). */
  module?: () => Promise<Keyring>;
}

/** The @napi-rs/keyring module's type. */
export type Keyring = typeof import("@napi-rs/keyring");

export function keyringBackend(spec: KeyringSpec, ctx: BackendContext): SecretBackend {
  const options = spec.linuxStore ? { linux: { store: spec.linuxStore } } : undefined;
  let health: Promise<BackendHealth> | undefined;

  const fail = (err: unknown): NexusError => {
    const h = spec.classify(err instanceof Error ? err.message : String(err));
    return backendError(h.status, h.message, h.hint, spec.id);
  };
  const mod = spec.module ?? keyring;
  const entry = async (name: string) => {
    const { Entry } = await mod();
    try {
      return new Entry(ctx.service, name, options);
    } catch (err) {
      throw fail(err);
    }
  };
  const asHealth = (err: unknown): BackendHealth => {
    if (err instanceof NexusError) {
      const status = (err.details?.status ?? "unavailable") as BackendHealth["status"];
      return { ok: false, status, message: err.message, hint: err.hint };
    }
    return { ok: false, ...spec.classify(err instanceof Error ? err.message : String(err)) };
  };
  const healthy: BackendHealth = {
    ok: true,
    status: "ok",
    message: `${spec.label} is available and unlocked.`,
  };
  let readState: Promise<{ health: BackendHealth; certain: boolean }> | undefined;
  /** Read-only: never writes. `certain` is false when nothing but the read could be checked. */
  const readOnlyHealth = () =>
    readState ??= (async () => {
      try {
        (await entry(PROBE_ACCOUNT)).getSecret(); // throws if the store cannot be reached or read
      } catch (err) {
        return { health: asHealth(err), certain: true };
      }
      const state = spec.readOnlyState ? await spec.readOnlyState().catch(() => null) : null;
      if (state === null) return { health: healthy, certain: false };
      if (state === "ok") return { health: healthy, certain: true };
      return { health: { ok: false, ...state }, certain: true };
    })();
  /** The explicit health check (`doctor`, `secret backends`): read-only first; a write test only if unsure. */
  const probe = (): Promise<BackendHealth> =>
    health ??= (async () => {
      const r = await readOnlyHealth();
      if (!r.health.ok || r.certain) return r.health;
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
        return healthy;
      } catch (err) {
        return asHealth(err);
      }
    })();
  const requireHealthy = async () => {
    const h = (await readOnlyHealth()).health;
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
      const { findCredentials } = await mod();
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
