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
 * the same way (src/core/io/backups.ts restoreFiles).
 */
import { type ExitCodeValue, NexusError } from "../model/errors.ts";
import {
  abandonScopedWrite,
  exchangeScoped,
  faultDecision,
  faultNote,
  faultsActive,
  finishScopedWrite,
  prepareScopedWrite,
} from "./fs.ts";
import type { FromWorker, SerializedError, ToWorker, WorkerFile } from "./write_worker.ts";

/** The Worker's Deno permissions for these files: their targets and temps, nothing else. */
export function writerPermissions(files: WorkerFile[]): Deno.PermissionOptionsObject {
  const paths = [...new Set(files.flatMap((f) => [f.target, f.tmp]))];
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

export class ScopedWriter {
  private worker: Worker | null = null;
  private files = new Map<string, WorkerFile>();
  /** Paths that could not be prepared: that file's error, given at its write. */
  private failed = new Map<string, unknown>();
  private pending = new Map<number, { resolve: (t: string) => void; reject: (e: Error) => void }>();
  private next = 1;
  /** Exchanges done here for a target's pair during its current write (odd: the two are swapped). */
  private exchanges = new Map<string, number>();

  /** Prepares `paths` (client files about to change) and starts the Worker for them. */
  async add(paths: string[]): Promise<void> {
    let added = false;
    for (const path of paths) {
      if (this.files.has(path)) continue;
      try {
        this.files.set(path, { path, ...(await prepareScopedWrite(path)) });
        this.failed.delete(path);
        added = true;
      } catch (err) {
        this.failed.set(path, err);
      }
    }
    if (!added) return;
    // a new grant needs a new Worker; it starts now, loading while the caller backs files up
    this.stop();
    this.start();
  }

  /** Writes `path` (one of the files added) from the Worker: the gateway's writeFileAtomic, scoped. */
  async write(
    path: string,
    data: string | Uint8Array,
    opts: { mode?: number; expect?: string | null } = {},
  ): Promise<string> {
    await this.add([path]);
    if (this.failed.has(path)) throw this.failed.get(path);
    const f = this.files.get(path)!;
    const worker = this.start();
    const id = this.next++;
    const done = new Promise<string>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    const msg: ToWorker = { kind: "write", id, path, data, ...opts };
    this.exchanges.set(f.target, 0);
    worker.postMessage(msg);
    let target: string;
    try {
      target = await done;
    } catch (err) {
      this.cleanUp(f, data);
      throw err;
    }
    await finishScopedWrite(target);
    return target;
  }

  /**
   * After a failed write (the Worker reported it, died or was stopped): its temp file goes (see
   * abandonScopedWrite), so that none is left behind (a clean run sweeps none) and the next attempt
   * can create it again; a pair left swapped by a Worker that stopped in between is swapped back.
   */
  private cleanUp(f: WorkerFile, data: string | Uint8Array): void {
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
      const m = e.data;
      if (m.kind === "written" || m.kind === "failed") {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.kind === "written") p?.resolve(m.target);
        else p?.reject(rebuild(m.error));
      } else if (m.kind === "exchange") {
        // only the pair prepared here: the temp named for this very target
        let ok = false;
        try {
          ok = byTarget.get(m.target)?.tmp === m.tmp && exchangeScoped(m.tmp, m.target);
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
        worker.postMessage({ kind: "fault-reply", id: m.id, reply } satisfies ToWorker);
      } else if (m.kind === "fault-note") {
        await faultNote(m.line);
      }
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      // ended for good before its temp files are cleaned up: a stray Worker must not rename one later
      worker.terminate();
      const err = new Error(`the file writer failed: ${e.message}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      if (this.worker === worker) this.worker = null;
    };
    worker.postMessage({ kind: "init", files, faults: faultsActive() } satisfies ToWorker);
    this.worker = worker;
    return worker;
  }
}
