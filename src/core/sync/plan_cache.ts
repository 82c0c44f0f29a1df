/**
 * The plan cache: a no-op sync does not parse every client file again.
 *
 * A plan depends only on its inputs: the client file's text, the ledger's entries for that file, the
 * registry, the sync options, the adapter, the launcher command and the code doing the planning. When
 * planning a file finds nothing to do (no change, no ledger update, no drift or conflict), the cache
 * keeps a SHA-256 over all of those inputs with what the plan reported (its skipped entries and
 * notes); a dry run reads the cache but writes none. The next sync
 * reads the file as before and computes the same key; only if every input is identical does it take
 * the recorded result instead of parsing the file and rendering every server for it.
 *
 * Safety: the key is computed from what is read now (the file's full text is always read and hashed;
 * no size/mtime shortcut), so a file its user changed (drift) or a registry, ledger or code change can
 * never match an old record: it is planned from scratch exactly as before. The cache file lives in our
 * home and is untrusted input: it is checked field by field (anything unexpected, and the whole cache
 * is ignored), it never chooses a path (records are looked up by the path we computed), its texts may
 * hold no control characters, and it is written last, best-effort: a missing, stale, damaged or
 * unwritable cache only costs the time of a full plan. Only built-in adapters are cached (a plugin's
 * code is not part of the key), and never `--secrets inline` (the values come from the keychain).
 */
import { dirname, fromFileUrl, join } from "../io/path.ts";
import type { LedgerEntry } from "../io/ledger.ts";
import { nexusHome } from "../io/paths.ts";
import { allowWritesUnder, readTextIfExists, writeFileAtomic } from "../io/fs.ts";
import { runningFromSource, selfCommand } from "../launch/launcher_command.ts";
import { VERSION } from "../../version.ts";
import type { ClientAdapter } from "./clients.ts";
import type { RegistryData } from "../model/registry.ts";
import type { Skipped } from "./sync.ts";

/** Bump when planning changes in a way the inputs below do not show. */
const FORMAT = 1;
const MAX_RECORDS = 512;
const MAX_TEXT = 4096;
const HEX64 = /^[0-9a-f]{64}$/;
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
const KINDS = new Set(["drift", "conflict", "unsupported", "secret"]);

export interface CachedPlan {
  skipped: Skipped[];
  notes: string[];
}

interface Record_ extends CachedPlan {
  key: string;
}

export function planCachePath(): string {
  return join(nexusHome(), "state", "plan-cache.json");
}

/** SHA-256 (hex) of the parts, each length-prefixed; WebCrypto (node:crypto would cost ~20 ms to load). */
async function sha256(...parts: string[]): Promise<string> {
  const bytes = new TextEncoder().encode(parts.map((p) => `${p.length}:${p}`).join(""));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

function text(v: unknown): v is string {
  return typeof v === "string" && v.length <= MAX_TEXT && !CONTROL.test(v);
}

function onlyKeys(o: object, keys: string[]): boolean {
  return Object.keys(o).every((k) => keys.includes(k));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The records of a cache file, or an empty map if anything in it is not as we write it. */
export function parseCache(raw: string | null): Map<string, Record_> {
  const out = new Map<string, Record_>();
  if (raw === null) return out;
  try {
    const data = JSON.parse(raw) as unknown;
    if (
      !isObject(data) || data.version !== FORMAT || !isObject(data.files) ||
      !onlyKeys(data, ["version", "files"])
    ) {
      return new Map();
    }
    const entries = Object.entries(data.files);
    if (entries.length > MAX_RECORDS) return new Map();
    for (const [path, r] of entries) {
      if (!text(path) || !isObject(r) || !onlyKeys(r, ["key", "skipped", "notes"])) return new Map();
      if (typeof r.key !== "string" || !HEX64.test(r.key)) return new Map();
      if (!Array.isArray(r.notes) || !r.notes.every(text)) return new Map();
      if (!Array.isArray(r.skipped)) return new Map();
      const skipped: Skipped[] = [];
      for (const s of r.skipped) {
        if (
          !isObject(s) || !onlyKeys(s, ["server", "kind", "reason", "cause"]) || !text(s.server) ||
          !KINDS.has(s.kind as string) || !text(s.reason) || (s.cause !== undefined && !text(s.cause))
        ) {
          return new Map();
        }
        skipped.push({
          server: s.server,
          kind: s.kind as Skipped["kind"],
          reason: s.reason,
          ...(s.cause !== undefined ? { cause: s.cause as string } : {}),
        });
      }
      out.set(path, { key: r.key, skipped, notes: [...r.notes] });
    }
  } catch {
    return new Map();
  }
  return out;
}

/**
 * What the planning code is: this program's version, the launcher command written into entries, the
 * runtime, and when running from source the planning modules and the lock file (their size and mtime):
 * an edited module or an upgraded library plans afresh.
 */
function codeIdentity(): Promise<string> {
  const parts = [VERSION, selfCommand().join("\0"), Deno.version.deno];
  const stamp = (p: string) => {
    try {
      const s = Deno.statSync(p);
      parts.push(`${p}:${s.size}:${s.mtime?.getTime()}`);
    } catch {
      parts.push(`${p}:-`);
    }
  };
  stamp(Deno.execPath());
  if (runningFromSource()) { for (const p of sourceFiles()) stamp(p); }
  return sha256(...parts);
}

/**
 * Running from source: every module planning may load (all of src/core, its rooms included, and the
 * built-in clients, at any depth), src/version.ts, deno.json and deno.lock, in a stable order.
 */
export function sourceFiles(): string[] {
  const root = new URL("../../../", import.meta.url);
  const out: string[] = [];
  const walk = (d: URL) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(d)].sort((a, b) => a.name < b.name ? -1 : 1);
    } catch {
      out.push(`${fromFileUrl(d)}:-`);
      return;
    }
    for (const e of entries) {
      if (e.isFile) out.push(fromFileUrl(new URL(e.name, d)));
      else if (e.isDirectory) walk(new URL(e.name + "/", d));
    }
  };
  for (const dir of ["src/core/", "src/plugins/clients/"]) walk(new URL(dir, root));
  for (const f of ["src/version.ts", "deno.json", "deno.lock"]) out.push(fromFileUrl(new URL(f, root)));
  return out;
}

