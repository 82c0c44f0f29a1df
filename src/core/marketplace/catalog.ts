/**
 * What the commands ask of the marketplaces: a merged search over PulseMCP and the MCP Registry (each
 * source's failure reported on its own, so one slow or throttled source does not hide the other), and
 * finding one server by the name `search` printed.
 */
import { ExitCode, NexusError, toNexusError, usageError } from "../model/errors.ts";
import { type CacheState, type FetchMeta, type FetchOptions, MarketCache } from "./cache.ts";
import { mergeResults } from "./merge.ts";
import { getRegistryServer, publisherServers, searchRegistry } from "./official.ts";
import { matchesAll, queryWords, rankResults } from "./rank.ts";
import { findPulse, searchPulse } from "./pulsemcp.ts";
import type { MarketServer, SourceId } from "./types.ts";

/** `--source`. */
export type SourceChoice = SourceId | "all";

export interface SearchOptions {
  query: string;
  source: SourceChoice;
  /** Results per source per page (1–100). */
  limit: number;
  /** 1-based. */
  page: number;
  /** Only servers with a hosted endpoint. */
  remoteOnly?: boolean;
  refresh?: boolean;
  cache?: MarketCache;
}

/** How one source answered. */
export interface SourceReport {
  source: SourceId;
  /** Results it gave on this page (before merging and filtering). */
  count: number;
  total?: number;
  hasMore: boolean;
  cache?: CacheState;
  fetchedAt?: string;
  /** Set when cached results stood in for a failed request. */
  stale?: { code: string; message: string };
  /** Entries with an unexpected shape, left out. */
  skipped: string[];
  /** Set when the source failed and nothing cached could stand in. */
  error?: { code: string; message: string; hint?: string };
}

export interface SearchResult {
  query: string;
  page: number;
  limit: number;
  results: MarketServer[];
  sources: SourceReport[];
  /** Whether `--page page+1` would find more. */
  hasMore: boolean;
}

function report(
  source: SourceId,
  meta: FetchMeta,
  rest: Omit<SourceReport, "source" | "skipped"> & {
    skipped: string[];
  },
): SourceReport {
  return {
    source,
    ...rest,
    cache: meta.cache,
    fetchedAt: new Date(meta.fetchedAt).toISOString(),
    ...(meta.staleBecause ? { stale: meta.staleBecause } : {}),
  };
}

/** Searches the chosen sources concurrently and merges what they found. */
export async function searchMarketplace(opts: SearchOptions): Promise<SearchResult> {
  const fo = {
    cache: opts.cache ?? new MarketCache(),
    refresh: opts.refresh,
    limit: opts.limit,
    page: opts.page,
  };
  const want = (s: SourceId) => opts.source === "all" || opts.source === s;
  // the registry matches one substring of the name: send it the longest word, then keep the
  // servers where every word is found in the name, title or description
  const words = queryWords(opts.query);
  const regQuery = words.length > 1 ? [...words].sort((a, b) => b.length - a.length)[0] : opts.query;
  const [pulse, registry] = await Promise.allSettled([
    want("pulsemcp") ? searchPulse(opts.query, fo) : Promise.resolve(null),
    want("registry")
      ? searchRegistry(regQuery, fo).then(async (r) => {
        if (words.length > 1) r.servers = r.servers.filter((s) => matchesAll(s, words));
        // page 1 of a one-word search with more pages: the publisher's own servers, which the
        // registry's alphabetical order may put pages away (`github` → io.github.github/…)
        if (opts.page === 1 && r.hasMore && words.length === 1 && /^[a-z0-9-]{2,40}$/.test(words[0])) {
          const own = await publisherServers(words[0], fo).catch(() => []);
          const have = new Set(r.servers.map((s) => s.name));
          r.servers = [...own.filter((s) => !have.has(s.name)), ...r.servers];
        }
        return r;
      })
      : Promise.resolve(null),
  ]);
  const reports: SourceReport[] = [];
  const failures: NexusError[] = [];
  const take = <T extends { servers: MarketServer[]; hasMore: boolean; meta: FetchMeta; skipped: string[] }>(
    source: SourceId,
    r: PromiseSettledResult<(T & { total?: number }) | null>,
  ): MarketServer[] => {
    if (r.status === "rejected") {
      const e = toNexusError(r.reason);
      failures.push(e);
      reports.push({
        source,
        count: 0,
        hasMore: false,
        skipped: [],
        error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) },
      });
      return [];
    }
    if (!r.value) return [];
    const v = r.value;
    reports.push(report(source, v.meta, {
      count: v.servers.length,
      ...(v.total !== undefined ? { total: v.total } : {}),
      hasMore: v.hasMore,
      skipped: v.skipped,
    }));
    return v.servers;
  };
  const fromPulse = take("pulsemcp", pulse);
  const fromRegistry = take("registry", registry);
  if (reports.length && reports.every((r) => r.error)) throw failures[0];
  let results = rankResults(opts.query, mergeResults(fromPulse, fromRegistry));
  if (opts.remoteOnly) results = results.filter((s) => s.remotes.length > 0);
  return {
    query: opts.query,
    page: opts.page,
    limit: opts.limit,
    results,
    sources: reports,
    hasMore: reports.some((r) => r.hasMore),
  };
}

