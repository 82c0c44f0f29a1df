/**
 * Client files are written from a path-scoped Worker (src/core/io/write_worker.ts). This thread (which
 * holds the keychain, the registry and every plugin) computes, before the Worker starts, the exact
 * files it may touch: for each client file about to change, the file finally written (symlinks
 * resolved here) and the temp file named here for it. The Worker gets read and write on those files
 * alone, and no network, programs, FFI, environment or system facts; a bug that computes another path
 * in the write step is refused by Deno (NotCapable), not only by the gateway's allow-list.
 *
 * What the Worker cannot do itself is done here, for its own files only: creating the directory and
 * removing stale temps (before it starts), the atomic exchange of temp and target (renameat2 /
 * renamex_np need FFI, which would bypass every path check: the pair must be one this thread
 * prepared), and the directory's fsync (opening a directory for reading would grant reading all of
 * it). Backups, the ledger and the lock are files of ours in the tool's home, written here by the
 * gateway as before. The Worker is started only when a file is to be written (sync: once its plans are
 * approved, so that it loads while the first backup is made). `backup restore` writes its client files
 * the same way, and removes from the Worker those its backup holds as absent (src/core/io/backups.ts
 * restoreFiles).
 *
 * Every request to the Worker has a deadline (60 s; a test may shorten it: see `writeDeadlineMs`). A
 * Worker that has not answered by then (a write stuck on a stalled disk) is ended, its files are
 * cleaned up as after any failed write (the temp removed, a half-done exchange swapped back), and the
 * write fails with E_WRITE_TIMEOUT, so that the run ends and releases its lock instead of waiting
 * forever. The files that Worker was writing are not written again in this run (a write stuck in the
 * kernel may still finish after the Worker is gone: a second writer of the same file could race it);
 * any other file is written by a fresh Worker, granted the remaining files alone. Such a late write
 * can at most leave a temp file (or put the complete new version in place: its rename); the sync
 * lock is then left naming this run, as a dead run's is, so that the next run sweeps it.
 */
import { type ExitCodeValue, NexusError } from "../model/errors.ts";
import {
  abandonScopedWrite,
  exchangeScoped,
  faultDecision,
  faultNote,
  faultsActive,
  finishScopedWrite,
  markWriteAbandoned,
  prepareScopedRemove,
  prepareScopedWrite,
  testSwitch,
} from "./fs.ts";
import { dirname } from "./path.ts";
import type { FromWorker, SerializedError, ToWorker, WorkerFile } from "./write_worker.ts";

/** The Worker's Deno permissions for these files: their targets and temps, nothing else. */
export function writerPermissions(files: WorkerFile[]): Deno.PermissionOptionsObject {
  const paths = [...new Set(files.flatMap((f) => f.tmp === null ? [f.target] : [f.target, f.tmp]))];
  return {
    read: paths,
    write: paths,
    net: false,
    run: false,
    ffi: false,
    env: false,
    sys: false,
    import: false,
  };
}

function rebuild(e: SerializedError): Error {
  if (e.code) {
    return new NexusError(e.code, e.message, {
      hint: e.hint,
      details: e.details,
      ...(e.exitCode !== undefined ? { exitCode: e.exitCode as ExitCodeValue } : {}),
    });
  }
  const Known = (Deno.errors as unknown as Record<string, (new (m: string) => Error) | undefined>)[e.name];
  const err = Known ? new Known(e.message) : new Error(e.message);
  if (!Known) err.name = e.name;
  return err;
}

/** How long one write (or removal) may take before its Worker is ended: generous, a disk is slow or stuck. */
export const WRITE_DEADLINE_MS = 60_000;

/**
 * The deadline of each request to the Worker: WRITE_DEADLINE_MS, or for tests
 * MCP_NEXUS_TEST_WRITE_TIMEOUT_MS (a number of milliseconds, 1 to 600000), honoured only as the fault
 * switch is (src/core/io/fs.ts testSwitch: HOME under /tmp holding `.mcp-nexus-test-write-timeout`
 * with the same value). It is a duration only; no file's content chooses a path.
 */
export function writeDeadlineMs(): number {
  const v = testSwitch("MCP_NEXUS_TEST_WRITE_TIMEOUT_MS", ".mcp-nexus-test-write-timeout");
  if (v !== null && /^\d{1,6}$/.test(v) && Number(v) >= 1 && Number(v) <= 600_000) return Number(v);
  return WRITE_DEADLINE_MS;
}

/** A request a deadline ended (its own, or `late`'s); made a NexusError once its file is cleaned up. */
class Abandoned extends Error {
  constructor(readonly file: string, readonly late: string) {
    super(`writing ${file} was stopped: ${late === file ? "no answer" : `${late} took too long`}`);
  }
}