export class PlanCache {
  #records: Map<string, Record_>;
  #base: string;
  #cacheable: (adapter: ClientAdapter) => boolean;
  #dirty = false;
  #seen = new Set<string>();

  private constructor(records: Map<string, Record_>, base: string, cacheable: (a: ClientAdapter) => boolean) {
    this.#records = records;
    this.#base = base;
    this.#cacheable = cacheable;
  }

  /**
   * Opens the cache for one sync: `registry` and the options are what every plan of it depends on;
   * `cacheable` says which adapters' plans may be kept (built-ins only).
   */
  static async open(
    registry: RegistryData,
    opts: { secrets: string; force: boolean; scope?: string },
    cacheable: (adapter: ClientAdapter) => boolean,
  ): Promise<PlanCache> {
    let raw: string | null = null;
    try {
      raw = await readTextIfExists(planCachePath());
    } catch {
      // unreadable: planned in full
    }
    const base = await sha256(
      String(FORMAT),
      await codeIdentity(),
      JSON.stringify(registry),
      JSON.stringify([opts.secrets, opts.force, opts.scope ?? "user"]),
    );
    return new PlanCache(parseCache(raw), base, cacheable);
  }

  /** The key of a file's plan from its inputs, or undefined if this plan is not to be cached. */
  async keyFor(
    adapter: ClientAdapter,
    path: string,
    fileText: string,
    owned: Record<string, LedgerEntry> | undefined,
  ): Promise<string | undefined> {
    if (!this.#cacheable(adapter)) return undefined;
    this.#seen.add(path);
    // plain JSON, not canonical: the same entries in another order only cost a miss
    return await sha256(this.#base, adapter.id, adapter.format, path, JSON.stringify(owned ?? {}), fileText);
  }

  /** The recorded result for `path` if it was made from exactly these inputs. */
  get(path: string, key: string): CachedPlan | undefined {
    const r = this.#records.get(path);
    if (!r || r.key !== key) return undefined;
    return { skipped: r.skipped.map((s) => ({ ...s })), notes: [...r.notes] };
  }

  /** Records a plan that found nothing to do (texts with control characters are not kept). */
  put(path: string, key: string, plan: CachedPlan): void {
    if (
      !text(path) ||
      ![...plan.notes, ...plan.skipped.flatMap((s) => [s.server, s.reason, s.cause ?? ""])].every(text)
    ) {
      return;
    }
    const was = this.#records.get(path);
    const rec = { key, skipped: plan.skipped.map((s) => ({ ...s })), notes: [...plan.notes] };
    if (was && JSON.stringify(was) === JSON.stringify(rec)) return;
    this.#records.set(path, rec);
    this.#dirty = true;
  }

  /** A file whose plan is not cacheable now: its old record goes. */
  forget(path: string): void {
    if (this.#records.delete(path)) this.#dirty = true;
  }

  /** Writes the cache if it changed; never fails the sync (a cache that cannot be written costs time only). */
  async save(): Promise<void> {
    if (!this.#dirty) return;
    // the files of this run first, then older ones, up to the limit
    const paths = [...this.#seen].filter((p) => this.#records.has(p));
    for (const p of this.#records.keys()) if (!this.#seen.has(p)) paths.push(p);
    const files: Record<string, Record_> = Object.create(null);
    for (const p of paths.slice(0, MAX_RECORDS)) files[p] = this.#records.get(p)!;
    try {
      const path = planCachePath();
      allowWritesUnder(dirname(path));
      await writeFileAtomic(path, JSON.stringify({ version: FORMAT, files }) + "\n", {
        mode: 0o600,
        privateDir: true,
      });
      this.#dirty = false;
    } catch {
      // best-effort
    }
  }
}
