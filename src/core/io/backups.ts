/**
 * Backups: before the first change of a run, every client file about to change is copied (0600, in
 * a 0700 dir) into `<home>/backups/<run id>/`, with a manifest naming the original paths. The last
 * N runs are kept. `backup restore` puts files back atomically (and is itself backed up first).
 */
import { load } from "../model/load.ts";
import { basename, isAbsolute, join } from "./path.ts";
import { NexusError } from "../model/errors.ts";
import {
  allowWritesUnder,
  copyFilePrivate,
  readBytesIfExists,
  readTextIfExists,
  removeTree,
  withLock,
  writeFileAtomic,
} from "./fs.ts";
import { nexusHome } from "./paths.ts";
import type { LedgerEntry } from "./ledger.ts";

export const DEFAULT_KEEP = 20;

export interface BackupFile {
  /** The client file as configured (a symlink stays named as the link). */
  path: string;
  client?: string;
  /** Name of the copy inside the backup dir; null if the file did not exist (restore removes it). */
  copy: string | null;
  /** Which entries of the copy were mcp-nexus's (the ledger then): a restore gives them back. */
  ledger?: Record<string, LedgerEntry>;
}

export interface BackupManifest {
  id: string;
  createdAt: string;
  reason: string;
  files: BackupFile[];
}

export function backupsDir(): string {
  return join(nexusHome(), "backups");
}

/** A backup of one run, created lazily on the first file added. */
export class BackupRun {
  readonly id: string;
  private manifest: BackupManifest | null = null;

  constructor(readonly reason: string, readonly keep = DEFAULT_KEEP) {
    this.id = new Date().toISOString().replace(/[:.]/g, "-") + "-" + crypto.randomUUID().slice(0, 6);
  }

  get dir(): string {
    return join(backupsDir(), this.id);
  }

  get created(): boolean {
    return this.manifest !== null;
  }

  /** Copies `path` (if it exists) into this run's backup, once per path. */
  async add(path: string, client?: string, owned?: Record<string, LedgerEntry>): Promise<void> {
    this.manifest ??= { id: this.id, createdAt: new Date().toISOString(), reason: this.reason, files: [] };
    if (this.manifest.files.some((f) => f.path === path)) return;
    let copy: string | null = `${this.manifest.files.length}-${basename(path)}`;
    try {
      await copyFilePrivate(path, join(this.dir, copy));
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
      copy = null;
    }
    const ledger = owned ? structuredClone({ ...owned }) : undefined;
    this.manifest.files.push({ path, client, copy, ...(ledger ? { ledger } : {}) });
    await writeFileAtomic(join(this.dir, "manifest.json"), JSON.stringify(this.manifest, null, 2) + "\n", {
      mode: 0o600,
      privateDir: true,
    });
  }

  /** Drops the oldest runs beyond `keep`. */
  async prune(): Promise<void> {
    const all = await listBackups();
    // ids are validated (BACKUP_ID) and equal their directory's name: only run dirs are removed
    for (const old of all.slice(this.keep)) {
      if (BACKUP_ID.test(old.id)) await removeTree(join(backupsDir(), old.id));
    }
  }
}

/** A backup run's id: its time stamp and a random suffix (also its directory's name). */
export const BACKUP_ID = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z-[0-9a-f]{6}$/;

/** A copy's name inside its run directory: `<index>-<basename>`, never a path. */
const COPY_NAME = /^\d+-[^/\\\0]+$/;

/**
 * A manifest is untrusted input (anyone who can write the tool's home can edit it): fully
 * validated, its id must be its own directory's name, and a copy's name can only name a file
 * inside that directory. Which paths a restore may write is decided by the caller (the current
 * client config paths), never by the manifest.
 */
async function parseManifest(dirName: string, text: string): Promise<BackupManifest | string> {
  const { z } = await import("zod");
  const Manifest = z.object({
    id: z.string().regex(BACKUP_ID),
    createdAt: z.string(),
    reason: z.string().max(200),
    files: z.array(z.object({
      path: z.string().min(1).refine((p) => isAbsolute(p) && !p.includes("\0"), "not an absolute path"),
      client: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/).optional(),
      copy: z.string().regex(COPY_NAME).nullable(),
      // the ledger's own schema: every field of an entry (its `inline` flag too) survives a restore
      ledger: (await (await load<typeof import("./ledger.ts")>(import.meta.url, "./ledger.ts"))
        .ledgerEntriesSchema()).optional(),
    })).max(1000),
  });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return "not valid JSON";
  }
  const r = Manifest.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    return `${issue.path.join(".") || "(top level)"}: ${issue.message}`;
  }
  if (r.data.id !== dirName) return `its id '${r.data.id}' is not its directory's name`;
  return r.data;
}

