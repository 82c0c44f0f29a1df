/**
 * Backups: before the first change of a run, every client file about to change is copied (0600, in
 * a 0700 dir) into `<home>/backups/<run id>/`, with a manifest naming the original paths. The last
 * N runs are kept. `backup restore` puts files back atomically (and is itself backed up first).
 */
import { basename, join } from "node:path";
import { NexusError } from "./errors.ts";
import { copyFilePrivate, readTextIfExists, removeTree, writeFileAtomic } from "./fs.ts";
import { nexusHome } from "./paths.ts";

export const DEFAULT_KEEP = 20;

export interface BackupFile {
  /** The client file as configured (a symlink stays named as the link). */
  path: string;
  client?: string;
  /** Name of the copy inside the backup dir; null if the file did not exist (restore removes it). */
  copy: string | null;
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
  async add(path: string, client?: string): Promise<void> {
    this.manifest ??= { id: this.id, createdAt: new Date().toISOString(), reason: this.reason, files: [] };
    if (this.manifest.files.some((f) => f.path === path)) return;
    let copy: string | null = `${this.manifest.files.length}-${basename(path)}`;
    try {
      await copyFilePrivate(path, join(this.dir, copy));
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
      copy = null;
    }
    this.manifest.files.push({ path, client, copy });
    await writeFileAtomic(join(this.dir, "manifest.json"), JSON.stringify(this.manifest, null, 2) + "\n", {
      mode: 0o600,
      privateDir: true,
    });
  }

  /** Drops the oldest runs beyond `keep`. */
  async prune(): Promise<void> {
    const all = await listBackups();
    for (const old of all.slice(this.keep)) await removeTree(join(backupsDir(), old.id));
  }
}

/** Every backup, newest first. */
export async function listBackups(): Promise<BackupManifest[]> {
  const out: BackupManifest[] = [];
  try {
    for await (const e of Deno.readDir(backupsDir())) {
      if (!e.isDirectory) continue;
      const text = await readTextIfExists(join(backupsDir(), e.name, "manifest.json"));
      if (text) {
        try {
          out.push(JSON.parse(text));
        } catch { /* a damaged manifest is skipped */ }
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out.sort((a, b) => b.id.localeCompare(a.id));
}

export async function getBackup(id: string): Promise<BackupManifest> {
  const all = await listBackups();
  const found = id === "latest" ? all[0] : all.find((b) => b.id === id || b.id.startsWith(id));
  if (!found) {
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
  return f.copy === null ? null : await Deno.readFile(join(backupsDir(), b.id, f.copy));
}