export interface ScopedWriterOptions {
  /** The command that does the job again (a hint printed to the user), e.g. "mcp-nexus sync". */
  rerun?: string;
  /** Overrides the deadline (ms) of each request; default writeDeadlineMs(). */
  deadlineMs?: number;
}

interface Pending {
  path: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

export class ScopedWriter {
  private worker: Worker | null = null;
  private files = new Map<string, WorkerFile>();
  /** Paths that could not be prepared: that file's error, given at its write. */
  private failed = new Map<string, unknown>();
  /** Paths whose Worker was ended by a deadline: never written again in this run (that error). */
  private stopped = new Map<string, NexusError>();
  private pending = new Map<number, Pending>();
  private next = 1;
  /** Exchanges done here for a target's pair during its current write (odd: the two are swapped). */
  private exchanges = new Map<string, number>();
  private readonly rerun: string;
  private readonly deadlineMs: number;

  constructor(opts: ScopedWriterOptions = {}) {
    this.rerun = opts.rerun ?? "mcp-nexus sync";
    this.deadlineMs = opts.deadlineMs ?? writeDeadlineMs();
  }

  /**
   * Prepares `paths` (client files about to change) and `removals` (client files to remove) and
   * starts the Worker for them.
   */
  async add(paths: string[], removals: string[] = []): Promise<void> {
    let added = false;
    const prepare = async (path: string, prep: () => Promise<Omit<WorkerFile, "path">>) => {
      if (this.files.has(path) || this.stopped.has(path)) return;
      try {
        this.files.set(path, { path, ...(await prep()) });
        this.failed.delete(path);
        added = true;
      } catch (err) {
        this.failed.set(path, err);
      }
    };
    for (const path of paths) await prepare(path, () => prepareScopedWrite(path));
    for (const path of removals) {
      await prepare(path, async () => ({
        ...(await prepareScopedRemove(path)),
        tmp: null,
        newOwner: null,
        keepOwner: false,
      }));
    }
    if (!added) return;
    // a new grant needs a new Worker; it starts now, loading while the caller backs files up
    this.stop();
    this.start();
  }

  /** The error a file gets at once: it could not be prepared, or its Worker was ended by a deadline. */
  private refused(path: string): unknown {
    return this.stopped.get(path) ?? this.failed.get(path);
  }

  /** Writes `path` (one of the files added) from the Worker: the gateway's writeFileAtomic, scoped. */
  async write(
    path: string,
    data: string | Uint8Array,
    opts: { mode?: number; expect?: string | null } = {},
  ): Promise<string> {
    await this.add([path]);
    if (this.refused(path) !== undefined) throw this.refused(path);
    const f = this.files.get(path)!;
    this.exchanges.set(f.target, 0);
    let target: string;
    try {
      target = await this.request<string>(path, (id) => ({ kind: "write", id, path, data, ...opts }));
    } catch (err) {
      this.cleanUp(f, data);
      throw err instanceof Abandoned ? this.abandoned(err, f, data) : err;
    }
    await finishScopedWrite(target);
    return target;
  }

  /**
   * Removes `path` (added as a removal) from the Worker (`backup restore` of a file its backup holds
   * as absent). Returns false if it was not there.
   */
  async remove(path: string): Promise<boolean> {
    if (this.refused(path) !== undefined) throw this.refused(path);
    const f = this.files.get(path);
    if (!f) throw new Deno.errors.NotCapable(`${path} was not given to the file writer`);
    let existed: boolean;
    try {
      existed = await this.request<boolean>(path, (id) => ({ kind: "remove", id, path }));
    } catch (err) {
      throw err instanceof Abandoned ? this.abandoned(err, f, null) : err;
    }
    if (existed) await finishScopedWrite(f.target);
    return existed;
  }

  /** Sends one request to the Worker; it fails if no answer comes before the deadline. */
  private request<T>(path: string, msg: (id: number) => ToWorker): Promise<T> {
    const worker = this.start();
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => this.expire(id), this.deadlineMs);
      this.pending.set(id, {
        path,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      worker.postMessage(msg(id));
    });
  }

