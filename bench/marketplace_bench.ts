/**
 * Search, cached and uncached, against the fake PulseMCP and MCP Registry on 127.0.0.1 (the
 * fixtures' answers; no real host is contacted):
 *   - in-process: `searchMarketplace` (fetch, size cap, zod checks, merge; or the on-disk cache);
 *   - end to end: the CLI spawned as users run it (`deno run -P=nexus main.ts search … --json`).
 * Run: deno bench -A bench/marketplace_bench.ts
 */
import { join } from "node:path";
import { MarketCache } from "../src/core/marketplace/cache.ts";
import { searchMarketplace } from "../src/core/marketplace/catalog.ts";
import { startFakeMarket } from "../tests/fixtures/marketplace/fake.ts";
import { cliCommand } from "../tests/helpers.ts";

const fake = startFakeMarket();
fake.unref();
for (const [k, v] of Object.entries(fake.env)) Deno.env.set(k, v);
const home = await Deno.makeTempDir({ prefix: "mcp-nexus-bench-" });
const cache = new MarketCache(join(home, "cache", "marketplace"));
const opts = { query: "search", source: "all" as const, limit: 20, page: 1, cache };
await searchMarketplace(opts); // warm the cache

Deno.bench(
  { name: "search in-process, uncached (network + merge)", group: "in-process", baseline: true },
  async () => {
    await searchMarketplace({ ...opts, refresh: true });
  },
);

Deno.bench({ name: "search in-process, cached (disk cache hit)", group: "in-process" }, async () => {
  await searchMarketplace(opts);
});

const env = { ...fake.env, HOME: home, MCP_NEXUS_HOME: join(home, "nexus"), NO_COLOR: "1" };
const [cmd, ...pre] = cliCommand();
const cli = async (extra: string[]) => {
  const out = await new Deno.Command(cmd, {
    args: [...pre, "search", "brave", "--json", ...extra],
    env,
    stdout: "null",
    stderr: "null",
  }).output();
  if (!out.success) throw new Error(`search failed: exit ${out.code}`);
};
await cli([]); // warm the CLI's cache

Deno.bench(
  { name: "search CLI, uncached (--refresh)", group: "cli", baseline: true, n: 20, warmup: 2 },
  async () => {
    await cli(["--refresh"]);
  },
);

Deno.bench({ name: "search CLI, cached", group: "cli", n: 20, warmup: 2 }, async () => {
  await cli([]);
});

globalThis.addEventListener("unload", () => {
  Deno.removeSync(home, { recursive: true });
});
