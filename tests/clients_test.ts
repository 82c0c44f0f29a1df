/**
 * Client adapters: exact entry shapes, render→parse round trips through each file format, parse of
 * garbage, config paths per OS (with every env override), detection, the real and fake PathContext,
 * and the registry of adapters (built-ins and third-party plugins).
 */
import assert from "node:assert/strict";
import { BUILTIN_CLIENT_IDS } from "./helpers.ts";
import { join } from "node:path";
import fc from "fast-check";
import { parse as parseToml, stringify as stringifyToml } from "smol-toml";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import type { ClientAdapter, ClientServer, PathContext } from "../src/core/sync/clients.ts";
import { fakePathContext, makePathContext } from "../src/core/sync/client_context.ts";
import { NexusError } from "../src/core/model/errors.ts";
import type { OS } from "../src/core/io/paths.ts";
import { getClient, listClients, loadClientPlugin, registerClient } from "../src/plugins/clients/mod.ts";
import { codex } from "../src/plugins/clients/codex.ts";

const IDS = BUILTIN_CLIENT_IDS;
/** Clients whose entries carry `cwd`. */
const CWD = new Set(["vscode", "gemini-cli", "codex", "cline", "continue", "qwen-code"]);

const STDIO: ClientServer = {
  transport: "stdio",
  command: "npx",
  args: ["-y", "pkg"],
  env: { TOKEN: "x" },
  cwd: "/srv",
};
const HTTP: ClientServer = {
  transport: "http",
  url: "https://mcp.example.com/mcp",
  headers: { Authorization: "Bearer t" },
};
const SSE: ClientServer = { transport: "sse", url: "https://mcp.example.com/sse", headers: { "X-Key": "k" } };
const BARE: ClientServer = { transport: "stdio", command: "srv", args: [], env: {} };

const cmd = { command: "npx", args: ["-y", "pkg"], env: { TOKEN: "x" } };

/** What each adapter writes, exactly (no key a client does not know). */
const EXPECTED: Record<string, Partial<Record<"stdio" | "http" | "sse" | "bare", unknown>>> = {
  "claude-desktop": { stdio: cmd, bare: { command: "srv" } },
  "claude-code": {
    stdio: { type: "stdio", ...cmd },
    http: { type: "http", url: HTTP.url, headers: { Authorization: "Bearer t" } },
    sse: { type: "sse", url: SSE.url, headers: { "X-Key": "k" } },
    bare: { type: "stdio", command: "srv" },
  },
  cursor: {
    stdio: cmd,
    http: { url: HTTP.url, headers: { Authorization: "Bearer t" } },
    sse: { type: "sse", url: SSE.url, headers: { "X-Key": "k" } },
    bare: { command: "srv" },
  },
  windsurf: {
    stdio: cmd,
    http: { serverUrl: HTTP.url, headers: { Authorization: "Bearer t" } },
    bare: { command: "srv" },
  },
  vscode: {
    stdio: { type: "stdio", ...cmd, cwd: "/srv" },
    http: { type: "http", url: HTTP.url, headers: { Authorization: "Bearer t" } },
    sse: { type: "sse", url: SSE.url, headers: { "X-Key": "k" } },
    bare: { type: "stdio", command: "srv" },
  },
  "gemini-cli": {
    stdio: { ...cmd, cwd: "/srv" },
    http: { type: "http", url: HTTP.url, headers: { Authorization: "Bearer t" } },
    sse: { type: "sse", url: SSE.url, headers: { "X-Key": "k" } },
    bare: { command: "srv" },
  },
  codex: {
    stdio: { ...cmd, cwd: "/srv" },
    http: { url: HTTP.url, http_headers: { Authorization: "Bearer t" } },
    bare: { command: "srv" },
  },
  zed: {
    stdio: cmd,
    http: { url: HTTP.url, headers: { Authorization: "Bearer t" } },
    // Zed's schema requires args
    bare: { command: "srv", args: [] },
  },
  cline: {
    stdio: { type: "stdio", ...cmd, cwd: "/srv" },
    http: { type: "streamableHttp", url: HTTP.url, headers: { Authorization: "Bearer t" } },
    sse: { type: "sse", url: SSE.url, headers: { "X-Key": "k" } },
    bare: { type: "stdio", command: "srv" },
  },
  opencode: {
    stdio: { type: "local", command: ["npx", "-y", "pkg"], environment: { TOKEN: "x" }, enabled: true },
    http: { type: "remote", url: HTTP.url, headers: { Authorization: "Bearer t" }, enabled: true },
    bare: { type: "local", command: ["srv"], enabled: true },
  },
  continue: {
    stdio: { name: "demo", ...cmd, cwd: "/srv" },
    http: {
      name: "demo",
      type: "streamable-http",
      url: HTTP.url,
      requestOptions: { headers: { Authorization: "Bearer t" } },
    },
    sse: { name: "demo", type: "sse", url: SSE.url, requestOptions: { headers: { "X-Key": "k" } } },
    bare: { name: "demo", command: "srv" },
  },
  goose: {
    stdio: {
      type: "stdio",
      name: "demo",
      description: "",
      cmd: "npx",
      args: ["-y", "pkg"],
      envs: { TOKEN: "x" },
      enabled: true,
      timeout: 300,
    },
    http: {
      type: "streamable_http",
      name: "demo",
      description: "",
      uri: HTTP.url,
      headers: { Authorization: "Bearer t" },
      enabled: true,
      timeout: 300,
    },
    bare: {
      type: "stdio",
      name: "demo",
      description: "",
      cmd: "srv",
      args: [],
      envs: {},
      enabled: true,
      timeout: 300,
    },
  },
  "lm-studio": {
    stdio: cmd,
    http: { url: HTTP.url, headers: { Authorization: "Bearer t" } },
    bare: { command: "srv" },
  },
  "qwen-code": {
    stdio: { ...cmd, cwd: "/srv" },
    // Qwen Code 0.24.4 reads `url` as SSE whatever `type` says: streamable HTTP is `httpUrl`
    http: { httpUrl: HTTP.url, headers: { Authorization: "Bearer t" } },
    sse: { url: SSE.url, headers: { "X-Key": "k" } },
    bare: { command: "srv" },
  },
  kilo: {
    stdio: { type: "local", command: ["npx", "-y", "pkg"], environment: { TOKEN: "x" }, enabled: true },
    http: { type: "remote", url: HTTP.url, headers: { Authorization: "Bearer t" }, enabled: true },
    bare: { type: "local", command: ["srv"], enabled: true },
  },
  amp: {
    stdio: cmd,
    http: { url: HTTP.url, headers: { Authorization: "Bearer t" } },
    bare: { command: "srv" },
  },
  "copilot-cli": {
    stdio: { type: "local", ...cmd, tools: ["*"] },
    http: { type: "http", url: HTTP.url, headers: { Authorization: "Bearer t" }, tools: ["*"] },
    sse: { type: "sse", url: SSE.url, headers: { "X-Key": "k" }, tools: ["*"] },
    bare: { type: "local", command: "srv", tools: ["*"] },
  },
  "factory-droid": {
    stdio: { type: "stdio", ...cmd },
    http: { type: "http", url: HTTP.url, headers: { Authorization: "Bearer t" } },
    bare: { type: "stdio", command: "srv" },
  },
  qoder: {
    stdio: cmd,
    http: { url: HTTP.url, headers: { Authorization: "Bearer t" } },
    bare: { command: "srv" },
  },
  auggie: {
    stdio: { type: "stdio", ...cmd },
    http: { type: "http", url: HTTP.url, headers: { Authorization: "Bearer t" } },
    sse: { type: "sse", url: SSE.url, headers: { "X-Key": "k" } },
    bare: { type: "stdio", command: "srv" },
  },
  crush: {
    stdio: { type: "stdio", ...cmd },
    http: { type: "http", url: HTTP.url, headers: { Authorization: "Bearer t" } },
    sse: { type: "sse", url: SSE.url, headers: { "X-Key": "k" } },
    bare: { type: "stdio", command: "srv" },
  },
  "windsurf-jetbrains": {
    stdio: cmd,
    http: { serverUrl: HTTP.url, headers: { Authorization: "Bearer t" } },
    bare: { command: "srv" },
  },
};

