/**
 * `mcp-nexus check` against a real MCP server (@modelcontextprotocol/server-everything, installed into
 * .test-deps/ by scripts/test-deps.sh): the handshake goes through the launcher with the server's
 * secret resolved, as an AI client's start would.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode, HAS_SECRET_SERVICE, REPO, type Sandbox, withSandbox } from "./helpers.ts";
import type { CheckResult } from "../src/core/launch/mcp_check.ts";
import { startGatedEverything } from "./fixtures/gated_everything.ts";

const EVERYTHING = join(REPO, ".test-deps", "node_modules", ".bin", "mcp-server-everything");
const linux = { ignore: Deno.build.os !== "linux" };

async function requireEverything(): Promise<void> {
  try {
    await Deno.stat(EVERYTHING);
  } catch {
    throw new Error(`${EVERYTHING} is missing: run bash scripts/test-deps.sh (deno task test does)`);
  }
}

async function sha256(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

type CheckJson = { ok: boolean; servers: CheckResult[] };

async function add(sb: Sandbox, args: string[]): Promise<void> {
  expectCode(await sb.run(["server", "add", ...args]), 0);
}

Deno.test({
  name:
    "check: initialize + tools/list with server-everything through the launcher, keychain secret in its env",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      assert.ok(HAS_SECRET_SERVICE, "run with `deno task test` (a private Secret Service)");
      await requireEverything();
      const secret = `canary-${crypto.randomUUID()}`;
      expectCode(await sb.run(["secret", "set", "ev-key"], { stdin: secret }), 0);
      // the server starts only if the secret reached its environment intact
      const gate = `[ "$(printf %s "$API_KEY" | sha256sum | cut -c1-64)" = "${await sha256(secret)}" ] ` +
        `|| { echo "API_KEY did not arrive" >&2; exit 66; }; exec "$0" stdio`;
      await add(sb, [
        "everything",
        "--env",
        "API_KEY=${keychain:ev-key}",
        "--",
        "sh",
        "-c",
        gate,
        EVERYTHING,
      ]);

      const r = await sb.json<CheckJson>(["check", "everything"]);
      assert.equal(r.code, 0, JSON.stringify(r.data));
      assert.equal(r.data.ok, true);
      assert.equal(r.data.servers.length, 1);
      const s = r.data.servers[0];
      assert.equal(s.name, "everything");
      assert.equal(s.transport, "stdio");
      assert.equal(s.ok, true);
      assert.ok(s.tools !== null && s.tools > 0);
      assert.equal(s.tools, s.toolNames.length);
      assert.ok(s.toolNames.includes("echo"), s.toolNames.join(","));
      assert.match(s.serverInfo?.name ?? "", /everything/);
      assert.ok(typeof s.ms === "number" && s.ms > 0);
      assert.equal(s.error, undefined);

      const human = expectCode(await sb.run(["check"]), 0);
      assert.match(human.stdout, /^SERVER\s+TRANSPORT\s+RESULT\s+TOOLS\s+TIME$/m);
      assert.match(human.stdout, new RegExp(`^everything\\s+stdio\\s+ok\\s+${s.tools}\\s+[\\d.]+ m?s$`, "m"));
      assert.match(human.stdout, /All 1 server answered\./);
      for (const text of [JSON.stringify(r), human.stdout, human.stderr]) assert.ok(!text.includes(secret));
    }),
});

Deno.test({
  name: "check: a failing server makes it exit 1 with its stderr tail, redacted; disabled ones are skipped",
  fn: () =>
    withSandbox(async (sb) => {
      await requireEverything();
      const secret = `canary-${crypto.randomUUID()}`;
      await add(sb, ["good", "--", EVERYTHING, "stdio"]);
      await add(sb, [
        "bad",
        "--env",
        "TOKEN=${keychain:tok}",
        "--",
        "sh",
        "-c",
        'echo "starting"; echo "boom: bad config, token $TOKEN" >&2; exit 9',
      ]);
      await add(sb, ["off", "--", "sh", "-c", "exit 1"]);
      expectCode(await sb.run(["server", "disable", "off"]), 0);
      const env = { MCP_NEXUS_SECRET_TOK: secret };

      const r = await sb.json<CheckJson>(["--backend", "env", "check"], { env });
      assert.equal(r.code, 1);
      assert.equal(r.data.ok, false);
      assert.deepEqual(r.data.servers.map((s) => [s.name, s.ok]), [["bad", false], ["good", true]]);
      const bad = r.data.servers[0];
      assert.equal(bad.tools, null);
      assert.equal(bad.error?.code, "E_CHECK_FAILED");
      assert.match(bad.error!.message, /Server 'bad' failed the MCP handshake \(it exited with code 9\)/);
      assert.match(bad.stderr ?? "", /boom: bad config, token ••••••/);

      const human = expectCode(await sb.run(["--backend", "env", "check"], { env }), 1);
      assert.match(human.stdout, /^bad\s+stdio\s+FAILED\s+-/m);
      assert.match(human.stdout, /^ {4}\| boom: bad config, token ••••••$/m);
      assert.match(human.stdout, /1 of 2 servers failed\./);
      for (const text of [JSON.stringify(r.data), r.stderr, human.stdout, human.stderr]) {
        assert.ok(!text.includes(secret), "a secret value was printed");
      }

      // the launcher's own error (a missing secret) is what check shows
      const miss = await sb.json<CheckJson>(["--backend", "env", "check", "bad"]);
      assert.equal(miss.code, 1);
      assert.match(miss.data.servers[0].stderr ?? "", /env\.TOKEN → tok.*MCP_NEXUS_SECRET_TOK/);
    }),
});

Deno.test({
  name:
    "check: remote servers on any host, through the bridge, with resolved headers; one that does not answer fails",
  fn: () =>
    withSandbox(async (sb) => {
      await requireEverything();
      // a real server behind a gate that lets through only requests with the resolved header
      const secret = `canary-${crypto.randomUUID()}`;
      const remote = await startGatedEverything(secret, "127.0.0.2");
      try {
        await add(sb, [
          "local",
          "--url",
          remote.url,
          "--header",
          "Authorization=Bearer ${keychain:tok}",
        ]);
        await add(sb, ["far", "--url", "http://127.0.0.1:9/mcp"]);
        const r = await sb.json<CheckJson>(["--backend", "env", "check"], {
          env: { MCP_NEXUS_SECRET_TOK: secret },
        });
        assert.equal(r.code, 1);
        const [far, local] = r.data.servers;
        assert.equal(local.name, "local");
        assert.equal(local.transport, "http");
        assert.equal(local.ok, true, JSON.stringify(local.error));
        assert.ok(local.tools !== null && local.tools > 0);
        assert.equal(far.ok, false);
        assert.equal(far.error?.code, "E_CHECK_FAILED");
        assert.ok(remote.authorized > 0);
        assert.ok(!JSON.stringify(r.data).includes(secret));
      } finally {
        await remote.close();
      }
    }),
});

Deno.test({
  name: "check: an unknown server is exit 3; an empty registry is fine",
  fn: () =>
    withSandbox(async (sb) => {
      const empty = expectCode(await sb.run(["check"]), 0);
      assert.match(empty.stdout, /No servers yet/);
      const none = await sb.json<{ error: { code: string } }>(["check", "nope"]);
      assert.equal(none.code, 3);
      assert.equal(none.data.error.code, "E_SERVER_NOT_FOUND");
    }),
});
