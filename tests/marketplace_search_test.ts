/**
 * `search` and `show` end to end (the CLI spawned as users run it) against fake PulseMCP and MCP
 * Registry servers on 127.0.0.1: merged tables, paging, the on-disk cache, and every way the network
 * can fail (429 with Retry-After, 410, 500, timeout, garbage, oversized, a changed shape, offline, a
 * host outside the permission set), each giving stale data with a note or a clear error.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode, modeOf, walkFiles, withSandbox } from "./helpers.ts";
import { type Failure, withMarket } from "./fixtures/marketplace/fake.ts";
import { HAS_SCRIPT, onTty } from "./fixtures/marketplace/tty.ts";

const BRAVE = "io.modelcontextprotocol.anonymous/brave-search";

interface Row {
  name: string;
  sources: string[];
  stars?: number;
  downloads?: number;
  remotes: unknown[];
}
interface SearchJson {
  results: Row[];
  sources: Array<{ source: string; cache?: string; stale?: { code: string }; error?: { code: string } }>;
  hasMore: boolean;
  nextPage: number | null;
}

Deno.test("search merges both marketplaces into one table and sends a versioned User-Agent", () =>
  withMarket(async (sb, fake) => {
    const r = expectCode(await sb.run(["search", "brave"]), 0);
    const lines = r.stdout.split("\n");
    assert.match(lines[0], /^NAME\s+DESCRIPTION\s+TRANSPORT\s+PACKAGE\s+STARS\/DOWNLOADS$/);
    const rows = lines.filter((l) => l.includes("brave-search"));
    assert.equal(rows.length, 1, `one row for the server both list:\n${r.stdout}`);
    assert.match(
      rows[0],
      new RegExp(`^${BRAVE}\\s+MCP server for Brave Search.*stdio\\s+npm @modelcontextprotocol`),
    );
    assert.match(rows[0], /1\.2k \/ 50k$/, "PulseMCP's stars and downloads on the Registry's entry");
    assert.match(r.stdout, /1 from PulseMCP, 1 from the MCP Registry; duplicates merged/);
    assert.equal(r.stderr, "", "no spinner or note when stderr is not a terminal");

    for (const req of fake.requests) {
      assert.equal(req.userAgent, "mcp-nexus/0.1.0 (+https://github.com/mcp-nexus/mcp-nexus)");
      assert.equal(req.accept, "application/json");
    }
    const pulse = fake.requests.find((q) => q.api === "pulse")!;
    assert.deepEqual(pulse.params, { query: "brave", count_per_page: "20", offset: "0" });
    const reg = fake.requests.find((q) => q.api === "registry")!;
    assert.deepEqual(reg.params, { search: "brave", limit: "20", version: "latest" });

    const j = await sb.json<SearchJson>(["search", "search"]);
    const names = j.data.results.map((s) => s.name);
    assert.ok(names.includes(BRAVE));
    // deprecated Registry servers stay findable, with their status and its message
    const old = j.data.results.find((s) => s.name === "com.example/old-search") as Row & {
      status?: string;
      statusMessage?: string;
    };
    assert.deepEqual([old?.status, old?.statusMessage], ["deprecated", "Use brave-search"]);
    const table = expectCode(await sb.run(["search", "search"]), 0).stdout;
    assert.match(table, /com\.example\/old-search\s+\[deprecated\] /);
    const shown = expectCode(await sb.run(["show", "com.example/old-search"]), 0).stdout;
    assert.match(shown, /status: deprecated \(Use brave-search\)/);
    assert.match(shown, /published: 2025-01-01T10:30:00Z/);
    assert.deepEqual(j.data.results.find((s) => s.name === BRAVE)!.sources, ["registry", "pulsemcp"]);
  }));

Deno.test("a second search is answered from the on-disk cache without a request; --refresh asks again", () =>
  withMarket(async (sb, fake) => {
    const first = await sb.json<SearchJson>(["search", "weather"]);
    assert.deepEqual(first.data.sources.map((s) => s.cache), ["miss", "miss"]);
    const n = fake.count();
    assert.equal(n, 2);
    const second = await sb.json<SearchJson>(["search", "weather"]);
    assert.equal(fake.count(), n, "no request for a cached search");
    assert.deepEqual(second.data.sources.map((s) => s.cache), ["hit", "hit"]);
    assert.deepEqual(second.data.results, first.data.results);
    const merged = second.data.results.find((s) => s.name === "io.github.example/weather-py")!;
    assert.deepEqual(merged.sources, ["registry", "pulsemcp"], "same PyPI package: one entry");

    const dir = join(sb.nexusHome, "cache", "marketplace");
    assert.equal(await modeOf(dir), 0o700);
    for (const f of await walkFiles(dir)) assert.equal(await modeOf(f), 0o600, f);

    const refreshed = await sb.json<SearchJson>(["search", "weather", "--refresh"]);
    assert.equal(fake.count(), n + 2);
    assert.deepEqual(refreshed.data.sources.map((s) => s.cache), ["miss", "miss"]);
    // a different query is a different request
    await sb.json(["search", "slides"]);
    assert.equal(fake.count(), n + 4);
  }));

Deno.test("paging with --limit and --page, --source and --remote", () =>
  withMarket(async (sb, fake) => {
    const p1 = expectCode(await sb.run(["search", "tool", "--limit", "2"]), 0);
    assert.match(p1.stdout, /More: mcp-nexus search tool --limit 2 --page 2/);
    const j1 = await sb.json<SearchJson>(["search", "tool", "--limit", "2"]);
    const j2 = await sb.json<SearchJson>(["search", "tool", "--limit", "2", "--page", "2"]);
    assert.equal(j1.data.nextPage, 2);
    const n1 = j1.data.results.map((s) => s.name);
    const n2 = j2.data.results.map((s) => s.name);
    assert.equal(n1.length, 4);
    assert.ok(n2.length > 0 && n2.every((n) => !n1.includes(n)), `pages overlap: ${n1} / ${n2}`);
    const regPage2 = fake.requests.filter((q) => q.api === "registry").at(-1)!;
    assert.equal(
      regPage2.params.cursor,
      n1.filter((n) => n.includes("/")).at(-1),
      "page 2 follows the cursor",
    );
    const pulsePage2 = fake.requests.filter((q) => q.api === "pulse").at(-1)!;
    assert.equal(pulsePage2.params.offset, "2");

    const reg = await sb.json<SearchJson>(["search", "tool", "--source", "registry"]);
    assert.ok(reg.data.results.every((s) => s.sources.includes("registry")));
    assert.deepEqual(reg.data.sources.map((s) => s.source), ["registry"]);
    const remote = await sb.json<SearchJson>(["search", "--remote", "--limit", "100"]);
    assert.ok(remote.data.results.length >= 3);
    assert.ok(remote.data.results.every((s) => s.remotes.length > 0));

    expectCode(await sb.run(["search", "x", "--limit", "0"]), 2);
    expectCode(await sb.run(["search", "x", "--source", "npm"]), 2);
  }));

/** Failure → what the note or error says. */
const FAILURES: Array<[string, Failure, RegExp, string]> = [
  ["410", { status: 410 }, /answered 410/, "E_UPSTREAM_GONE"],
  ["500", { status: 500 }, /answered 500.*fake 500/, "E_UPSTREAM_DOWN"],
  ["timeout", "timeout", /did not answer GET .* within 0\.4 s/, "E_TIMEOUT"],
  ["timeout while reading", "stall", /did not answer GET .* within 0\.4 s/, "E_TIMEOUT"],
  ["garbage", "garbage", /is not JSON \(it starts "<html><body>Service/, "E_UPSTREAM_NOT_JSON"],
  ["oversized", "huge", /larger than 8388608 bytes/, "E_UPSTREAM_TOO_LARGE"],
  ["oversized, chunked", "huge-stream", /larger than 8388608 bytes/, "E_UPSTREAM_TOO_LARGE"],
  ["changed shape", "shape", /does not have the expected shape \(at servers: /, "E_UPSTREAM_SHAPE"],
];
const STALE_ENV = { MCP_NEXUS_CACHE_TTL_SECONDS: "0", MCP_NEXUS_HTTP_TIMEOUT_MS: "400" };

Deno.test("when the marketplaces fail, stale cached results are shown with a note saying why", () =>
  withMarket(async (sb, fake) => {
    const fresh = await sb.json<SearchJson>(["search", "brave"]);
    const names = fresh.data.results.map((s) => s.name);
    for (const [label, failure, why] of FAILURES) {
      fake.fail("pulse", failure);
      fake.fail("registry", failure);
      const before = fake.count();
      const r = await sb.json<SearchJson>(["search", "brave"], { env: STALE_ENV });
      assert.equal(r.code, 0, `${label}: ${r.stderr}`);
      assert.equal(fake.count(), before + 2, `${label}: the stale cache is a fallback, not a shortcut`);
      assert.deepEqual(r.data.results.map((s) => s.name), names, label);
      assert.deepEqual(r.data.sources.map((s) => s.cache), ["stale", "stale"], label);
      assert.match(r.stderr, /warning: showing PulseMCP results cached \d+ s ago: PulseMCP/, label);
      assert.match(r.stderr, why, label);
    }
    // the human form shows the table and the note
    const h = expectCode(await sb.run(["search", "brave"], { env: STALE_ENV }), 0);
    assert.match(h.stdout, new RegExp(BRAVE));
    assert.match(h.stderr, /showing the MCP Registry results cached .* ago/);

    // 429 with Retry-After: stale now, and no request to that host until the time is up
    fake.fail("pulse", { status: 429, headers: { "retry-after": "120" } });
    fake.fail("registry", { status: 429, headers: { "retry-after": "120" } });
    const limited = await sb.json<SearchJson>(["search", "brave"], { env: STALE_ENV });
    assert.equal(limited.code, 0);
    assert.match(limited.stderr, /answered 429.*too many requests \(retry after 120 s\)/);
    fake.fail("pulse");
    fake.fail("registry");
    const before = fake.count();
    const waited = await sb.json<SearchJson>(["search", "brave", "--refresh"], { env: STALE_ENV });
    assert.equal(fake.count(), before, "Retry-After is honoured across runs, even with --refresh");
    assert.deepEqual(waited.data.results.map((s) => s.name), names);
    assert.match(waited.stderr, /asked mcp-nexus to wait until .*Retry-After\); no request was made/);
  }));

Deno.test("without a cache, each failure is a clear error naming the URL, with a fix", () =>
  withMarket(async (sb, fake) => {
    for (const [label, failure, why, code] of FAILURES) {
      fake.fail("pulse", failure);
      const r = await sb.json<{ error: { code: string; message: string; hint: string } }>(
        ["search", "brave", "--source", "pulsemcp"],
        { env: { MCP_NEXUS_HTTP_TIMEOUT_MS: "400" } },
      );
      assert.equal(r.code, 1, label);
      assert.equal(r.data.error.code, code, label);
      assert.match(r.data.error.message, why, label);
      assert.match(r.data.error.message, new RegExp(`${fake.origin}/pulse/v0beta/servers`), label);
      assert.ok(r.data.error.hint, label);
    }
    fake.fail("pulse", { status: 500 });
    const h = expectCode(await sb.run(["search", "brave", "--source", "pulsemcp"]), 1);
    assert.match(h.stderr, /^error: PulseMCP answered 500 .*\n {2}fix: PulseMCP is having trouble/);
    assert.equal(h.stdout, "");

    // one source down: the other's results, with a warning
    const partial = await sb.json<SearchJson>(["search", "brave"]);
    assert.equal(partial.code, 0);
    assert.deepEqual(partial.data.results.map((s) => s.name), [BRAVE]);
    assert.equal(partial.data.sources.find((s) => s.source === "pulsemcp")!.error!.code, "E_UPSTREAM_DOWN");
    assert.match(partial.stderr, /warning: PulseMCP left out: PulseMCP answered 500/);

    // a redirect to a host outside the permission set is refused by Deno, before any connection
    fake.fail("pulse", {
      status: 302,
      headers: { location: "https://elsewhere.example.net/v0beta/servers" },
    });
    const moved = await sb.json<{ error: { code: string; message: string } }>([
      "search",
      "brave",
      "--source",
      "pulsemcp",
    ]);
    assert.equal(moved.code, 2);
    assert.equal(moved.data.error.code, "E_HOST_NOT_ALLOWED");
    assert.match(
      moved.data.error.message,
      /Cannot reach elsewhere\.example\.net \(PulseMCP, redirected from 127\.0\.0\.1:\d+\)/,
    );

    fake.fail("pulse", { status: 429 });
    const limited = await sb.json<{ error: { code: string } }>(["search", "brave", "--source", "pulsemcp"]);
    assert.equal(limited.data.error.code, "E_RATE_LIMITED");
  }));

Deno.test("a base URL on a host outside the permission set, or nothing listening, is a clear error", () =>
  withSandbox(async (sb) => {
    const outside = await sb.json<{ error: { code: string; message: string; hint: string } }>(
      ["search", "brave", "--source", "pulsemcp"],
      { env: { MCP_NEXUS_PULSEMCP_URL: "https://mirror.example.org/v0beta" } },
    );
    assert.equal(outside.code, 2);
    assert.equal(outside.data.error.code, "E_HOST_NOT_ALLOWED");
    assert.match(
      outside.data.error.message,
      /mirror\.example\.org .*not in mcp-nexus's network permission set/,
    );
    assert.match(outside.data.error.hint, /MCP_NEXUS_PULSEMCP_URL points at mirror\.example\.org/);

    const bad = await sb.run(["search", "x", "--source", "registry"], {
      env: { MCP_NEXUS_REGISTRY_URL: "ftp://127.0.0.1/" },
    });
    expectCode(bad, 2);
    assert.match(bad.stderr, /MCP_NEXUS_REGISTRY_URL must be an http\(s\) URL/);

    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (l.addr as Deno.NetAddr).port;
    l.close();
    const offline = await sb.run(["search", "x", "--source", "registry"], {
      env: { MCP_NEXUS_REGISTRY_URL: `http://127.0.0.1:${port}` },
    });
    expectCode(offline, 1);
    assert.match(
      offline.stderr,
      new RegExp(`error: Cannot reach 127\\.0\\.0\\.1:${port} \\(the MCP Registry\\)`),
    );
    assert.match(offline.stderr, /fix: Check your network connection/);
  }));

Deno.test("show prints packages, remotes, env vars and headers (which are secret), and the repo", () =>
  withMarket(async (sb, fake) => {
    const brave = expectCode(await sb.run(["show", BRAVE]), 0);
    assert.match(
      brave.stdout,
      /repository: https:\/\/github\.com\/modelcontextprotocol\/servers\/tree\/HEAD\/src\/brave-search/,
    );
    assert.match(brave.stdout, /runs: npx -y @modelcontextprotocol\/server-brave-search@1\.0\.2\n/);
    assert.match(brave.stdout, /BRAVE_API_KEY {2}env BRAVE_API_KEY, required, secret: Brave Search API Key/);

    const hybrid = expectCode(await sb.run(["show", "io.modelcontextprotocol.anonymous/hybrid-mcp"]), 0);
    assert.match(hybrid.stdout, /runs: npx -y @example\/hybrid-mcp-server@1\.5\.0 --mode local/);
    assert.match(hybrid.stdout, /streamable-http https:\/\/mcp\.anonymous\.modelcontextprotocol\.io\/http/);
    assert.match(hybrid.stdout, /X-API-Key {2}header X-API-Key, required, secret/);
    assert.match(hybrid.stdout, /--use npm\|remote to choose/);

    const tenant = await sb.json<{ installable: Array<{ kind: string; runs: string; inputs: unknown[] }> }>([
      "show",
      "com.example/tenant-remote",
    ]);
    assert.deepEqual(tenant.data.installable.map((t) => [t.kind, t.runs]), [
      ["remote", "https://<tenant>.example.com/mcp"],
    ]);
    assert.deepEqual(
      tenant.data.installable[0].inputs.map((i) => (i as { key: string; secret: boolean }).key),
      ["tenant", "token"],
    );

    // a PulseMCP slug: found by searching PulseMCP (it has no per-server endpoint)
    const slides = expectCode(await sb.run(["show", "06ketan-slideshot"]), 0);
    assert.match(slides.stdout, /^06ketan-slideshot {2}\(Slideshot\)/);
    assert.match(slides.stdout, /GitHub stars: 2\n {2}downloads: 100/);
    assert.match(slides.stdout, /PulseMCP does not list environment variables/);
    // a bare word PulseMCP does not know, matching one Registry name
    const short = expectCode(await sb.run(["show", "files-oci"]), 0);
    assert.match(short.stdout, /^io\.github\.example\/files-oci/);
    assert.match(short.stdout, /source_path {2}runtime argument --mount variable \{source_path\}, required/);

    const missing = await sb.json<{ error: { code: string } }>(["show", "com.example/nope"]);
    assert.equal(missing.code, 3);
    assert.equal(missing.data.error.code, "E_MARKET_NOT_FOUND");
    expectCode(await sb.run(["show", "no-such-thing"]), 3);

    // show uses the cache too, and falls back to it
    fake.fail("registry", { status: 503 });
    const stale = expectCode(await sb.run(["show", BRAVE], { env: STALE_ENV }), 0);
    assert.match(stale.stdout, /BRAVE_API_KEY/);
    assert.match(
      stale.stderr,
      /warning: showing what was known about .* cached .* ago: the MCP Registry answered 503/,
    );
  }));

Deno.test("marketplace text cannot put terminal escape codes on the screen", () =>
  withMarket(async (sb) => {
    for (const args of [["search", "escapes"], ["show", "demo-escapes"]]) {
      const r = expectCode(await sb.run(args), 0);
      assert.match(r.stdout, /demo-escapes/);
      assert.match(r.stdout, /Prints \[31mred \[0m text and rings a bell/);
      // deno-lint-ignore no-control-regex
      assert.ok(!/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(r.stdout), `control characters in:\n${r.stdout}`);
    }
  }));

Deno.test({
  name: "on a terminal, a slow search shows a spinner on stderr and clears it; --json never does",
  ignore: Deno.build.os !== "linux" || !HAS_SCRIPT,
  fn: () =>
    withMarket(async (sb, fake) => {
      fake.fail("pulse", { delayMs: 800 });
      const screenOf = async (args: string[]) =>
        new TextDecoder().decode((await onTty(sb, args, "null").output()).stdout);
      const screen = await screenOf(["search", "brave", "--refresh"]);
      // deno-lint-ignore no-control-regex
      assert.match(screen, /\r\x1b\[2K. Searching PulseMCP and the MCP Registry…/);
      // deno-lint-ignore no-control-regex
      assert.match(screen, /\r\x1b\[2K(\r\n)?NAME\s+DESCRIPTION/, "cleared before the table");
      const json = await screenOf(["search", "brave", "--refresh", "--json"]);
      assert.ok(!json.includes("Searching"), json);
      assert.ok(JSON.parse(json.replace(/\r\n/g, "\n")).results.length > 0);
    }),
});
