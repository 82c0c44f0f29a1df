/**
 * The ownership ledger (persistent state, kept apart from the declared registry and the rendered
 * client entries): per client file, which entries mcp-nexus wrote and a SHA-256 of each as written.
 * Entries we never wrote are never touched; an owned entry whose hash no longer matches was edited
 * by someone else (drift) and is skipped unless the user forces or adopts it.
 *
 * Hashes are of the entry's canonical data (keys sorted), not of its text: a client that re-indents
 * its own file (Claude Code does) has not edited the entry.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { NexusError } from "./errors.ts";
import { readTextIfExists, writeFileAtomic } from "./fs.ts";
import { nexusHome } from "./paths.ts";

export interface LedgerEntry {
  sha256: string;
  writtenAt: string;
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

/** SHA-256 of the entry's canonical JSON (synchronous: a sync hashes thousands of entries). */
export function entryHash(entry: unknown): string {
  return createHash("sha256").update(canonicalJson(entry)).digest("hex");
}

export async function loadLedger(path = ledgerPath()): Promise<Ledger> {
  const text = await readTextIfExists(path);
  if (text === null || text.trim() === "") return { version: 1, files: {} };
  try {
    const data = JSON.parse(text) as Ledger;
    if (data?.version !== 1 || typeof data.files !== "object") throw new Error("bad shape");
    return data;
  } catch {
    throw new NexusError("E_LEDGER_INVALID", `${path} is damaged.`, {
      hint:
        "Delete it: mcp-nexus then treats every client entry as not its own (nothing is overwritten), and " +
        "`mcp-nexus import` takes ownership again.",
      details: { file: path },
    });
  }
}

export async function saveLedger(ledger: Ledger, path = ledgerPath()): Promise<void> {
  for (const [file, f] of Object.entries(ledger.files)) {
    if (Object.keys(f.entries).length === 0) delete ledger.files[file];
  }
  await writeFileAtomic(path, JSON.stringify(ledger, null, 2) + "\n", { mode: 0o600, privateDir: true });
}