/** Writes the entry into a file of the adapter's format and reads it back, as sync and import do. */
function throughFile(adapter: ClientAdapter, name: string, entry: Record<string, unknown>): unknown {
  switch (adapter.format) {
    case "json":
    case "jsonc":
      return (JSON.parse(JSON.stringify({ s: { [name]: entry } })) as { s: Record<string, unknown> }).s[name];
    case "yaml":
      return (parseYaml(stringifyYaml({ s: [entry] })) as { s: unknown[] }).s[0];
    case "toml":
      return (parseToml(stringifyToml({ s: { [name]: entry } })) as { s: Record<string, unknown> }).s[name];
  }
}

function roundTrip(adapter: ClientAdapter, name: string, server: ClientServer): ClientServer | null {
  return adapter.parse(name, throughFile(adapter, name, adapter.render(name, server)));
}

/** The server as the adapter can hold it (cwd dropped where the client has none). */
function representable(adapter: ClientAdapter, server: ClientServer): ClientServer {
  if (server.transport !== "stdio" || CWD.has(adapter.id) || server.cwd === undefined) return server;
  const { cwd: _cwd, ...rest } = server;
  return rest;
}

Deno.test("the 22 built-in adapters are registered, in order", () => {
  assert.deepEqual(listClients().map((a) => a.id), IDS);
  for (const id of IDS) assert.equal(getClient(id).id, id);
});

Deno.test("render: each adapter writes its client's exact entry shape", async (t) => {
  for (const adapter of listClients()) {
    await t.step(adapter.id, () => {
      const expected = EXPECTED[adapter.id];
      assert.deepEqual(adapter.render("demo", STDIO), expected.stdio, "stdio");
      assert.deepEqual(adapter.render("demo", BARE), expected.bare, "stdio without args/env");
      for (const s of [HTTP, SSE]) {
        const key = s.transport as "http" | "sse";
        if (adapter.transports.includes(s.transport)) {
          assert.deepEqual(adapter.render("demo", s), expected[key], key);
        } else {
          assert.equal(expected[key], undefined, `${key} should be supported`);
          assert.throws(() => adapter.render("demo", s), (e) => e instanceof NexusError);
        }
      }
    });
  }
});

Deno.test("transports: which remote kinds each client's file can hold", () => {
  const table = Object.fromEntries(listClients().map((a) => [a.id, a.transports.join(",")]));
  assert.deepEqual(table, {
    "claude-desktop": "stdio",
    "claude-code": "stdio,http,sse",
    cursor: "stdio,http,sse",
    windsurf: "stdio,http",
    vscode: "stdio,http,sse",
    "gemini-cli": "stdio,http,sse",
    codex: "stdio,http",
    zed: "stdio,http",
    cline: "stdio,http,sse",
    opencode: "stdio,http",
    continue: "stdio,http,sse",
    goose: "stdio,http",
    "lm-studio": "stdio,http",
    "qwen-code": "stdio,http,sse",
    kilo: "stdio,http",
    amp: "stdio,http",
    "copilot-cli": "stdio,http,sse",
    "factory-droid": "stdio,http",
    qoder: "stdio,http",
    auggie: "stdio,http,sse",
    crush: "stdio,http,sse",
    "windsurf-jetbrains": "stdio,http",
  });
});

Deno.test("round trip: parse(render(x)) == x for the samples, through the file format", async (t) => {
  for (const adapter of listClients()) {
    await t.step(adapter.id, () => {
      for (const s of [STDIO, BARE, HTTP, SSE].filter((s) => adapter.transports.includes(s.transport))) {
        assert.deepEqual(roundTrip(adapter, "demo", s), representable(adapter, s), s.transport);
      }
    });
  }
});

const envName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/);
const headerName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,20}$/);
const headerValue = fc.oneof(
  fc.string(),
  envName.map((v) => `\${${v}}`),
  envName.map((v) => `Bearer \${${v}}`),
);
const serverName = fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/);
const stdioArb = fc.record({
  transport: fc.constant("stdio" as const),
  command: fc.string({ minLength: 1 }),
  args: fc.array(fc.string(), { maxLength: 5 }),
  env: fc.dictionary(envName, fc.string(), { maxKeys: 5 }),
  cwd: fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
}).map((s): ClientServer => {
  if (s.cwd !== undefined) return s;
  const { cwd: _cwd, ...rest } = s;
  return rest;
});
const remoteArb = (transport: "http" | "sse") =>
  fc.record({
    transport: fc.constant(transport),
    url: fc.webUrl({ withQueryParameters: true }),
    headers: fc.oneof(
      fc.dictionary(headerName, headerValue, { maxKeys: 5 }),
      // Codex's bearer mapping applies to exactly this header name.
      headerValue.map((v) => ({ Authorization: v })),
    ),
  }) as fc.Arbitrary<ClientServer>;

Deno.test("round trip (property): any stdio and supported remote server survives render→file→parse", async (t) => {
  for (const adapter of listClients()) {
    await t.step(adapter.id, () => {
      const arbs = adapter.transports.map((tr) => tr === "stdio" ? stdioArb : remoteArb(tr));
      fc.assert(
        fc.property(serverName, fc.oneof(...arbs), (name, generated) => {
          // fast-check builds null-prototype objects; servers from the registry are plain ones.
          const server = JSON.parse(JSON.stringify(generated)) as ClientServer;
          assert.deepEqual(roundTrip(adapter, name, server), representable(adapter, server));
        }),
        { numRuns: 150 },
      );
    });
  }
});

