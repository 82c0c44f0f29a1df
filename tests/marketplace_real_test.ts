/**
 * The marketplace against data the registries really published (tests/fixtures/marketplace/README.md):
 * every latest server of a recorded dump of the official MCP Registry goes through `show` and
 * `install` (in-process through the core functions, for speed; a handful through the real CLI against
 * the fake API serving the same dump) and ends as installed or refused with a reason. None crashes,
 * none yields a command its runtime rejects, none stores a literal placeholder or a plaintext secret.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode, HAS_SECRET_SERVICE, type Sandbox } from "./helpers.ts";
import { PULSE_REAL, REGISTRY_REAL, withMarket } from "./fixtures/marketplace/fake.ts";
import { fromRegistry, ServerResponse } from "../src/core/marketplace/official.ts";
import { fromPulse, PulseServer } from "../src/core/marketplace/pulsemcp.ts";
import {
  buildEntry,
  chooseTarget,
  defaultLocalName,
  HAS_PLACEHOLDER,
  type InputSpec,
  previewResolver,
} from "../src/core/marketplace/install.ts";
import { type Answers, checkAnswers, finishInstall, settleAnswers } from "../src/core/marketplace/plan.ts";
import { renderShow } from "../src/core/marketplace/render.ts";
import { NexusError } from "../src/core/model/errors.ts";
import { isPlaintextSecret } from "../src/core/secrets/secret_detect.ts";
import type { MarketServer } from "../src/core/marketplace/types.ts";

const CANARY = "sk-canaryREALDUMP0123456789abcdef";
const linux = { ignore: Deno.build.os !== "linux" };

// deno-lint-ignore no-explicit-any
type Json = any;

const latest = REGISTRY_REAL.servers.filter((s) =>
  (s._meta as Json)?.["io.modelcontextprotocol.registry/official"]?.isLatest
);

/** A user answering every required input: secrets with the canary, others with a valid value. */
function answersFor(inputs: InputSpec[]): Answers {
  const a: Answers = { values: new Map(), secrets: new Map(), kept: new Set() };
  for (const i of inputs) {
    if (i.secret) a.secrets.set(i.key, CANARY);
    else if (i.required && i.default === undefined) {
      a.values.set(
        i.key,
        i.choices?.[0] ?? (i.format === "number" ? "8080" : i.format === "boolean" ? "true" : "v"),
      );
    }
  }
  return a;
}

const bare = (s: string) => s.replace(/^docker\.io\//, "").replace(/@sha256:.*$/, "").replace(/:[^/:]+$/, "");

/** What each runtime needs of its argument vector, checked independently of the builder. */
function runtimeShape(command: string, args: string[], pkg: string): string | undefined {
  const isPkg = (a: string) =>
    a === pkg || a.startsWith(`${pkg}@`) || a.startsWith(`${pkg}==`) ||
    (command === "docker" && bare(a) === bare(pkg));
  const at = args.findIndex(isPkg);
  if (at < 0) return "the package is not in the command";
  if (args.filter(isPkg).length !== 1) return "the package appears more than once";
  const before = args.slice(0, at);
  if (command === "npx" && before[0] !== "-y") return "npx without -y would prompt";
  if (command === "uvx" && before.includes("-m")) return "uvx has no -m";
  if (command === "docker" && (before[0] !== "run" || !before.includes("-i"))) {
    return "docker run -i expected";
  }
  if (command === "pipx" && before[0] !== "run") return "pipx run expected";
  if (command === "dnx" && at !== 0) return "dnx takes the package first";
  return undefined;
}

function strings(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === "object") return Object.values(v).flatMap(strings);
  return [];
}

