/**
 * The official MCP Registry (`registry.modelcontextprotocol.io`, API `/v0.1`, camelCase server.json).
 * List: `GET /v0.1/servers?search=&limit=&cursor=&version=latest`, keeping only `active` servers.
 * One server: `GET /v0.1/servers/{url-encoded name}/versions/latest`. Answers are checked with zod:
 * the envelope strictly (a changed API is a clear error), each server leniently (one odd entry is
 * skipped and reported, the rest still shown).
 */
import { z } from "zod";
import { ExitCode, NexusError } from "../model/errors.ts";
import { combineMeta, fetchCached, type FetchMeta, type FetchOptions } from "./cache.ts";
import { endpointUrl, FetchError, REGISTRY } from "./http.ts";
import { cleanText, type MarketInput, type MarketServer } from "./types.ts";

const Scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const inputFields = {
  description: z.string().nullish(),
  isRequired: z.boolean().nullish(),
  isSecret: z.boolean().nullish(),
  format: z.string().nullish(),
  value: Scalar.nullish(),
  default: Scalar.nullish(),
  placeholder: z.string().nullish(),
  choices: z.array(Scalar).nullish(),
};
const Input = z.object(inputFields);
const withVariables = { ...inputFields, variables: z.record(z.string(), Input).nullish() };
// lenient per field: an empty or odd name is kept here and judged per field at install (install.ts)
const KeyValue = z.object({ ...withVariables, name: z.string() });
const Argument = z.object({
  ...withVariables,
  type: z.string(),
  name: z.string().nullish(),
  valueHint: z.string().nullish(),
  isRepeated: z.boolean().nullish(),
});
const Package = z.object({
  registryType: z.string().min(1),
  identifier: z.string().min(1),
  version: z.string().nullish(),
  registryBaseUrl: z.string().nullish(),
  runtimeHint: z.string().nullish(),
  transport: z.object({ type: z.string() }).passthrough().nullish(),
  runtimeArguments: z.array(Argument).nullish(),
  packageArguments: z.array(Argument).nullish(),
  environmentVariables: z.array(KeyValue).nullish(),
});
const Remote = z.object({
  type: z.string().min(1),
  url: z.string().min(1),
  headers: z.array(KeyValue).nullish(),
  variables: z.record(z.string(), Input).nullish(),
});
const ServerDetail = z.object({
  name: z.string().min(1).max(200),
  title: z.string().nullish(),
  description: z.string().nullish(),
  version: z.string().nullish(),
  repository: z.object({ url: z.string().nullish(), subfolder: z.string().nullish() }).nullish(),
  websiteUrl: z.string().nullish(),
  icons: z.array(z.object({
    src: z.string(),
    mimeType: z.string().nullish(),
    sizes: z.array(z.string()).nullish(),
    theme: z.string().nullish(),
  })).nullish().catch(null),
  packages: z.array(Package).nullish(),
  remotes: z.array(Remote).nullish(),
});

/** One `ServerResponse`: `{server, _meta}`. */
export const ServerResponse = z.object({
  server: ServerDetail,
  _meta: z.record(z.string(), z.unknown()).nullish(),
});

/** The list envelope (each server is checked on its own). */
export const ServerList = z.object({
  servers: z.array(z.unknown()),
  metadata: z.object({ nextCursor: z.string().nullish(), count: z.number().nullish() }).nullish(),
});

const OFFICIAL_META = "io.modelcontextprotocol.registry/official";

/** Drops null and undefined fields, recursively (the API may send either for "absent"). */
function dropNulls<T>(v: T): T {
  if (Array.isArray(v)) return v.map(dropNulls) as T;
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v).filter(([, x]) => x !== null && x !== undefined).map(([k, x]) => [k, dropNulls(x)]),
    ) as T;
  }
  return v;
}

/** The repository as one URL (a monorepo's subfolder appended the way GitHub shows it). */
function repoUrl(repo: { url?: string | null; subfolder?: string | null } | null | undefined) {
  if (!repo?.url) return undefined;
  const base = repo.url.replace(/\/+$/, "").replace(/\.git$/, "");
  return repo.subfolder ? `${base}/tree/HEAD/${repo.subfolder.replace(/^\/+/, "")}` : base;
}

