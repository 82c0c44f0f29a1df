/**
 * The marketplace's persistent cache (a CLI forgets everything between runs). One JSON file per
 * request URL under `<nexus home>/cache/marketplace/`, 0600 in a 0700 dir, written through the fs
 * gateway. An entry is fresh for 5 minutes (`MCP_NEXUS_CACHE_TTL_SECONDS`), then stale; a stale entry
 * stands in when the upstream throttles (429, honouring Retry-After across runs), is gone (410),
 * fails (5xx), times out, is unreachable or answers garbage. `refresh` skips fresh entries. Entries
 * older than a week are pruned. Only public API answers are cached: never a secret.
 */
import { join } from "../io/path.ts";
import type { z } from "zod";
import { allowWritesUnder, readTextIfExists, removeFile, writeFileAtomic } from "../io/fs.ts";
import { env, nexusHome } from "../io/paths.ts";
import { type Endpoint, FetchError, getJson } from "./http.ts";

/** @default 5 minutes */
export const DEFAULT_TTL_MS = 5 * 60_000;
/** Stale entries are kept this long as a fallback. */
export const KEEP_MS = 7 * 24 * 3600_000;

/** One cached answer. */
export interface CacheEntry {
  /** The request URL (base URLs never carry credentials: http.ts refuses them). */
  url: string;
  /** Which API answered (Endpoint.label). */
  source: string;
  /** Epoch milliseconds. */
  fetchedAt: number;
  data: unknown;
}

async function sha256(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("").slice(0, 40);
}

/** The on-disk cache. */
export class MarketCache {
  readonly dir: string;
  readonly ttlMs: number;

  constructor(dir = join(nexusHome(), "cache", "marketplace"), ttlMs = ttlFromEnv()) {
    this.dir = dir;
    this.ttlMs = ttlMs;
    allowWritesUnder(dir);
  }

  private async file(prefix: string, key: string): Promise<string> {
    return join(this.dir, `${prefix}-${await sha256(key)}.json`);
  }

  private async readJson(path: string): Promise<Record<string, unknown> | null> {
    try {
      const text = await readTextIfExists(path);
      const j = text === null ? null : JSON.parse(text);
      return j && typeof j === "object" ? j : null;
    } catch {
      return null; // a torn or foreign file is a miss, never a crash
    }
  }

  /** The entry for a URL, or null. */
  async get(url: string): Promise<CacheEntry | null> {
    const j = await this.readJson(await this.file("get", url));
    if (!j || j.url !== url || typeof j.fetchedAt !== "number" || !("data" in j)) return null;
    return j as unknown as CacheEntry;
  }

  /** Stores an answer (best effort: a read-only home must not fail a search). */
  async put(url: string, source: string, data: unknown, now = Date.now()): Promise<void> {
    const entry: CacheEntry = { url, source, fetchedAt: now, data };
    try {
      await writeFileAtomic(await this.file("get", url), JSON.stringify(entry), {
        mode: 0o600,
        privateDir: true,
      });
      await this.prune(now);
    } catch {
      // caching is an optimisation
    }
  }

  /** Every entry from one source (for finding a server seen in an earlier search). */
  async *entries(source: string): AsyncGenerator<CacheEntry> {
    let names: string[] = [];
    try {
      for await (const e of Deno.readDir(this.dir)) {
        if (e.isFile && e.name.startsWith("get-")) names.push(e.name);
      }
    } catch {
      return;
    }
    names = names.sort();
    for (const n of names) {
      const j = await this.readJson(join(this.dir, n));
      if (j && j.source === source && "data" in j) yield j as unknown as CacheEntry;
    }
  }

  /** Until when (epoch ms) a host asked us to wait (Retry-After); 0 if it did not. */
  async backoffUntil(origin: string): Promise<number> {
    const j = await this.readJson(await this.file("backoff", origin));
    return j && j.origin === origin && typeof j.until === "number" ? j.until : 0;
  }

  async setBackoff(origin: string, until: number): Promise<void> {
    try {
      await writeFileAtomic(await this.file("backoff", origin), JSON.stringify({ origin, until }), {
        mode: 0o600,
        privateDir: true,
      });
    } catch {
      // best effort
    }
  }