Deno.test("parse: garbage is null, and anything at all never throws", async (t) => {
  const common: unknown[] = [
    null,
    undefined,
    42,
    "npx",
    [],
    ["npx"],
    {},
    { command: 5 },
    { command: "" },
    { url: 7 },
    { type: "bogus", command: "npx" },
    { command: "npx", args: "-y pkg" },
    { command: "npx", args: [{}] },
    { command: "npx", env: ["A=1"] },
    { command: "npx", env: { A: { nested: true } } },
    { type: "stdio" },
  ];
  const typedUrl = { type: "bogus", url: "https://x" };
  const strayHeaders = { url: "https://x", headers: "Authorization: x" };
  common.push(typedUrl, strayHeaders);
  // Codex entries have no `type` and keep headers in http_headers; Continue's live under requestOptions.
  const except: Record<string, unknown[]> = { codex: [typedUrl, strayHeaders], continue: [strayHeaders] };
  const specific: Record<string, unknown[]> = {
    "claude-desktop": [{ url: "https://x" }, { type: "http", url: "https://x" }],
    windsurf: [{ type: "sse", serverUrl: "https://x" }],
    opencode: [
      { type: "local", command: [] },
      { type: "local", command: "npx" },
      { type: "remote" },
      { command: "npx" },
    ],
    goose: [{ type: "sse", uri: "https://x" }, { type: "builtin", name: "developer" }, {
      cmd: "npx",
      args: [],
    }, {
      type: "stdio",
      cmd: "npx",
      args: "x",
    }],
    continue: [{ type: "sse", url: "https://x", requestOptions: "x" }],
    "gemini-cli": [{ url: "https://x", type: "ws" }],
    codex: [{ url: "https://x", env_http_headers: ["A"] }],
  };
  for (const adapter of listClients()) {
    await t.step(adapter.id, () => {
      for (
        const g of [
          ...common.filter((g) => !(except[adapter.id] ?? []).includes(g)),
          ...(specific[adapter.id] ?? []),
        ]
      ) {
        assert.equal(adapter.parse("x", g), null, `${adapter.id} parsed ${JSON.stringify(g)}`);
      }
      fc.assert(fc.property(fc.anything(), (v) => {
        adapter.parse("x", v);
      }));
    });
  }
});

Deno.test("parse: other forms the clients write are understood", () => {
  const h = { A: "1" };
  // Gemini: `gemini mcp add` writes url + type.
  assert.deepEqual(getClient("gemini-cli").parse("x", { url: "https://x", type: "http", headers: h }), {
    transport: "http",
    url: "https://x",
    headers: h,
  });
  assert.deepEqual(getClient("gemini-cli").parse("x", { url: "https://x", type: "sse" })?.transport, "sse");
  // Cline: no type means SSE; old files say transportType.
  assert.equal(getClient("cline").parse("x", { url: "https://x" })?.transport, "sse");
  assert.equal(
    getClient("cline").parse("x", { transportType: "streamableHttp", url: "https://x" })?.transport,
    "http",
  );
  // Cursor: type spellings seen in the wild.
  assert.equal(
    getClient("cursor").parse("x", { type: "streamableHttp", url: "https://x" })?.transport,
    "http",
  );
  assert.equal(getClient("cursor").parse("x", { type: "stdio", command: "npx" })?.transport, "stdio");
  // Windsurf: a Cursor-style url.
  assert.deepEqual(getClient("windsurf").parse("x", { url: "https://x" }), {
    transport: "http",
    url: "https://x",
    headers: {},
  });
  // Claude Code: stdio without type; Claude Desktop: env numbers from hand-edited files.
  assert.deepEqual(getClient("claude-code").parse("x", { command: "npx" }), {
    transport: "stdio",
    command: "npx",
    args: [],
    env: {},
  });
  assert.deepEqual(
    getClient("claude-desktop").parse("x", { command: "srv", args: [8080], env: { PORT: 1 } }),
    {
      transport: "stdio",
      command: "srv",
      args: ["8080"],
      env: { PORT: "1" },
    },
  );
  // VS Code: a null env value means "unset".
  assert.deepEqual(
    getClient("vscode").parse("x", { type: "stdio", command: "srv", env: { A: null, B: "b" } }),
    { transport: "stdio", command: "srv", args: [], env: { B: "b" } },
  );
  // Zed: the older nested command.
  assert.deepEqual(
    getClient("zed").parse("x", { source: "custom", command: { path: "srv", args: ["a"], env: { K: "v" } } }),
    { transport: "stdio", command: "srv", args: ["a"], env: { K: "v" } },
  );
  // Continue: explicit stdio type, apiKey as a bearer token.
  assert.equal(
    getClient("continue").parse("x", { name: "x", type: "stdio", command: "srv" })?.transport,
    "stdio",
  );
  assert.deepEqual(
    getClient("continue").parse("x", { name: "x", type: "sse", url: "https://x", apiKey: "k" }),
    {
      transport: "sse",
      url: "https://x",
      headers: { Authorization: "Bearer k" },
    },
  );
  // Codex: bearer_token_env_var and env_http_headers read as placeholders.
  assert.deepEqual(
    codex.parse("x", {
      url: "https://x",
      bearer_token_env_var: "TOK",
      env_http_headers: { "X-Key": "KEY" },
      http_headers: { "X-Plain": "p" },
    }),
    {
      transport: "http",
      url: "https://x",
      headers: { Authorization: "Bearer ${TOK}", "X-Key": "${KEY}", "X-Plain": "p" },
    },
  );
});

Deno.test("codex: env-placeholder headers become env_http_headers / bearer_token_env_var", () => {
  // only as a whole value (or Bearer …): Codex reads those from its environment, never inline
  assert.equal(codex.envInterpolationScope, "whole-value");
  assert.deepEqual(
    codex.render("x", {
      transport: "http",
      url: "https://x",
      headers: {
        Authorization: "Bearer ${GH_TOKEN}",
        "X-Api-Key": "${API_KEY}",
        "X-Mixed": "pre-${API_KEY}",
        "X-Plain": "v",
      },
    }),
    {
      url: "https://x",
      bearer_token_env_var: "GH_TOKEN",
      http_headers: { "X-Mixed": "pre-${API_KEY}", "X-Plain": "v" },
      env_http_headers: { "X-Api-Key": "API_KEY" },
    },
  );
  // Only the exact header name `Authorization` maps to the bearer field.
  assert.deepEqual(
    codex.render("x", { transport: "http", url: "https://x", headers: { authorization: "Bearer ${T}" } }),
    { url: "https://x", http_headers: { authorization: "Bearer ${T}" } },
  );
});

