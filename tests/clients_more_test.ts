/**
 * The adapters added for issue 9, through the CLI on files a user already has: each new client's file
 * is written and read back with its comments and unknown keys kept; format versions (opencode v1/v2,
 * Crush's crushrc) are recognised and kept; Codex launcher entries pass the keychain's env through;
 * doctor reports files in formats we do not know and Continue launcher entries that cannot start.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse as parseJsonc } from "jsonc-parser";
import { parse as parseToml } from "smol-toml";
import { expectCode, type Sandbox, walkFiles, withSandbox } from "./helpers.ts";
import { getClient } from "../src/plugins/clients/mod.ts";
import { REMOTE_SECRETS } from "../src/plugins/clients/remote_secrets.ts";
import { BUILTIN_CLIENT_IDS } from "./helpers.ts";

const ENV = {
  MCP_NEXUS_BACKEND: "env",
  MCP_NEXUS_SECRET_GH_TOKEN: "ghp_moreClientsSecret0000000000000000000",
};
const SECRET = ENV.MCP_NEXUS_SECRET_GH_TOKEN;

async function write(sb: Sandbox, rel: string, text: string) {
  await Deno.mkdir(join(sb.home, rel, ".."), { recursive: true });
  await Deno.writeTextFile(join(sb.home, rel), text);
}
const read = (sb: Sandbox, rel: string) => Deno.readTextFile(join(sb.home, rel));
const add = async (sb: Sandbox, args: string[]) =>
  expectCode(await sb.run(["server", "add", ...args], { env: ENV }), 0);

async function servers(sb: Sandbox) {
  await add(sb, ["plain", "--", "npx", "-y", "@modelcontextprotocol/server-everything"]);
  await add(sb, ["github", "--env", "GITHUB_TOKEN=${keychain:gh-token}", "--", "npx", "-y", "gh-mcp"]);
  await add(sb, [
    "linear",
    "--url",
    "http://127.0.0.1:8931/mcp",
    "--header",
    "Authorization=Bearer ${keychain:gh-token}",
  ]);
}

/** A user's file for each new client: comments (where the format has them) and keys we do not own. */
const FILES: Record<string, { rel: string; text: string; kept: RegExp[]; servers: (d: unknown) => unknown }> =
  {
    "qwen-code": {
      rel: ".qwen/settings.json",
      text:
        '// my Qwen settings\n{\n  "theme": "dark", // keep\n  "mcpServers": {\n    "mine": { "command": "uvx", "args": ["x"] }\n  }\n}\n',
      kept: [
        /^\/\/ my Qwen settings\n/,
        /"theme": "dark", \/\/ keep/,
        /"mine": \{ "command": "uvx", "args": \["x"\] \}/,
      ],
      servers: (d) => (d as { mcpServers: unknown }).mcpServers,
    },
    kilo: {
      rel: ".config/kilo/kilo.json",
      text:
        '{\n  // Kilo\n  "model": "x/y",\n  "mcp": {\n    "mine": { "type": "local", "command": ["uvx", "x"], "enabled": true }\n  }\n}\n',
      kept: [
        /\/\/ Kilo\n {2}"model": "x\/y"/,
        /"mine": \{ "type": "local", "command": \["uvx", "x"\], "enabled": true \}/,
      ],
      servers: (d) => (d as { mcp: unknown }).mcp,
    },
    amp: {
      rel: ".config/amp/settings.json",
      text:
        '{\n  // Amp\n  "amp.anthropic.thinking.enabled": true,\n  "amp.mcpServers": {\n    "mine": { "command": "uvx", "args": ["x"] }\n  }\n}\n',
      kept: [
        /"amp.anthropic.thinking.enabled": true/,
        /\/\/ Amp/,
        /"mine": \{ "command": "uvx", "args": \["x"\] \}/,
      ],
      servers: (d) => (d as Record<string, unknown>)["amp.mcpServers"],
    },
    "copilot-cli": {
      rel: ".copilot/mcp-config.json",
      text:
        '{\n  "mcpServers": {\n    "mine": { "type": "local", "command": "uvx", "args": ["x"], "tools": ["a"] }\n  },\n  "extra": 1\n}\n',
      kept: [
        /"mine": \{ "type": "local", "command": "uvx", "args": \["x"\], "tools": \["a"\] \}/,
        /"extra": 1/,
      ],
      servers: (d) => (d as { mcpServers: unknown }).mcpServers,
    },
    "factory-droid": {
      rel: ".factory/mcp.json",
      text:
        '{\n  "mcpServers": {\n    "mine": { "type": "stdio", "command": "uvx", "disabled": true }\n  }\n}\n',
      kept: [/"mine": \{ "type": "stdio", "command": "uvx", "disabled": true \}/],
      servers: (d) => (d as { mcpServers: unknown }).mcpServers,
    },
    qoder: {
      rel: ".qoder/settings.json",
      text: '{\n  "permissions": { "allow": ["mcp__context7__*"] },\n  "mcpServers": {}\n}\n',
      kept: [/"permissions": \{ "allow": \["mcp__context7__\*"\] \}/],
      servers: (d) => (d as { mcpServers: unknown }).mcpServers,
    },
    auggie: {
      rel: ".augment/settings.json",
      text:
        '{\n  "hooks": { "SessionStart": [] },\n  "mcpServers": {\n    "mine": { "type": "http", "url": "https://x.example/mcp" }\n  }\n}\n',
      kept: [
        /"hooks": \{ "SessionStart": \[\] \}/,
        /"mine": \{ "type": "http", "url": "https:\/\/x.example\/mcp" \}/,
      ],
      servers: (d) => (d as { mcpServers: unknown }).mcpServers,
    },
    crush: {
      rel: ".config/crush/crush.json",
      text:
        '{\n  "$schema": "https://charm.land/crush.json",\n  "options": { "debug": false },\n  "mcp": {\n    "mine": { "type": "stdio", "command": "uvx", "timeout": 120 }\n  }\n}\n',
      kept: [
        /"options": \{ "debug": false \}/,
        /"mine": \{ "type": "stdio", "command": "uvx", "timeout": 120 \}/,
      ],
      servers: (d) => (d as { mcp: unknown }).mcp,
    },
    "windsurf-jetbrains": {
      rel: ".codeium/mcp_config.json",
      text:
        '{\n  "mcpServers": {\n    "mine": { "serverUrl": "https://x.example/mcp", "disabled": false }\n  }\n}\n',
      kept: [/"mine": \{ "serverUrl": "https:\/\/x.example\/mcp", "disabled": false \}/],
      servers: (d) => (d as { mcpServers: unknown }).mcpServers,
    },
  };