Deno.test("every latest server of the recorded MCP Registry dump is shown, then installed or refused with a reason", () => {
  assert.ok(latest.length > 1000, `the dump has ${latest.length} latest servers`);
  const outcome: Record<string, number> = {};
  const taken = new Map<string, string>();
  const problems: string[] = [];
  for (const raw of latest) {
    const r = ServerResponse.safeParse(raw);
    if (!r.success) {
      problems.push(`${raw.server.name}: not parsed: ${r.error.issues[0].message}`);
      continue;
    }
    const server = fromRegistry(r.data);
    // show never fails and mentions every header of every remote
    const shown = renderShow(server);
    for (const rm of server.remotes) {
      for (const h of rm.headers) {
        if (h.name && !shown.includes(h.name)) problems.push(`${server.name}: show omits ${h.name}`);
      }
    }
    let key: string;
    try {
      const target = chooseTarget(server);
      const local = defaultLocalName(server, (n) => taken.get(n) ?? null);
      const dry = buildEntry(server, target, previewResolver, { localName: local });
      const answers = answersFor(dry.inputs);
      settleAnswers(dry.inputs, answers);
      checkAnswers(dry.inputs, answers, () => "", local);
      const { entry: parsedEntry, secrets, built } = finishInstall(server, target, answers, {
        localName: local,
      });
      taken.set(local, server.name);
      const entry = parsedEntry as Json;
      const text = JSON.stringify(entry);
      if (text.includes(CANARY)) problems.push(`${server.name}: the secret is in the entry`);
      for (const s of strings({ env: entry.env, headers: entry.headers, args: entry.args, url: entry.url })) {
        const plain = s.replace(/\$\{keychain:[^}]*\}/g, "");
        const m = HAS_PLACEHOLDER.exec(plain);
        if (m && built.inputs.some((i) => `{${i.key}}` === m[0])) {
          problems.push(`${server.name}: placeholder ${m[0]} stored`);
        }
      }
      for (const [k, v] of Object.entries({ ...(entry.env ?? {}), ...(entry.headers ?? {}) })) {
        if (isPlaintextSecret(k, v as string)) problems.push(`${server.name}: ${k} holds a plaintext secret`);
      }
      for (const v of secrets.values()) if (!v) problems.push(`${server.name}: an empty secret stored`);
      if (entry.transport === "stdio") {
        const why = runtimeShape(entry.command!, entry.args ?? [], entry.source!.package!);
        if (why) problems.push(`${server.name}: ${entry.command} ${why}: ${(entry.args ?? []).join(" ")}`);
      }
      key = `installed (${target.kind})`;
    } catch (err) {
      if (!(err instanceof NexusError)) {
        problems.push(`${server.name}: crashed: ${(err as Error).stack}`);
        continue;
      }
      assert.ok(err.message.length > 20 && err.message.includes(server.name), err.message);
      key = `refused: ${err.code}`;
    }
    outcome[key] = (outcome[key] ?? 0) + 1;
  }
  assert.deepEqual(problems, []);
  const installed = Object.entries(outcome).filter(([k]) => k.startsWith("installed")).reduce(
    (n, [, c]) => n + c,
    0,
  );
  console.log(`${latest.length} latest servers:`, JSON.stringify(outcome, null, 1));
  assert.equal(Object.values(outcome).reduce((a, b) => a + b, 0), latest.length);
  // the counts README.md and tests/fixtures/marketplace/README.md report
  assert.deepEqual(outcome, {
    "installed (remote)": 450,
    "installed (npm)": 321,
    "installed (pypi)": 147,
    "installed (oci)": 45,
    "installed (nuget)": 11,
    "refused: E_UNSUPPORTED": 66,
    "refused: E_RUNTIME_REJECTS": 10,
    "refused: E_UNUSABLE_METADATA": 3,
    "refused: E_UNSUPPORTED_RUNTIME": 2,
  });
  assert.equal(installed, 974);
  // every derived local name is unique
  assert.equal(taken.size, installed);
});

