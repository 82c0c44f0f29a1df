/**
 * `sync --project DIR`: the project's servers in the repository's client files, with the same
 * guarantees as the user files and more (these files are usually committed): launcher entries for
 * anything with a secret (no env placeholders either), no secret-looking literal, no --secrets inline.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse as parseJsonc } from "jsonc-parser";
import { expectCode, type Sandbox, walkFiles, withSandbox } from "./helpers.ts";
import { fakePathContext } from "../src/core/sync/client_context.ts";
import { projectAdapter } from "../src/core/sync/client_format.ts";
import { listClients } from "../src/plugins/clients/mod.ts";

const ENV = {
  MCP_NEXUS_BACKEND: "env",
  MCP_NEXUS_SECRET_GH_TOKEN: "ghp_projectScopeSecret00000000000000000",
};
const SECRET = ENV.MCP_NEXUS_SECRET_GH_TOKEN;
const CLIENTS = ["claude-code", "cursor", "vscode", "gemini-cli", "opencode"].flatMap((c) => ["--client", c]);

async function setup(sb: Sandbox): Promise<string> {
  const add = async (args: string[]) => expectCode(await sb.run(["server", "add", ...args], { env: ENV }), 0);
  await add(["plain", "--", "npx", "-y", "pkg"]);
  await add(["github", "--env", "GITHUB_TOKEN=${keychain:gh-token}", "--", "npx", "-y", "gh-mcp"]);
  await add([
    "linear",
    "--url",
    "http://127.0.0.1:8931/mcp",
    "--header",
    "Authorization=Bearer ${keychain:gh-token}",
  ]);
  await add(["other", "--", "npx", "-y", "other"]);
  const dir = join(sb.home, "repo");
  await Deno.mkdir(join(dir, ".vscode"), { recursive: true });
  await Deno.writeTextFile(
    join(dir, ".vscode", "mcp.json"),
    '// team servers\n{\n  "servers": {\n    "team": { "type": "stdio", "command": "uvx", "args": ["team-mcp"] }\n  }\n}\n',
  );
  return dir;
}

const projectRun = (sb: Sandbox, ...args: string[]) =>
  sb.json<{ files: { client: string; path: string; status: string; skipped: { server: string }[] }[] }>(
    ["sync", "--project", "repo", ...args],
    { env: ENV, cwd: sb.home },
  );

Deno.test("sync --project: launcher entries only, in each client's project file; remembered; no secret anywhere", () =>
  withSandbox(async (sb) => {
    const dir = await setup(sb);
    const r = await projectRun(
      sb,
      ...CLIENTS,
      "--server",
      "plain",
      "--server",
      "github",
      "--server",
      "linear",
      "--yes",
    );
    assert.equal(r.code, 0, JSON.stringify(r.data));
    assert.deepEqual(r.data.files.map((f) => f.path).sort(), [
      join(dir, ".cursor", "mcp.json"),
      join(dir, ".gemini", "settings.json"),
      join(dir, ".mcp.json"),
      join(dir, ".vscode", "mcp.json"),
      join(dir, "opencode.json"),
    ]);
    const claude = JSON.parse(await Deno.readTextFile(join(dir, ".mcp.json"))).mcpServers;
    assert.deepEqual(Object.keys(claude).sort(), ["github", "linear", "plain"], "only the project's servers");
    assert.deepEqual(claude.plain, { type: "stdio", command: "npx", args: ["-y", "pkg"] });
    assert.deepEqual(claude.github.args.slice(-2), ["run", "github"]);
    // Claude Code could read ${VAR} from its env, but a project file gets the launcher bridge instead
    assert.deepEqual(claude.linear.args.slice(-2), ["run", "linear"]);
    assert.doesNotMatch(JSON.stringify(claude), /MCP_NEXUS_SECRET|\$\{/);
    const vs = await Deno.readTextFile(join(dir, ".vscode", "mcp.json"));
    assert.ok(vs.startsWith("// team servers\n"), vs);
    const vsData = parseJsonc(vs).servers;
    assert.deepEqual(
      vsData.team,
      { type: "stdio", command: "uvx", args: ["team-mcp"] },
      "the team's entry kept",
    );
    assert.deepEqual(vsData.github.args.slice(-2), ["run", "github"]);
    const oc = parseJsonc(await Deno.readTextFile(join(dir, "opencode.json"))).mcp;
    assert.deepEqual(oc.linear.command.slice(-2), ["run", "linear"]);
    for (const f of await walkFiles(sb.home)) {
      assert.ok(!(await Deno.readTextFile(f)).includes(SECRET), `secret in ${f}`);
    }
    // the user-level files were not touched
    for (const rel of [".claude.json", ".cursor/mcp.json", ".gemini/settings.json"]) {
      assert.equal(await Deno.stat(join(sb.home, rel)).catch(() => null), null, rel);
    }
    // the project's servers are remembered in the registry
    const reg = JSON.parse(await Deno.readTextFile(join(sb.nexusHome, "registry.json")));
    assert.deepEqual(reg.projects[dir], { servers: ["github", "linear", "plain"] });
    // a second run needs no --server and finds nothing to change
    const again = await projectRun(sb, ...CLIENTS, "--yes");
    assert.equal(again.code, 0);
    assert.deepEqual(again.data.files.map((f) => f.status), again.data.files.map(() => "unchanged"));
    // dropping a server from the project removes only our entry
    const fewer = await projectRun(sb, ...CLIENTS, "--server", "plain", "--yes");
    assert.equal(fewer.code, 0);
    const after = parseJsonc(await Deno.readTextFile(join(dir, ".vscode", "mcp.json"))).servers;
    assert.deepEqual(Object.keys(after).sort(), ["plain", "team"]);
  }));

Deno.test("sync --project: --secrets inline is refused; --server needs --project; a project without servers says how", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    const inline = await sb.run([
      "sync",
      "--project",
      "repo",
      "--server",
      "github",
      "--secrets",
      "inline",
      "--yes",
    ], {
      env: ENV,
      cwd: sb.home,
    });
    assert.equal(inline.code, 2, inline.stderr);
    assert.match(inline.stderr, /--secrets inline is refused with --project/);
    assert.equal(await Deno.stat(join(sb.home, "repo", ".mcp.json")).catch(() => null), null);
    const stray = await sb.run(["sync", "--server", "github", "--yes"], { env: ENV });
    assert.equal(stray.code, 2);
    assert.match(stray.stderr, /--server is for --project/);
    const none = await sb.run(["sync", "--project", "repo", "--yes"], { env: ENV, cwd: sb.home });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /mcp-nexus sync --project 'repo' --server NAME/);
    const missing = await sb.run(["sync", "--project", "nope", "--server", "plain", "--yes"], {
      env: ENV,
      cwd: sb.home,
    });
    assert.equal(missing.code, 3);
    const unknown = await sb.run(["sync", "--project", "repo", "--server", "ghost", "--yes"], {
      env: ENV,
      cwd: sb.home,
    });
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /No server named 'ghost'/);
  }));

Deno.test("sync --project: a secret-looking literal is never written to a project file", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    // a hand-edited registry with a plaintext token (not a keychain reference)
    const path = join(sb.nexusHome, "registry.json");
    const reg = JSON.parse(await Deno.readTextFile(path));
    reg.servers.leaky = {
      transport: "stdio",
      command: "npx",
      args: ["-y", "leaky"],
      env: { GITHUB_TOKEN: "ghp_literalTokenInRegistry000000000000000" },
      enabled: true,
    };
    reg.servers.embedded = {
      transport: "stdio",
      command: "npx",
      args: ["-y", "srv", "--api-key=sk-proj-embeddedInArgs000000000000000"],
      env: {},
      enabled: true,
    };
    await Deno.writeTextFile(path, JSON.stringify(reg, null, 2));
    const r = await projectRun(
      sb,
      "--client",
      "cursor",
      "--server",
      "leaky",
      "--server",
      "embedded",
      "--server",
      "plain",
      "--yes",
    );
    assert.equal(r.code, 0, JSON.stringify(r.data));
    const skipped = r.data.files[0].skipped.map((s) => s.server);
    assert.deepEqual(skipped.sort(), ["embedded", "leaky"]);
    const text = await Deno.readTextFile(join(sb.home, "repo", ".cursor", "mcp.json"));
    assert.doesNotMatch(text, /ghp_literal|sk-proj-embedded/);
    assert.match(text, /"plain"/);
  }));

Deno.test("project files are data on the adapters: each declared path, under the project dir", () => {
  const ctx = fakePathContext({ os: "linux", home: "/home/u" });
  const got = Object.fromEntries(
    listClients().flatMap((a) => {
      const p = projectAdapter(a, "/w/app", ctx);
      return p ? [[a.id, `${p.paths(ctx)[0]} ${p.serversPath.join(".")}`]] : [];
    }),
  );
  assert.deepEqual(got, {
    "claude-code": "/w/app/.mcp.json mcpServers",
    cursor: "/w/app/.cursor/mcp.json mcpServers",
    vscode: "/w/app/.vscode/mcp.json servers",
    "gemini-cli": "/w/app/.gemini/settings.json mcpServers",
    codex: "/w/app/.codex/config.toml mcp_servers",
    zed: "/w/app/.zed/settings.json context_servers",
    opencode: "/w/app/opencode.json mcp",
    continue: "/w/app/.continue/mcpServers/mcp-nexus.yaml mcpServers",
    "qwen-code": "/w/app/.qwen/settings.json mcpServers",
    kilo: "/w/app/.kilo/kilo.json mcp",
    amp: "/w/app/.amp/settings.json amp.mcpServers",
    "factory-droid": "/w/app/.factory/mcp.json mcpServers",
    auggie: "/w/app/.augment/settings.json mcpServers",
    crush: "/w/app/.crush.json mcp",
  });
});

Deno.test("sync --project: Continue gets a block file of its own in .continue/mcpServers/", () =>
  withSandbox(async (sb) => {
    const dir = await setup(sb);
    const r = await projectRun(
      sb,
      "--client",
      "continue",
      "--server",
      "plain",
      "--server",
      "github",
      "--yes",
    );
    assert.equal(r.code, 0, JSON.stringify(r.data));
    const { parse } = await import("yaml");
    const block = parse(await Deno.readTextFile(join(dir, ".continue", "mcpServers", "mcp-nexus.yaml")));
    assert.equal(block.schema, "v1");
    assert.deepEqual(block.mcpServers.map((s: { name: string }) => s.name).sort(), ["github", "plain"]);
    assert.deepEqual(block.mcpServers.find((s: { name: string }) => s.name === "github").args.slice(-2), [
      "run",
      "github",
    ]);
    assert.equal(await Deno.stat(join(dir, ".continue", "config.yaml")).catch(() => null), null);
  }));

Deno.test("doctor checks the registry's project files too, with project hints", () =>
  withSandbox(async (sb) => {
    const dir = await setup(sb);
    expectCode(
      await sb.run(["sync", "--project", "repo", "--client", "cursor", "--server", "plain", "--yes"], {
        env: ENV,
        cwd: sb.home,
      }),
      0,
    );
    // a teammate edits our entry, and hand-writes a token into the committed file
    const path = join(dir, ".cursor", "mcp.json");
    const data = JSON.parse(await Deno.readTextFile(path));
    data.mcpServers.plain.args.push("--verbose");
    data.mcpServers.theirs = {
      command: "x",
      env: { GITHUB_TOKEN: "ghp_teammateWroteThis00000000000000000" },
    };
    await Deno.writeTextFile(path, JSON.stringify(data, null, 2));
    const r = await sb.json<{ findings: { level: string; check: string; message: string; fix?: string }[] }>(
      ["doctor"],
      { env: ENV },
    );
    const drift = r.data.findings.find((f) => f.check === "drift" && f.message.includes("'plain'"));
    assert.equal(drift?.fix, `keep ours: mcp-nexus sync --project '${dir}' --client cursor --force`);
    const leak = r.data.findings.find((f) => f.check === "plaintext" && f.message.includes("'theirs'"));
    assert.match(leak?.fix ?? "", /usually committed to git/);
    assert.doesNotMatch(JSON.stringify(r.data), /ghp_teammate/);
    // the hint works: ours is back
    const fixed = await sb.run(["sync", "--project", dir, "--client", "cursor", "--force", "--yes"], {
      env: ENV,
      cwd: "/",
    });
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)).mcpServers.plain.args, ["-y", "pkg"]);
  }));