Deno.test("new clients: sync writes into the user's file, keeps comments and unknown keys, and reads back what it wrote", () =>
  withSandbox(async (sb) => {
    await servers(sb);
    for (const f of Object.values(FILES)) await write(sb, f.rel, f.text);
    const ids = Object.keys(FILES);
    const r = await sb.json<{ files: { client: string; status: string; notes: string[] }[] }>(
      ["sync", ...ids.flatMap((c) => ["--client", c]), "--yes"],
      { env: ENV },
    );
    assert.equal(r.code, 0, JSON.stringify(r.data));
    for (const [id, f] of Object.entries(FILES)) {
      const text = await read(sb, f.rel);
      for (const k of f.kept) assert.match(text, k, `${id}: user content kept`);
      const data = parseJsonc(text);
      const got = f.servers(data) as Record<string, Record<string, unknown>>;
      assert.ok(got && got.plain && got.github && got.linear, `${id}: ${text}`);
      // the adapter reads its own entries back
      const a = getClient(id);
      const plain = a.parse("plain", got.plain);
      assert.equal(plain?.transport, "stdio", id);
      assert.deepEqual(plain?.transport === "stdio" && plain.args, [
        "-y",
        "@modelcontextprotocol/server-everything",
      ]);
      // the secret server is a launcher entry
      const gh = a.parse("github", got.github);
      assert.ok(gh?.transport === "stdio" && gh.args.slice(-2).join(" ") === "run github", `${id} github`);
      // a remote server with a secret: the launcher bridge in every client (nothing to export)
      const lin = a.parse("linear", got.linear);
      assert.ok(
        lin?.transport === "stdio" && lin.args.slice(-2).join(" ") === "run linear",
        `${id} bridged`,
      );
      assert.doesNotMatch(JSON.stringify(got.linear), /MCP_NEXUS_SECRET_/, id);
      assert.ok(!text.includes(SECRET), `${id}: no secret in the file`);
    }
    // Amp: ONE key with a dot; no `amp` object was created
    const amp = parseJsonc(await read(sb, FILES.amp.rel)) as Record<string, unknown>;
    assert.equal(amp.amp, undefined);
    assert.ok(amp["amp.mcpServers"]);
    // Copilot: tools ["*"] on what we write; the user's own entry keeps its tools
    const cop = parseJsonc(await read(sb, FILES["copilot-cli"].rel)).mcpServers;
    assert.deepEqual(cop.plain.tools, ["*"]);
    assert.deepEqual(cop.mine.tools, ["a"]);
    // a second sync finds nothing to change: every adapter reads back what it wrote
    const again = await sb.json<{ files: { client: string; status: string }[] }>(
      ["sync", ...ids.flatMap((c) => ["--client", c]), "--yes"],
      { env: ENV },
    );
    assert.deepEqual(
      again.data.files.map((f) => `${f.client}:${f.status}`),
      ids.map((c) => `${c}:unchanged`),
    );
  }));