/**
 * Finds one server by the name `search` shows: an MCP Registry name (`io.github.user/weather`,
 * or `registry:NAME`), else a PulseMCP slug (`pulsemcp:SLUG` to be explicit); a bare word that
 * PulseMCP does not know may still match exactly one Registry name ending in `/word`.
 */
export async function findServer(
  name: string,
  opts: FetchOptions & { version?: string },
): Promise<{ server: MarketServer; meta: FetchMeta }> {
  const m = /^(registry|pulsemcp):(.+)$/.exec(name);
  const source = m?.[1] ?? (name.includes("/") ? "registry" : undefined);
  const bare = m?.[2] ?? name;
  if (!bare.trim() || bare.length > 200) {
    throw usageError("E_USAGE", "Give the server's name as `mcp-nexus search` shows it.");
  }
  if (source === "registry") return await getRegistryServer(bare, opts);

  let pulseError: unknown;
  try {
    const hit = await findPulse(bare, opts);
    if (hit && opts.version) {
      // PulseMCP lists no versions: the same server on the MCP Registry may
      const reg = hit.server.sources.includes("registry") ? hit.server.name : undefined;
      if (reg) return await getRegistryServer(reg, opts);
      throw usageError("E_NO_VERSIONS", `PulseMCP lists no versions of '${bare}'.`, {
        hint:
          `Install the latest with: mcp-nexus install ${bare}   (--version works with MCP Registry names)`,
      });
    }
    if (hit) return hit;
  } catch (err) {
    pulseError = err;
  }
  if (source !== "pulsemcp") {
    const r = await searchRegistry(bare, { ...opts, limit: 30, page: 1 }).catch((err) => {
      pulseError ??= err;
      return null;
    });
    const hits = (r?.servers ?? []).filter((s) => s.name.toLowerCase().endsWith(`/${bare.toLowerCase()}`));
    if (hits.length === 1) {
      return opts.version ? await getRegistryServer(hits[0].name, opts) : { server: hits[0], meta: r!.meta };
    }
    if (hits.length > 1) {
      throw usageError("E_AMBIGUOUS", `'${bare}' matches several servers in the MCP Registry.`, {
        hint: `Use the full name: ${hits.map((h) => h.name).join(", ")}.`,
        details: { matches: hits.map((h) => h.name) },
      });
    }
  }
  if (pulseError) throw pulseError;
  throw new NexusError("E_MARKET_NOT_FOUND", `No marketplace server named '${bare}'.`, {
    exitCode: ExitCode.NOT_FOUND,
    hint: `Look for it with: mcp-nexus search ${bare}   (then use the NAME column)`,
    details: { server: bare },
  });
}
