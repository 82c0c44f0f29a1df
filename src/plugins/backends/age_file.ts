/**
 * `age-file`: an encrypted file for machines with no keychain (SSH sessions, WSL, containers, headless
 * Linux without a Secret Service). All secrets live in one age-encrypted file,
 * `<mcp-nexus home>/secrets.age` (0600), as JSON `{"version":1,"secrets":{name: value}}`; encryption is
 * the `age-encryption` library (FiloSottile's typage, the reference TypeScript implementation of age).
 *
 * The key, first match wins:
 * - an age identity file: `MCP_NEXUS_AGE_KEY_FILE`, else `<mcp-nexus home>/age-identity.txt` when it
 *   exists. On the first write with no key and no terminal, that file is created (an X25519 identity,
 *   0600): keep it on another disk or in a secrets mount to make the encrypted file worth more than a
 *   plaintext one, and back it up (without it the secrets are gone).
 * - a passphrase, typed at a hidden prompt on a terminal (scrypt). A store made with a passphrase
 *   needs it for every read, so `run` from a GUI client cannot use it: use a key file there.
 */
import { dirname, join } from "../../ports/path.ts";
import type { SecretBackend } from "../../ports/secrets.ts";
import { backendError } from "../../ports/secrets.ts";
import { allowWritesUnder, readTextIfExists, withLock, writeFileAtomic } from "../../ports/fs.ts";
import { env, nexusHome } from "../../ports/paths.ts";

type Age = typeof import("age-encryption");
let ageModule: Promise<Age> | undefined;
const age = () => ageModule ??= import("age-encryption");

export function ageStorePath(): string {
  return env("MCP_NEXUS_AGE_FILE") ?? join(nexusHome(), "secrets.age");
}

export function ageKeyPath(): { path: string; explicit: boolean } {
  const explicit = env("MCP_NEXUS_AGE_KEY_FILE");
  return { path: explicit ?? join(nexusHome(), "age-identity.txt"), explicit: explicit !== undefined };
}

const ID = "age-file";
const LABEL = "age-encrypted file";

/** The identity lines of an age key file (`AGE-SECRET-KEY-1…`; `#` comments ignored). */
function identities(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => /^AGE-SECRET-KEY-1[0-9A-Z]+$/.test(l));
}

type Prompt = (message: string) => Promise<string>;

export interface AgeFileOptions {
  /**
   * How a passphrase is asked for: the host's hidden prompt (BackendContext.promptHidden, given only
   * when someone is at a terminal), or the tests' own; null or absent: never ask.
   */
  prompt?: Prompt | null;
}