Deno.test("codex: launcher entries pass DBUS_SESSION_BUS_ADDRESS and XDG_RUNTIME_DIR through env_vars; plain ones do not", () =>
  withSandbox(async (sb) => {
    await servers(sb);
    expectCode(await sb.run(["sync", "--client", "codex", "--yes"], { env: ENV }), 0);
    const toml = parseToml(await read(sb, ".codex/config.toml")) as {
      mcp_servers: Record<string, Record<string, unknown>>;
    };
    assert.deepEqual(toml.mcp_servers.github.env_vars, ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"]);
    assert.equal(toml.mcp_servers.plain.env_vars, undefined);
    // the remote secret goes through the bridge (a launcher entry): nothing for Codex to read from its env
    assert.deepEqual((toml.mcp_servers.linear.args as string[]).slice(-2), ["run", "linear"]);
    assert.deepEqual(toml.mcp_servers.linear.env_vars, ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"]);
    assert.equal(toml.mcp_servers.linear.bearer_token_env_var, undefined);
    const again = await sb.json<{ files: { status: string }[] }>(["sync", "--client", "codex", "--yes"], {
      env: ENV,
    });
    assert.equal(again.data.files[0].status, "unchanged");
  }));

Deno.test("zed always writes args; gemini writes url + type; cline bridges remote secrets", () =>
  withSandbox(async (sb) => {
    await add(sb, ["bare", "--", "my-server"]);
    await add(sb, ["remote", "--url", "https://mcp.example.com/mcp"]);
    await add(sb, [
      "linear",
      "--url",
      "http://127.0.0.1:8931/mcp",
      "--header",
      "Authorization=Bearer ${keychain:gh-token}",
    ]);
    expectCode(
      await sb.run(["sync", "--client", "zed", "--client", "gemini-cli", "--client", "cline", "--yes"], {
        env: ENV,
      }),
      0,
    );
    const zed = parseJsonc(await read(sb, ".config/zed/settings.json")).context_servers;
    assert.deepEqual(zed.bare, { command: "my-server", args: [] });
    const gem = parseJsonc(await read(sb, ".gemini/settings.json")).mcpServers;
    assert.deepEqual(gem.remote, { type: "http", url: "https://mcp.example.com/mcp" });
    assert.equal(gem.remote.httpUrl, undefined);
    const cline = JSON.parse(await read(sb, ".cline/data/settings/cline_mcp_settings.json")).mcpServers;
    assert.deepEqual(cline.linear.args.slice(-2), ["run", "linear"], "bridged, no ${env:X} header");
    assert.doesNotMatch(JSON.stringify(cline), /\$\{env:/);
  }));

const OPENCODE_V2 = `{
  "$schema": "https://opencode.ai/config.json",
  // v2: servers under mcp.servers
  "mcp": {
    "servers": {
      "mine": { "type": "local", "command": ["uvx", "x"], "disabled": false }
    }
  }
}
`;

Deno.test("opencode: a v2 file (mcp.servers, disabled) is read and written in v2; a v1 file stays v1", () =>
  withSandbox(async (sb) => {
    await add(sb, ["plain", "--", "npx", "-y", "pkg"]);
    await write(sb, ".config/opencode/opencode.json", OPENCODE_V2);
    await write(
      sb,
      ".config/kilo/kilo.json",
      '{\n  "mcp": {\n    "mine": { "type": "local", "command": ["uvx"] }\n  }\n}\n',
    );
    expectCode(await sb.run(["sync", "--client", "opencode", "--client", "kilo", "--yes"], { env: ENV }), 0);
    const v2 = parseJsonc(await read(sb, ".config/opencode/opencode.json"));
    assert.deepEqual(v2.mcp.servers.plain, { type: "local", command: ["npx", "-y", "pkg"], disabled: false });
    assert.equal(v2.mcp.plain, undefined, "not written in v1 next to v2");
    assert.match(await read(sb, ".config/opencode/opencode.json"), /\/\/ v2: servers under mcp.servers/);
    const v1 = parseJsonc(await read(sb, ".config/kilo/kilo.json"));
    assert.deepEqual(v1.mcp.plain, { type: "local", command: ["npx", "-y", "pkg"], enabled: true });
    assert.equal(v1.mcp.servers, undefined);
    // import reads the v2 file's servers too
    const imp = await sb.json<{ found?: unknown; servers?: unknown }>(
      ["import", "--client", "opencode", "--dry-run"],
      { env: ENV },
    );
    assert.match(JSON.stringify(imp.data), /"mine"/);
    // read back: nothing to change
    const again = await sb.json<{ files: { status: string }[] }>(
      ["sync", "--client", "opencode", "--client", "kilo", "--yes"],
      { env: ENV },
    );
    assert.deepEqual(again.data.files.map((f) => f.status), ["unchanged", "unchanged"]);
  }));

Deno.test("doctor: says when a client file is in a format mcp-nexus does not know", () =>
  withSandbox(async (sb) => {
    await write(
      sb,
      ".config/opencode/opencode.json",
      '{ "mcp": { "odd": { "kind": "process", "argv": ["x"] } } }\n',
    );
    await write(sb, ".config/crush/crush.json", '{ "mcp": {} }\n');
    await write(sb, ".config/crush/crushrc", "mcp add github --type http --url https://x\n");
    await write(sb, ".cursor/mcp.json", '{ "mcpServers": [] }\n');
    await write(sb, ".factory/mcp.json", '{ "mcpServers": "none" }\n');
    const r = await sb.json<{ findings: { level: string; check: string; message: string; file?: string }[] }>(
      ["doctor"],
      { env: ENV },
    );
    const format = r.data.findings.filter((f) => f.check === "format");
    const about = (re: RegExp) => format.find((f) => re.test(f.message));
    assert.ok(about(/opencode.*'odd'/), JSON.stringify(format));
    assert.ok(about(/Crush.*crushrc/), JSON.stringify(format));
    assert.ok(about(/Cursor.*'mcpServers' is a list/), JSON.stringify(format));
    assert.ok(about(/Factory Droid.*'mcpServers' is a string/), JSON.stringify(format));
    // a file in a known format gets no such finding
    await write(sb, ".config/opencode/opencode.json", OPENCODE_V2);
    const ok = await sb.json<{ findings: { check: string; message: string }[] }>(["doctor"], { env: ENV });
    assert.ok(!ok.data.findings.some((f) => f.check === "format" && /opencode/.test(f.message)));
  }));

Deno.test("doctor: a Continue launcher entry that cannot start is an error (Continue stops every server then)", () =>
  withSandbox(async (sb) => {
    await add(sb, ["needs", "--env", "TOKEN=${keychain:not-stored}", "--", "npx", "-y", "x"]);
    await add(sb, ["plain", "--", "npx", "-y", "pkg"]);
    expectCode(
      await sb.run(["sync", "--client", "continue", "--client", "cursor", "--yes"], { env: ENV }),
      0,
    );
    const r = await sb.json<{ findings: { level: string; check: string; message: string; fix?: string }[] }>(
      ["doctor"],
      { env: ENV },
    );
    const bad = r.data.findings.filter((f) => f.check === "launcher" && /cannot start/.test(f.message));
    assert.equal(bad.length, 1, JSON.stringify(r.data.findings));
    assert.match(bad[0].message, /Continue: server 'needs' cannot start .* stops every MCP server/);
    assert.equal(bad[0].fix, "mcp-nexus secret set not-stored (or: mcp-nexus server disable needs)");
    assert.equal(r.code, 1);
  }));

Deno.test("remote secrets: one table row per built-in client, and each adapter follows its row", () => {
  assert.deepEqual(Object.keys(REMOTE_SECRETS).sort(), [...BUILTIN_CLIENT_IDS].sort());
  for (const id of BUILTIN_CLIENT_IDS) {
    const row = REMOTE_SECRETS[id];
    const a = getClient(id);
    if (!row.interpolation) assert.equal(a.envInterpolation, undefined, id);
    else assert.equal(a.envInterpolation?.("X"), row.interpolation.syntax("X"), id);
  }
});

Deno.test("client list --json: every adapter says what version and doc it was checked against", () =>
  withSandbox(async (sb) => {
    const r = await sb.json<
      {
        clients: {
          id: string;
          checked?: { version: string; docs: string; date: string };
          remoteSecrets: string;
          canInterpolate: boolean;
          projectFile?: string;
        }[];
      }
    >(["client", "list"], { env: ENV });
    for (const c of r.data.clients) {
      assert.ok(c.checked?.version && /^https:\/\//.test(c.checked.docs) && c.checked.date, c.id);
    }
    const byId = Object.fromEntries(r.data.clients.map((c) => [c.id, c]));
    // the bridge for every client by default; interpolation is an opt-in where the client has one
    for (const c of r.data.clients) assert.equal(c.remoteSecrets, "bridge", c.id);
    assert.equal(byId.cline.canInterpolate, false);
    assert.equal(byId.cursor.canInterpolate, true);
    assert.equal(byId["claude-code"].projectFile, ".mcp.json");
    assert.equal(byId.crush.checked?.version.includes("0.96.1"), true);
    for (const f of await walkFiles(sb.home)) assert.ok(!(await Deno.readTextFile(f)).includes(SECRET));
  }));

Deno.test("detect: an installed app counts, not only a binary on PATH (bundle, per-user program, desktop entry)", async () => {
  const { fakePathContext } = await import("../src/core/sync/client_context.ts");
  const cases: Array<[string, "linux" | "darwin" | "windows", string]> = [
    ["cursor", "darwin", "/Users/u/Applications/Cursor.app"],
    ["cursor", "windows", "C:\\Users\\u\\AppData\\Local\\Programs\\cursor"],
    ["cursor", "linux", "/usr/share/applications/cursor.desktop"],
    ["vscode", "windows", "C:\\Users\\u\\AppData\\Local\\Programs\\Microsoft VS Code"],
    ["vscode", "linux", "/home/u/.local/share/applications/code.desktop"],
    ["windsurf", "linux", "/home/u/.local/share/applications/windsurf.desktop"],
    ["zed", "linux", "/usr/share/applications/dev.zed.Zed.desktop"],
    ["lm-studio", "windows", "C:\\Users\\u\\AppData\\Local\\Programs\\LM Studio"],
  ];
  const home = { linux: "/home/u", darwin: "/Users/u", windows: "C:\\Users\\u" };
  for (const [id, os, path] of cases) {
    const a = getClient(id);
    assert.equal(a.detect(fakePathContext({ os, home: home[os] })), false, `${id} fresh ${os}`);
    assert.equal(a.detect(fakePathContext({ os, home: home[os], files: [path] })), true, `${id} ${path}`);
  }
  // a desktop entry means nothing on macOS, a bundle nothing on Linux
  assert.equal(
    getClient("cursor").detect(
      fakePathContext({ os: "darwin", home: "/Users/u", files: ["/usr/share/applications/cursor.desktop"] }),
    ),
    false,
  );
});

Deno.test("plugins: the new adapter fields are checked (project path, checked, formats)", async () => {
  const { adapterProblems } = await import("../src/plugins/clients/mod.ts");
  const base = { ...getClient("cursor") };
  assert.deepEqual(adapterProblems(base), []);
  assert.match(adapterProblems({ ...base, project: { path: ["..", "x.json"] } }).join(), /project\.path/);
  assert.match(adapterProblems({ ...base, project: { path: ["a/b.json"] } }).join(), /project\.path/);
  assert.match(adapterProblems({ ...base, checked: { version: "1" } }).join(), /checked/);
  assert.match(adapterProblems({ ...base, formats: [{ id: "v2" }] }).join(), /formats/);
});
