/**
 * PulseMCP's public directory (`api.pulsemcp.com/v0beta`, no auth; a versioned User-Agent is needed).
 * Search: `GET /servers?query=&count_per_page=&offset=`. There is no per-server endpoint: a server is
 * found by its slug (the last segment of its `url`, `https://www.pulsemcp.com/servers/<slug>`) in
 * earlier cached pages, or by searching for it. PulseMCP lists one package and the remotes, but no
 * environment variables or headers.
 */
import { z } from "zod";
import { combineMeta, fetchCached, type FetchMeta, type FetchOptions } from "./cache.ts";
import { endpointUrl, PULSEMCP } from "./http.ts";
import { cleanText, type MarketServer } from "./types.ts";

const PulseRemote = z.object({
  url_direct: z.string().nullish(),
  url_setup: z.string().nullish(),
  transport: z.string().nullish(),
  authentication_method: z.string().nullish(),
  cost: z.string().nullish(),
});

/** One PulseMCP server (fields as documented at pulsemcp.com/api). */
export const PulseServer = z.object({
  name: z.string().min(1),
  url: z.string().nullish(),
  external_url: z.string().nullish(),
  short_description: z.string().nullish(),
  source_code_url: z.string().nullish(),
  github_stars: z.number().nullish(),
  package_registry: z.string().nullish(),
  package_name: z.string().nullish(),
  package_download_count: z.number().nullish(),
  EXPERIMENTAL_ai_generated_description: z.string().nullish(),
  remotes: z.array(PulseRemote).nullish(),
});

/** The page envelope (each server is checked on its own). */
export const PulsePage = z.object({
  servers: z.array(z.unknown()),
  total_count: z.number().nullish(),
  next: z.string().nullish(),
});

/** PulseMCP's package_registry → server.json registryType. */
const REGISTRY_TYPE: Record<string, string> = { docker: "oci", oci: "oci", npm: "npm", pypi: "pypi" };

/** The stable id of a PulseMCP server: its directory page's slug. */
export function slugOf(s: { name: string; url?: string | null }): string {
  const m = /\/servers\/([^/?#]+)\/?$/.exec(s.url ?? "");
  let raw = s.name;
  if (m) {
    try {
      raw = decodeURIComponent(m[1]);
    } catch {
      raw = m[1];
    }
  }
  return raw.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[^a-z0-9]+|-+$/g, "").slice(0, 100) ||
    "server";
}

/** Translates one validated PulseMCP server into a MarketServer. */
export function fromPulse(s: z.infer<typeof PulseServer>): MarketServer {
  const reg = s.package_registry ? REGISTRY_TYPE[s.package_registry.toLowerCase()] ?? s.package_registry : "";
  return {
    name: slugOf(s),
    title: cleanText(s.name, 200),
    description: cleanText(s.short_description ?? s.EXPERIMENTAL_ai_generated_description),
    sources: ["pulsemcp"],
    ...(s.source_code_url ? { repository: s.source_code_url } : {}),
    ...(s.external_url ? { website: s.external_url } : {}),
    ...(s.url ? { pulsemcpUrl: s.url } : {}),
    ...(typeof s.github_stars === "number" ? { stars: s.github_stars } : {}),
    ...(typeof s.package_download_count === "number" ? { downloads: s.package_download_count } : {}),
    packages: reg && s.package_name
      ? [{
        registryType: reg,
        identifier: s.package_name,
        transport: "stdio",
        runtimeArguments: [],
        packageArguments: [],
        environmentVariables: [],
      }]
      : [],
    remotes: (s.remotes ?? []).filter((r) => r.url_direct).map((r) => ({
      type: r.transport === "sse" ? "sse" : "streamable-http",
      url: r.url_direct!,
      headers: [],
      variables: {},
      ...(r.authentication_method ? { auth: r.authentication_method } : {}),
    })),
    inputsUnknown: true,
  };
}

/** Parses a page's servers; odd entries are skipped and described. */
function parseServers(raw: unknown[]): { servers: MarketServer[]; skipped: string[] } {
  const servers: MarketServer[] = [];
  const skipped: string[] = [];
  raw.forEach((item, i) => {
    const r = PulseServer.safeParse(item);
    if (r.success) servers.push(fromPulse(r.data));
    else {
      const issue = r.error.issues[0];
      skipped.push(`servers[${i}].${issue.path.map(String).join(".")}: ${issue.message}`);
    }
  });
  return { servers, skipped };
}

/** One page of PulseMCP results. */
export interface PulsePageResult {
  servers: MarketServer[];
  total?: number;
  hasMore: boolean;
  meta: FetchMeta;
  skipped: string[];
}

/** Searches PulseMCP. Page N is `offset = (N-1) × limit`. */
export async function searchPulse(
  query: string,
  opts: FetchOptions & { limit: number; page: number },
): Promise<PulsePageResult> {
  const offset = (opts.page - 1) * opts.limit;
  const url = endpointUrl(PULSEMCP, "/servers", { query, count_per_page: opts.limit, offset });
  const { data, ...meta } = await fetchCached(PULSEMCP, url, PulsePage, opts);
  const { servers, skipped } = parseServers(data.servers);
  const total = data.total_count ?? undefined;
  const hasMore = !!data.next || (total !== undefined && offset + data.servers.length < total);
  return { servers, ...(total !== undefined ? { total } : {}), hasMore, meta, skipped };
}

/**
 * Finds one PulseMCP server by slug (or, if unique, by display name): first in pages cached by
 * earlier searches (unless `refresh`), then by searching PulseMCP for it. Null if not found.
 */
export async function findPulse(
  name: string,
  opts: FetchOptions,
): Promise<{ server: MarketServer; meta: FetchMeta } | null> {
  const want = name.toLowerCase();
  const pick = (list: MarketServer[]) => {
    const bySlug = list.find((s) => s.name === want);
    if (bySlug) return bySlug;
    const byTitle = list.filter((s) => s.title?.toLowerCase() === want);
    return byTitle.length === 1 ? byTitle[0] : undefined;
  };
  if (!opts.refresh) {
    for await (const e of opts.cache.entries(PULSEMCP.label)) {
      const page = PulsePage.safeParse(e.data);
      const hit = page.success ? pick(parseServers(page.data.servers).servers) : undefined;
      if (hit) return { server: hit, meta: { cache: "hit", fetchedAt: e.fetchedAt } };
    }
  }
  const metas: FetchMeta[] = [];
  // the slug usually ends with the name PulseMCP indexes ("0580iris-lang-x711" → "x711")
  const queries = [...new Set([name, name.split("-").pop()!])];
  for (const q of queries) {
    const r = await searchPulse(q, { ...opts, limit: 50, page: 1 });
    metas.push(r.meta);
    const hit = pick(r.servers);
    if (hit) return { server: hit, meta: combineMeta(metas) };
  }
  return null;
}
