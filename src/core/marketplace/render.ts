/**
 * Human renderings of marketplace results (the `--json` forms are the data themselves): the search
 * table, one server's details, and the outdated table. Marketplace text is cleaned of control
 * characters before it reaches a terminal (types.ts cleanText).
 */
import { table } from "../io/output.ts";
import { age } from "./cache.ts";
import type { SearchResult, SourceReport } from "./catalog.ts";
import {
  buildEntry,
  type InputSpec,
  installTargets,
  packageProblem,
  previewResolver,
  type Target,
} from "./install.ts";
import { type MarketServer, SOURCE_LABEL, transportsOf } from "./types.ts";
import type { OutdatedRow } from "./versions.ts";

/** 1234 → 1.2k, 50000 → 50k, 2500000 → 2.5M. */
export function compact(n: number | undefined): string {
  if (n === undefined) return "-";
  const f = (v: number, u: string) => `${v >= 10 ? Math.round(v) : Math.round(v * 10) / 10}${u}`;
  if (n >= 1e6) return f(n / 1e6, "M");
  if (n >= 1e3) return f(n / 1e3, "k");
  return String(n);
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `npm @scope/pkg@1.2.3`, the first package's or a remote's. */
export function packageLabel(s: MarketServer): string {
  const p = s.packages[0];
  if (p) return `${p.registryType} ${p.identifier}${p.version ? `@${p.version}` : ""}`;
  return s.remotes.length ? "(remote)" : "-";
}

/** The search results as a table, with a paging hint (`flags`: the options to repeat, like --limit 2). */
export function renderSearch(r: SearchResult, flags: string[] = []): string {
  const more = () =>
    `More: mcp-nexus search ${r.query ? `${shellWord(r.query)} ` : ""}${
      flags.map((f) => `${shellWord(f)} `).join("")
    }--page ${r.page + 1}`;
  if (!r.results.length && r.hasMore) {
    // a filter (--remote) can empty a page while the marketplaces have more
    return `No servers on page ${r.page} match; the marketplaces have more pages.\n${more()}`;
  }
  if (!r.results.length) {
    const where = r.sources.filter((s) => !s.error).map((s) => SOURCE_LABEL[s.source]).join(" or ");
    return `No servers match ${JSON.stringify(r.query)}${where ? ` on ${where}` : ""}${
      r.page > 1 ? ` on page ${r.page}` : ""
    }.`;
  }
  const rows = r.results.map((s) => [
    s.name,
    cut(`${s.status && s.status !== "active" ? `[${s.status}] ` : ""}${s.description || s.title || ""}`, 48),
    transportsOf(s).join(",") || "-",
    cut(packageLabel(s), 44),
    `${compact(s.stars)} / ${compact(s.downloads)}`,
  ]);
  const lines = [table(["NAME", "DESCRIPTION", "TRANSPORT", "PACKAGE", "STARS/DOWNLOADS"], rows), ""];
  const counts = r.sources.filter((s) => !s.error).map((s) => `${s.count} from ${SOURCE_LABEL[s.source]}`);
  lines.push(`Page ${r.page}: ${r.results.length} server(s) (${counts.join(", ")}; duplicates merged).`);
  if (r.hasMore) {
    lines.push(more());
  }
  lines.push("Details: mcp-nexus show NAME    Install: mcp-nexus install NAME");
  return lines.join("\n");
}

/** Notes for stderr: stale data (with its age and why), failed sources, skipped entries. */
export function sourceNotes(sources: SourceReport[], now = Date.now()): string[] {
  const notes: string[] = [];
  for (const s of sources) {
    const label = SOURCE_LABEL[s.source];
    if (s.stale && s.fetchedAt) {
      notes.push(`showing ${label} results cached ${age(Date.parse(s.fetchedAt), now)}: ${s.stale.message}`);
    }
    if (s.error) notes.push(`${label} left out: ${s.error.message}`);
    if (s.skipped.length) {
      notes.push(`${s.skipped.length} ${label} result(s) left out (unexpected shape: ${s.skipped[0]}).`);
    }
  }
  return notes;
}

function shellWord(s: string): string {
  return /^[A-Za-z0-9_.\/-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** One value `install` asks for: the key to pass, where it goes, and what the metadata says of it. */
function inputLine(i: InputSpec): string {
  const flags = [
    i.required ? "required" : "optional",
    ...(i.secret ? ["secret"] : []),
    ...(i.default !== undefined ? [`default: ${i.default}`] : []),
    ...(i.choices?.length ? [`one of: ${i.choices.join(", ")}`] : []),
    ...(i.placeholder ? [`e.g. ${cut(i.placeholder, 40)}`] : []),
    ...(i.fixed !== undefined ? ["fixed by the publisher, kept in the keychain"] : []),
  ];
  return `     ${i.key}  ${i.where}, ${flags.join(", ")}${
    i.description ? `: ${cut(i.description, 80)}` : ""
  }`;
}

/** Everything known about one server, and what installing each of its packages or remotes takes. */
export function renderShow(s: MarketServer): string {
  const out = [`${s.name}${s.title && s.title !== s.name ? `  (${s.title})` : ""}`];
  if (s.description) out.push(`  ${s.description}`);
  const facts: Array<[string, string | undefined]> = [
    ["version", s.version],
    ["status", s.status ? `${s.status}${s.statusMessage ? ` (${s.statusMessage})` : ""}` : undefined],
    ["published", s.publishedAt],
    ["updated", s.updatedAt],
    ["icon", s.icons?.[0]?.src],
    ["listed on", s.sources.map((x) => SOURCE_LABEL[x]).join(", ")],
    ["repository", s.repository],
    ["website", s.website],
    ["PulseMCP page", s.pulsemcpUrl],
    ["GitHub stars", s.stars !== undefined ? String(s.stars) : undefined],
    ["downloads", s.downloads !== undefined ? String(s.downloads) : undefined],
  ];
  for (const [k, v] of facts) if (v) out.push(`  ${k}: ${v}`);

  const targets = installTargets(s);
  const describe = (t: Target | undefined, verb: string) => {
    if (!t) return void out.push("     (mcp-nexus cannot install this kind)");
    try {
      const b = buildEntry(s, t, previewResolver, { localName: "x" });
      out.push(`     ${verb}: ${b.preview}`);
      for (const [h, v] of Object.entries(b.fixedHeaders ?? {})) out.push(`     header ${h}: ${cut(v, 80)}`);
      if (b.inputs.length) out.push("     asks for (KEY, where it goes):", ...b.inputs.map(inputLine));
      for (const n of b.notes) out.push(`     note: ${n}`);
    } catch (err) {
      out.push(`     (cannot install: ${(err as Error).message})`);
    }
  };
  out.push("", s.packages.length ? "Packages:" : "Packages: none listed");
  s.packages.forEach((p, i) => {
    out.push(
      `  ${i + 1}. ${p.registryType} ${p.identifier}${p.version ? `@${p.version}` : ""} (${p.transport})`,
    );
    const t = targets.find((x) => x.kind !== "remote" && x.pkg === p);
    if (!t) out.push(`     (cannot install: ${packageProblem(p) ?? "not supported"})`);
    else describe(t, "runs");
  });
  out.push("", s.remotes.length ? "Remotes:" : "Remotes: none listed");
  s.remotes.forEach((r, i) => {
    out.push(`  ${i + 1}. ${r.type} ${r.url}${r.auth ? `  (auth: ${r.auth})` : ""}`);
    describe(targets.find((x) => x.kind === "remote" && x.remote === r), "connects to");
  });
  if (s.inputsUnknown) {
    out.push(
      "",
      "PulseMCP does not list environment variables or headers. At install, name secret ones with",
      "--secret KEY (you will be asked for the value) and others with --env KEY=VALUE.",
    );
  }
  const kinds = [...new Set(targets.map((t) => t.kind))];
  const remotes = targets.filter((t) => t.kind === "remote").length;
  out.push(
    "",
    `Install: mcp-nexus install ${s.name}${
      kinds.length > 1 ? `   (--use ${kinds.join("|")} to choose)` : ""
    }${remotes > 1 ? `   (--remote N picks a remote)` : ""}${
      s.sources.includes("registry") ? `   (--pin VERSION, or NAME@VERSION, for another version)` : ""
    }`,
  );
  return out.join("\n");
}

/** The outdated table. */
export function renderOutdated(rows: OutdatedRow[]): string {
  if (!rows.length) return "No servers installed from npm or PyPI. Install one with: mcp-nexus install NAME";
  const status = (r: OutdatedRow) =>
    r.error
      ? `error: ${r.error.message}`
      : r.status === "outdated"
      ? `update (${r.kind})`
      : r.status === "unpinned"
      ? "not pinned"
      : r.status === "unknown"
      ? "cannot compare"
      : "up to date";
  const t = table(
    ["NAME", "PACKAGE", "INSTALLED", "LATEST", "STATUS"],
    rows.map((r) => [r.name, `${r.type} ${r.package}`, r.version ?? "-", r.latest ?? "-", status(r)]),
  );
  const n = rows.filter((r) => r.status === "outdated" || r.status === "unpinned").length;
  return `${t}\n\n${n ? `${n} can be updated: mcp-nexus update` : "Everything is up to date."}`;
}
