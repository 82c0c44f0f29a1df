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
import { basename, dirname, isAbsolute, join, relative, resolve } from "./path.ts";
import { NexusError } from "../model/errors.ts";

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

/** What a non-regular file is, for messages ("a FIFO", "a directory"…), or null for a regular file. */
function specialKind(info: Deno.FileInfo): string | null {
  if (info.isFile) return null;
  if (info.isDirectory) return "a directory";
  if (info.isFifo) return "a FIFO (named pipe)";
  if (info.isCharDevice || info.isBlockDevice) return "a device";
  if (info.isSocket) return "a socket";
  return "not a regular file";
}

function notAFile(path: string, kind: string): NexusError {
  return new NexusError(
    "E_NOT_A_FILE",
    `${path} is ${kind}, not a regular file; mcp-nexus left it alone.`,
    {
      hint: `Replace ${path} with a regular file (or remove it), then run the command again.`,
      details: { file: path },
    },
  );
}

/**
 * Throws E_NOT_A_FILE unless `path` (followed through symlinks) is a regular file or absent. Checked
 * before every open: opening a FIFO for reading blocks until a writer comes, a device never ends.
 * Returns the file's info, or null if it does not exist.
 */
export async function statRegular(path: string): Promise<Deno.FileInfo | null> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (err) {
    // a dangling symlink is a file to be created, but a loop is an error (resolveTarget says so)
    if (err instanceof Deno.errors.NotFound) {
      await resolveTarget(path);
      return null;
    }
    if (err instanceof Deno.errors.FilesystemLoop) await resolveTarget(path);
    throw err;
  }
  const kind = specialKind(info);
  if (kind) throw notAFile(path, kind);
  return info;
}

/** Reads a file's bytes (regular files only), or null if it does not exist. */
export async function readBytesIfExists(path: string): Promise<Uint8Array | null> {
  if ((await statRegular(path)) === null) return null;
  try {
    return await Deno.readFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

/**
 * Reads a UTF-8 file, or returns null if it does not exist. Invalid UTF-8 is an error, never silently
 * replaced: text decoded with U+FFFD substitutes and written back would corrupt the user's file.
 * A FIFO, device, socket or directory is refused (E_NOT_A_FILE) without being opened. With
 * `keepBom`, a UTF-8 byte order mark stays at the start of the text (client files keep theirs).
 */
export async function readTextIfExists(
  path: string,
  opts: { keepBom?: boolean } = {},
): Promise<string | null> {
  const bytes = await readBytesIfExists(path);
  if (bytes === null) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: !!opts.keepBom }).decode(bytes);
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
  await mkdirOwned(dir);
  if (opts.private) await chmod(dir, 0o700);
}

export interface WriteOptions {
  /** Force this mode. Default: keep the existing file's mode, 0600 for a new file. */
  mode?: number;
  /** Create the parent directory as a private (0700) directory of ours. */
  privateDir?: boolean;
  /**
   * What the file must still hold right before the rename (null: it must not exist). If someone
   * rewrote it since it was read, the write is abandoned with E_CHANGED_DURING_WRITE (nothing
   * replaced) so that the caller can plan again from what is there now.
   */
  expect?: string | null;
  /**
   * Set only by the path-scoped writer (src/core/io/scoped_write.ts, in its Worker): the parent already
   * resolved the target, created its directory, removed stale temps and named the temp file (the
   * Worker may touch those two files alone), and fsyncs the directory afterwards.
   */
  scoped?: ScopedWrite;
}

/** What the parent computed for one write done inside the path-scoped Worker (see WriteOptions). */
export interface ScopedWrite {
  /** The file finally written (symlinks resolved by the parent). */
  target: string;
  /** The temp file's exact name, next to the target. */
  tmp: string;
  /** Owner a new file takes when run as root (its directory's); null: leave it. */
  newOwner: { uid: number; gid: number } | null;
  /** Whether to chown a rewritten file back to its owner (run as root). */
  keepOwner: boolean;
  /** The atomic exchange of tmp and target, done by the parent (it has FFI; the Worker has not). */
  exchange: (tmp: string, target: string) => Promise<boolean>;
}

