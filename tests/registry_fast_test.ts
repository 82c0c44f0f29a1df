/**
 * The registry's fast accept path (src/core/model/registry_fast.ts) against the zod schema: on random and
 * mutated registries it accepts exactly what zod accepts (bar `__proto__` keys, left to zod), and
 * returns zod's result byte for byte (fields, defaults, key order). It never decides an error.
 */
import assert from "node:assert/strict";
const assertEquals = (a: unknown, b: unknown) => assert.deepStrictEqual(a, b);
import fc from "fast-check";
import { fastRegistry } from "../src/core/model/registry_fast.ts";
import { Registry } from "../src/core/model/registry_schema.ts";
import { agreeWith, HOSTILE_KEYS, HOSTILE_VALUES, SCALARS, withOwnKey } from "./fast_path_helpers.ts";

/** Values that hit every rule: mostly valid ones (so whole registries pass), and each kind of invalid one. */
const tricky = fc.constantFrom(
  "",
  "x",
  "info",
  "${keychain:tok}",
  "Bearer ${keychain:gh-token}",
  "keychain:a.b",
  "keychain:",
  "${keychain:bad name}",
  "${keychain:unterminated",
  "${HOME}/x",
  "a\nb",
  "a\tb",
  "\x1b[31m",
  "\u0085",
  "https://mcp.example.com/mcp",
  "http://127.0.0.1:3000/sse",
  "https://h/${keychain:k}",
  "keychain:url",
  "ftp://x",
  "not a url",
  "npx",
  "-y",
  "claude-code",
  "Claude",
  "x".repeat(1001),
  "__proto__",
);
const text = fc.oneof(
  {
    arbitrary: fc.constantFrom("x", "info", "npx", "${keychain:tok}", "https://mcp.example.com/mcp"),
    weight: 12,
  },
  { arbitrary: tricky, weight: 2 },
  { arbitrary: fc.string({ maxLength: 12 }), weight: 1 },
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  text,
  fc.boolean(),
  fc.constantFrom(0, 1, 2, null, 1e308, -1, 1.5, Number.MAX_SAFE_INTEGER + 2),
  fc.array(text, { maxLength: 3 }),
  fc.dictionary(text, text, { maxKeys: 2 }),
);
const key = fc.oneof(
  { arbitrary: fc.constantFrom("API_KEY", "LEVEL", "_X", "Authorization"), weight: 8 },
  { arbitrary: fc.constantFrom("1BAD", "bad-key", "X-Api-Key", "bad key", ""), weight: 1 },
  { arbitrary: fc.constantFrom(...HOSTILE_KEYS), weight: 1 },
);
const strMap = fc.dictionary(key, fc.oneof({ arbitrary: text, weight: 10 }, fc.constant(1 as unknown)), {
  maxKeys: 3,
});
const clients = fc.array(
  fc.oneof(
    { arbitrary: fc.constantFrom("cursor", "claude-code", "vscode"), weight: 8 },
    fc.constantFrom("Claude", "-x", ""),
  ),
  { maxLength: 3 },
);

function optional<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.option(arb, { nil: undefined, freq: 2 });
}

const commonArb = fc.record({
  description: optional(text),
  enabled: optional(fc.oneof(fc.boolean(), fc.boolean(), fc.constant("yes" as unknown))),
  clients: optional(clients),
  disabledClients: optional(clients),
  source: optional(
    fc.record({
      type: fc.constantFrom("npm", "pypi", "oci", "nuget", "remote", "local", "manual", "npm", "git"),
      package: optional(text),
      version: optional(fc.oneof(text, fc.constant(1 as unknown))),
      registry: optional(text),
      id: optional(text),
      extra: optional(text),
    }),
  ),
  createdAt: optional(text),
  updatedAt: optional(text),
});
const stdioArb = fc.record({
  transport: fc.constant("stdio"),
  command: fc.oneof({ arbitrary: text, weight: 4 }, fc.constant(3 as unknown)),
  args: optional(fc.oneof(fc.array(text, { maxLength: 3 }), fc.constant("x" as unknown))),
  env: optional(strMap),
  cwd: optional(text),
  url: optional(text),
});
const remoteArb = fc.record({
  transport: fc.constantFrom("http", "sse", "http", "sse", "ws"),
  url: fc.oneof(text, fc.constant("https://mcp.example.com/x")),
  headers: optional(strMap),
  command: optional(text),
});
const serverArb = fc.tuple(
  fc.oneof(stdioArb, remoteArb),
  commonArb,
  fc.option(anyValue, { nil: undefined, freq: 20 }),
)
  .map(([base, c, junk]) => {
    // JSON gives no `undefined`: drop absent fields, as a file read would
    const s = JSON.parse(JSON.stringify({ ...base, ...c })) as Record<string, unknown>;
    if (junk !== undefined) s.unexpected = junk;
    return s;
  });
