/**
 * Secrets: the backend plugin interface, the keys index shared with the MCP Nexus desktop app, and
 * the SecretStore service the commands use. Values pass through here and nowhere else is given them
 * except the launcher's child environment; they are never logged, never put in an error message.
 */
import { dirname } from "../io/path.ts";
import { ExitCode, NexusError, usageError } from "../model/errors.ts";
import { allowWritesUnder, readTextIfExists, withLock, writeFileAtomic } from "../io/fs.ts";
import { validateSecretName } from "../model/names.ts";
import { keysIndexPath } from "../io/paths.ts";
import { registerSecret } from "./redact.ts";

/** What a backend's health probe found. */
export interface BackendHealth {
  ok: boolean;
  /** `ok`, or why it cannot be used right now. */
  status: "ok" | "unavailable" | "locked" | "no-collection" | "read-only" | "unsupported-os";
  message: string;
  /** What the user can do about it. */
  hint?: string;
}

/**
 * A secret backend. `get` returns null ONLY when the store answered that the secret is absent; any
 * failure to read (store locked, absent, broken) must throw a NexusError with exit code BACKEND.
 */
export interface SecretBackend {
  readonly id: string;
  readonly label: string;
  /** False for read-only backends (e.g. `env`): set/delete throw E_READ_ONLY_BACKEND. */
  readonly writable: boolean;
  /** True if the backend shares the desktop app's keys index (the keychain backends). */
  readonly usesKeysIndex: boolean;
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  /** Returns false if there was nothing to delete. */
  delete(name: string): Promise<boolean>;
  /**
   * Names stored in the backend. `candidates` are names known from elsewhere (the keys index, the
   * registry's references); a backend that cannot enumerate reports which of those it holds.
   */
  list(candidates: string[]): Promise<string[]>;
  /**
   * True when `list` can only check the `candidates` (it cannot enumerate the store: the `env`
   * backend may read only MCP_NEXUS_* variables, which Deno cannot list without full env access).
   */
  readonly listsCandidatesOnly?: boolean;
  probe(): Promise<BackendHealth>;
}

/** How a backend is made; built-in and third-party backends register the same way. */
export interface BackendPlugin {
  id: string;
  label: string;
  /** OSes it can run on. */
  platforms: Array<"linux" | "darwin" | "windows">;
  /** One line for `secret backends`. */
  description: string;
  create(ctx: BackendContext): SecretBackend;
}

export interface BackendContext {
  /** The keychain service name (`com.mcp-manager.credentials` unless overridden for tests). */
  service: string;
  /**
   * Asks the user for a value without echo (a passphrase), when someone is at a terminal; absent when
   * nobody can answer (the host decides: src/host/services.ts).
   */
  promptHidden?: (message: string) => Promise<string>;
}

export function backendError(
  status: BackendHealth["status"],
  message: string,
  hint?: string,
  backend?: string,
): NexusError {
  return new NexusError(
    status === "read-only"
      ? "E_READ_ONLY_BACKEND"
      : status === "locked"
      ? "E_BACKEND_LOCKED"
      : "E_BACKEND_UNAVAILABLE",
    message,
    { exitCode: ExitCode.BACKEND, hint, details: { backend, status } },
  );
}

// ---------------------------------------------------------------------------------------------
// Keys index: ~/.mcp-manager/credential_keys.json, a JSON array of names (desktop app format).

export async function readKeysIndex(path = keysIndexPath()): Promise<string[]> {
  const text = await readTextIfExists(path);
  if (text === null || text.trim() === "") return [];
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new NexusError("E_INDEX_INVALID", `${path} is not valid JSON.`, {
      hint:
        `It should be a JSON array of secret names. Fix or delete it (names only; no secret is stored there).`,
      details: { file: path },
    });
  }
  if (!Array.isArray(data) || !data.every((n) => typeof n === "string")) {
    throw new NexusError("E_INDEX_INVALID", `${path} should be a JSON array of names.`, {
      hint: "Fix or delete it (names only; no secret is stored there).",
      details: { file: path },
    });
  }
  return [...new Set(data as string[])].sort();
}

/**
 * Changes the keys index under its lock. The index is read (and validated) first and `change` runs
 * only once it is known good: a damaged index stops the command before anything in the keychain
 * changes. `change` may do the keychain write itself; it returns whether the index must be written.
 */
async function updateKeysIndex<T>(
  change: (names: Set<string>) => Promise<{ write: boolean; result: T }>,
  path = keysIndexPath(),
): Promise<T> {
  allowWritesUnder(dirname(path));
  return await withLock(`${path}.lock`, async () => {
    const names = new Set(await readKeysIndex(path));
    const { write, result } = await change(names);
    if (write) {
      await writeFileAtomic(path, JSON.stringify([...names].sort(), null, 2) + "\n", {
        mode: 0o600,
        privateDir: true,
      });
    }
    return result;
  }, { what: path });
}

