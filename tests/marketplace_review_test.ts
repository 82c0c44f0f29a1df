/**
 * Review findings on the marketplace commands: the hints they print repeat the options the user gave,
 * so running a hint as printed continues the same query (search paging) or the same install.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode } from "./helpers.ts";
import { REGISTRY_REAL, withMarket } from "./fixtures/marketplace/fake.ts";
import { fromRegistry, ServerResponse } from "../src/core/marketplace/official.ts";
import { defaultLocalName } from "../src/core/marketplace/install.ts";

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

const AIRTABLE = "io.github.domdomegg/airtable-mcp-server";

Deno.test({
  name:
    "install: the stdin hint keeps --use, --pin, --client and --env, works as printed, and never echoes a value",
  ignore: Deno.build.os !== "linux",
  fn: () =>
    withMarket(
      async (sb) => {
        const base = ["install", AIRTABLE, "--pin", "1.7.2", "--use", "npm", "--client", "cursor"];
        const r = expectCode(await sb.run([...base, "--env", "LOG_LEVEL=info"], { stdin: "" }), 2);
        const hint = r.stderr.split("\n").find((l) => l.includes("fix:")) ?? "";
        const cmd = hint.slice(hint.indexOf("| mcp-nexus ") + "| mcp-nexus ".length);
        assert.match(cmd, /^install io\.github\.domdomegg\/airtable-mcp-server /, hint);
        for (const f of ["--pin 1.7.2", "--use npm", "--client cursor", "--env LOG_LEVEL=info"]) {
          assert.ok(cmd.includes(f), `${f} kept in: ${cmd}`);
        }
        const ok = expectCode(
          await sb.run(cmd.split(" "), { stdin: "AIRTABLE_API_KEY=patReview00000000000\n" }),
          0,
        );
        assert.match(ok.stdout + ok.stderr, /airtable-mcp-server@1\.7\.2/);
        const reg = JSON.parse(await Deno.readTextFile(join(sb.nexusHome, "registry.json")));
        assert.deepEqual(reg.servers["airtable-mcp-server"].clients, ["cursor"]);
        assert.equal(reg.servers["airtable-mcp-server"].env?.LOG_LEVEL, "info");

        // a secret given with --env is refused, and its value is not repeated in the hint
        const canary = "patCanaryReview1234567890abcdef";
        const bad = expectCode(
          await sb.run([...base, "--as", "at2", "--env", `AIRTABLE_API_KEY=${canary}`], { stdin: "" }),
          2,
        );
        assert.ok(!bad.stderr.includes(canary) && !bad.stdout.includes(canary), bad.stderr);
        assert.match(bad.stderr, /--use npm/);
      },
      {},
      { data: "real" },
    ),
});

Deno.test("README's marketplace examples name servers the recorded real registry data has", () =>
  withMarket(
    async (sb) => {
      const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
      const section = readme.slice(readme.indexOf("### Marketplace"));
      const block = section.slice(
        section.indexOf("```sh"),
        section.indexOf("```", section.indexOf("```sh") + 5),
      );
      const names = [...block.matchAll(/mcp-nexus (?:show|install) (\S+)/g)].map((m) => m[1]);
      assert.ok(names.length >= 4, block);
      for (const name of names) {
        const r = await sb.run(["show", name, "--json"]);
        assert.equal(r.code, 0, `README: mcp-nexus show ${name}\n${r.stderr}`);
      }
    },
    {},
    { data: "real" },
  ));

Deno.test("install's default name skips a generic namespace label: com.cloudflare.mcp/mcp installs as 'cloudflare'", () => {
  const get = (name: string) =>
    fromRegistry(ServerResponse.parse(REGISTRY_REAL.servers.find((s) => s.server.name === name)!));
  assert.equal(defaultLocalName(get("com.cloudflare.mcp/mcp")), "cloudflare");
  // unchanged where the namespace's last label is not generic
  assert.equal(defaultLocalName(get("com.notion/mcp")), "notion");
  assert.equal(defaultLocalName(get("com.stripe/mcp")), "stripe");
});

Deno.test("search: an empty page with more after it (--remote filters a page) says so, with the next page's command", () =>
  withMarket(async (sb) => {
    const r = expectCode(await sb.run(["search", "--remote", "--limit", "1"]), 0);
    assert.doesNotMatch(r.stdout, /^No servers match/m, "there are remote servers on later pages");
    assert.match(r.stdout, /^More: mcp-nexus search --limit 1 --remote --page 2$/m, r.stdout);
  }));