function readBytesSync(path: string): Uint8Array | null {
  try {
    return Deno.readFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * `mkdir -p` with mode 0700 for what it creates. Run as root (with a user's HOME), each directory it
 * creates takes the owner of the nearest one that existed, so the user can still use it.
 */
async function mkdirOwned(dir: string): Promise<void> {
  const created: string[] = [];
  let at = resolve(dir);
  let existing: Deno.FileInfo | null = null;
  for (;;) {
    try {
      existing = await Deno.stat(at);
      break;
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) break; // mkdir reports it
      created.push(at);
      const up = dirname(at);
      if (up === at) break;
      at = up;
    }
  }
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  if (isWindows || created.length === 0 || !existing || Deno.uid() !== 0) return;
  if (existing.uid === null || existing.gid === null || (existing.uid === 0 && existing.gid === 0)) return;
  for (const d of created) await Deno.chown(d, existing.uid, existing.gid).catch(() => {});
}

/**
 * Set when `withLock` found its lock file still naming a holder (a run that died holding the lock:
 * a clean release empties the file). Only then may temp files of that run lie next to the files
 * this process writes, so only then does a write list its target's directory for them (listing
 * `$HOME` on every write would be slow there); our own private directories are small and always swept.
 */
let crashedRunSeen = false;

/**
 * Set when this run abandoned a write at its deadline (src/core/io/scoped_write.ts): a write stuck in
 * the kernel may still create or fill its temp file after its Worker is gone. The locks it releases
 * then keep naming it, as a dead run's do, so that the next run sweeps what it may leave (see
 * sweepAfterCrash); the OS lock itself is released as always.
 */
let abandonedWrite = false;

/** Says this run abandoned a write (see abandonedWrite). */
export function markWriteAbandoned(): void {
  abandonedWrite = true;
}

/**
 * The pids those dead holders' lock files named: their temp files are stale even if another process
 * has that pid by now (pid reuse: in a container the next run often gets the same small pid).
 */
const deadHolders = new Set<number>();

/**
 * Temp files of ours left next to `name` by a run that was killed before its rename (their pid is
 * gone, or it is the pid a dead lock holder left: see deadHolders): removed, so a crash leaves no
 * half-written file behind for long. Where no process check answers (not Linux, or /proc refused to
 * this permission set), temps older than a day go. Only names `.<name>.<pid>.<8 hex>.tmp` are
 * touched, never one this process named.
 */
async function removeStaleTemps(dir: string, name: string): Promise<void> {
  const prefix = `.${name}.`;
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile || !e.name.startsWith(prefix)) continue;
      const m = /^(\d+)\.[0-9a-f]{8}\.tmp$/.exec(e.name.slice(prefix.length));
      if (!m || (Number(m[1]) === Deno.pid && !deadHolders.has(Deno.pid))) continue;
      const p = join(dir, e.name);
      if (ourTemps.has(p)) continue; // this run's own (the dead holder had our pid)
      // dead: the pid a dead lock holder left, or (Linux) no such process; only NotFound says so:
      // under the nexus permission set /proc/<pid> is refused (NotCapable), which says nothing
      let stale: boolean | undefined = deadHolders.has(Number(m[1])) ? true : undefined;
      if (stale === undefined && Deno.build.os === "linux") {
        stale = await Deno.stat(`/proc/${m[1]}`).then(
          () => false,
          (err) => err instanceof Deno.errors.NotFound ? true : undefined,
        );
      }
      if (stale === undefined) {
        const info = await Deno.lstat(p);
        stale = (info.mtime?.getTime() ?? Date.now()) < Date.now() - 86_400_000;
      }
      if (stale) await Deno.remove(p).catch(() => {});
    }
  } catch {
    // best effort: an unreadable directory fails the write itself, with its own message
  }
}

/**
 * After a run that died holding a lock (`crashedRunSeen`): its temp files next to each of `paths`
 * (client files this run planned) go, whether or not this run writes them. A run killed after its
 * exchange but before removing the temp (which then holds the file it replaced) leaves a file whose
 * next plan has nothing to write: only this sweep reaches it, before the lock is emptied again and
 * the crash is forgotten. Only our temp names with a dead pid are removed (see removeStaleTemps).
 */
export async function sweepAfterCrash(paths: string[]): Promise<void> {
  if (!crashedRunSeen) return;
  for (const path of new Set(paths)) {
    try {
      const target = await resolveTarget(path);
      await removeStaleTemps(dirname(target), basename(target));
    } catch {
      // a symlink loop or an unreadable directory: its plan reports the file
    }
  }
}