  private async prune(now: number): Promise<void> {
    for await (const e of Deno.readDir(this.dir)) {
      if (!e.isFile || !e.name.endsWith(".json")) continue;
      const path = join(this.dir, e.name);
      const st = await Deno.stat(path).catch(() => null);
      if (st?.mtime && now - st.mtime.getTime() > KEEP_MS) await removeFile(path).catch(() => {});
    }
  }
}

function ttlFromEnv(): number {
  const raw = env("MCP_NEXUS_CACHE_TTL_SECONDS");
  const v = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(v) && v >= 0 ? v * 1000 : DEFAULT_TTL_MS;
}

/** How an answer was obtained. */
export type CacheState = "hit" | "miss" | "stale";

/** An answer, where it came from, and (when stale) why the network could not be used. */
export interface Fetched<T> {
  data: T;
  cache: CacheState;
  fetchedAt: number;
  /** Why a stale copy was used: the failure's code and message. */
  staleBecause?: { code: string; message: string };
}

export interface FetchOptions {
  cache: MarketCache;
  /** Skip a fresh cache entry (still honours Retry-After, still falls back to a stale one). */
  refresh?: boolean;
  now?: number;
}

/** Checks an answer's shape; a changed upstream gives a FetchError naming the field, not a crash. */
function checkShape<T>(ep: Endpoint, url: URL, schema: z.ZodType<T>, raw: unknown): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 3).map((i) =>
    `at ${i.path.map(String).join(".") || "(top level)"}: ${i.message}`
  );
  throw new FetchError(
    "shape",
    "E_UPSTREAM_SHAPE",
    `${ep.label}'s answer to GET ${url.href} does not have the expected shape (${issues.join("; ")}).`,
    {
      details: { url: url.href, host: url.host, issues },
      hint: "The API may have changed; check for a newer mcp-nexus, or try again later.",
    },
  );
}

/**
 * GET with the cache: a fresh entry answers without a request; otherwise the network, and on a
 * failure a stale entry (if any) with the reason. Honours a Retry-After recorded by an earlier run.
 */
export async function fetchCached<T>(
  ep: Endpoint,
  url: URL,
  schema: z.ZodType<T>,
  opts: FetchOptions,
): Promise<Fetched<T>> {
  const now = opts.now ?? Date.now();
  const { cache } = opts;
  const entry = await cache.get(url.href);
  const cached = entry ? schema.safeParse(entry.data) : null;
  if (entry && cached?.success && !opts.refresh && now - entry.fetchedAt < cache.ttlMs) {
    return { data: cached.data, cache: "hit", fetchedAt: entry.fetchedAt };
  }
  try {
    const until = await cache.backoffUntil(url.origin);
    if (until > now) {
      throw new FetchError(
        "status",
        "E_RATE_LIMITED",
        `${ep.label} (${url.host}) asked mcp-nexus to wait until ${
          new Date(until).toLocaleTimeString()
        } (Retry-After); no request was made.`,
        {
          status: 429,
          details: { url: url.href, host: url.host, until: new Date(until).toISOString() },
          hint: `Try again in ${Math.ceil((until - now) / 1000)} s.`,
        },
      );
    }
    const data = checkShape(ep, url, schema, await getJson(ep, url));
    await cache.put(url.href, ep.label, data, now);
    return { data, cache: "miss", fetchedAt: now };
  } catch (err) {
    if (err instanceof FetchError && err.retryAfterMs !== undefined && err.retryAfterMs > 0) {
      await cache.setBackoff(url.origin, now + err.retryAfterMs);
    }
    if (err instanceof FetchError && err.staleOk && entry && cached?.success) {
      return {
        data: cached.data,
        cache: "stale",
        fetchedAt: entry.fetchedAt,
        staleBecause: { code: err.code, message: err.message },
      };
    }
    throw err;
  }
}

/** "3 min ago", "2 h ago", "5 days ago". */
export function age(fetchedAt: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - fetchedAt) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}

/** Where a set of answers came from, summarised: stale if any was, else miss if any was fetched. */
export type FetchMeta = Omit<Fetched<unknown>, "data">;

/** Summarises several fetches (e.g. the pages walked to reach `--page N`). */
export function combineMeta(all: FetchMeta[]): FetchMeta {
  const stale = all.find((f) => f.cache === "stale");
  return {
    cache: stale ? "stale" : all.some((f) => f.cache === "miss") ? "miss" : "hit",
    fetchedAt: Math.min(...all.map((f) => f.fetchedAt)),
    ...(stale?.staleBecause ? { staleBecause: stale.staleBecause } : {}),
  };
}
