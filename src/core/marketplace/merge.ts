/**
 * Merging PulseMCP and MCP Registry results into one list without duplicates. Two entries are the
 * same server when they share a package (type + identifier), else a remote URL, else a repository
 * path that is unique on both sides (monorepos hold many servers, so a shared repo alone is weak).
 * Each entry merges at most once. A merged entry keeps the Registry's data (it lists env vars and
 * headers) and adds PulseMCP's stars, downloads and page. Order: the two lists interleaved.
 */
import type { MarketServer } from "./types.ts";

/** `registryType:identifier`, with an OCI image's tag or digest and `docker.io/` dropped. */
function packageKeys(s: MarketServer): string[] {
  return s.packages.map((p) => {
    let id = p.identifier.toLowerCase();
    if (p.registryType === "oci") {
      id = id.replace(/@sha256:.*$/, "").replace(/:[^/:]+$/, "").replace(/^docker\.io\//, "");
    }
    return `pkg:${p.registryType}:${id}`;
  });
}

function remoteKeys(s: MarketServer): string[] {
  return s.remotes.flatMap((r) => {
    try {
      const u = new URL(r.url);
      return [`remote:${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, "")}`];
    } catch {
      return [];
    }
  });
}

/** `github.com/owner/repo[/sub/path]`, from a plain or `/tree/<branch>/<path>` URL. */
export function repoKey(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url.replace(/^git\+/, ""));
    const parts = u.pathname.replace(/\.git$/, "").split("/").filter(Boolean);
    if (parts.length < 2) return undefined;
    const [owner, repo, kind, , ...rest] = parts;
    const sub = (kind === "tree" || kind === "blob") && rest.length ? `/${rest.join("/")}` : "";
    return `repo:${u.host.toLowerCase()}/${owner}/${repo}${sub}`.toLowerCase();
  } catch {
    return undefined;
  }
}

function combine(reg: MarketServer, pulse: MarketServer): MarketServer {
  return {
    ...reg,
    description: reg.description || pulse.description,
    sources: ["registry", "pulsemcp"],
    repository: reg.repository ?? pulse.repository,
    website: reg.website ?? pulse.website,
    ...(pulse.pulsemcpUrl ? { pulsemcpUrl: pulse.pulsemcpUrl } : {}),
    ...(pulse.stars !== undefined ? { stars: pulse.stars } : {}),
    ...(pulse.downloads !== undefined ? { downloads: pulse.downloads } : {}),
  };
}

/** Merges the two sources' results (either may be empty); see the module comment. */
export function mergeResults(pulse: MarketServer[], registry: MarketServer[]): MarketServer[] {
  const index = new Map<string, number>();
  registry.forEach((s, i) => {
    for (const k of [...packageKeys(s), ...remoteKeys(s)]) if (!index.has(k)) index.set(k, i);
  });
  const repoCount = (list: MarketServer[]) => {
    const m = new Map<string, number>();
    for (const s of list) {
      const k = repoKey(s.repository);
      if (k) m.set(k, (m.get(k) ?? 0) + 1);
    }
    return m;
  };
  const regRepos = repoCount(registry);
  const pulseRepos = repoCount(pulse);
  registry.forEach((s, i) => {
    const k = repoKey(s.repository);
    if (k && regRepos.get(k) === 1 && pulseRepos.get(k) === 1) index.set(k, i);
  });

  const mergedInto = new Map<number, MarketServer>(); // registry index → merged entry
  const pulseOut: MarketServer[] = [];
  for (const p of pulse) {
    const keys = [...packageKeys(p), ...remoteKeys(p), repoKey(p.repository) ?? ""];
    const hit = keys.map((k) => index.get(k)).find((i) => i !== undefined && !mergedInto.has(i));
    if (hit === undefined) pulseOut.push(p);
    else {
      const m = combine(registry[hit], p);
      mergedInto.set(hit, m);
      pulseOut.push(m);
    }
  }
  const regOut = registry.map((s, i) => mergedInto.has(i) ? null : s);

  const out: MarketServer[] = [];
  const seen = new Set<string>();
  const add = (s: MarketServer | null | undefined) => {
    if (s && !seen.has(s.name)) {
      seen.add(s.name);
      out.push(s);
    }
  };
  for (let i = 0; i < Math.max(pulseOut.length, regOut.length); i++) {
    add(pulseOut[i]);
    add(regOut[i]);
  }
  return out;
}