export function ageFileStore(opts: AgeFileOptions = {}): SecretBackend {
  const prompt: Prompt | null = opts.prompt ?? null;
  let passphrase: string | undefined;
  const unavailable = (message: string, hint: string, status: "unavailable" | "locked" = "unavailable") =>
    backendError(status, message, hint, ID);

  async function readKey(): Promise<string[] | null> {
    const { path, explicit } = ageKeyPath();
    const text = await readTextIfExists(path);
    if (text === null) {
      if (explicit) {
        throw unavailable(
          `MCP_NEXUS_AGE_KEY_FILE names ${path}, which does not exist.`,
          "Point it at an age identity file (AGE-SECRET-KEY-1…), or unset it.",
        );
      }
      return null;
    }
    const ids = identities(text);
    if (!ids.length) {
      throw unavailable(`${path} holds no age identity (AGE-SECRET-KEY-1…).`, "Fix or replace the key file.");
    }
    return ids;
  }

  async function askPassphrase(): Promise<string> {
    if (passphrase !== undefined) return passphrase;
    if (!prompt) {
      throw unavailable(
        `${ageStorePath()} is protected by a passphrase, and there is no terminal to ask for it.`,
        "Run this on a terminal, or re-create the store with a key file (MCP_NEXUS_AGE_KEY_FILE).",
        "locked",
      );
    }
    const p = await prompt(`Passphrase for ${ageStorePath()} (hidden): `);
    if (!p) {
      throw unavailable("No passphrase given.", "Type the passphrase of the age-encrypted file.", "locked");
    }
    return passphrase = p;
  }

  async function load(): Promise<Record<string, string>> {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(ageStorePath());
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return {};
      throw unavailable(
        `Cannot read ${ageStorePath()}: ${(err as Error).message}`,
        "Check the file's permissions.",
      );
    }
    const { Decrypter } = await age();
    const d = new Decrypter();
    const key = await readKey();
    if (key) { for (const id of key) d.addIdentity(id); }
    else d.addPassphrase(await askPassphrase());
    let text: string;
    try {
      text = await d.decrypt(bytes, "text");
    } catch {
      passphrase = undefined;
      throw unavailable(
        `Cannot decrypt ${ageStorePath()} with ${
          key ? `the key in ${ageKeyPath().path}` : "that passphrase"
        }.`,
        "Use the key file (MCP_NEXUS_AGE_KEY_FILE) or passphrase it was made with.",
        "locked",
      );
    }
    try {
      const data = JSON.parse(text) as { version?: unknown; secrets?: unknown };
      const secrets = data.secrets as Record<string, unknown>;
      if (data.version !== 1 || typeof secrets !== "object" || secrets === null) throw new Error();
      return Object.fromEntries(Object.entries(secrets).filter(([, v]) => typeof v === "string")) as Record<
        string,
        string
      >;
    } catch {
      throw unavailable(
        `${ageStorePath()} decrypts, but not to a secrets document.`,
        "Restore it from a backup.",
      );
    }
  }

  async function save(secrets: Record<string, string>): Promise<void> {
    const { Encrypter, generateIdentity, identityToRecipient } = await age();
    const e = new Encrypter();
    let key = await readKey();
    const exists = await Deno.stat(ageStorePath()).then(() => true, () => false);
    if (!key && (!exists || passphrase === undefined) && !prompt) {
      // first write on a machine with no terminal: make a key file
      const identity = await generateIdentity();
      const { path } = ageKeyPath();
      allowWritesUnder(dirname(path));
      await writeFileAtomic(
        path,
        `# mcp-nexus age-file key (created ${
          new Date().toISOString()
        }); without it ${ageStorePath()} cannot be read\n` +
          `${identity}\n`,
        { mode: 0o600, privateDir: true },
      );
      key = [identity];
    }
    if (key) { for (const id of key) e.addRecipient(await identityToRecipient(id)); }
    else e.setPassphrase(await askPassphrase());
    const ct = await e.encrypt(JSON.stringify({ version: 1, secrets }));
    await writeFileAtomic(ageStorePath(), ct, { mode: 0o600, privateDir: true });
  }

  const change = async <T>(fn: (s: Record<string, string>) => T): Promise<T> => {
    allowWritesUnder(dirname(ageStorePath()));
    return await withLock(`${ageStorePath()}.lock`, async () => {
      const secrets = await load();
      const result = fn(secrets);
      await save(secrets);
      return result;
    }, { what: ageStorePath() });
  };

  return {
    id: ID,
    label: LABEL,
    writable: true,
    usesKeysIndex: false,
    async get(name) {
      const s = await load();
      return Object.hasOwn(s, name) ? s[name] : null;
    },
    async set(name, value) {
      await change((s) => void (s[name] = value));
    },
    async delete(name) {
      if (!Object.hasOwn(await load(), name)) return false;
      return await change((s) => delete s[name]);
    },
    async list() {
      return Object.keys(await load()).sort();
    },
    async probe() {
      try {
        const n = Object.keys(await load()).length;
        const key = await readTextIfExists(ageKeyPath().path);
        return {
          ok: true,
          status: "ok",
          message: `${ageStorePath()}: ${n} secret(s), key ${
            key !== null ? ageKeyPath().path : "a passphrase"
          }.`,
        };
      } catch (err) {
        const e = err as { message: string; hint?: string; details?: { status?: string } };
        return {
          ok: false,
          status: (e.details?.status ?? "unavailable") as "unavailable" | "locked",
          message: e.message,
          hint: e.hint,
        };
      }
    },
  };
}
