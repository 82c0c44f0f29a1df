/**
 * The path-scoped writer's Worker (started by src/core/io/scoped_write.ts). It writes client files
 * through the fs gateway and nothing else: its Deno permissions name the exact files it may read
 * and write (each target, symlinks resolved, and the temp file the parent named for it), with no
 * network, no programs, no FFI, no environment and no system facts. What it needs beyond that (the
 * atomic exchange, which needs FFI; the directory's fsync; fault injection in tests) is asked of the
 * parent, which checks it against the same list. A client file `backup restore` removes (its backup
 * holds it as absent) is removed here too, so that no client file is changed by the parent except
 * by the exchange.
 */
import { allowWritesUnder, type FaultReply, forwardFaults, removeScoped, writeFileAtomic } from "./fs.ts";
import { NexusError } from "../model/errors.ts";

/** One client file this Worker may write or remove (computed by the parent). */
export interface WorkerFile {
  path: string;
  target: string;
  /** The temp file named for a write; null for a file this Worker may only remove. */
  tmp: string | null;
  newOwner: { uid: number; gid: number } | null;
  keepOwner: boolean;
}

export type ToWorker =
  | { kind: "init"; files: WorkerFile[]; faults: boolean }
  | {
    kind: "write";
    id: number;
    path: string;
    data: string | Uint8Array;
    mode?: number;
    expect?: string | null;
  }
  | { kind: "remove"; id: number; path: string }
  | { kind: "exchanged"; id: number; ok: boolean }
  | { kind: "fault-reply"; id: number; reply: FaultReply };

export type FromWorker =
  | { kind: "written"; id: number; target: string }
  | { kind: "removed"; id: number; existed: boolean }
  | { kind: "failed"; id: number; error: SerializedError }
  | { kind: "exchange"; id: number; tmp: string; target: string }
  | { kind: "fault"; id: number; name: string }
  | { kind: "fault-note"; line: string };

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  exitCode?: number;
  hint?: string;
  details?: Record<string, unknown>;
}

// deno-lint-ignore no-explicit-any
const scope = self as any as {
  postMessage(m: FromWorker): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
};

const files = new Map<string, WorkerFile>();
const waiting = new Map<number, (v: unknown) => void>();
let next = 1;

function ask<T>(msg: (id: number) => FromWorker): Promise<T> {
  const id = -(next++); // negative ids: asked by the Worker
  return new Promise<T>((resolve) => {
    waiting.set(id, resolve as (v: unknown) => void);
    scope.postMessage(msg(id));
  });
}

function serialize(err: unknown): SerializedError {
  if (err instanceof NexusError) {
    return {
      name: err.name,
      message: err.message,
      code: err.code,
      exitCode: err.exitCode,
      hint: err.hint,
      details: err.details,
    };
  }
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: "Error", message: String(err) };
}

async function write(m: Extract<ToWorker, { kind: "write" }>): Promise<void> {
  try {
    const f = files.get(m.path);
    if (!f || f.tmp === null) {
      throw new Deno.errors.NotCapable(`${m.path} is not a file this writer was given`);
    }
    const tmp = f.tmp;
    const target = await writeFileAtomic(m.path, m.data, {
      ...(m.mode !== undefined ? { mode: m.mode } : {}),
      ...(m.expect !== undefined ? { expect: m.expect } : {}),
      scoped: {
        target: f.target,
        tmp,
        newOwner: f.newOwner,
        keepOwner: f.keepOwner,
        exchange: (tmp, target) => ask<boolean>((id) => ({ kind: "exchange", id, tmp, target })),
      },
    });
    scope.postMessage({ kind: "written", id: m.id, target });
  } catch (err) {
    scope.postMessage({ kind: "failed", id: m.id, error: serialize(err) });
  }
}

async function remove(m: Extract<ToWorker, { kind: "remove" }>): Promise<void> {
  try {
    const f = files.get(m.path);
    if (!f) throw new Deno.errors.NotCapable(`${m.path} is not a file this writer was given`);
    scope.postMessage({ kind: "removed", id: m.id, existed: await removeScoped(m.path, f.target) });
  } catch (err) {
    scope.postMessage({ kind: "failed", id: m.id, error: serialize(err) });
  }
}

scope.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.kind === "init") {
    for (const f of m.files) files.set(f.path, f);
    // the gateway's own check, on top of Deno's: only these paths
    allowWritesUnder(...m.files.map((f) => f.path));
    if (m.faults) {
      forwardFaults({
        point: (name) => ask<FaultReply>((id) => ({ kind: "fault", id, name })),
        note: (line) => scope.postMessage({ kind: "fault-note", line }),
      });
    }
  } else if (m.kind === "write") {
    void write(m);
  } else if (m.kind === "remove") {
    void remove(m);
  } else if (m.kind === "exchanged") {
    waiting.get(m.id)?.(m.ok);
    waiting.delete(m.id);
  } else if (m.kind === "fault-reply") {
    waiting.get(m.id)?.(m.reply);
    waiting.delete(m.id);
  }
};
