/**
 * Ranking search results from both marketplaces as one list. For a query of one or more words:
 *   1. an exact name (the whole name, its last segment, or the title) first;
 *   2. then the publisher's own server: a word that is the name's namespace (`com.notion/…`,
 *      `io.github.github/…`, PulseMCP's unprefixed slugs such as `github`);
 *   3. then relevance: each word found in the last segment, the name, the title or the description
 *      (words may match in different fields: "web search" finds "Search the web"), all words found
 *      counting most;
 *   4. then popularity, where PulseMCP knows it (GitHub stars, package downloads).
 * Ties keep the order the sources gave.
 */
import type { MarketServer } from "./types.ts";

/** The words of a query, lower-case. */
export function queryWords(query: string): string[] {
  return [...new Set(query.toLowerCase().split(/[\s,]+/).map((w) => w.trim()).filter(Boolean))];
}

/** The labels of a registry name's namespace that name its publisher: `io.github.github` → `github`. */
export function publisherLabels(name: string): string[] {
  if (!name.includes("/")) return [];
  const labels = name.split("/")[0].toLowerCase().split(".");
  if (labels[0] === "io" && labels[1] === "github") return labels.slice(2);
  return labels.slice(1); // com.notion → notion; com.cloudflare.mcp → cloudflare, mcp
}

/** True if every word is found somewhere in the name, title or description. */
export function matchesAll(s: MarketServer, words: string[]): boolean {
  const hay = `${s.name} ${s.title ?? ""} ${s.description}`.toLowerCase();
  return words.every((w) => hay.includes(w));
}

/** The score of one server for the query's words (higher is better). */
export function score(s: MarketServer, words: string[]): number {
  const name = s.name.toLowerCase();
  const last = name.split("/").pop() ?? name;
  const title = (s.title ?? "").toLowerCase();
  const desc = s.description.toLowerCase();
  const phrase = words.join(" ");
  let n = 0;
  if (phrase && (name === phrase || last === phrase || title === phrase || last === words.join("-"))) {
    n += 1000;
  }
  const publisher = publisherLabels(name);
  if (words.some((w) => publisher.includes(w))) n += 500;
  if (!name.includes("/") && words.includes(name)) n += 500; // PulseMCP's slug for an official server
  let found = 0;
  for (const w of words) {
    const wordRe = new RegExp(`(^|[^a-z0-9])${w.replace(/[^a-z0-9]/g, "\\$&")}([^a-z0-9]|$)`);
    let hit = 0;
    if (last.includes(w)) hit += wordRe.test(last) ? 80 : 50;
    else if (name.includes(w)) hit += 30;
    if (title.includes(w)) hit += wordRe.test(title) ? 40 : 25;
    if (desc.includes(w)) hit += wordRe.test(desc) ? 15 : 8;
    if (hit) found++;
    n += hit;
  }
  if (words.length > 1 && found === words.length) n += 150;
  const pop = Math.log10(1 + (s.stars ?? 0)) * 6 + Math.log10(1 + (s.downloads ?? 0)) * 4;
  return n + Math.min(pop, 60);
}

/** Ranks `list` for `query` (see the module comment); an empty query keeps the order. */
export function rankResults(query: string, list: MarketServer[]): MarketServer[] {
  const words = queryWords(query);
  if (!words.length) return list;
  return list.map((s, i) => ({ s, i, n: score(s, words) }))
    .sort((a, b) => b.n - a.n || a.i - b.i)
    .map((x) => x.s);
}
