/** Smaller things a new user hits: usage errors, a value in argv, warnings and suggestions that fit. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode, HAS_SECRET_SERVICE, withSandbox } from "./helpers.ts";
import { runHint } from "./fixtures/pty.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

async function registry(nexusHome: string): Promise<Json> {
  return JSON.parse(await Deno.readTextFile(join(nexusHome, "registry.json")).catch(() => '{"servers":{}}'));
}

Deno.test("secret set NAME VALUE refuses without echoing the value and says how to pipe it; the hint works", () =>
  withSandbox(async (sb) => {
    const canary = `sk-canary-${crypto.randomUUID()}`;
    for (const args of [["secret", "set", "api-key", canary], ["secret", "set", `api-key=${canary}`]]) {
      const r = await sb.run(args);
      assert.equal(r.code, 2, r.stderr);
      assert.ok(!(r.stdout + r.stderr).includes(canary), `the value was echoed:\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, /printf %s "\$TOKEN" \| mcp-nexus secret set api-key/);
      const j = await sb.json<Json>(args);
      assert.equal(j.code, 2);
      assert.ok(!JSON.stringify(j.data).includes(canary));
      assert.equal(j.data.error.hint, 'printf %s "$TOKEN" | mcp-nexus secret set api-key');
    }
    assert.equal((await sb.run(["secret", "exists", "api-key"])).code, 3, "nothing was stored");
    if (HAS_SECRET_SERVICE) {
      const hint = (await sb.json<Json>(["secret", "set", "api-key", canary])).data.error.hint;
      const r = await runHint(sb, hint, { TOKEN: canary });
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await sb.run(["secret", "get", "api-key", "--reveal"])).stdout.trim(), canary);
    }
  }));

Deno.test("server add -- npx x: a missing name is an error (no server named npx); its hint works", () =>
  withSandbox(async (sb) => {
    const j = await sb.json<Json>([
      "server",
      "add",
      "--",
      "npx",
      "-y",
      "@modelcontextprotocol/server-everything",
    ]);
    assert.equal(j.code, 2, JSON.stringify(j.data));
    assert.deepEqual(Object.keys((await registry(sb.nexusHome)).servers), [], "nothing added");
    const hint = j.data.error.hint as string;
    assert.match(hint, /^mcp-nexus server add \S+ -- npx -y @modelcontextprotocol\/server-everything$/);
    const r = await runHint(sb, hint);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(Object.keys((await registry(sb.nexusHome)).servers), ["server-everything"]);
    // options before -- are not a name either
    const o = await sb.run(["server", "add", "--env", "A=b", "--", "npx", "x"]);
    assert.equal(o.code, 2, o.stderr);
    // a name before -- still works, with options on either side
    expectCode(await sb.run(["server", "add", "--env", "A=b", "named", "--", "npx", "x"]), 0);
  }));

Deno.test("server add --url with an invalid URL is a usage error (exit 2)", () =>
  withSandbox(async (sb) => {
    for (const url of ["not a url", "notaurl", "ftp://example.com/x", "http://"]) {
      const r = await sb.run(["server", "add", "r", "--url", url]);
      assert.equal(r.code, 2, `${url}: ${r.stderr}`);
      assert.match(r.stderr, /--url/);
    }
  }));

Deno.test("bare mcp-nexus, secret and server without a subcommand exit 2 with help on stderr", () =>
  withSandbox(async (sb) => {
    for (const args of [[], ["secret"], ["server"], ["backup"], ["client"]]) {
      const r = await sb.run(args);
      assert.equal(r.code, 2, `${args.join(" ")}: exit ${r.code}`);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, /Usage: mcp-nexus/);
    }
    const j = await sb.json<Json>([]); // `mcp-nexus --json`: the contract's error, not the version
    assert.equal(j.code, 2);
    assert.equal(j.data.error.code, "E_USAGE");
    const help = await sb.run(["help"]);
    assert.equal(help.code, 0, "asking for help is not an error");
    assert.match(help.stdout, /Usage: mcp-nexus/);
  }));

Deno.test("secret rm of a secret a server still refers to warns, naming the servers", () =>
  withSandbox(async (sb) => {
    assert.ok(HAS_SECRET_SERVICE);
    expectCode(await sb.run(["secret", "set", "gh-token"], { stdin: "v1" }), 0);
    for (const n of ["github", "gh-actions"]) {
      expectCode(
        await sb.run(["server", "add", n, "--env", "GITHUB_TOKEN=${keychain:gh-token}", "--", "npx", "x"]),
        0,
      );
    }
    const r = await sb.run(["secret", "rm", "gh-token"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: .*'gh-actions', 'github'/);
    assert.match(r.stderr, /mcp-nexus secret set gh-token/);
    expectCode(await sb.run(["secret", "set", "other"], { stdin: "v2" }), 0);
    const quiet = await sb.run(["secret", "rm", "other"]);
    assert.equal(quiet.code, 0);
    assert.doesNotMatch(quiet.stderr, /warning/);
  }));

Deno.test("with the read-only env backend, secret list suggests the variable, not secret set", () =>
  withSandbox(async (sb) => {
    const r = await sb.run(["--backend", "env", "secret", "list"]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /secret set/);
    assert.match(r.stdout, /MCP_NEXUS_SECRET_/);
  }));
