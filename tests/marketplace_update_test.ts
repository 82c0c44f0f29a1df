/**
 * `outdated` and `update` end to end: installed npm and PyPI versions against fake npm and PyPI
 * registries on 127.0.0.1, compared with real semver (0.10.0 is newer than 0.4.0), cached like the
 * marketplace answers, and pinned by `update` without touching commands edited by hand. Uses the
 * read-only `env` secret backend, so no keychain is needed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode, type Sandbox } from "./helpers.ts";
import { type FakeMarket, withMarket } from "./fixtures/marketplace/fake.ts";

const BRAVE = "io.modelcontextprotocol.anonymous/brave-search";

// deno-lint-ignore no-explicit-any
type Json = any;

const withEnvBackend = (fn: (sb: Sandbox, fake: FakeMarket) => Promise<void>) =>
  withMarket(fn, {
    MCP_NEXUS_BACKEND: "env",
    MCP_NEXUS_SECRET_BRAVE_BRAVE_API_KEY: "set-in-the-environment",
  });

const registryFile = (sb: Sandbox) => join(sb.nexusHome, "registry.json");

Deno.test("outdated compares with semver; update pins the latest, leaves hand-edited commands alone", () =>
  withEnvBackend(async (sb, fake) => {
    // the secret is already in the (env) backend: install keeps it and stores nothing
    const b = await sb.json<Json>(["install", BRAVE, "--as", "brave"]);
    assert.equal(b.code, 0, JSON.stringify(b.data));
    assert.equal(b.data.secrets[0].status, "kept");
    expectCode(await sb.run(["install", "io.github.example/weather-py", "--env", "WEATHER_UNITS=metric"]), 0);
    expectCode(await sb.run(["install", "io.modelcontextprotocol.anonymous/hybrid-mcp"]), 0);
    expectCode(await sb.run(["server", "add", "manual", "--", "npx", "-y", "something@1.0.0"]), 0);

    const o = await sb.json<Json>(["outdated"]);
    assert.equal(o.code, 0);
    const rows = o.data.servers.map((r: Json) => [r.name, r.version, r.latest, r.status, r.kind ?? null]);
    assert.deepEqual(rows, [
      ["brave", "1.0.2", "1.2.0", "outdated", "minor"],
      ["hybrid-mcp", "1.5.0", "1.5.0", "current", null],
      ["weather-py", "0.4.0", "0.10.0", "outdated", "minor"],
    ], "servers not installed from npm/PyPI are not listed; 0.10.0 > 0.4.0");
    assert.equal(o.data.outdated, 2);
    const npmReq = fake.requests.find((r) => r.api === "npm" && r.path.includes("brave"))!;
    assert.equal(npmReq.path, "/npm/@modelcontextprotocol%2Fserver-brave-search/latest");
    assert.ok(fake.requests.some((r) => r.path === "/pypi/pypi/mcp-weather/json"));

    const human = expectCode(await sb.run(["outdated"]), 0);
    assert.match(human.stdout, /^NAME\s+PACKAGE\s+INSTALLED\s+LATEST\s+STATUS/);
    assert.match(human.stdout, /weather-py\s+pypi mcp-weather\s+0\.4\.0\s+0\.10\.0\s+update \(minor\)/);
    assert.match(human.stdout, /2 can be updated: mcp-nexus update/);
    const n = fake.count();
    expectCode(await sb.run(["outdated", "weather-py"]), 0);
    assert.equal(fake.count(), n, "version lookups are cached too");

    const before = await Deno.readTextFile(registryFile(sb));
    const dry = await sb.json<Json>(["update", "--dry-run"]);
    assert.equal(dry.code, 0);
    assert.deepEqual(dry.data.updated.map((c: Json) => [c.name, c.from, c.to]), [
      ["brave", "1.0.2", "1.2.0"],
      ["weather-py", "0.4.0", "0.10.0"],
    ]);
    assert.equal(await Deno.readTextFile(registryFile(sb)), before, "--dry-run changes nothing");

    // a command edited by hand is skipped (exit 5), the rest is updated
    const reg = JSON.parse(before);
    reg.servers.brave.args = ["-y", "@modelcontextprotocol/server-brave-search@latest"];
    await Deno.writeTextFile(registryFile(sb), JSON.stringify(reg, null, 2));
    const upd = await sb.json<Json>(["update"]);
    assert.equal(upd.code, 5);
    assert.deepEqual(upd.data.updated.map((c: Json) => c.name), ["weather-py"]);
    assert.equal(upd.data.skipped[0].name, "brave");
    assert.equal(upd.data.next, "mcp-nexus sync");
    assert.match(
      upd.stderr,
      /brave skipped: its command no longer runs @modelcontextprotocol\/server-brave-search@1\.0\.2/,
    );
    const after = JSON.parse(await Deno.readTextFile(registryFile(sb))).servers;
    assert.deepEqual(after["weather-py"].args, ["mcp-weather==0.10.0"]);
    assert.equal(after["weather-py"].source.version, "0.10.0");
    assert.deepEqual(after.brave.args, ["-y", "@modelcontextprotocol/server-brave-search@latest"]);

    const again = expectCode(await sb.run(["update", "weather-py"]), 0);
    assert.match(again.stdout, /Nothing to update/);
    expectCode(await sb.run(["outdated", "nope"]), 3);
  }));

Deno.test("when npm cannot be asked, outdated says so per server and fails if nothing could be checked", () =>
  withEnvBackend(async (sb, fake) => {
    expectCode(await sb.run(["install", "io.modelcontextprotocol.anonymous/hybrid-mcp"]), 0);
    fake.fail("npm", { status: 503 });
    const r = await sb.json<Json>(["outdated", "--refresh"]);
    assert.equal(r.code, 1);
    assert.equal(r.data.servers[0].error.code, "E_UPSTREAM_DOWN");
    assert.match(r.stderr, /hybrid-mcp: the npm registry answered 503/);
    fake.fail("npm");
    const ok = await sb.json<Json>(["outdated"]);
    assert.equal(ok.code, 0);
    assert.equal(ok.data.servers[0].status, "current");
  }));
