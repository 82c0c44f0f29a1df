/**
 * Review findings on the marketplace commands: the hints they print repeat the options the user gave,
 * so running a hint as printed continues the same query (search paging) or the same install.
 */
import assert from "node:assert/strict";
import { expectCode } from "./helpers.ts";
import { withMarket } from "./fixtures/marketplace/fake.ts";

Deno.test("search: the 'More:' hint keeps --source, --limit and --remote, and gives the next page as printed", () =>
  withMarket(async (sb) => {
    const p1 = expectCode(await sb.run(["search", "tool", "--source", "registry", "--limit", "2"]), 0);
    const more = p1.stdout.split("\n").find((l) => l.startsWith("More: "));
    assert.ok(more, p1.stdout);
    assert.equal(more, "More: mcp-nexus search tool --source registry --limit 2 --page 2");
    const args = more.slice("More: mcp-nexus ".length).split(" ");
    const j1 = await sb.json<{ results: { name: string }[] }>([
      "search",
      "tool",
      "--source",
      "registry",
      "--limit",
      "2",
    ]);
    const j2 = await sb.json<{ results: { name: string }[]; sources: { source: string }[] }>(args);
    assert.equal(j2.code, 0);
    assert.deepEqual(j2.data.sources.map((s) => s.source), ["registry"]);
    assert.ok(j2.data.results.length > 0 && j2.data.results.length <= 2, JSON.stringify(j2.data.results));
    const first = new Set(j1.data.results.map((s) => s.name));
    assert.ok(j2.data.results.every((s) => !first.has(s.name)), "the hint's page follows page 1");

    const remote = expectCode(await sb.run(["search", "--remote", "--limit", "2"]), 0);
    assert.match(remote.stdout, /^More: mcp-nexus search --limit 2 --remote --page 2$/m, remote.stdout);
  }));