const registryArb = fc.record({
  $schema: optional(fc.oneof(text, fc.constant(1 as unknown))),
  version: fc.constantFrom(1, 1, 1, 1, 1, 1, 2, "1" as unknown),
  settings: optional(
    fc.record({
      secretBackend: optional(fc.oneof(text, fc.constant(true as unknown))),
      interpolateClients: optional(
        fc.oneof({ arbitrary: clients, weight: 4 }, fc.constant("cursor" as unknown)),
      ),
      plugins: optional(fc.array(text, { maxLength: 2 })),
      extra: fc.option(anyValue, { nil: undefined, freq: 20 }),
    }),
  ),
  servers: optional(
    fc.dictionary(
      fc.oneof(
        { arbitrary: fc.constantFrom("github", "a", "my_server-1"), weight: 10 },
        fc.constantFrom("-bad", "bad name", "x".repeat(65), "constructor", "toString", "hasOwnProperty"),
        fc.string(),
      ),
      serverArb,
      { maxKeys: 4 },
    ),
  ),
  projects: optional(
    fc.dictionary(
      fc.constantFrom("/home/u/repo", "", "rel"),
      fc.record({
        servers: fc.oneof(fc.array(fc.constantFrom("github", "bad name"), { maxLength: 2 }), text),
      }),
      { maxKeys: 2 },
    ),
  ),
}).map((r) => JSON.parse(JSON.stringify(r)) as unknown);

Deno.test("fastRegistry accepts exactly what the zod schema accepts, with zod's very output", () => {
  let accepted = 0, rejected = 0;
  fc.assert(
    fc.property(registryArb, (raw) => {
      // a JSON round trip: exactly what loadRegistry hands it
      agree(JSON.parse(JSON.stringify(raw))) === "accepted" ? accepted++ : rejected++;
    }),
    { numRuns: 6000 },
  );
  // both sides were exercised
  assert(accepted > 100 && rejected > 100, `accepted ${accepted}, rejected ${rejected}`);
});

/** Both sides agree on `raw`: fast says null, or exactly zod's result. */
function agree(raw: unknown): "accepted" | "rejected" {
  const zod = Registry.safeParse(structuredClone(raw));
  return agreeWith(raw, fastRegistry(structuredClone(raw)), zod.success ? zod.data : null);
}