Deno.test("per-field validation on real entries: an odd optional field is skipped and said, a required one refuses", () => {
  const get = (name: string): MarketServer => {
    const raw = latest.find((s) => s.server.name === name)!;
    return fromRegistry(ServerResponse.parse(raw));
  };
  // an env var with an empty name (the schema allows it): the server stays, the field is skipped
  const mobile = get("io.github.mobile-next/mobile-mcp");
  const b = buildEntry(mobile, chooseTarget(mobile), previewResolver, { localName: "mobile" });
  assert.ok(b.notes.some((n) => /env var "" skipped: its name is empty/.test(n)), b.notes.join("\n"));
  // an env var named like a header
  const spot = get("ai.aliengiraffe/spotdb");
  const s = buildEntry(spot, chooseTarget(spot), previewResolver, { localName: "spotdb" });
  assert.ok(s.notes.some((n) => /env var "X-API-Key" skipped: its name is an HTTP header's/.test(n)));
  assert.match(renderShow(spot), /note: env var "X-API-Key" skipped/);
  // a runtime hint with arguments for a runtime we don't run: refused with the reason, not `uvx -m`
  const dice = get("io.github.vandewilly/dice-roller");
  assert.throws(
    () => buildEntry(dice, chooseTarget(dice), previewResolver, { localName: "dice" }),
    /runtimeHint "python" with runtime arguments for it/,
  );
  // a docker image repeated in the runtime arguments appears once
  const cyber = get("io.github.kayembahamid/cybersim-pro");
  const c = buildEntry(cyber, chooseTarget(cyber), previewResolver, { localName: "cyber" });
  assert.deepEqual(c.def.args, ["run", "-i", "--rm", "docker.io/hamcodes/cybersim-pro-mcp:v1.0.1"]);
  // Smithery's hosted servers: the header's {smithery_api_key} is a secret input, shown and asked for
  const seltz = get("ai.seltz/seltz-ai-seltz-mcp");
  const sm = buildEntry(seltz, chooseTarget(seltz), previewResolver, { localName: "seltz" });
  assert.deepEqual(sm.inputs.map((i) => [i.key, i.secret, i.required]), [["smithery_api_key", true, true]]);
  assert.match(renderShow(seltz), /header Authorization: Bearer \{smithery_api_key\}/);
  // a publisher's "value" that is a fill-in (`<sauce-access-key>`) is asked for, never stored as is
  const sauce = get("io.github.saucelabs-sample-test-frameworks/sauce-api-mcp");
  const sa = buildEntry(sauce, chooseTarget(sauce), previewResolver, { localName: "sauce" });
  assert.deepEqual(sa.inputs.map((i) => [i.key, i.secret, i.required, i.placeholder]), [
    ["SAUCE_USERNAME", false, true, "<sauce-user-name>"],
    ["SAUCE_ACCESS_KEY", true, true, "<sauce-access-key>"],
  ]);
  // names stay unique: com.notion/mcp and com.stripe/mcp
  assert.equal(defaultLocalName(get("com.notion/mcp")), "notion");
  assert.equal(defaultLocalName(get("com.stripe/mcp")), "stripe");
  assert.equal(
    defaultLocalName(get("com.stripe/mcp"), (n) => n === "stripe" ? "someone/else" : null),
    "stripe-mcp",
  );
});

Deno.test("real PulseMCP objects parse and translate", () => {
  for (const raw of PULSE_REAL.servers) {
    const s = fromPulse(PulseServer.parse(raw));
    assert.ok(s.name && s.description, raw.name);
    renderShow(s);
  }
  const gh = fromPulse(PulseServer.parse(PULSE_REAL.servers[0]));
  assert.equal(gh.name, "modelcontextprotocol-github");
  assert.equal(gh.stars, 41847);
  assert.equal(gh.packages[0].identifier, "@modelcontextprotocol/server-github");
  const x711 = fromPulse(PulseServer.parse(PULSE_REAL.servers.find((s) => s.name === "x711")!));
  assert.equal(x711.remotes[0].url, "https://x711.io/mcp");
});

async function registryJson(sb: Sandbox): Promise<Json> {
  return JSON.parse(await Deno.readTextFile(join(sb.nexusHome, "registry.json")));
}

Deno.test({
  name:
    "the real CLI over the real dump: placeholders asked for, stdin secrets kept out of plaintext, remotes, versions, names",
  ...linux,
  ignore: linux.ignore || !HAS_SECRET_SERVICE,
  fn: () =>
    withMarket(
      async (sb) => {
        // show lists the header and its placeholder
        const show = expectCode(await sb.run(["show", "ai.seltz/seltz-ai-seltz-mcp"]), 0);
        assert.match(show.stdout, /header Authorization: Bearer \{smithery_api_key\}/);
        assert.match(
          show.stdout,
          /smithery_api_key\s+header Authorization variable \{smithery_api_key\}, required, secret/,
        );

        // without it: a clear refusal; with it on stdin: a keychain reference inside the header
        const miss = expectCode(await sb.run(["install", "ai.seltz/seltz-ai-seltz-mcp"], { stdin: "" }), 2);
        assert.match(miss.stderr, /missing smithery_api_key/);
        expectCode(
          await sb.run(["install", "ai.seltz/seltz-ai-seltz-mcp"], { stdin: `smithery_api_key=${CANARY}\n` }),
          0,
        );
        let reg = await registryJson(sb);
        const seltz = Object.values(reg.servers).find((s: Json) =>
          s.source?.id === "ai.seltz/seltz-ai-seltz-mcp"
        ) as Json;
        assert.match(seltz.headers.Authorization, /^Bearer \$\{keychain:[a-z0-9.-]+\.smithery-api-key\}$/);

        // a bearer token piped for a header the publisher did not mark secret goes to the keychain
        const gen = expectCode(
          await sb.run(["install", "com.generect/generect-mcp"], {
            stdin: `Authorization=Bearer ${CANARY}\n`,
          }),
          0,
        );
        assert.match(gen.stderr, /looks like a secret; it goes to the keychain/);
        reg = await registryJson(sb);
        assert.ok(!JSON.stringify(reg).includes(CANARY), "no plaintext secret in registry.json");

        // two servers whose last segment is `mcp` get distinct names
        expectCode(await sb.run(["install", "com.notion/mcp"], { stdin: "" }), 0);
        expectCode(await sb.run(["install", "com.stripe/mcp"], { stdin: "" }), 0);
        reg = await registryJson(sb);
        assert.equal(reg.servers.notion.source.id, "com.notion/mcp");
        assert.equal(reg.servers.stripe.source.id, "com.stripe/mcp");

        // a chosen remote of Cloudflare's 30, and a chosen version
        const cf = await sb.json<Json>(["install", "com.cloudflare.mcp/mcp", "--remote", "3"], { stdin: "" });
        assert.equal(cf.code, 0, JSON.stringify(cf.data));
        const third = REGISTRY_REAL.servers.find((s) => s.server.name === "com.cloudflare.mcp/mcp")!;
        assert.equal(cf.data.server.url, (third.server as Json).remotes[2].url);
        const bad = expectCode(
          await sb.run(["install", "com.cloudflare.mcp/mcp", "--remote", "31", "--as", "cf2"]),
          2,
        );
        assert.match(bad.stderr, /has no remote number 31/);

        const v = await sb.json<Json>(
          ["install", "io.github.domdomegg/airtable-mcp-server@1.7.2", "--use", "npm"],
          { stdin: `AIRTABLE_API_KEY=${CANARY}\n` },
        );
        assert.equal(v.code, 0, JSON.stringify(v.data));
        assert.deepEqual(v.data.server.args, ["-y", "airtable-mcp-server@1.7.2"]);
        const pinned = expectCode(
          await sb.run(["show", "io.github.domdomegg/airtable-mcp-server", "--pin", "1.7.3"]),
          0,
        );
        assert.match(pinned.stdout, /version: 1\.7\.3/);
        const none = expectCode(await sb.run(["show", "io.github.domdomegg/airtable-mcp-server@0.0.1"]), 3);
        assert.match(none.stderr, /no version 0\.0\.1/);

        // a refusal names the reason and installs nothing
        const dice = expectCode(
          await sb.run(["install", "io.github.vandewilly/dice-roller"], { stdin: "" }),
          1,
        );
        assert.match(dice.stderr, /runtimeHint "python"/);
        reg = await registryJson(sb);
        assert.ok(
          !Object.values(reg.servers).some((s: Json) => s.source?.id === "io.github.vandewilly/dice-roller"),
        );
      },
      {},
      { data: "real" },
    ),
});

Deno.test("search over the real dump: the official server first, multi-word queries match across fields, one ranked list", () =>
  withMarket(
    async (sb) => {
      const gh = await sb.json<Json>(["search", "github"]);
      assert.equal(gh.code, 0);
      const names: string[] = gh.data.results.map((s: Json) => s.name);
      // the registry's own order is alphabetical: the official server would be pages away
      assert.ok(
        names.slice(0, 3).includes("io.github.github/github-mcp-server"),
        `official GitHub server in the top 3: ${names.slice(0, 5)}`,
      );
      // PulseMCP's `github` page is the same server (same repository): one entry, with its stars
      const official = gh.data.results.find((s: Json) => s.name === "io.github.github/github-mcp-server");
      assert.deepEqual([official.sources, official.stars], [["registry", "pulsemcp"], 12571]);
      assert.deepEqual([...new Set(gh.data.results.flatMap((s: Json) => s.sources))].sort(), [
        "pulsemcp",
        "registry",
      ]);

      const web = await sb.json<Json>(["search", "web", "search", "--source", "registry"]);
      const webNames: string[] = web.data.results.map((s: Json) => s.name);
      assert.ok(webNames.includes("io.github.brave/brave-search-mcp-server"), webNames.join(", "));
      for (const s of web.data.results) {
        assert.match(`${s.name} ${s.title ?? ""} ${s.description}`.toLowerCase(), /web[\s\S]*|search/);
        assert.ok(`${s.name} ${s.title ?? ""} ${s.description}`.toLowerCase().includes("web"), s.name);
      }
    },
    {},
    { data: "real" },
  ));