/** Translates one validated `ServerResponse` into a MarketServer. */
export function fromRegistry(r: z.infer<typeof ServerResponse>): MarketServer {
  const s = dropNulls(r.server);
  const meta = r._meta?.[OFFICIAL_META] as Record<string, unknown> | undefined;
  const str = (k: string) => typeof meta?.[k] === "string" ? cleanText(meta[k] as string, 300) : undefined;
  const icons = (s.icons ?? []).filter((i) => /^https:\/\//.test(i.src)).slice(0, 4).map((i) => ({
    src: i.src,
    ...(i.mimeType ? { mimeType: i.mimeType } : {}),
    ...(i.sizes ? { sizes: i.sizes } : {}),
    ...(i.theme ? { theme: i.theme } : {}),
  }));
  return {
    name: s.name,
    ...(s.title ? { title: cleanText(s.title, 200) } : {}),
    description: cleanText(s.description),
    ...(s.version ? { version: s.version } : {}),
    ...(str("status") ? { status: str("status") } : {}),
    ...(str("statusMessage") ? { statusMessage: str("statusMessage") } : {}),
    ...(str("publishedAt") ? { publishedAt: str("publishedAt") } : {}),
    ...(str("updatedAt") ? { updatedAt: str("updatedAt") } : {}),
    ...(icons.length ? { icons } : {}),
    sources: ["registry"],
    ...(repoUrl(s.repository) ? { repository: repoUrl(s.repository) } : {}),
    ...(s.websiteUrl ? { website: s.websiteUrl } : {}),
    packages: (s.packages ?? []).map((p) => ({
      registryType: p.registryType,
      identifier: p.identifier,
      ...(p.version ? { version: p.version } : {}),
      ...(p.registryBaseUrl ? { registryBaseUrl: p.registryBaseUrl } : {}),
      ...(p.runtimeHint ? { runtimeHint: p.runtimeHint } : {}),
      transport: p.transport?.type ?? "stdio",
      runtimeArguments: (p.runtimeArguments ?? []) as MarketServer["packages"][0]["runtimeArguments"],
      packageArguments: (p.packageArguments ?? []) as MarketServer["packages"][0]["packageArguments"],
      environmentVariables:
        (p.environmentVariables ?? []) as MarketServer["packages"][0]["environmentVariables"],
    })),
    remotes: (s.remotes ?? []).map((rm) => ({
      type: rm.type,
      url: rm.url,
      headers: (rm.headers ?? []) as MarketServer["remotes"][0]["headers"],
      variables: (rm.variables ?? {}) as Record<string, MarketInput>,
    })),
  };
}

/** One page of registry search results. */
export interface RegistryPage {
  servers: MarketServer[];
  hasMore: boolean;
  meta: FetchMeta;
  /** Entries left out because their shape was unexpected (what was wrong, never their data). */
  skipped: string[];
}

/**
 * Searches the registry (`search` matches the name). Page N follows the cursor from page 1; the
 * pages before it come from the cache when recently walked.
 */
export async function searchRegistry(
  query: string,
  opts: FetchOptions & { limit: number; page: number },
): Promise<RegistryPage> {
  const metas: FetchMeta[] = [];
  let cursor: string | undefined;
  for (let p = 1;; p++) {
    const url = endpointUrl(REGISTRY, "/v0.1/servers", {
      search: query,
      limit: opts.limit,
      cursor,
      version: "latest",
    });
    const { data, ...meta } = await fetchCached(REGISTRY, url, ServerList, opts);
    metas.push(meta);
    const next = data.metadata?.nextCursor || undefined;
    if (p < opts.page) {
      if (!next) return { servers: [], hasMore: false, meta: combineMeta(metas), skipped: [] };
      cursor = next;
      continue;
    }
    const servers: MarketServer[] = [];
    const skipped: string[] = [];
    data.servers.forEach((raw, i) => {
      const r = ServerResponse.safeParse(raw);
      if (!r.success) {
        const issue = r.error.issues[0];
        skipped.push(`servers[${i}].${issue.path.map(String).join(".")}: ${issue.message}`);
        return;
      }
      const s = fromRegistry(r.data);
      // deprecated servers stay listed (with their status); deleted ones are gone
      if (s.status !== "deleted") servers.push(s);
    });
    return { servers, hasMore: !!next, meta: combineMeta(metas), skipped };
  }
}

/**
 * The servers a publisher lists under its own namespace (`com.notion/…`, `io.github.github/…`): the
 * registry's name search is a substring match, so `.word/` finds exactly those. Used on page 1 of a
 * one-word search with many matches, where the publisher's own server would otherwise be pages away
 * in the registry's alphabetical order.
 */
export async function publisherServers(
  word: string,
  opts: FetchOptions,
): Promise<MarketServer[]> {
  const url = endpointUrl(REGISTRY, "/v0.1/servers", { search: `.${word}/`, limit: 10, version: "latest" });
  const { data } = await fetchCached(REGISTRY, url, ServerList, opts);
  const out: MarketServer[] = [];
  for (const raw of data.servers) {
    const r = ServerResponse.safeParse(raw);
    if (!r.success) continue;
    const s = fromRegistry(r.data);
    const ns = s.name.split("/")[0].toLowerCase().split(".");
    if (s.status !== "deleted" && ns[ns.length - 1] === word.toLowerCase()) out.push(s);
  }
  return out;
}

/**
 * One server by its registry name (`io.github.user/weather`), the latest version or the one asked
 * for. Exit 3 if unknown.
 */
export async function getRegistryServer(
  name: string,
  opts: FetchOptions & { version?: string },
): Promise<{ server: MarketServer; meta: FetchMeta }> {
  const version = opts.version ?? "latest";
  const url = endpointUrl(
    REGISTRY,
    `/v0.1/servers/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`,
  );
  try {
    const { data, ...meta } = await fetchCached(REGISTRY, url, ServerResponse, opts);
    return { server: fromRegistry(data), meta };
  } catch (err) {
    if (err instanceof FetchError && err.status === 404) {
      throw new NexusError(
        "E_MARKET_NOT_FOUND",
        opts.version
          ? `The MCP Registry has no version ${opts.version} of '${name}'.`
          : `The MCP Registry has no server named '${name}'.`,
        {
          exitCode: ExitCode.NOT_FOUND,
          hint: opts.version
            ? `Install the latest with: mcp-nexus install ${name}`
            : `Look for it with: mcp-nexus search ${name.split("/").pop()}`,
          details: { server: name, url: url.href },
        },
      );
    }
    throw err;
  }
}