/** Writes a file atomically (see the module comment). Returns the path actually written. */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: WriteOptions = {},
): Promise<string> {
  assertWritable(path);
  const scoped = opts.scoped;
  const target = scoped ? scoped.target : await resolveTarget(path);
  const dir = dirname(target);
  if (!scoped) {
    // A private dir is ours (next to the name we manage); a link's target dir is the user's: only created.
    if (opts.privateDir) await ensureDir(dirname(resolve(path)), { private: true });
    await mkdirOwned(dir);
    if (opts.privateDir || crashedRunSeen) await removeStaleTemps(dir, basename(target));
  }
  const original = await statRegular(target);
  const mode = opts.mode ?? (original?.mode != null ? original.mode & 0o777 : 0o600);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const expected = opts.expect === undefined
    ? undefined
    : opts.expect === null
    ? null
    : new TextEncoder().encode(opts.expect);
  const tmp = scoped ? scoped.tmp : tempNameFor(target);
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
    if (scoped) await keepOwnerScoped(tmp, original, scoped);
    else await keepOwner(tmp, original, dir);
    await faultPoint(`tmp:${basename(target)}`);
    if (expected !== undefined) {
      const changed = () =>
        new NexusError(
          "E_CHANGED_DURING_WRITE",
          `${path} changed while mcp-nexus was writing it; nothing was replaced.`,
          { hint: "Run the command again.", details: { file: path } },
        );
      // The last look before the rename. From here to the swap everything is synchronous: no other
      // task of ours runs in between, so the window a client could write into is a few microseconds.
      await statRegular(target);
      const now = readBytesSync(target);
      if (expected === null ? now !== null : now === null || !sameBytes(now, expected)) throw changed();
      // Where the OS can swap two names atomically (Linux renameat2, macOS renamex_np), the file
      // we replace is exactly the one we compare. A client's write that slipped in is put back at
      // once, and the caller plans again.
      // In the scoped writer's Worker the exchange is the parent's (one message away, so the window
      // is wider there, and the exchange below is what keeps a client's write: it is swapped back).
      if (expected !== null && (scoped ? await scoped.exchange(tmp, target) : exchangeNames(tmp, target))) {
        const displaced = Deno.readFileSync(tmp);
        if (!sameBytes(displaced, expected)) {
          const back = scoped ? await scoped.exchange(tmp, target) : exchangeNames(tmp, target);
          if (back && !sameBytes(Deno.readFileSync(tmp), bytes)) {
            Deno.renameSync(tmp, target); // the client wrote again, over ours: that is its newest
          }
          throw changed();
        }
        await Deno.remove(tmp);
        if (!scoped) await syncDir(dir);
        await faultPoint(`rename:${basename(target)}`);
        return target;
      }
    }
    await Deno.rename(tmp, target);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
  if (!scoped) await syncDir(dir);
  await faultPoint(`rename:${basename(target)}`);
  return target;
}

/** The temp names this process gave (never swept as a dead run's, whatever pid the dead run had). */
const ourTemps = new Set<string>();

/** A temp file's name for `target`: next to it, with our pid (see removeStaleTemps). */
function tempNameFor(target: string): string {
  const name = join(
    dirname(target),
    `.${basename(target)}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`,
  );
  ourTemps.add(name);
  return name;
}

/**
 * The parent's half of a path-scoped write (src/core/io/scoped_write.ts): checks the gateway's
 * allow-list, resolves symlinks, creates the directory, removes stale temps (after a crashed run: see
 * `crashedRunSeen`), names the temp file
 * and finds the owner a new file takes when run as root. Returns what the Worker is given.
 */
export async function prepareScopedWrite(
  path: string,
): Promise<Omit<ScopedWrite, "exchange">> {
  assertWritable(path);
  const target = await resolveTarget(path);
  const dir = dirname(target);
  await mkdirOwned(dir);
  if (crashedRunSeen) await removeStaleTemps(dir, basename(target));
  let newOwner: ScopedWrite["newOwner"] = null;
  const root = !isWindows && Deno.uid() === 0;
  if (root) {
    const d = await Deno.stat(dir).catch(() => null);
    if (d && d.uid !== null && d.gid !== null && !(d.uid === 0 && d.gid === 0)) {
      newOwner = { uid: d.uid, gid: d.gid };
    }
  }
  return { target, tmp: tempNameFor(target), newOwner, keepOwner: root };
}

/**
 * The parent's half of a path-scoped removal (`backup restore` of a file its backup holds as absent):
 * the allow-list is checked and symlinks resolved here, as for a write, and nothing is created. The
 * Worker is given the target alone (no temp file: it writes nothing).
 */