// ---------------------------------------------------------------------------------------------

/** A secret's listing entry: names only, never values. */
export interface SecretInfo {
  name: string;
  /** In the backend now. */
  stored: boolean;
  /** In the desktop app's keys index. */
  indexed: boolean;
}

/** The service commands use: validation, the backend, and the keys index kept in step. */
export class SecretStore {
  constructor(readonly backend: SecretBackend) {}

  async set(name: string, value: string): Promise<{ name: string; updated: boolean }> {
    validateSecretName(name);
    validateSecretValue(value, name);
    const write = async () => {
      const existed = (await this.backend.get(name)) !== null;
      await this.backend.set(name, value);
      return existed;
    };
    if (!this.backend.usesKeysIndex) return { name, updated: await write() };
    const existed = await updateKeysIndex(async (s) => {
      const existed = await write();
      return { write: !s.has(name) && !!s.add(name), result: existed };
    });
    return { name, updated: existed };
  }

  /** The value, or a NOT_FOUND error. */
  async get(name: string): Promise<string> {
    validateSecretName(name);
    const v = await this.backend.get(name);
    if (v === null) throw notFound(name, this.backend);
    registerSecret(v);
    return v;
  }

  async exists(name: string): Promise<boolean> {
    validateSecretName(name);
    return (await this.backend.get(name)) !== null;
  }

  async delete(name: string): Promise<void> {
    validateSecretName(name);
    const { deleted, indexed } = this.backend.usesKeysIndex
      ? await updateKeysIndex(async (s) => {
        const deleted = await this.backend.delete(name);
        const indexed = s.delete(name);
        return { write: indexed, result: { deleted, indexed } };
      })
      : { deleted: await this.backend.delete(name), indexed: false };
    if (!deleted && !indexed) throw notFound(name, this.backend);
  }

  /**
   * Checks, before a command changes anything, that the keychain side can finish: the keys index
   * (kept in step with the keychain) must be readable. Throws E_INDEX_INVALID if it is damaged.
   */
  async preflight(): Promise<void> {
    if (this.backend.usesKeysIndex) await readKeysIndex();
  }

  async list(extraCandidates: string[] = []): Promise<SecretInfo[]> {
    const index = this.backend.usesKeysIndex ? await readKeysIndex() : [];
    const stored = new Set(await this.backend.list([...new Set([...index, ...extraCandidates])].sort()));
    const indexSet = new Set(index);
    return [...new Set([...stored, ...index])].sort().map((name) => ({
      name,
      stored: stored.has(name),
      indexed: indexSet.has(name),
    }));
  }

  /** Looks up many names at once (the launcher's batch). Missing names map to null. */
  async getMany(names: string[]): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    for (const n of names) {
      const v = await this.backend.get(validateSecretName(n));
      if (v !== null) registerSecret(v); // read values can never be printed (redact.ts)
      out.set(n, v);
    }
    return out;
  }
}

function notFound(name: string, backend: SecretBackend): NexusError {
  return new NexusError("E_SECRET_NOT_FOUND", `No secret named '${name}' in ${backend.label}.`, {
    exitCode: ExitCode.NOT_FOUND,
    hint: backend.writable ? `Store it with: mcp-nexus secret set ${name}` : backendSetHint(backend, name),
    details: { secret: name, backend: backend.id },
  });
}

function backendSetHint(backend: SecretBackend, name: string): string {
  return backend.id === "env"
    ? `Set the environment variable ${envVarFor(name)}.`
    : `Store it in ${backend.label}.`;
}

/** The environment variable the `env` backend reads for a secret name. */
export function envVarFor(name: string): string {
  return `MCP_NEXUS_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** Values must be non-empty, without NUL, and of sane size. The message never includes the value. */
export function validateSecretValue(value: string, name: string): void {
  if (value.length === 0) {
    throw usageError("E_EMPTY_SECRET", `No value given for secret '${name}': nothing stored.`, {
      hint: `Type it at the prompt, or pipe it: printf %s "$VALUE" | mcp-nexus secret set ${name}`,
    });
  }
  if (value.includes("\0")) {
    throw usageError(
      "E_INVALID_SECRET",
      `The value for secret '${name}' contains a NUL byte: nothing stored.`,
    );
  }
  if (value.length > 64 * 1024) {
    throw usageError("E_INVALID_SECRET", `The value for secret '${name}' is over 64 KiB: nothing stored.`);
  }
}