Deno.test("fastRegistry agrees with zod on every single change to a full registry", () => {
  const base = {
    $schema: "https://example.com/schema.json",
    version: 1,
    settings: { secretBackend: "libsecret", interpolateClients: ["cursor"], plugins: ["p.json"] },
    servers: {
      github: {
        transport: "stdio",
        command: "npx",
        args: ["-y", "${keychain:tok}", "x"],
        env: { API_KEY: "${keychain:gh}", LEVEL: "info" },
        cwd: "/tmp",
        description: "d",
        enabled: false,
        clients: ["cursor"],
        disabledClients: ["vscode"],
        source: { type: "npm", package: "p", version: "1", registry: "r", id: "i" },
        createdAt: "t",
        updatedAt: "t",
      },
      linear: {
        transport: "http",
        url: "https://mcp.linear.app/mcp",
        headers: { Authorization: "Bearer ${keychain:linear}" },
        description: "d",
      },
      old: { transport: "sse", url: "http://127.0.0.1:1/sse" },
    },
    projects: { "/home/u/repo": { servers: ["github"] } },
  };
  assertEquals(agree(base), "accepted");
  const values: unknown[] = [
    ...SCALARS,
    "stdio",
    "sse",
    "ws",
    "npm",
    "git",
    "cursor",
    "Claude",
    "keychain:a",
    "${keychain:a}",
    "${keychain:bad name}",
    "${keychain:open",
    "keychain:",
    "a\nb",
    "a\tb",
    "\u0085",
    "\x7f",
    "https://h/${keychain:k}",
    "ftp://x",
    "x".repeat(1001),
    "x".repeat(1000),
    [],
    ["x"],
    ["Claude"],
    [1],
    {},
    { a: 1 },
    { API_KEY: "v" },
    { "bad key": "v" },
    { API_KEY: "a\nb" },
    ...HOSTILE_VALUES,
  ];
  let accepted = 0, rejected = 0;
  const visit = (path: PropertyKey[], node: unknown) => {
    // replace this node with each value (undefined: delete it)
    for (const v of values) {
      const copy = structuredClone(base) as Record<PropertyKey, unknown>;
      let parent = copy as Record<PropertyKey, unknown>;
      for (const k of path.slice(0, -1)) parent = parent[k] as Record<PropertyKey, unknown>;
      const last = path[path.length - 1];
      if (v === undefined) {
        if (Array.isArray(parent)) continue;
        delete parent[last];
      } else parent[last] = v;
      agree(copy) === "accepted" ? accepted++ : rejected++;
    }
    if (node && typeof node === "object") {
      // an extra key in each map
      const copy = structuredClone(base) as Record<PropertyKey, unknown>;
      let at = copy as Record<PropertyKey, unknown>;
      for (const k of path) at = at[k] as Record<PropertyKey, unknown>;
      if (!Array.isArray(at)) {
        at.extra = "x";
        agree(copy) === "accepted" ? accepted++ : rejected++;
        // keys that name Object.prototype's members (own keys, as JSON.parse makes them)
        for (const k of HOSTILE_KEYS) {
          const c = structuredClone(base) as Record<PropertyKey, unknown>;
          let a = c as Record<string, unknown>;
          for (const p of path) a = a[p as string] as Record<string, unknown>;
          withOwnKey(a, k, structuredClone(Object.values(node)[0] ?? "x"));
          agree(c) === "accepted" ? accepted++ : rejected++;
        }
      }
      for (const [k, v] of Object.entries(node)) visit([...path, Array.isArray(node) ? Number(k) : k], v);
    }
  };
  for (const [k, v] of Object.entries(base)) visit([k], v);
  assert(accepted > 50 && rejected > 500, `accepted ${accepted}, rejected ${rejected}`);
});

Deno.test("fastRegistry: a typical registry is taken without zod, with its defaults", () => {
  const raw = {
    version: 1,
    servers: {
      github: { transport: "stdio", command: "npx", env: { T: "${keychain:gh}" } },
      linear: {
        transport: "http",
        url: "https://mcp.linear.app/mcp",
        headers: { Authorization: "Bearer ${keychain:linear}" },
        clients: ["cursor"],
      },
    },
  };
  assertEquals(fastRegistry(raw), Registry.parse(raw));
  assertEquals(JSON.stringify(fastRegistry(raw)), JSON.stringify(Registry.parse(raw)));
  // an invalid one is zod's to report
  assertEquals(fastRegistry({ version: 1, servers: { x: { transport: "stdio", command: "" } } }), null);
  assertEquals(
    fastRegistry({ version: 1, servers: { ["__proto__"]: { transport: "stdio", command: "a" } } }),
    null,
  );
  assertEquals(
    fastRegistry(JSON.parse('{"version":1,"servers":{"__proto__":{"transport":"stdio","command":"a"}}}')),
    null,
  );
});

Deno.test("fastRegistry: settings.interpolateClients (client remote-secrets) is read without zod", () => {
  const raw = {
    version: 1,
    settings: { secretBackend: "env", interpolateClients: ["cursor", "claude-code"] },
    servers: {},
  };
  assert(fastRegistry(structuredClone(raw)) !== null, "the fast path takes it");
  assertEquals(JSON.stringify(fastRegistry(structuredClone(raw))), JSON.stringify(Registry.parse(raw)));
  assertEquals(fastRegistry({ version: 1, settings: { interpolateClients: ["Cursor"] } }), null);
});

Deno.test("fastRegistry agrees with zod on duplicate keys in the file's text", () => {
  const texts = [
    `{"version":1,"version":2}`,
    `{"version":2,"version":1}`,
    `{"version":1,"servers":{"a":{"transport":"stdio","command":"x"},"a":{"transport":"ws"}}}`,
    `{"version":1,"servers":{"a":{"transport":"ws"},"a":{"transport":"stdio","command":"x"}}}`,
    `{"version":1,"servers":{"a":{"transport":"stdio","command":"x","env":{"K":"v","K":"a\\nb"}}}}`,
    `{"version":1,"settings":{"interpolateClients":["x"],"interpolateClients":["Bad"]}}`,
  ];
  for (const t of texts) agree(JSON.parse(t));
});