  /**
   * The deadline of request `id` passed: its Worker is ended (no write of it may finish later), and
   * every request it had fails; their files are not given to a Worker again in this run.
   */
  private expire(id: number): void {
    const late = this.pending.get(id);
    if (!late) return;
    this.worker?.terminate();
    this.worker = null;
    // a write stuck in the kernel may still land after its Worker is gone: the next run sweeps
    markWriteAbandoned();
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) {
      this.files.delete(p.path);
      // until the write's clean-up says what the file holds (see `abandoned`)
      this.stopped.set(p.path, this.timeoutError(p.path, late.path, "mcp-nexus stopped it"));
      p.reject(new Abandoned(p.path, late.path));
    }
  }

  private timeoutError(file: string, late: string, outcome: string): NexusError {
    const secs = Math.round(this.deadlineMs / 100) / 10;
    const what = file === late
      ? `Writing ${file} did not finish within ${secs} s`
      : `Writing ${file} was stopped (writing ${late} did not finish within ${secs} s)`;
    return new NexusError("E_WRITE_TIMEOUT", `${what}; ${outcome}.`, {
      hint: `Check that the disk holding ${
        dirname(late)
      } responds (full, stalled, a lost network mount?), then run '${this.rerun}' again.`,
      details: { file, timeoutMs: this.deadlineMs },
    });
  }

  /** A request ended by a deadline, once its file is cleaned up: the error naming what the file holds. */
  private abandoned(err: Abandoned, f: WorkerFile, data: string | Uint8Array | null): NexusError {
    let outcome = "mcp-nexus stopped the write and left the file as it was";
    try {
      if (data === null) {
        Deno.lstatSync(f.target);
        outcome = "mcp-nexus stopped it; the file is still there";
      } else if (Deno.statSync(f.target).isFile) {
        // (a FIFO put there meanwhile would block a read)
        const now = Deno.readFileSync(f.target);
        const ours = typeof data === "string" ? new TextEncoder().encode(data) : data;
        if (now.length === ours.length && now.every((b, i) => b === ours[i])) {
          outcome = "mcp-nexus stopped waiting, after the new version was in place";
        }
      }
    } catch {
      if (data === null) outcome = "mcp-nexus stopped waiting, after the file was removed";
    }
    const e = this.timeoutError(err.file, err.late, outcome);
    this.stopped.set(err.file, e);
    return e;
  }

  /**
   * After a failed write (the Worker reported it, died or was stopped): its temp file goes (see
   * abandonScopedWrite), so that none is left behind (a clean run sweeps none) and the next attempt
   * can create it again; a pair left swapped by a Worker that stopped in between is swapped back.
   */
  private cleanUp(f: WorkerFile, data: string | Uint8Array): void {
    if (f.tmp === null) return;
    abandonScopedWrite(f.tmp, f.target, data, (this.exchanges.get(f.target) ?? 0) % 2 === 1);
  }

  /** Ends the Worker (pending writes fail). */
  stop(): void {
    this.worker?.terminate();
    this.worker = null;
    for (const p of this.pending.values()) p.reject(new Error("the file writer stopped"));
    this.pending.clear();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const files = [...this.files.values()];
    const worker = new Worker(new URL("./write_worker.ts", import.meta.url).href, {
      type: "module",
      // @ts-ignore: Deno's worker options (deno.json `unstable: ["worker-options"]`)
      deno: { permissions: writerPermissions(files) },
    });
    if (Deno.env.get("MCP_NEXUS_DEBUG_PERMISSIONS")) {
      // the tests' proof of when the Worker starts and what it is granted
      const line = `writer permissions: ${JSON.stringify(writerPermissions(files))}\n`;
      Deno.stderr.writeSync(new TextEncoder().encode(line));
    }
    const byTarget = new Map(files.map((f) => [f.target, f]));
    worker.onmessage = async (e: MessageEvent<FromWorker>) => {
      // a Worker that was ended (by a deadline) is not heard any more: above all, no exchange for it
      if (this.worker !== worker) return;
      const m = e.data;
      if (m.kind === "written" || m.kind === "removed" || m.kind === "failed") {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.kind === "written") p?.resolve(m.target);
        else if (m.kind === "removed") p?.resolve(m.existed);
        else p?.reject(rebuild(m.error));
      } else if (m.kind === "exchange") {
        // only the pair prepared here: the temp named for this very target
        let ok = false;
        try {
          const tmp = byTarget.get(m.target)?.tmp;
          ok = tmp !== null && tmp !== undefined && tmp === m.tmp && exchangeScoped(m.tmp, m.target);
        } catch {
          // not exchanged: the Worker falls back to its check-then-rename
        }
        if (ok) this.exchanges.set(m.target, (this.exchanges.get(m.target) ?? 0) + 1);
        worker.postMessage({ kind: "exchanged", id: m.id, ok } satisfies ToWorker);
      } else if (m.kind === "fault") {
        let reply;
        try {
          reply = await faultDecision(m.name);
        } catch (err) {
          reply = { action: "fail" as const, message: String(err) };
        }
        if (this.worker === worker) {
          worker.postMessage({ kind: "fault-reply", id: m.id, reply } satisfies ToWorker);
        }
      } else if (m.kind === "fault-note") {
        await faultNote(m.line);
      }
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      // ended for good before its temp files are cleaned up: a stray Worker must not rename one later
      worker.terminate();
      if (this.worker !== worker) return;
      const err = new Error(`the file writer failed: ${e.message}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.worker = null;
    };
    worker.postMessage({ kind: "init", files, faults: faultsActive() } satisfies ToWorker);
    this.worker = worker;
    return worker;
  }
}
