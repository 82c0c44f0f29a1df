/**
 * The marketplace core in-process: merging and de-duplication, the install-entry builder's safety
 * rules, semver (and PEP 440) comparison, Retry-After, derived names, and the permission set.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { ALLOWED_HOSTS, parseRetryAfter } from "../src/core/marketplace/http.ts";
import { mergeResults, repoKey } from "../src/core/marketplace/merge.ts";
import {
  buildEntry,
  chooseTarget,
  defaultLocalName,
  type InputSpec,
  secretName,
} from "../src/core/marketplace/install.ts";
import { compareVersions, toSemver } from "../src/core/marketplace/versions.ts";
import type { MarketPackage, MarketServer } from "../src/core/marketplace/types.ts";
import { SECRET_NAME_RE, SERVER_NAME_RE } from "../src/core/model/names.ts";
import { Server } from "../src/core/model/registry_schema.ts";
import { CONFIG } from "./helpers.ts";

function server(name: string, over: Partial<MarketServer> = {}): MarketServer {
  return { name, description: name, sources: ["registry"], packages: [], remotes: [], ...over };
}
function npm(identifier: string, over: Partial<MarketPackage> = {}): MarketPackage {
  return {
    registryType: "npm",
    identifier,
    transport: "stdio",
    runtimeArguments: [],
    packageArguments: [],
    environmentVariables: [],
    ...over,
  };
}

Deno.test("net is broad in deno.json (the bridge Worker's host comes from the registry); the marketplace keeps its list", async () => {
  const cfg = JSON.parse(await Deno.readTextFile(CONFIG));
  assert.equal(cfg.permissions.nexus.net, true);
  assert.ok(ALLOWED_HOSTS.includes("registry.npmjs.org") && !ALLOWED_HOSTS.includes("example.com"));
});

Deno.test("merge: same package, remote or unique repo is one entry; a shared monorepo is not", () => {
  const reg = [
    server("io.x/brave", { packages: [npm("@mcp/brave", { version: "1.0.0" })] }),
    server("io.x/remote", {
      remotes: [{ type: "sse", url: "https://r.example.com/sse/", headers: [], variables: {} }],
    }),
    server("io.x/solo", { repository: "https://github.com/Solo/Repo" }),
    server("io.x/mono-a", { repository: "https://github.com/acme/mono" }),
    server("io.x/mono-b", { repository: "https://github.com/acme/mono" }),
  ];
  const pulse = [
    server("brave-slug", { sources: ["pulsemcp"], packages: [npm("@MCP/Brave")], stars: 7, downloads: 9 }),
    server("remote-slug", {
      sources: ["pulsemcp"],
      remotes: [{ type: "sse", url: "https://R.example.com/sse", headers: [], variables: {} }],
    }),
    server("solo-slug", { sources: ["pulsemcp"], repository: "https://github.com/solo/repo.git" }),
    server("mono-slug", { sources: ["pulsemcp"], repository: "https://github.com/acme/mono" }),
  ];
  const out = mergeResults(pulse, reg);
  const byName = new Map(out.map((s) => [s.name, s]));
  assert.deepEqual(byName.get("io.x/brave")?.sources, ["registry", "pulsemcp"]);
  assert.equal(byName.get("io.x/brave")?.stars, 7);
  assert.ok(byName.has("io.x/remote") && !byName.has("remote-slug"));
  assert.ok(byName.has("io.x/solo") && !byName.has("solo-slug"));
  assert.ok(byName.has("mono-slug") && byName.has("io.x/mono-a") && byName.has("io.x/mono-b"));
  assert.equal(out.length, 6);
  assert.deepEqual(mergeResults([], reg).map((s) => s.name), reg.map((s) => s.name));
  assert.equal(
    repoKey("https://github.com/modelcontextprotocol/servers/tree/main/src/brave-search"),
    repoKey("https://github.com/modelcontextprotocol/servers/tree/HEAD/src/brave-search"),
  );
});

Deno.test("install entries: vectors as declared, and unsafe metadata is refused", () => {
  const none = () => undefined;
  const opts = { localName: "x" };
  const evil = [
    server("a/b", { packages: [npm("--registry=https://evil.example")] }),
    server("a/b", { packages: [npm("ok", { version: "1.0.0 || >2" })] }),
    server("a/b", {
      packages: [npm("ok", { environmentVariables: [{ name: "TOKEN", value: "${keychain:github-token}" }] })],
    }),
    server("a/b", {
      packages: [npm("ok", { environmentVariables: [{ name: "TOKEN", default: "keychain:github-token" }] })],
    }),
    server("a/b", {
      packages: [npm("ok", { packageArguments: [{ type: "named", name: "; rm -rf /", isRequired: true }] })],
    }),
  ];
  for (const s of evil) {
    assert.throws(() => buildEntry(s, chooseTarget(s), none, opts), /E_UNSAFE_METADATA|cannot be installed/);
  }
  // the same odd field, optional: skipped and said, never in the command
  const odd = server("a/b", {
    packages: [npm("ok", { packageArguments: [{ type: "named", name: "; rm -rf /" }] })],
  });
  const o = buildEntry(odd, chooseTarget(odd), none, opts);
  assert.deepEqual(o.def.args, ["-y", "ok"]);
  assert.match(o.notes.join("\n"), /package argument "; rm -rf \/" skipped: it is not a command-line flag/);

  const asked: InputSpec[] = [];
  const s = server("io.x/y", {
    packages: [npm("@s/pkg", {
      version: "2.0.0",
      runtimeArguments: [{ type: "positional", value: "--yes" }, {
        type: "named",
        name: "--node-options",
        value: "--x",
      }],
      packageArguments: [
        { type: "positional", valueHint: "root", isRequired: true },
        { type: "named", name: "--verbose", format: "boolean" },
        { type: "named", name: "--opt" },
      ],
      environmentVariables: [{ name: "K", isSecret: true, isRequired: true }],
    })],
  });
  const b = buildEntry(s, chooseTarget(s), (i) => {
    asked.push(i);
    return i.secret
      ? "${keychain:x.k}"
      : i.key === "root"
      ? "/data"
      : i.key === "verbose"
      ? "true"
      : undefined;
  }, opts);
  assert.deepEqual(b.def.args, ["-y", "--node-options", "--x", "@s/pkg@2.0.0", "/data", "--verbose"]);
  assert.deepEqual(b.def.env, { K: "${keychain:x.k}" });
  assert.deepEqual(asked.map((i) => [i.key, i.secret, i.required]), [
    ["K", true, true],
    ["root", false, true],
    ["verbose", false, false],
    ["opt", false, false],
  ]);
  assert.ok(Server.safeParse({ ...b.def }).success);
  assert.throws(
    () => chooseTarget(server("a/b", { packages: [npm("x", { registryType: "mcpb" })] })),
    /nothing/,
  );
});

Deno.test("derived names are always valid server and secret names (property)", () => {
  fc.assert(fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), (name, key) => {
    const local = defaultLocalName(server(name));
    assert.match(local, SERVER_NAME_RE);
    assert.match(secretName(local, key || "K"), SECRET_NAME_RE);
  }));
  assert.equal(defaultLocalName(server("io.github.User/Weather.Server")), "weather-server");
  assert.equal(secretName("brave", "BRAVE_API_KEY"), "brave.brave-api-key");
  assert.equal(secretName("hybrid", "X-API-Key"), "hybrid.x-api-key");
});

Deno.test("versions compare with semver, PyPI's PEP 440 mapped onto it", () => {
  const cases: Array<["npm" | "pypi", string, string, string]> = [
    ["npm", "1.0.2", "1.2.0", "outdated"],
    ["npm", "0.4.0", "0.10.0", "outdated"], // a string compare says otherwise
    ["npm", "1.0.0-beta.2", "1.0.0", "outdated"],
    ["npm", "2.0.0", "1.9.9", "current"],
    ["npm", "v1.0.0", "1.0.0", "current"],
    ["npm", "latest", "1.0.0", "unknown"],
    ["pypi", "0.4.0", "0.10.0", "outdated"],
    ["pypi", "1.0rc1", "1.0", "outdated"],
    ["pypi", "1.0a1", "1.0b1", "outdated"],
    ["pypi", "1.0.dev3", "1.0a1", "outdated"],
    ["pypi", "2024.10.1", "2024.9.30", "current"],
    ["pypi", "1.0.post1", "1.0", "current"],
  ];
  for (const [t, a, b, want] of cases) {
    assert.equal(compareVersions(t, a, b).status, want, `${t} ${a} vs ${b}`);
  }
  assert.equal(compareVersions("npm", "1.0.2", "2.0.0").kind, "major");
  assert.equal(compareVersions("npm", undefined, "2.0.0").status, "unpinned");
  assert.equal(toSemver("pypi", "1.2rc3"), "1.2.0-rc.3");
  assert.equal(toSemver("pypi", "not a version"), null);
});

Deno.test("Retry-After: seconds or an HTTP date, capped at an hour", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(parseRetryAfter("120", now), 120_000);
  assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now), 30_000);
  assert.equal(parseRetryAfter("999999", now), 3600_000);
  assert.equal(parseRetryAfter("soon", now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
});
