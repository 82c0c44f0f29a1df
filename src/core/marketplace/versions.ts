/**
 * `outdated` / `update`: installed npm and PyPI packages (registry entries whose `source.type` is npm
 * or pypi) against the latest version on the npm registry (`GET /<pkg>/latest`) and PyPI
 * (`GET /pypi/<pkg>/json`, `info.version`), compared with real semver. PEP 440 versions are mapped
 * onto semver first (1.0rc1 → 1.0.0-rc.1, 1.0.dev2 → 1.0.0-0.dev.2, local and post parts ignored).
 * Lookups go through the marketplace cache, so they are fresh for 5 minutes and survive outages.
 */
import semver from "semver";
import { z } from "zod";
import { ExitCode, NexusError, toNexusError } from "../model/errors.ts";
import type { RegistryData, ServerDef } from "../model/registry_schema.ts";
import { type CacheState, fetchCached, type Fetched, type FetchOptions } from "./cache.ts";
import { endpointUrl, FetchError, NPM, PYPI } from "./http.ts";

export type PackageType = "npm" | "pypi";

/** A registry entry installed from a package. */
export interface InstalledPackage {
  /** The registry entry's name. */
  name: string;
  type: PackageType;
  package: string;
  /** The pinned version; absent when the command runs whatever is latest. */
  version?: string;
}

/** Entries installed from npm or PyPI (all of them, or the named ones: exit 3 for an unknown name). */
export function installedPackages(data: RegistryData, names: string[] = []): InstalledPackage[] {
  for (const n of names) {
    if (!data.servers[n]) {
      throw new NexusError("E_SERVER_NOT_FOUND", `No server named '${n}' in the registry.`, {
        exitCode: ExitCode.NOT_FOUND,
        hint: "See them with: mcp-nexus server list",
        details: { server: n },
      });
    }
  }
  const pick = names.length ? names : Object.keys(data.servers).sort();
  return pick.flatMap((name) => {
    const src = data.servers[name].source;
    if (!src || (src.type !== "npm" && src.type !== "pypi") || !src.package) return [];
    return [{ name, type: src.type, package: src.package, ...(src.version ? { version: src.version } : {}) }];
  });
}

const PEP440 =
  /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.\d+)*(?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?(\d*))?(?:[-_.]?(post|rev|r)[-_.]?\d*|-\d+)?(?:[-_.]?(dev)[-_.]?(\d*))?(?:\+[a-z0-9.]+)?$/i;

/** A version as semver (npm: as is; PyPI: mapped from PEP 440), or null if it is neither. */
export function toSemver(type: PackageType, v: string): string | null {
  if (type === "npm") return semver.valid(v) ?? semver.valid(semver.clean(v) ?? "");
  const m = PEP440.exec(v.trim());
  if (!m) return null;
  const [, major, minor = "0", patch = "0", pre, preN, , dev, devN] = m;
  const core = `${Number(major)}.${Number(minor)}.${Number(patch)}`;
  const tag = pre
    ? ({ a: "a", alpha: "a", b: "b", beta: "b" } as Record<string, string>)[pre.toLowerCase()] ?? "rc"
    : "";
  const parts = [
    ...(tag ? [tag, String(Number(preN || 0))] : []),
    ...(dev ? [...(tag ? [] : ["0"]), "dev", String(Number(devN || 0))] : []),
  ];
  return semver.valid(parts.length ? `${core}-${parts.join(".")}` : core);
}

/** How an installed version stands against the latest. */
export interface Comparison {
  status: "outdated" | "current" | "unpinned" | "unknown";
  /** semver.diff: major, minor, patch, premajor, … (when outdated). */
  kind?: string;
}

/** Compares with semver; `unknown` when either is not a version semver (or PEP 440) understands. */
export function compareVersions(
  type: PackageType,
  installed: string | undefined,
  latest: string,
): Comparison {
  if (installed === undefined) return { status: "unpinned" };
  const a = toSemver(type, installed);
  const b = toSemver(type, latest);
  if (!a || !b) return { status: "unknown" };
  if (semver.gt(b, a)) return { status: "outdated", kind: semver.diff(a, b) ?? undefined };
  return { status: "current" };
}

/** The argument that names the package: `pkg@1.2.3` (npm), `pkg==1.2.3` (PyPI), or bare `pkg`. */
export function packageSpec(type: PackageType, pkg: string, version?: string): string {
  return version === undefined ? pkg : `${pkg}${type === "npm" ? "@" : "=="}${version}`;
}

/**
 * The server's args with the package pinned to `to`, or null if no argument is the package spec it
 * was installed with (the command was edited by hand: `update` leaves it alone).
 */
export function updatedArgs(
  server: ServerDef,
  p: InstalledPackage,
  to: string,
): string[] | null {
  if (server.transport !== "stdio") return null;
  const i = server.args.indexOf(packageSpec(p.type, p.package, p.version));
  if (i < 0) return null;
  const args = [...server.args];
  args[i] = packageSpec(p.type, p.package, to);
  return args;
}

const NpmLatest = z.object({ version: z.string().min(1) });
const PypiProject = z.object({ info: z.object({ version: z.string().min(1) }) });

/** The latest version on npm or PyPI. Exit 3 if the package does not exist there. */
export async function latestVersion(
  type: PackageType,
  pkg: string,
  opts: FetchOptions,
): Promise<Fetched<string>> {
  const ep = type === "npm" ? NPM : PYPI;
  const url = type === "npm"
    ? endpointUrl(
      NPM,
      `/${pkg.startsWith("@") ? "@" + encodeURIComponent(pkg.slice(1)) : encodeURIComponent(pkg)}/latest`,
    )
    : endpointUrl(PYPI, `/pypi/${encodeURIComponent(pkg)}/json`);
  try {
    if (type === "npm") {
      const r = await fetchCached(ep, url, NpmLatest, opts);
      return { ...r, data: r.data.version };
    }
    const r = await fetchCached(ep, url, PypiProject, opts);
    return { ...r, data: r.data.info.version };
  } catch (err) {
    if (err instanceof FetchError && err.status === 404) {
      throw new NexusError("E_PACKAGE_NOT_FOUND", `${ep.label} has no package named '${pkg}'.`, {
        exitCode: ExitCode.NOT_FOUND,
        details: { package: pkg, url: url.href },
      });
    }
    throw err;
  }
}

/** One row of `outdated`. */
export interface OutdatedRow extends InstalledPackage, Comparison {
  latest?: string;
  cache?: CacheState;
  /** Why a cached answer stood in for the registry's. */
  stale?: { code: string; message: string };
  error?: { code: string; message: string };
}

/** Looks up every package (a few at a time) and compares. A failed lookup is a row with `error`. */
export async function checkOutdated(pkgs: InstalledPackage[], opts: FetchOptions): Promise<OutdatedRow[]> {
  const rows: OutdatedRow[] = new Array(pkgs.length);
  let next = 0;
  const worker = async () => {
    while (next < pkgs.length) {
      const i = next++;
      const p = pkgs[i];
      try {
        const latest = await latestVersion(p.type, p.package, opts);
        rows[i] = {
          ...p,
          ...compareVersions(p.type, p.version, latest.data),
          latest: latest.data,
          cache: latest.cache,
          ...(latest.staleBecause ? { stale: latest.staleBecause } : {}),
        };
      } catch (err) {
        const e = toNexusError(err);
        rows[i] = { ...p, status: "unknown", error: { code: e.code, message: e.message } };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(6, pkgs.length) }, worker));
  return rows;
}
