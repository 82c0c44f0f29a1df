/**
 * The fs gateway: the ONLY module of mcp-nexus that creates, writes, renames, chmods or removes files
 * (tests/fs_gateway_test.ts fails if another module does). Its policy, for every file we touch:
 *
 * - Atomic: data goes to a temp file in the target's own directory, is fsynced, then renamed over the
 *   target, and the directory is fsynced. A reader sees the old file or the new one, never half of one.
 * - Symlinks are followed: writing `~/.claude.json` when it links into a dotfiles repo replaces the
 *   link's target; the link itself stays a link.
 * - Modes: new files 0600, new directories 0700. An existing file keeps its mode unless the caller
 *   forces one (our own files force 0600).
 * - Scope: Deno's permission paths cannot name `~`, so the binary may write anywhere; this module
 *   narrows that in code. A write is refused unless its path is under a root registered with
 *   `allowWritesUnder` (the tool's home, the keys index dir, and each client adapter's config file).
 * - Locks: `withLock` takes an OS advisory lock (flock / LockFileEx) on a lock file; the OS drops it
 *   if the process dies, so a crashed run never leaves a stale lock behind.
 */
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { NexusError } from "./errors.ts";

const isWindows = Deno.build.os === "windows";
const allowedRoots = new Set<string>();

/** Allow writes at or below these paths (files or directories). */
export function allowWritesUnder(...roots: string[]): void {
  for (const r of roots) allowedRoots.add(resolve(r));
}

/** Throws unless `path` is at or below an allowed root. */
export function assertWritable(path: string): void {
  const p = resolve(path);
  for (const root of allowedRoots) {
    const rel = relative(root, p);
    if (rel === "" || (!rel.startsWith("..") && !isAbsolute(rel))) return;
  }
  throw new NexusError(
    "E_WRITE_OUTSIDE",
    `Refusing to write ${p}: it is outside the places mcp-nexus manages.`,
    {
      hint: "This is a bug in mcp-nexus or a plugin; please report it.",
      details: { file: p },
    },
  );
}

/** Follows a chain of symlinks to the file it finally names (which may not exist yet). */
export async function resolveTarget(path: string): Promise<string> {
  let current = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(current);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return current;
      throw err;
    }
    if (!info.isSymlink) return current;
    const link = await Deno.readLink(current);
    // relative to the directory the link really sits in (which may itself be reached through a link)
    current = isAbsolute(link) ? link : resolve(await Deno.realPath(dirname(current)), link);
  }
  throw new NexusError("E_SYMLINK_LOOP", `Too many symbolic links while resolving ${path}.`, {
    hint: "Fix the symlink loop, then run the command again.",
    details: { file: path },
  });
}

/**
 * Reads a UTF-8 file, or returns null if it does not exist. Invalid UTF-8 is an error, never silently
 * replaced: text decoded with U+FFFD substitutes and written back would corrupt the user's file.
 */
export async function readTextIfExists(path: string): Promise<string | null> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new NexusError("E_FILE_ENCODING", `${path} is not valid UTF-8; mcp-nexus left it untouched.`, {
      hint: "Save it as UTF-8 in your editor, then run the command again.",
      details: { file: path },
    });
  }
}

/** The permission bits of a file, or null if it does not exist (or on Windows). */
export async function fileMode(path: string): Promise<number | null> {
  try {
    const st = await Deno.stat(path);
    return st.mode === null ? null : st.mode & 0o777;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

async function chmod(path: string, mode: number): Promise<void> {
  if (!isWindows) await Deno.chmod(path, mode);
}

/**
 * Creates a directory (and parents) with mode 0700 for what it creates. With `private`, an existing
 * directory is also narrowed to 0700 (for the tool's own dirs, never a client's).
 */
export async function ensureDir(dir: string, opts: { private?: boolean } = {}): Promise<void> {
  assertWritable(dir);
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  if (opts.private) await chmod(dir, 0o700);
}

export interface WriteOptions {
  /** Force this mode. Default: keep the existing file's mode, 0600 for a new file. */
  mode?: number;
  /** Create the parent directory as a private (0700) directory of ours. */
  privateDir?: boolean;
}

/** Writes a file atomically (see the module comment). Returns the path actually written. */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: WriteOptions = {},
): Promise<string> {
  assertWritable(path);
  const target = await resolveTarget(path);
  const dir = dirname(target);
  if (opts.privateDir) await ensureDir(dir, { private: true });
  else await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const mode = opts.mode ?? (await fileMode(target)) ?? 0o600;
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const tmp = join(dir, `.${basename(target)}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  const file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o600 });
  try {
    let written = 0;
    while (written < bytes.length) written += await file.write(bytes.subarray(written));
    await file.sync();
  } catch (err) {
    file.close();
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
  file.close();
  try {
    await chmod(tmp, mode);
    await Deno.rename(tmp, target);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
  await syncDir(dir);
  return target;
}

async function syncDir(dir: string): Promise<void> {
  if (isWindows) return;
  try {
    const d = await Deno.open(dir, { read: true });
    try {
      await d.sync();
    } finally {
      d.close();
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  }
}

/** Removes a file; returns false if it was not there. */
export async function removeFile(path: string): Promise<boolean> {
  assertWritable(path);
  try {
    await Deno.remove(await resolveTarget(path));
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** Removes a directory tree we own (backups, cache). */
export async function removeTree(path: string): Promise<void> {
  assertWritable(path);
  await Deno.remove(path, { recursive: true }).catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  });
}

/** Copies a file to a private location (0600, atomically). Used for backups. */
export async function copyFilePrivate(src: string, dest: string): Promise<void> {
  const data = await Deno.readFile(src);
  await writeFileAtomic(dest, data, { mode: 0o600, privateDir: true });
}

export interface LockOptions {
  /** How long to wait for another run to finish. @default 15000 */
  timeoutMs?: number;
  /** What the lock protects, for the error message. */
  what?: string;
}

/**
 * Runs `fn` while holding an exclusive OS lock on `lockPath`. Waits up to `timeoutMs` for another
 * mcp-nexus process to release it, then fails with a clear error instead of interleaving.
 */
export async function withLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  opts: LockOptions = {},
): Promise<T> {
  assertWritable(lockPath);
  await Deno.mkdir(dirname(lockPath), { recursive: true, mode: 0o700 });
  const file = await Deno.open(lockPath, { read: true, write: true, create: true, mode: 0o600 });
  try {
    const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
    let delay = 10;
    while (!(await file.tryLock(true))) {
      if (Date.now() >= deadline) {
        throw new NexusError(
          "E_BUSY",
          `Another mcp-nexus process is changing ${opts.what ?? lockPath}; gave up waiting.`,
          {
            hint: "Wait for the other run (a scheduled sync?) to finish, then try again.",
            details: { lock: lockPath },
          },
        );
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 200);
    }
    try {
      return await fn();
    } finally {
      await file.unlock();
    }
  } finally {
    file.close();
  }
}
