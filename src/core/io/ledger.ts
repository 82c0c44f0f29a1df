/**
 * The ownership ledger (persistent state, kept apart from the declared registry and the rendered
 * client entries): per client file, which entries mcp-nexus wrote and a SHA-256 of each as written.
 * Entries we never wrote are never touched; an owned entry whose hash no longer matches was edited
 * by someone else (drift) and is skipped unless the user forces or adopts it.
 *
 * Hashes are of the entry's canonical data (keys sorted), not of its text: a client that re-indents
 * its own file (Claude Code does) has not edited the entry.
 */
import { join } from "./path.ts";
import { NexusError } from "../model/errors.ts";
import { readTextIfExists, writeFileAtomic } from "./fs.ts";
import { nexusHome } from "./paths.ts";

export interface LedgerEntry {
  sha256: string;
  writtenAt: string;
  /**
   * Set just before the file is replaced (write-ahead): the hash being written. Until the write is
   * confirmed, either hash is ours, so a crash between the rename and the ledger update never makes
   * the next run call our own entry drift.
   */
  pending?: string;
  /**
   * Written by `sync --secrets inline` (the user asked for the values in the file): a later sync
   * that cannot write a safe form leaves it, rather than removing it as it does imported plaintext.
   */
  inline?: boolean;
}

/** Whether an entry with this hash is the one mcp-nexus wrote (or was writing when it stopped). */
export function ownsHash(rec: LedgerEntry | undefined, hash: string): boolean {
  return !!rec && (rec.sha256 === hash || rec.pending === hash);
}

export interface LedgerFile {
  client: string;
  entries: Record<string, LedgerEntry>;
}

export interface Ledger {
  version: 1;
  files: Record<string, LedgerFile>;
}

export function ledgerPath(): string {
  return join(nexusHome(), "state", "ledger.json");
}

/** JSON with object keys sorted at every level: the form we hash. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v) =>
      typeof v === "bigint" // TOML integers beyond 2^53
        ? `${v}n`
        : v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0),
        )
        : v,
  );
}

// node:crypto takes ~20 ms to load: it is loaded on the first hash (a no-op sync served by the plan
// cache hashes nothing here), synchronously, through Node's getBuiltinModule
let createHash: typeof import("node:crypto").createHash | undefined;

/** SHA-256 of the entry's canonical JSON (synchronous: a sync hashes thousands of entries). */
export function entryHash(entry: unknown): string {
  createHash ??= (process.getBuiltinModule("node:crypto") as typeof import("node:crypto")).createHash;
  return createHash("sha256").update(canonicalJson(entry)).digest("hex");
}

const HASH_RE = /^[0-9a-f]{64}$/;

function plainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) &&
    Object.getPrototypeOf(v) === Object.prototype && !Object.hasOwn(v, "__proto__");
}

/**
 * The ledger the zod schema in `loadLedger` gives for `raw` (parsed JSON), checked by hand so that a
 * valid ledger is read without loading zod; null for anything unusual (then zod decides and words the
 * problem). tests/ledger_fast_test.ts compares both.
 */
export function fastLedger(raw: unknown): Ledger | null {
  if (!plainObject(raw) || raw.version !== 1 || !plainObject(raw.files)) return null;
  if (Object.keys(raw).some((k) => k !== "version" && k !== "files")) return null;
  const files: Ledger["files"] = Object.create(null);
  for (const [file, f] of Object.entries(raw.files)) {
    if (file === "" || !plainObject(f) || typeof f.client !== "string" || !plainObject(f.entries)) {
      return null;
    }
    const entries: Record<string, LedgerEntry> = Object.create(null);
    const given = f.entries as Record<string, unknown>;
    for (const name in given) {
      if (!Object.hasOwn(given, name)) return null;
      const e = given[name];
      if (!plainObject(e) || typeof e.sha256 !== "string" || !HASH_RE.test(e.sha256)) return null;
      if (typeof e.writtenAt !== "string") return null;
      const entry: LedgerEntry = { sha256: e.sha256, writtenAt: e.writtenAt };
      if (e.pending !== undefined) {
        if (typeof e.pending !== "string" || !HASH_RE.test(e.pending)) return null;
        entry.pending = e.pending;
      }
      if (e.inline !== undefined) {
        if (typeof e.inline !== "boolean") return null;
        entry.inline = e.inline;
      }
      entries[name] = entry;
    }
    files[file] = { client: f.client, entries };
  }
  return { version: 1, files };
}

/** The schema of one file's entries (the ledger's, and the ledger part of a backup manifest). */
export async function ledgerEntriesSchema() {
  const { z } = await import("zod");
  const hash = z.string().regex(/^[0-9a-f]{64}$/);
  return z.record(
    z.string(),
    z.object({
      sha256: hash,
      writtenAt: z.string(),
      pending: hash.optional(),
      inline: z.boolean().optional(),
    }),
  );
}

export async function loadLedger(path = ledgerPath()): Promise<Ledger> {
  const text = await readTextIfExists(path);
  if (text === null || text.trim() === "") return { version: 1, files: {} };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    raw = undefined; // worded below, as before
  }
  const fast = raw === undefined ? null : fastLedger(raw);
  if (fast) return fast;
  return await zodLedger(text, path);
}

/** The ledger through its zod schema: the reference `fastLedger` follows, and the words of every problem. */
export async function zodLedger(text: string, path = ledgerPath()): Promise<Ledger> {
  const { z } = await import("zod");
  const Schema = z.strictObject({
    version: z.literal(1),
    files: z.record(
      z.string().min(1),
      z.object({
        client: z.string(),
        entries: await ledgerEntriesSchema(),
      }),
    ),
  });
  let problem: string;
  try {
    const result = Schema.safeParse(JSON.parse(text));
    if (result.success) {
      // plain, prototype-free maps: a file or entry named `__proto__` is just a name
      const files: Ledger["files"] = Object.create(null);
      for (const [file, f] of Object.entries(result.data.files)) {
        const entries: Record<string, LedgerEntry> = Object.create(null);
        for (const [name, e] of Object.entries(f.entries)) entries[name] = e;
        files[file] = { client: f.client, entries };
      }
      return { version: 1, files };
    }
    const issue = result.error.issues[0];
    problem = `${issue.path.join(".") || "(top level)"}: ${issue.message}`;
  } catch (err) {
    problem = `not valid JSON (${(err as Error).message.split("\n")[0]})`;
  }
  throw new NexusError("E_LEDGER_INVALID", `${path} is damaged (${problem}).`, {
    hint:
      "Delete it: mcp-nexus then treats every client entry as not its own (nothing is overwritten), and " +
      "`mcp-nexus import` takes ownership again.",
    details: { file: path },
  });
}

export async function saveLedger(ledger: Ledger, path = ledgerPath()): Promise<void> {
  for (const [file, f] of Object.entries(ledger.files)) {
    if (Object.keys(f.entries).length === 0) delete ledger.files[file];
  }
  await writeFileAtomic(path, JSON.stringify(ledger, null, 2) + "\n", { mode: 0o600, privateDir: true });
}