export async function prepareScopedRemove(path: string): Promise<{ target: string }> {
  assertWritable(path);
  return { target: await resolveTarget(path) };
}

/**
 * In the path-scoped writer's Worker: removes `target` (the file the parent resolved for the client
 * path `path`). Only a regular file is removed: a directory, FIFO, device or link found there is
 * refused and left alone. Returns false if nothing was there.
 */
export async function removeScoped(path: string, target: string): Promise<boolean> {
  assertWritable(path);
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(target);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
  if (!info.isFile) {
    throw notAFile(target, info.isSymlink ? "a symbolic link" : specialKind(info) ?? "not a file");
  }
  await faultPoint(`remove:${basename(target)}`);
  try {
    await Deno.remove(target);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
  return true;
}

/** The parent's last step of a path-scoped write: the directory's fsync (the Worker may not open it). */
export async function finishScopedWrite(target: string): Promise<void> {
  await syncDir(dirname(target));
}

/**
 * The parent's clean-up of a path-scoped write that failed (the Worker reported it, died or was
 * stopped): the temp file it named goes. If the Worker stopped between an exchange and its end
 * (`swapped`: an odd number of exchanges), the target holds `data` and the temp the file it
 * displaced (the original, or a client's write): that is put back first, so the file is left as it
 * was. A target that no longer holds `data` (a client wrote since) is left alone.
 */
export function abandonScopedWrite(
  tmp: string,
  target: string,
  data: string | Uint8Array,
  swapped: boolean,
): void {
  try {
    if (!Deno.lstatSync(tmp).isFile) return;
  } catch {
    return; // no temp: nothing of ours left
  }
  try {
    const now = swapped ? readBytesSync(target) : null;
    const ours = typeof data === "string" ? new TextEncoder().encode(data) : data;
    if (now && sameBytes(now, ours)) exchangeNames(tmp, target);
  } catch {
    // the target is unreadable: left as it is
  }
  try {
    Deno.removeSync(tmp);
  } catch {
    // best effort: a crashed run's sweep takes it
  }
}

/**
 * The parent's atomic exchange for the Worker, only of a pair it prepared itself: `tmp` must be the
 * temp name it gave for `target` (checked by the caller against its own list).
 */
export function exchangeScoped(tmp: string, target: string): boolean {
  return exchangeNames(tmp, target);
}

async function keepOwnerScoped(tmp: string, original: Deno.FileInfo | null, s: ScopedWrite): Promise<void> {
  if (isWindows || !s.keepOwner) return;
  const from = original && original.uid !== null && original.gid !== null
    ? { uid: original.uid, gid: original.gid }
    : s.newOwner;
  if (!from || (from.uid === 0 && from.gid === 0)) return;
  await Deno.chown(tmp, from.uid, from.gid);
}

type SwapFn = (a: string, b: string) => number;
let swapCache: SwapFn | null | undefined;

/** libc's atomic "exchange two names" (Linux renameat2 RENAME_EXCHANGE, macOS renamex_np RENAME_SWAP). */
function swapFn(): SwapFn | null {
  if (swapCache !== undefined) return swapCache;
  swapCache = null;
  const cstr = (s: string) => new TextEncoder().encode(s + "\0");
  try {
    if (Deno.build.os === "linux") {
      const symbols = {
        renameat2: { parameters: ["i32", "buffer", "i32", "buffer", "u32"], result: "i32" },
      } as const;
      let lib;
      try {
        lib = Deno.dlopen("libc.so.6", symbols);
      } catch {
        lib = Deno.dlopen("libc.so", symbols);
      }
      const AT_FDCWD = -100;
      const RENAME_EXCHANGE = 2;
      swapCache = (a, b) => lib.symbols.renameat2(AT_FDCWD, cstr(a), AT_FDCWD, cstr(b), RENAME_EXCHANGE);
    } else if (Deno.build.os === "darwin") {
      const lib = Deno.dlopen(
        "/usr/lib/libSystem.B.dylib",
        {
          renamex_np: { parameters: ["buffer", "buffer", "u32"], result: "i32" },
        } as const,
      );
      const RENAME_SWAP = 2;
      swapCache = (a, b) => lib.symbols.renamex_np(cstr(a), cstr(b), RENAME_SWAP);
    }
  } catch {
    swapCache = null; // no FFI or no such call: check-then-rename
  }
  return swapCache;
}

/** Atomically exchanges two existing names; false where the OS or filesystem cannot. */
function exchangeNames(a: string, b: string): boolean {
  const fn = swapFn();
  if (!fn) return false;
  if (fn(a, b) === 0) return true;
  swapCache = null; // e.g. a filesystem without RENAME_EXCHANGE: don't try again in this run
  return false;
}

/**
 * Run as root on a user's files (`sudo` with the user's HOME), a rewritten file keeps its owner and
 * group, and a new one takes its directory's: root must not end up owning the user's config.
 */
async function keepOwner(tmp: string, original: Deno.FileInfo | null, dir: string): Promise<void> {
  if (isWindows || Deno.uid() !== 0) return;
  const from = original ?? await Deno.stat(dir).catch(() => null);
  if (!from || from.uid === null || from.gid === null) return;
  if (from.uid === 0 && from.gid === 0) return;
  await Deno.chown(tmp, from.uid, from.gid);
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
    const target = await resolveTarget(path);
    await faultPoint(`remove:${basename(target)}`);
    await Deno.remove(target);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** Removes a directory tree we own (backups, cache). */
export async function removeTree(path: string): Promise<void> {
  assertWritable(path);
  await faultPoint(`remove:${basename(path)}`);
  await Deno.remove(path, { recursive: true }).catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  });
}