/** Backup directories whose manifest is damaged (never restored from, never pruned). */
export interface DamagedBackup {
  dir: string;
  problem: string;
}

/** Every valid backup, newest first (and the damaged ones, kept apart). */
export async function scanBackups(): Promise<{ backups: BackupManifest[]; damaged: DamagedBackup[] }> {
  const out: BackupManifest[] = [];
  const damaged: DamagedBackup[] = [];
  try {
    for await (const e of Deno.readDir(backupsDir())) {
      if (!e.isDirectory || !BACKUP_ID.test(e.name)) continue;
      const manifest = join(backupsDir(), e.name, "manifest.json");
      try {
        const text = await readTextIfExists(manifest);
        if (text === null) continue; // a run that stopped before its first copy
        const m = await parseManifest(e.name, text);
        if (typeof m === "string") damaged.push({ dir: e.name, problem: `${manifest}: ${m}` });
        else out.push(m);
      } catch (err) {
        damaged.push({ dir: e.name, problem: `${manifest}: ${(err as Error).message}` });
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return { backups: out.sort((a, b) => b.id.localeCompare(a.id)), damaged };
}

/** Every valid backup, newest first. */
export async function listBackups(): Promise<BackupManifest[]> {
  return (await scanBackups()).backups;
}

export async function getBackup(id: string): Promise<BackupManifest> {
  const { backups: all, damaged } = await scanBackups();
  const found = id === "latest"
    ? all[0]
    : all.find((b) => b.id === id || (id.length > 0 && b.id.startsWith(id)));
  if (!found) {
    const bad = damaged.find((d) => d.dir === id || (id.length > 0 && d.dir.startsWith(id)));
    if (bad) {
      throw new NexusError(
        "E_BACKUP_INVALID",
        `Backup ${bad.dir} is damaged (${bad.problem}); nothing was restored.`,
        {
          hint: "Pick another one: mcp-nexus backup list",
          details: { backup: bad.dir },
        },
      );
    }
    throw new NexusError("E_BACKUP_NOT_FOUND", `No backup '${id}'.`, {
      exitCode: 3,
      hint: all.length
        ? "See them with: mcp-nexus backup list"
        : "No backups yet: one is made before each sync that changes a file.",
    });
  }
  return found;
}

/** The bytes of a backed-up file. */
export async function readBackupCopy(b: BackupManifest, f: BackupFile): Promise<Uint8Array | null> {
  if (!BACKUP_ID.test(b.id) || (f.copy !== null && !COPY_NAME.test(f.copy))) {
    throw new NexusError("E_BACKUP_INVALID", `Backup ${b.id} names a copy outside its directory.`);
  }
  if (f.copy === null) return null;
  const copy = join(backupsDir(), b.id, f.copy);
  // copies are regular files we wrote: a link planted there must not pull another file in
  const info = await Deno.lstat(copy).catch(() => null);
  const data = info?.isFile ? await readBytesIfExists(copy) : null;
  if (data === null) {
    throw new NexusError(
      "E_BACKUP_INVALID",
      `Backup ${b.id} lacks its copy of ${f.path}; nothing was restored.`,
      {
        hint: "Pick another one: mcp-nexus backup list",
        details: { backup: b.id, file: f.path },
      },
    );
  }
  return data;
}

/**
 * A manifest's ledger entry as the ledger gets it back: its hashes then (a `pending` one too: the
 * copy was taken after a run that died before confirming its write, so the copy's entry may be the
 * pending one, and it is still ours), and whether it was inline.
 */
function restoredEntry(e: LedgerEntry): LedgerEntry {
  return {
    sha256: e.sha256,
    writtenAt: e.writtenAt,
    ...(e.pending ? { pending: e.pending } : {}),
    ...(e.inline ? { inline: true } : {}),
  };
}

/** Where a backup's manifest is (for messages). */
export function manifestPath(b: BackupManifest): string {
  return join(backupsDir(), b.id, "manifest.json");
}

/**
 * A manifest never chooses what is written or removed: each of `files` (of `b`) must be a config
 * path in `known` (the paths of the clients we know, each with the ids of its clients; the caller
 * computes them from today's adapters), of the client the manifest names, and named once. Otherwise
 * E_BACKUP_INVALID names the manifest, the field and the path; nothing is changed.
 */
export function checkRestorable(
  b: BackupManifest,
  files: BackupFile[],
  known: ReadonlyMap<string, readonly string[]>,
): void {
  const seen = new Set<string>();
  for (const f of files) {
    const i = b.files.indexOf(f);
    const owner = known.get(f.path);
    const field = !owner || f.client === undefined || owner.includes(f.client) ? "path" : "client";
    const problem = !owner || field === "client"
      ? `which is not ${f.client ? `${f.client}'s` : "a client's"} config file`
      : seen.has(f.path)
      ? "a second time"
      : null;
    seen.add(f.path);
    if (problem === null) continue;
    const where = `files[${i < 0 ? "?" : i}].${field}`;
    throw new NexusError(
      "E_BACKUP_INVALID",
      `Backup ${b.id} names ${f.path} (${where} in ${manifestPath(b)}), ${problem}; nothing was restored.`,
      {
        hint: "Pick another one: mcp-nexus backup list",
        details: { backup: b.id, manifest: manifestPath(b), field: where, file: f.path },
      },
    );
  }
}

/**
 * Puts a backup's files back, one by one, under the sync lock. Each path is checked again here
 * against `known` (see checkRestorable): a manifest chooses no file to write or remove. The current
 * files are backed up first. Ownership follows each file: the
 * entries that were ours in the copy are ours again (write-ahead, as sync does), so the next sync
 * does not call them drift. The client files are written from the
 * path-scoped writer Worker (src/core/io/scoped_write.ts), granted exactly the restored files (their
 * targets and temps), as sync writes them; a file the backup holds as absent is removed from that
 * Worker too (granted that file alone). The safety backup and the ledger, files of ours, are written
 * here. `rerun` is the command a failure's hint gives (the same restore). Returns the paths restored.
 */
export async function restoreFiles(
  b: BackupManifest,
  files: BackupFile[],
  known: ReadonlyMap<string, readonly string[]>,
  rerun = `mcp-nexus backup restore ${b.id} --yes`,
): Promise<string[]> {
  checkRestorable(b, files, known);
  const { loadLedger, saveLedger } = await load<typeof import("./ledger.ts")>(import.meta.url, "./ledger.ts");
  const { ScopedWriter } = await load<typeof import("./scoped_write.ts")>(
    import.meta.url,
    "./scoped_write.ts",
  );
  const restored: string[] = [];
  await withLock(join(nexusHome(), ".sync.lock"), async () => {
    const ledger = await loadLedger();
    const safety = new BackupRun(`before restoring ${b.id}`);
    allowWritesUnder(...files.map((f) => f.path));
    // granted the files that have a copy to write back, and those to remove; it loads while the
    // first backup is made
    const writer = new ScopedWriter({ rerun });
    try {
      await writer.add(
        files.filter((f) => f.copy !== null).map((f) => f.path),
        files.filter((f) => f.copy === null).map((f) => f.path),
      );
      for (const f of files) {
        const data = await readBackupCopy(b, f);
        const current = ledger.files[f.path];
        await safety.add(f.path, f.client, current?.entries ?? {});
        if (f.ledger) {
          // before the write: the restored hashes are ours too
          const file = ledger.files[f.path] ??= { client: f.client ?? current?.client ?? "", entries: {} };
          for (const [name, e] of Object.entries(f.ledger)) {
            if (Object.hasOwn(file.entries, name)) file.entries[name].pending = e.sha256;
            else file.entries[name] = restoredEntry(e);
          }
          await saveLedger(ledger);
        }
        if (data === null) await writer.remove(f.path);
        else await writer.write(f.path, data);
        if (f.ledger) {
          const entries: Record<string, LedgerEntry> = {};
          for (const [name, e] of Object.entries(f.ledger)) {
            entries[name] = restoredEntry(e);
          }
          ledger.files[f.path] = { client: f.client ?? current?.client ?? "", entries };
          await saveLedger(ledger);
        }
        restored.push(f.path);
      }
    } finally {
      writer.stop();
    }
    await safety.prune();
  }, { what: "client config files (a sync is running)" });
  return restored;
}