Deno.test("envInterpolation: each client's syntax, or none", () => {
  const table = Object.fromEntries(
    listClients().map((a) => [a.id, a.envInterpolation?.("GH_TOKEN") ?? null]),
  );
  assert.deepEqual(table, {
    "claude-desktop": null,
    "claude-code": "${GH_TOKEN}",
    cursor: "${env:GH_TOKEN}",
    windsurf: "${env:GH_TOKEN}",
    vscode: "${env:GH_TOKEN}",
    "gemini-cli": "${GH_TOKEN}",
    codex: "${GH_TOKEN}",
    zed: null,
    // the Cline CLI sends ${env:X} literally: the launcher bridges instead
    cline: null,
    opencode: "{env:GH_TOKEN}",
    continue: null,
    goose: null,
    "lm-studio": null,
    "qwen-code": "${GH_TOKEN}",
    kilo: "{env:GH_TOKEN}",
    amp: null,
    "copilot-cli": null,
    "factory-droid": null,
    qoder: null,
    auggie: null,
    crush: "${GH_TOKEN}",
    "windsurf-jetbrains": "${env:GH_TOKEN}",
  });
});

Deno.test("formats, server keys and storage", () => {
  const table = Object.fromEntries(
    listClients().map((a) => [a.id, `${a.format} ${a.serversPath.join(".")} ${a.storage ?? "map"}`]),
  );
  assert.deepEqual(table, {
    "claude-desktop": "json mcpServers map",
    "claude-code": "json mcpServers map",
    cursor: "json mcpServers map",
    windsurf: "json mcpServers map",
    vscode: "jsonc servers map",
    "gemini-cli": "jsonc mcpServers map",
    codex: "toml mcp_servers map",
    zed: "jsonc context_servers map",
    cline: "json mcpServers map",
    opencode: "jsonc mcp map",
    continue: "yaml mcpServers array",
    goose: "yaml extensions map",
    "lm-studio": "json mcpServers map",
    "qwen-code": "jsonc mcpServers map",
    kilo: "jsonc mcp map",
    amp: "jsonc amp.mcpServers map",
    "copilot-cli": "json mcpServers map",
    "factory-droid": "json mcpServers map",
    qoder: "json mcpServers map",
    auggie: "json mcpServers map",
    crush: "json mcp map",
    "windsurf-jetbrains": "json mcpServers map",
  });
  // Amp's servers key is ONE key with a dot in it, not a path.
  assert.deepEqual(getClient("amp").serversPath, ["amp.mcpServers"]);
  // Continue's new file must be a valid config.yaml on its own.
  assert.deepEqual(parseYaml(getClient("continue").emptyFile!), {
    name: "Local Config",
    version: "1.0.0",
    schema: "v1",
  });
  for (const a of listClients()) assert.match(a.docs ?? "", /^https:\/\//, `${a.id} docs`);
});

// ---------------------------------------------------------------------------------------------
// Paths

const HOMES: Record<OS, string> = { linux: "/home/u", darwin: "/Users/u", windows: "C:\\Users\\u" };
const WIN_ENV = { APPDATA: "C:\\Users\\u\\AppData\\Roaming", LOCALAPPDATA: "C:\\Users\\u\\AppData\\Local" };

function machine(os: OS, extra: Partial<Parameters<typeof fakePathContext>[0]> = {}): PathContext {
  return fakePathContext({
    os,
    home: HOMES[os],
    ...extra,
    env: { ...(os === "windows" ? WIN_ENV : {}), ...extra.env },
  });
}

const DEFAULT_PATHS: Record<string, Record<OS, string[]>> = {
  "claude-desktop": {
    linux: ["/home/u/.config/Claude/claude_desktop_config.json"],
    darwin: ["/Users/u/Library/Application Support/Claude/claude_desktop_config.json"],
    windows: ["C:\\Users\\u\\AppData\\Roaming\\Claude\\claude_desktop_config.json"],
  },
  "claude-code": {
    linux: ["/home/u/.claude.json"],
    darwin: ["/Users/u/.claude.json"],
    windows: ["C:\\Users\\u\\.claude.json"],
  },
  cursor: {
    linux: ["/home/u/.cursor/mcp.json"],
    darwin: ["/Users/u/.cursor/mcp.json"],
    windows: ["C:\\Users\\u\\.cursor\\mcp.json"],
  },
  windsurf: {
    linux: ["/home/u/.codeium/windsurf/mcp_config.json"],
    darwin: ["/Users/u/.codeium/windsurf/mcp_config.json"],
    windows: ["C:\\Users\\u\\.codeium\\windsurf\\mcp_config.json"],
  },
  vscode: {
    linux: ["/home/u/.config/Code/User/mcp.json"],
    darwin: ["/Users/u/Library/Application Support/Code/User/mcp.json"],
    windows: ["C:\\Users\\u\\AppData\\Roaming\\Code\\User\\mcp.json"],
  },
  "gemini-cli": {
    linux: ["/home/u/.gemini/settings.json"],
    darwin: ["/Users/u/.gemini/settings.json"],
    windows: ["C:\\Users\\u\\.gemini\\settings.json"],
  },
  codex: {
    linux: ["/home/u/.codex/config.toml"],
    darwin: ["/Users/u/.codex/config.toml"],
    windows: ["C:\\Users\\u\\.codex\\config.toml"],
  },
  zed: {
    linux: ["/home/u/.config/zed/settings.json"],
    darwin: ["/Users/u/.config/zed/settings.json"],
    windows: ["C:\\Users\\u\\AppData\\Roaming\\Zed\\settings.json"],
  },
  cline: {
    linux: ["/home/u/.cline/data/settings/cline_mcp_settings.json"],
    darwin: ["/Users/u/.cline/data/settings/cline_mcp_settings.json"],
    windows: ["C:\\Users\\u\\.cline\\data\\settings\\cline_mcp_settings.json"],
  },
  opencode: {
    linux: ["/home/u/.config/opencode/opencode.json", "/home/u/.config/opencode/opencode.jsonc"],
    darwin: ["/Users/u/.config/opencode/opencode.json", "/Users/u/.config/opencode/opencode.jsonc"],
    windows: [
      "C:\\Users\\u\\.config\\opencode\\opencode.json",
      "C:\\Users\\u\\.config\\opencode\\opencode.jsonc",
    ],
  },
  continue: {
    linux: ["/home/u/.continue/config.yaml"],
    darwin: ["/Users/u/.continue/config.yaml"],
    windows: ["C:\\Users\\u\\.continue\\config.yaml"],
  },
  goose: {
    linux: ["/home/u/.config/goose/config.yaml"],
    darwin: ["/Users/u/.config/goose/config.yaml"],
    windows: ["C:\\Users\\u\\AppData\\Roaming\\Block\\goose\\config\\config.yaml"],
  },
  "lm-studio": {
    linux: ["/home/u/.lmstudio/mcp.json"],
    darwin: ["/Users/u/.lmstudio/mcp.json"],
    windows: ["C:\\Users\\u\\.lmstudio\\mcp.json"],
  },
  "qwen-code": {
    linux: ["/home/u/.qwen/settings.json"],
    darwin: ["/Users/u/.qwen/settings.json"],
    windows: ["C:\\Users\\u\\.qwen\\settings.json"],
  },
  kilo: {
    linux: ["/home/u/.config/kilo/kilo.json", "/home/u/.config/kilo/kilo.jsonc"],
    darwin: ["/Users/u/.config/kilo/kilo.json", "/Users/u/.config/kilo/kilo.jsonc"],
    windows: ["C:\\Users\\u\\.config\\kilo\\kilo.json", "C:\\Users\\u\\.config\\kilo\\kilo.jsonc"],
  },
  amp: {
    linux: ["/home/u/.config/amp/settings.json"],
    darwin: ["/Users/u/.config/amp/settings.json"],
    windows: ["C:\\Users\\u\\.config\\amp\\settings.json"],
  },
  "copilot-cli": {
    linux: ["/home/u/.copilot/mcp-config.json"],
    darwin: ["/Users/u/.copilot/mcp-config.json"],
    windows: ["C:\\Users\\u\\.copilot\\mcp-config.json"],
  },
  "factory-droid": {
    linux: ["/home/u/.factory/mcp.json"],
    darwin: ["/Users/u/.factory/mcp.json"],
    windows: ["C:\\Users\\u\\.factory\\mcp.json"],
  },
  qoder: {
    linux: ["/home/u/.qoder/settings.json"],
    darwin: ["/Users/u/.qoder/settings.json"],
    windows: ["C:\\Users\\u\\.qoder\\settings.json"],
  },
  auggie: {
    linux: ["/home/u/.augment/settings.json"],
    darwin: ["/Users/u/.augment/settings.json"],
    windows: ["C:\\Users\\u\\.augment\\settings.json"],
  },
  crush: {
    linux: ["/home/u/.config/crush/crush.json"],
    darwin: ["/Users/u/.config/crush/crush.json"],
    windows: ["C:\\Users\\u\\.config\\crush\\crush.json", "C:\\Users\\u\\AppData\\Local\\crush\\crush.json"],
  },
  "windsurf-jetbrains": {
    linux: ["/home/u/.codeium/mcp_config.json"],
    darwin: ["/Users/u/.codeium/mcp_config.json"],
    windows: ["C:\\Users\\u\\.codeium\\mcp_config.json"],
  },
};

Deno.test("paths: defaults on linux, darwin and windows", async (t) => {
  for (const os of ["linux", "darwin", "windows"] as const) {
    await t.step(os, () => {
      const ctx = machine(os);
      const got = Object.fromEntries(listClients().map((a) => [a.id, a.paths(ctx)]));
      const want = Object.fromEntries(Object.entries(DEFAULT_PATHS).map(([id, p]) => [id, p[os]]));
      assert.deepEqual(got, want);
    });
  }
});

Deno.test("paths: every environment override", () => {
  const p = (id: string, os: OS, env: Record<string, string>) => getClient(id).paths(machine(os, { env }));
  assert.deepEqual(p("claude-code", "linux", { CLAUDE_CONFIG_DIR: "/cfg/claude" }), [
    "/cfg/claude/.claude.json",
  ]);
  assert.deepEqual(p("claude-code", "windows", { CLAUDE_CONFIG_DIR: "D:\\claude" }), [
    "D:\\claude\\.claude.json",
  ]);
  assert.deepEqual(p("gemini-cli", "darwin", { GEMINI_CLI_HOME: "/g" }), ["/g/.gemini/settings.json"]);
  assert.deepEqual(p("codex", "linux", { CODEX_HOME: "/c" }), ["/c/config.toml"]);
  assert.deepEqual(p("codex", "windows", { CODEX_HOME: "D:\\codex" }), ["D:\\codex\\config.toml"]);
  assert.deepEqual(p("zed", "linux", { XDG_CONFIG_HOME: "/x" }), ["/x/zed/settings.json"]);
  assert.deepEqual(p("zed", "linux", { XDG_CONFIG_HOME: "/x", FLATPAK_XDG_CONFIG_HOME: "/f" }), [
    "/f/zed/settings.json",
  ]);
  // macOS Zed ignores XDG_CONFIG_HOME.
  assert.deepEqual(p("zed", "darwin", { XDG_CONFIG_HOME: "/x" }), ["/Users/u/.config/zed/settings.json"]);
  assert.deepEqual(p("cline", "linux", { CLINE_DIR: "/cd" }), ["/cd/data/settings/cline_mcp_settings.json"]);
  assert.deepEqual(p("cline", "linux", { CLINE_DIR: "/cd", CLINE_DATA_DIR: "/dd" }), [
    "/dd/settings/cline_mcp_settings.json",
  ]);
  assert.deepEqual(
    p("cline", "linux", { CLINE_DIR: "/cd", CLINE_DATA_DIR: "/dd", CLINE_MCP_SETTINGS_PATH: "/m/mcp.json" }),
    ["/m/mcp.json"],
  );
  assert.deepEqual(p("cline", "windows", { CLINE_DATA_DIR: "D:\\cline" }), [
    "D:\\cline\\settings\\cline_mcp_settings.json",
  ]);
  assert.deepEqual(p("opencode", "linux", { XDG_CONFIG_HOME: "/x" }), [
    "/x/opencode/opencode.json",
    "/x/opencode/opencode.jsonc",
  ]);
  assert.deepEqual(p("opencode", "windows", { XDG_CONFIG_HOME: "D:\\xdg" }), [
    "D:\\xdg\\opencode\\opencode.json",
    "D:\\xdg\\opencode\\opencode.jsonc",
  ]);
  assert.deepEqual(p("opencode", "darwin", { OPENCODE_CONFIG: "/o/custom.jsonc" }), ["/o/custom.jsonc"]);
  assert.deepEqual(p("continue", "linux", { CONTINUE_GLOBAL_DIR: "/cg" }), ["/cg/config.yaml"]);
  assert.deepEqual(p("goose", "linux", { XDG_CONFIG_HOME: "/x" }), ["/x/goose/config.yaml"]);
  assert.deepEqual(p("goose", "darwin", { XDG_CONFIG_HOME: "/x" }), ["/x/goose/config.yaml"]);
  assert.deepEqual(p("goose", "linux", { GOOSE_PATH_ROOT: "/gr" }), ["/gr/config/config.yaml"]);
  assert.deepEqual(p("goose", "windows", { GOOSE_PATH_ROOT: "D:\\goose" }), [
    "D:\\goose\\config\\config.yaml",
  ]);
  assert.deepEqual(p("vscode", "linux", { XDG_CONFIG_HOME: "/x" }), ["/x/Code/User/mcp.json"]);
  assert.deepEqual(p("claude-desktop", "linux", { XDG_CONFIG_HOME: "/x" }), [
    "/x/Claude/claude_desktop_config.json",
  ]);
  assert.deepEqual(p("vscode", "windows", { APPDATA: "E:\\Roaming" }), ["E:\\Roaming\\Code\\User\\mcp.json"]);
  assert.deepEqual(p("copilot-cli", "linux", { COPILOT_HOME: "/cp" }), ["/cp/mcp-config.json"]);
  assert.deepEqual(p("kilo", "linux", { XDG_CONFIG_HOME: "/x" }), [
    "/x/kilo/kilo.json",
    "/x/kilo/kilo.jsonc",
  ]);
  assert.deepEqual(p("crush", "linux", { XDG_CONFIG_HOME: "/x" }), ["/x/crush/crush.json"]);
  assert.deepEqual(p("amp", "linux", { XDG_CONFIG_HOME: "/x" }), ["/x/amp/settings.json"]);
  // An empty variable counts as unset.
  assert.deepEqual(p("codex", "linux", { CODEX_HOME: "" }), ["/home/u/.codex/config.toml"]);
  assert.deepEqual(p("claude-code", "linux", { CLAUDE_CONFIG_DIR: "" }), ["/home/u/.claude.json"]);
});

Deno.test("paths: Claude Desktop on Windows prefers the MSIX package's LocalCache file", () => {
  const packages = "C:\\Users\\u\\AppData\\Local\\Packages";
  const ctx = machine("windows", {
    dirs: [
      `${packages}\\Claude_pzs8sxrjxfjjc`,
      `${packages}\\Microsoft.Other_8wekyb3d8bbwe`,
      `${packages}\\ClaudeX`,
    ],
  });
  assert.deepEqual(getClient("claude-desktop").paths(ctx), [
    `${packages}\\Claude_pzs8sxrjxfjjc\\LocalCache\\Roaming\\Claude\\claude_desktop_config.json`,
    "C:\\Users\\u\\AppData\\Roaming\\Claude\\claude_desktop_config.json",
  ]);
  assert.equal(getClient("claude-desktop").detect(ctx), true, "the MSIX folder alone means installed");
  // LOCALAPPDATA is honoured.
  const moved = machine("windows", {
    env: { LOCALAPPDATA: "D:\\Local" },
    dirs: ["D:\\Local\\Packages\\Claude_abc"],
  });
  assert.equal(
    getClient("claude-desktop").paths(moved)[0],
    "D:\\Local\\Packages\\Claude_abc\\LocalCache\\Roaming\\Claude\\claude_desktop_config.json",
  );
});

Deno.test("paths: LM Studio follows ~/.lmstudio-home-pointer, else ~/.lmstudio, else the legacy dir", async () => {
  const home = await Deno.makeTempDir({ prefix: "mcp-nexus-lms-" });
  try {
    const lms = getClient("lm-studio");
    const ctx = (extra: { dirs?: string[] } = {}) => fakePathContext({ os: "linux", home, ...extra });
    assert.deepEqual(lms.paths(ctx()), [join(home, ".lmstudio", "mcp.json")]);
    assert.deepEqual(lms.paths(ctx({ dirs: [join(home, ".cache", "lm-studio")] })), [
      join(home, ".cache", "lm-studio", "mcp.json"),
    ]);
    assert.deepEqual(lms.paths(ctx({ dirs: [join(home, ".cache", "lm-studio"), join(home, ".lmstudio")] })), [
      join(home, ".lmstudio", "mcp.json"),
    ]);
    await Deno.writeTextFile(join(home, ".lmstudio-home-pointer"), "/data/lmstudio\n");
    assert.deepEqual(lms.paths(ctx({ dirs: [join(home, ".lmstudio")] })), ["/data/lmstudio/mcp.json"]);
    assert.equal(lms.detect(ctx()), false, "a pointer to a missing home is not an install");
    assert.equal(lms.detect(ctx({ dirs: ["/data/lmstudio"] })), true);
    await Deno.writeTextFile(join(home, ".lmstudio-home-pointer"), "  \n");
    assert.deepEqual(lms.paths(ctx()), [join(home, ".lmstudio", "mcp.json")], "an empty pointer is ignored");
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

// ---------------------------------------------------------------------------------------------
// Detection

/** Per client: something on a fresh machine that makes it detected (a dir, a command, an app). */
const DETECT: Record<string, { dir: (os: OS) => string; command?: string; app?: string }> = {
  "claude-desktop": {
    dir: (os) =>
      ({
        linux: "/home/u/.config/Claude",
        darwin: "/Users/u/Library/Application Support/Claude",
        windows: "C:\\Users\\u\\AppData\\Roaming\\Claude",
      })[os],
    app: "Claude.app",
  },
  "claude-code": { dir: (os) => join1(os, ".claude"), command: "claude" },
  cursor: { dir: (os) => join1(os, ".cursor"), command: "cursor", app: "Cursor.app" },
  windsurf: { dir: (os) => join1(os, ".codeium", "windsurf"), command: "windsurf", app: "Windsurf.app" },
  vscode: {
    dir: (os) =>
      ({
        linux: "/home/u/.config/Code",
        darwin: "/Users/u/Library/Application Support/Code",
        windows: "C:\\Users\\u\\AppData\\Roaming\\Code",
      })[os],
    command: "code",
    app: "Visual Studio Code.app",
  },
  "gemini-cli": { dir: (os) => join1(os, ".gemini"), command: "gemini" },
  codex: { dir: (os) => join1(os, ".codex"), command: "codex" },
  zed: {
    dir: (os) => os === "windows" ? "C:\\Users\\u\\AppData\\Roaming\\Zed" : join1(os, ".config", "zed"),
    command: "zed",
    app: "Zed.app",
  },
  cline: { dir: (os) => join1(os, ".cline"), command: "cline" },
  opencode: { dir: (os) => join1(os, ".config", "opencode"), command: "opencode" },
  continue: { dir: (os) => join1(os, ".continue"), command: "cn" },
  goose: {
    dir: (os) => os === "windows" ? "C:\\Users\\u\\AppData\\Roaming\\Block\\goose\\config" : "/x/goose",
    command: "goose",
    app: "Goose.app",
  },
  "lm-studio": { dir: (os) => join1(os, ".lmstudio"), command: "lms", app: "LM Studio.app" },
  "qwen-code": { dir: (os) => join1(os, ".qwen"), command: "qwen" },
  kilo: { dir: (os) => join1(os, ".config", "kilo"), command: "kilo" },
  amp: { dir: (os) => join1(os, ".config", "amp"), command: "amp" },
  "copilot-cli": { dir: (os) => join1(os, ".copilot"), command: "copilot" },
  "factory-droid": { dir: (os) => join1(os, ".factory"), command: "droid" },
  qoder: { dir: (os) => join1(os, ".qoder"), command: "qodercli" },
  auggie: { dir: (os) => join1(os, ".augment"), command: "auggie" },
  crush: { dir: (os) => join1(os, ".config", "crush"), command: "crush" },
  // only its own file: ~/.codeium alone is the Windsurf editor's too
  "windsurf-jetbrains": { dir: (os) => join1(os, ".codeium", "mcp_config.json") },
};
function join1(os: OS, ...parts: string[]): string {
  return [HOMES[os], ...parts].join(os === "windows" ? "\\" : "/");
}

Deno.test("detect: nothing on a fresh machine; a config dir, a command on PATH or an app bundle", async (t) => {
  for (const os of ["linux", "darwin", "windows"] as const) {
    await t.step(os, () => {
      const env: Record<string, string> = os === "windows" ? {} : { XDG_CONFIG_HOME: join1(os, ".config") };
      for (const adapter of listClients()) {
        const d = DETECT[adapter.id];
        const gooseEnv: Record<string, string> = adapter.id === "goose" && os !== "windows"
          ? { XDG_CONFIG_HOME: "/x" }
          : {};
        const fresh = machine(os, { env: { ...env, ...gooseEnv } });
        assert.equal(adapter.detect(fresh), false, `${adapter.id} on a fresh ${os}`);
        // Unrelated things do not count.
        const unrelated = machine(os, { env, dirs: [join1(os, ".unrelated")], onPath: ["git", "node"] });
        assert.equal(adapter.detect(unrelated), false, `${adapter.id} with unrelated things`);
        assert.equal(
          adapter.detect(machine(os, { env: { ...env, ...gooseEnv }, dirs: [d.dir(os)] })),
          true,
          `${adapter.id} dir ${d.dir(os)}`,
        );
        // The config file itself (its dir then exists too).
        assert.equal(adapter.detect(machine(os, { files: [adapter.paths(fresh)[0]], env: gooseEnv })), true);
        if (d.command) {
          assert.equal(
            adapter.detect(machine(os, { onPath: [d.command] })),
            true,
            `${adapter.id} ${d.command}`,
          );
        }
        if (d.app) {
          const withApp = machine(os, { dirs: [`/Applications/${d.app}`] });
          assert.equal(adapter.detect(withApp), os === "darwin", `${adapter.id} ${d.app} on ${os}`);
        }
      }
    });
  }
});

Deno.test("detect: overrides move where detection looks", () => {
  assert.equal(
    getClient("codex").detect(machine("linux", { env: { CODEX_HOME: "/c" }, dirs: ["/home/u/.codex"] })),
    false,
  );
  assert.equal(
    getClient("codex").detect(machine("linux", { env: { CODEX_HOME: "/c" }, dirs: ["/c"] })),
    true,
  );
  assert.equal(
    getClient("claude-code").detect(machine("linux", { env: { CLAUDE_CONFIG_DIR: "/cc" }, dirs: ["/cc"] })),
    true,
  );
  assert.equal(
    getClient("gemini-cli").detect(
      machine("linux", { env: { GEMINI_CLI_HOME: "/g" }, dirs: ["/g/.gemini"] }),
    ),
    true,
  );
  assert.equal(
    getClient("cline").detect(
      machine("linux", { env: { CLINE_MCP_SETTINGS_PATH: "/m/s.json" }, files: ["/m/s.json"] }),
    ),
    true,
  );
});

// ---------------------------------------------------------------------------------------------
// PathContext

Deno.test("fakePathContext: env, existence with parents, list, which", () => {
  const ctx = fakePathContext({
    os: "linux",
    home: "/home/u",
    env: { A: "1", EMPTY: "" },
    files: ["/home/u/.cursor/mcp.json"],
    dirs: ["/opt/x/"],
    onPath: ["claude"],
  });
  assert.equal(ctx.env("A"), "1");
  assert.equal(ctx.env("EMPTY"), undefined);
  assert.equal(ctx.env("MISSING"), undefined);
  assert.equal(ctx.xdgConfigHome, "/home/u/.config");
  assert.ok(ctx.exists("/home/u/.cursor/mcp.json"));
  assert.ok(ctx.exists("/home/u/.cursor"));
  assert.ok(ctx.exists("/home/u/.cursor/"));
  assert.ok(ctx.exists("/opt/x"));
  assert.ok(!ctx.exists("/home/u/.codex"));
  assert.deepEqual(ctx.list("/home/u"), [".cursor"]);
  assert.deepEqual(ctx.list("/"), ["home", "opt"]);
  assert.deepEqual(ctx.list("/home/u/.cursor/mcp.json"), []);
  assert.deepEqual(ctx.list("/nope"), []);
  assert.equal(ctx.which("claude"), "/usr/bin/claude");
  assert.equal(ctx.which("codex"), null);
  const win = fakePathContext({
    os: "windows",
    home: "C:\\Users\\u",
    dirs: ["C:\\Users\\u\\AppData\\Local\\Packages\\Claude_1"],
  });
  assert.equal(win.appData, "C:\\Users\\u\\AppData\\Roaming");
  assert.equal(win.localAppData, "C:\\Users\\u\\AppData\\Local");
  assert.deepEqual(win.list("C:\\Users\\u\\AppData\\Local\\Packages"), ["Claude_1"]);
  assert.ok(win.exists("C:\\Users\\u\\AppData"));
});

Deno.test("makePathContext: the real machine, without throwing for missing things", async () => {
  const root = await Deno.makeTempDir({ prefix: "mcp-nexus-ctx-" });
  const saved = {
    PATH: Deno.env.get("PATH"),
    HOME: Deno.env.get("HOME"),
    LOCALAPPDATA: Deno.env.get("LOCALAPPDATA"),
  };
  try {
    const bin = join(root, "bin");
    await Deno.mkdir(bin);
    await Deno.writeTextFile(join(bin, "fake-client"), "#!/bin/sh\n");
    await Deno.chmod(join(bin, "fake-client"), 0o755);
    await Deno.writeTextFile(join(bin, "not-executable"), "");
    await Deno.chmod(join(bin, "not-executable"), 0o644);
    await Deno.mkdir(join(bin, "a-dir"));
    const sep = Deno.build.os === "windows" ? ";" : ":";
    Deno.env.set("PATH", `${join(root, "nonexistent-dir")}${sep}${bin}`);
    Deno.env.set("HOME", root);
    Deno.env.delete("LOCALAPPDATA");
    const ctx = makePathContext();
    assert.equal(ctx.home, root);
    assert.equal(ctx.which("fake-client"), join(bin, "fake-client"));
    if (Deno.build.os !== "windows") assert.equal(ctx.which("not-executable"), null);
    assert.equal(ctx.which("a-dir"), null);
    assert.equal(ctx.which("surely-not-a-command-xyz"), null);
    assert.ok(ctx.exists(bin));
    assert.ok(!ctx.exists(join(root, "missing", "deeper")));
    assert.deepEqual(ctx.list(bin), ["a-dir", "fake-client", "not-executable"]);
    assert.deepEqual(ctx.list(join(root, "missing")), []);
    assert.equal(ctx.localAppData, join(root, "AppData", "Local"));
    assert.equal(ctx.env("PATH"), `${join(root, "nonexistent-dir")}${sep}${bin}`);
    // Every built-in adapter runs against the real context (nothing installed in this fake home).
    for (const a of listClients()) {
      assert.ok(a.paths(ctx).length > 0);
      a.detect(ctx);
    }
    assert.equal(getClient("cursor").detect(ctx), false);
    await Deno.mkdir(join(root, ".cursor"));
    assert.equal(getClient("cursor").detect(ctx), true);
  } finally {
    for (const [k, v] of Object.entries(saved)) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    await Deno.remove(root, { recursive: true });
  }
});

// ---------------------------------------------------------------------------------------------
// Registry and third-party plugins

const MINIMAL = `
export default {
  id: "ID",
  name: "NAME",
  format: "json",
  paths: (ctx) => [ctx.home + "/.acme/mcp.json"],
  serversPath: ["mcpServers"],
  transports: ["stdio"],
  render: (_n, s) => ({ command: s.command, args: s.args }),
  parse: (_n, e) => (e && typeof e.command === "string" ? { transport: "stdio", command: e.command, args: e.args ?? [], env: {} } : null),
  detect: (ctx) => ctx.exists(ctx.home + "/.acme"),
};
`;

Deno.test("registerClient / getClient: built-in path for any adapter; unknown ids are usage errors", () => {
  assert.throws(() => getClient("nope"), (e: unknown) => {
    assert.ok(e instanceof NexusError);
    assert.equal(e.code, "E_UNKNOWN_CLIENT");
    assert.equal(e.exitCode, 2);
    assert.match(e.message, /Unknown client 'nope'/);
    for (const id of IDS) assert.ok(e.hint!.includes(id), `hint lists ${id}`);
    return true;
  });
  const adapter: ClientAdapter = {
    ...getClient("cursor"),
    id: "test-registered",
    name: "Test",
  };
  registerClient(adapter);
  assert.equal(getClient("test-registered"), adapter);
  assert.ok(listClients().includes(adapter));
  // A factory works the same.
  registerClient(() => ({ ...adapter, id: "test-factory" }));
  assert.equal(getClient("test-factory").name, "Test");
  // Invalid shapes are refused with every problem listed.
  assert.throws(
    () =>
      registerClient(
        { ...adapter, id: "Bad Id", format: "ini", parse: undefined } as unknown as ClientAdapter,
      ),
    (e: unknown) => {
      assert.ok(e instanceof NexusError);
      assert.equal(e.code, "E_CLIENT_PLUGIN_INVALID");
      assert.match(e.message, /`id`/);
      assert.match(e.message, /`format`/);
      assert.match(e.message, /`parse` must be a function/);
      return true;
    },
  );
  assert.throws(() => getClient("Bad Id"), /Unknown client/);
});

Deno.test("loadClientPlugin: a third-party module registers; invalid ones get a clear error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp-nexus-plugin-" });
  try {
    const valid = join(dir, "acme.ts");
    await Deno.writeTextFile(valid, MINIMAL.replace("ID", "acme").replace("NAME", "Acme"));
    const a = await loadClientPlugin(valid);
    assert.equal(a.id, "acme");
    assert.equal(getClient("acme"), a);
    assert.deepEqual(a.paths(machine("linux")), ["/home/u/.acme/mcp.json"]);
    assert.deepEqual(a.parse("x", a.render("x", BARE)), BARE);

    // A factory default export, by file URL.
    const factory = join(dir, "factory.js");
    await Deno.writeTextFile(
      factory,
      MINIMAL.replace("export default {", "export default () => ({").replace(/};\s*$/, "});\n")
        .replace("ID", "acme-factory").replace("NAME", "Acme F"),
    );
    assert.equal((await loadClientPlugin(new URL(`file://${factory}`).href)).id, "acme-factory");
    assert.equal(getClient("acme-factory").name, "Acme F");

    const invalid = join(dir, "invalid.ts");
    await Deno.writeTextFile(
      invalid,
      `export default { id: "broken", name: "", format: "xml", transports: ["ws"] };`,
    );
    await assert.rejects(loadClientPlugin(invalid), (e: unknown) => {
      assert.ok(e instanceof NexusError);
      assert.equal(e.code, "E_CLIENT_PLUGIN_INVALID");
      assert.equal(e.exitCode, 2);
      assert.ok(e.message.startsWith(`${invalid} is not a valid client adapter`));
      for (
        const field of ["name", "format", "serversPath", "transports", "paths", "render", "parse", "detect"]
      ) {
        assert.match(e.message, new RegExp("`" + field + "`"), field);
      }
      assert.ok(!e.message.includes("`id`"), "the id is fine");
      return true;
    });
    assert.throws(() => getClient("broken"), /Unknown client/);

    const noDefault = join(dir, "nodefault.ts");
    await Deno.writeTextFile(noDefault, `export const adapter = {};`);
    await assert.rejects(loadClientPlugin(noDefault), /no default export/);

    await assert.rejects(loadClientPlugin(join(dir, "missing.ts")), (e: unknown) => {
      assert.ok(e instanceof NexusError);
      assert.equal(e.code, "E_CLIENT_PLUGIN_LOAD");
      assert.match(e.message, /missing\.ts/);
      return true;
    });

    const throwing = join(dir, "throwing.ts");
    await Deno.writeTextFile(throwing, `export default () => { throw new Error("boom"); };`);
    await assert.rejects(loadClientPlugin(throwing), /factory threw: boom/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