/** Copies a file to a private location (0600, atomically). Used for backups. */
export async function copyFilePrivate(src: string, dest: string): Promise<void> {
  const data = await readBytesIfExists(src);
  if (data === null) throw new Deno.errors.NotFound(`${src} does not exist`);
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
  await mkdirOwned(dirname(lockPath));
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
    // the lock file names its holder while held (read and written through this handle: Windows
    // locks refuse other handles); found non-empty, the last holder died holding it
    const held = new Uint8Array(32);
    await file.seek(0, Deno.SeekMode.Start);
    const n = (await file.read(held)) ?? 0;
    if (n > 0) {
      crashedRunSeen = true;
      const pid = /^(\d{1,10})\n/.exec(new TextDecoder().decode(held.subarray(0, n)));
      if (pid && Number(pid[1]) > 0) deadHolders.add(Number(pid[1]));
    }
    await file.truncate(0);
    await file.seek(0, Deno.SeekMode.Start);
    await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
    try {
      return await fn();
    } finally {
      // emptied: this run ended cleanly (unless a write of it may still land: see abandonedWrite)
      if (!abandonedWrite) await file.truncate(0).catch(() => {});
      await file.unlock();
    }
  } finally {
    file.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Fault injection, for tests/fault_test.ts only. Every write boundary above calls `faultPoint`
// with a name (`tmp:<file>`: the temp file is written, the target not yet replaced;
// `rename:<file>`: replaced; `remove:<file>`). MCP_NEXUS_TEST_FAULT=`<kill|fail>@<name>[#n]` kills
// the process (SIGKILL, as a power cut or kill -9 would) or fails the write there, at the n-th time
// the boundary is reached; `trace` lists the boundaries reached. `crash@<name>` makes the scoped
// writer's Worker die there of an uncaught error (in the main thread it is a kill); `hang@<name>`
// makes the code there wait forever, as a write on a stalled disk does (the scoped writer's deadline
// then ends its Worker: MCP_NEXUS_TEST_WRITE_TIMEOUT_MS, gated the same way, shortens it for tests).
//
// It cannot be switched on by accident or by a hostile environment alone: it is honoured only when
// HOME is a directory under /tmp AND that HOME holds a file `.mcp-nexus-test-fault` whose content is
// exactly the variable's value. A real user's HOME is not under /tmp; and whoever can create files
// in someone's HOME and set their environment already controls their account. Otherwise the
// variable is ignored, and a disabled run costs one environment lookup per process.

let faultSpec: { action: string; point: string; nth: number; seen: number } | "trace" | null | undefined;

/**
 * A test-only switch: the variable `name`'s value, honoured only when HOME is a directory under /tmp
 * holding a regular file `marker` whose content is exactly that value (see above); otherwise null.
 * The fault switch and the scoped writer's test deadline (src/core/io/scoped_write.ts) use it.
 */
export function testSwitch(name: string, marker: string): string | null {
  if (isWindows) return null;
  let value: string | undefined;
  let home: string | undefined;
  try {
    value = Deno.env.get(name);
    home = Deno.env.get("HOME");
  } catch {
    return null; // no environment (the scoped writer's Worker)
  }
  if (!value || !home) return null;
  try {
    const real = Deno.realPathSync(home);
    if (!real.startsWith("/tmp/")) return null;
    const file = join(real, marker);
    const info = Deno.lstatSync(file);
    if (!info.isFile || Deno.readTextFileSync(file) !== value) return null;
  } catch {
    return null;
  }
  return value;
}

function loadFaultSpec(): typeof faultSpec {
  const value = testSwitch("MCP_NEXUS_TEST_FAULT", ".mcp-nexus-test-fault");
  if (value === null) return null;
  if (value === "trace") return "trace";
  const m = /^(kill|fail|escape|crash|hang)@(.+?)(?:#(\d+))?$/.exec(value);
  return m ? { action: m[1], point: m[2], nth: Number(m[3] ?? 1), seen: 0 } : null;
}

/** What a fault boundary does: go on, fail there, or (in the scoped writer's Worker) try a write outside its grant. */
export type FaultReply =
  | { action: "ok" }
  | { action: "fail"; message: string }
  | {
    action: "escape";
    path: string;
  }
  | { action: "crash" }
  | { action: "hang" };

/**
 * In the path-scoped writer's Worker (which has no environment and cannot kill): its boundaries are
 * decided by the parent, which keeps the one fault spec and its counts.
 */
let faultForwarder: { point(name: string): Promise<FaultReply>; note(line: string): void } | null = null;

export function forwardFaults(to: typeof faultForwarder): void {
  faultForwarder = to;
}

/** Whether fault injection is on in this process (the scoped writer forwards its boundaries only then). */
export function faultsActive(): boolean {
  if (faultSpec === undefined) faultSpec = loadFaultSpec();
  return faultSpec !== null;
}

/**
 * The parent's decision at a boundary (also for its Worker's): traces, kills, or answers. `escape@P`
 * (tests only) makes the scoped writer's Worker try to write `$HOME/.mcp-nexus-escape`, a file
 * outside its grant, and note what happened in `$HOME/.mcp-nexus-fault-trace`.
 */
export async function faultDecision(name: string): Promise<FaultReply> {
  if (!faultsActive()) return { action: "ok" };
  const spec = faultSpec!;
  if (spec === "trace") {
    await faultNote(name);
    return { action: "ok" };
  }
  if (spec.point !== name || ++spec.seen !== spec.nth) return { action: "ok" };
  if (spec.action === "kill") Deno.kill(Deno.pid, "SIGKILL");
  // `crash@P`: the scoped writer's Worker dies there (an uncaught error); in the main thread, a kill
  if (spec.action === "crash") return { action: "crash" };
  // `hang@P`: the code at that boundary never goes on (a stalled disk); the scoped writer's deadline
  // ends its Worker (in the main thread the process hangs until it is killed)
  if (spec.action === "hang") return { action: "hang" };
  if (spec.action === "escape") {
    return { action: "escape", path: join(Deno.env.get("HOME")!, ".mcp-nexus-escape") };
  }
  return { action: "fail", message: `No space left on device (os error 28), injected at ${name}` };
}

/** Appends a line to the fault trace (tests only: a no-op unless fault injection is on). */
export async function faultNote(line: string): Promise<void> {
  if (!faultsActive()) return;
  const home = Deno.env.get("HOME")!;
  await Deno.writeTextFile(join(home, ".mcp-nexus-fault-trace"), line + "\n", { append: true });
}

/** A write boundary (see above). A no-op unless a test switched fault injection on. */
export async function faultPoint(name: string): Promise<void> {
  const reply = faultForwarder ? await faultForwarder.point(name) : await faultDecision(name);
  if (reply.action === "fail") throw new Error(reply.message);
  if (reply.action === "crash") {
    if (!faultForwarder) Deno.kill(Deno.pid, "SIGKILL");
    // an error no catch sees: the Worker dies here, its temp file left as a real crash leaves it
    await new Promise(() =>
      setTimeout(() => {
        throw new Error(`injected crash at ${name}`);
      }, 0)
    );
  }
  if (reply.action === "hang") {
    // a timer keeps the thread alive, as a write stuck in the kernel would; nothing ever resolves this
    await new Promise(() => setInterval(() => {}, 3_600_000));
  }
  if (reply.action !== "escape") return;
  // the test's proof that the Worker cannot write outside the files it was given
  let outcome = "written";
  try {
    await Deno.writeTextFile(reply.path, "escaped\n");
  } catch (err) {
    outcome = err instanceof Error ? err.name : String(err);
  }
  const line = `escape:${name}:${outcome}`;
  if (faultForwarder) faultForwarder.note(line);
  else await faultNote(line);
}
