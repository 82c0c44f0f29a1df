/** The sync engine end to end, through the CLI, on sample client files in a sandbox home. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { BUILTIN_CLIENT_IDS, expectCode, modeOf, type Sandbox, walkFiles, withSandbox } from "./helpers.ts";
import { addServers, GITHUB, PLAIN } from "./server_fixtures.ts";

const ENV = {
  MCP_NEXUS_BACKEND: "env",
  MCP_NEXUS_SECRET_GH_TOKEN: "ghp_syncTestSecret000000000000000000000",
};

const CLAUDE = {
  numStartups: 7,
  userID: "abc",
  projects: { "/w/app": { mcpServers: { local: { command: "x" } }, allowedTools: ["Bash"] } },
  mcpServers: { mine: { type: "stdio", command: "node", args: ["/opt/mine.js"], env: {} } },
};
const VSCODE = `// my VS Code MCP config
{
  "inputs": [],
  "servers": {
    // a server I wrote by hand
    "postgres": { "type": "stdio", "command": "uvx", "args": ["mcp-server-postgres"] }
  }
}
`;
const CODEX = `# Codex settings
model = "gpt-5-codex"

[mcp_servers.docs] # mine
command = "npx"
args = ["-y", "docs-mcp"]
`;

async function setup(sb: Sandbox) {
  const write = async (rel: string, text: string, mode = 0o644) => {
    await Deno.mkdir(join(sb.home, rel, ".."), { recursive: true });
    await Deno.writeTextFile(join(sb.home, rel), text);
    await Deno.chmod(join(sb.home, rel), mode);
  };
  await write(".claude.json", JSON.stringify(CLAUDE, null, 2) + "\n", 0o600);
  await write(".cursor/mcp.json", '{\n  "mcpServers": {}\n}\n');
  await write(".config/Code/User/mcp.json", VSCODE);
  await write(".codex/config.toml", CODEX);
  await addServers(sb, ENV, PLAIN, GITHUB);
}

const CLIENTS = ["--client", "claude-code", "--client", "cursor", "--client", "vscode", "--client", "codex"];
const sync = (sb: Sandbox, ...extra: string[]) => sb.run(["sync", ...CLIENTS, ...extra], { env: ENV });
const read = (sb: Sandbox, rel: string) => Deno.readTextFile(join(sb.home, rel));

Deno.test("sync writes launcher/plain entries and keeps every other key, comment and server", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    const r = expectCode(await sync(sb, "--yes"), 0);
    assert.match(r.stdout, /4 file\(s\) changed/);

    const claude = JSON.parse(await read(sb, ".claude.json"));
    assert.equal(claude.numStartups, 7);
    assert.deepEqual(claude.projects, CLAUDE.projects);
    assert.deepEqual(claude.mcpServers.mine, CLAUDE.mcpServers.mine, "the user's own server is untouched");
    assert.equal(claude.mcpServers.plain.command, "npx");
    assert.deepEqual(claude.mcpServers.plain.args, ["-y", "@modelcontextprotocol/server-everything"]);
    const gh = claude.mcpServers.github;
    assert.ok(
      gh.args.includes("run") && gh.args.at(-1) === "github",
      `launcher entry: ${JSON.stringify(gh)}`,
    );
    assert.ok(!JSON.stringify(gh).includes("keychain"), "no reference or value in the client file");

    const vs = await read(sb, ".config/Code/User/mcp.json");
    assert.ok(vs.startsWith("// my VS Code MCP config\n{"), vs);
    assert.match(
      vs,
      /\/\/ a server I wrote by hand\n\s+"postgres": \{ "type": "stdio", "command": "uvx", "args": \["mcp-server-postgres"\] \}/,
    );
    assert.match(vs, /"plain"/);

    const codex = await read(sb, ".codex/config.toml");
    assert.ok(
      codex.startsWith(
        '# Codex settings\nmodel = "gpt-5-codex"\n\n[mcp_servers.docs] # mine\ncommand = "npx"\n',
      ),
      codex,
    );
    assert.match(codex, /\[mcp_servers\.plain\]/);
    assert.match(codex, /\[mcp_servers\.github\]/);

    for (const f of await walkFiles(sb.home)) {
      assert.ok(!(await Deno.readTextFile(f)).includes(ENV.MCP_NEXUS_SECRET_GH_TOKEN), `secret in ${f}`);
    }
    assert.equal(await modeOf(join(sb.home, ".cursor/mcp.json")), 0o644, "an existing file keeps its mode");
  }));

Deno.test("a no-op sync writes nothing: same bytes, same mtimes, no new backup", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    expectCode(await sync(sb, "--yes"), 0);
    const files = [
      ".claude.json",
      ".cursor/mcp.json",
      ".config/Code/User/mcp.json",
      ".codex/config.toml",
      "nexus/state/ledger.json",
    ];
    const before = await Promise.all(
      files.map(async (f) => [await read(sb, f), (await Deno.stat(join(sb.home, f))).mtime?.getTime()]),
    );
    const backups =
      (await sb.json<{ backups: unknown[] }>(["backup", "list"], { env: ENV })).data.backups.length;
    await new Promise((r) => setTimeout(r, 20));
    const again = expectCode(await sync(sb, "--yes"), 0);
    assert.match(again.stdout, /0 file\(s\) changed/);
    const after = await Promise.all(
      files.map(async (f) => [await read(sb, f), (await Deno.stat(join(sb.home, f))).mtime?.getTime()]),
    );
    assert.deepEqual(after, before);
    assert.equal(
      (await sb.json<{ backups: unknown[] }>(["backup", "list"], { env: ENV })).data.backups.length,
      backups,
    );
  }));

Deno.test("an unparsable file is named with line and column, left untouched; other clients still sync", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    const broken = '{\n  "mcpServers": {\n    "x": { "command": "a", }\n  }\n}\n';
    await Deno.writeTextFile(join(sb.home, ".cursor/mcp.json"), broken);
    const r = expectCode(await sync(sb, "--yes"), 1);
    assert.match(r.stdout, /mcp\.json.*line 3, column \d+/s);
    assert.equal(await read(sb, ".cursor/mcp.json"), broken);
    assert.match(await read(sb, ".codex/config.toml"), /\[mcp_servers\.plain\]/);
    const j = await sb.json<
      { files: { client: string; status: string; error?: { details: { line: number } } }[] }
    >(
      ["sync", ...CLIENTS, "--dry-run"],
      { env: ENV },
    );
    const cursor = j.data.files.find((f) => f.client === "cursor")!;
    assert.equal(cursor.status, "error");
    assert.equal(cursor.error?.details.line, 3);
  }));

Deno.test("drift: an owned entry edited by the user is skipped (exit 5); --force overwrites; adopt keeps theirs", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    expectCode(await sync(sb, "--yes"), 0);
    const path = join(sb.home, ".cursor/mcp.json");
    const doc = JSON.parse(await Deno.readTextFile(path));
    doc.mcpServers.plain.args.push("--verbose");
    await Deno.writeTextFile(path, JSON.stringify(doc, null, 2));
    expectCode(
      await sb.run(["server", "add", "plain", "--replace", "--", "npx", "-y", "other"], { env: ENV }),
      0,
    );
    const r = expectCode(await sync(sb, "--yes"), 5);
    assert.match(r.stdout, /plain: edited in Cursor since mcp-nexus wrote it/);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)).mcpServers.plain.args, [
      "-y",
      "@modelcontextprotocol/server-everything",
      "--verbose",
    ]);

    expectCode(await sb.run(["adopt", "plain", "--client", "cursor"], { env: ENV }), 0);
    const show = await sb.json<{ args: string[] }>(["server", "show", "plain"], { env: ENV });
    assert.deepEqual(show.data.args, ["-y", "@modelcontextprotocol/server-everything", "--verbose"]);
    expectCode(await sync(sb, "--yes"), 0);

    await Deno.writeTextFile(path, (await Deno.readTextFile(path)).replace('"--verbose"', '"--quiet"'));
    expectCode(await sync(sb, "--yes"), 5);
    expectCode(await sync(sb, "--yes", "--force"), 0);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)).mcpServers.plain.args.at(-1), "--verbose");
  }));

Deno.test("entries we never wrote are never touched: conflicts reported, removals only of our own", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    expectCode(await sb.run(["server", "add", "mine", "--", "echo", "registry-version"], { env: ENV }), 0);
    const r = expectCode(await sync(sb, "--yes"), 5);
    assert.match(r.stdout, /mine: Claude Code already has a server 'mine' that mcp-nexus did not write/);
    assert.deepEqual(JSON.parse(await read(sb, ".claude.json")).mcpServers.mine, CLAUDE.mcpServers.mine);

    expectCode(await sb.run(["server", "rm", "plain"], { env: ENV }), 0);
    expectCode(await sb.run(["server", "rm", "mine"], { env: ENV }), 0);
    expectCode(await sync(sb, "--yes"), 0);
    const claude = JSON.parse(await read(sb, ".claude.json"));
    assert.equal(claude.mcpServers.plain, undefined, "ours is removed");
    assert.deepEqual(claude.mcpServers.mine, CLAUDE.mcpServers.mine, "theirs stays");
    assert.doesNotMatch(await read(sb, ".codex/config.toml"), /mcp_servers\.plain/);
    assert.match(await read(sb, ".codex/config.toml"), /\[mcp_servers\.docs\] # mine/);
    assert.match(await read(sb, ".config/Code/User/mcp.json"), /\/\/ a server I wrote by hand/);
  }));

Deno.test("backups before the first change; restore puts the bytes back", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    const original = await read(sb, ".codex/config.toml");
    expectCode(await sync(sb, "--yes"), 0);
    const list = await sb.json<{ backups: { id: string; files: { path: string }[] }[] }>(["backup", "list"], {
      env: ENV,
    });
    assert.equal(list.data.backups.length, 1);
    assert.equal(list.data.backups[0].files.length, 4);
    const dir = join(sb.nexusHome, "backups", list.data.backups[0].id);
    assert.equal(await modeOf(dir), 0o700);
    expectCode(await sb.run(["backup", "restore", "latest"], { env: ENV }), 2); // not a TTY: needs --yes
    expectCode(
      await sb.run(["backup", "restore", list.data.backups[0].id, "--client", "codex", "--yes"], {
        env: ENV,
      }),
      0,
    );
    assert.equal(await read(sb, ".codex/config.toml"), original);
    assert.match(await read(sb, ".cursor/mcp.json"), /"plain"/, "only the chosen client's file is restored");
  }));

Deno.test("dry run changes nothing and masks secrets; without a TTY, sync needs --yes", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    const before = await read(sb, ".cursor/mcp.json");
    const dry = expectCode(await sync(sb, "--dry-run"), 0);
    assert.match(dry.stdout, /\+ plain:/);
    assert.match(dry.stdout, /Dry run: .*would change/);
    assert.equal(await read(sb, ".cursor/mcp.json"), before);
    const inline = expectCode(await sync(sb, "--dry-run", "--secrets", "inline"), 0);
    assert.ok(!inline.stdout.includes(ENV.MCP_NEXUS_SECRET_GH_TOKEN), "inline values are masked in the diff");
    assert.match(inline.stdout, /••••••/);
    const r = expectCode(await sync(sb), 2);
    assert.match(r.stderr, /--yes/);
    assert.equal(await read(sb, ".cursor/mcp.json"), before);
  }));

Deno.test("inline secrets: written only when asked, file made 0600, warned", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    const r = expectCode(
      await sb.run(["sync", "--client", "cursor", "--secrets", "inline", "--yes"], { env: ENV }),
      0,
    );
    assert.match(r.stderr, /writes secret values into client files/);
    assert.ok(!r.stdout.includes(ENV.MCP_NEXUS_SECRET_GH_TOKEN));
    const cursor = JSON.parse(await read(sb, ".cursor/mcp.json"));
    assert.equal(cursor.mcpServers.github.env.GITHUB_PERSONAL_ACCESS_TOKEN, ENV.MCP_NEXUS_SECRET_GH_TOKEN);
    assert.equal(await modeOf(join(sb.home, ".cursor/mcp.json")), 0o600);
  }));

Deno.test({
  name: "a symlinked ~/.claude.json stays a symlink; its target is updated",
  ignore: Deno.build.os === "windows",
  fn: () =>
    withSandbox(async (sb) => {
      await setup(sb);
      await Deno.mkdir(join(sb.home, "dotfiles"));
      await Deno.rename(join(sb.home, ".claude.json"), join(sb.home, "dotfiles/claude.json"));
      await Deno.symlink("dotfiles/claude.json", join(sb.home, ".claude.json"));
      expectCode(await sync(sb, "--yes"), 0);
      assert.ok((await Deno.lstat(join(sb.home, ".claude.json"))).isSymlink);
      assert.ok(JSON.parse(await read(sb, "dotfiles/claude.json")).mcpServers.plain);
    }),
});

Deno.test("two syncs at once never interleave: both finish, files are whole", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    const [a, b] = await Promise.all([sync(sb, "--yes"), sync(sb, "--yes")]);
    assert.deepEqual([a.code, b.code].sort(), [0, 0], a.stderr + b.stderr);
    const claude = JSON.parse(await read(sb, ".claude.json"));
    assert.ok(claude.mcpServers.plain && claude.mcpServers.github && claude.mcpServers.mine);
    assert.equal((await read(sb, ".codex/config.toml")).match(/\[mcp_servers\.plain\]/g)?.length, 1);
  }));

Deno.test("client list shows every built-in client with detection, path and managed count", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    expectCode(await sync(sb, "--yes"), 0);
    const r = await sb.json<{ clients: { id: string; detected: boolean; path: string; managed: number }[] }>([
      "client",
      "list",
    ], { env: ENV });
    const ids = r.data.clients.map((c) => c.id);
    for (
      const id of BUILTIN_CLIENT_IDS
    ) assert.ok(ids.includes(id), id);
    const cursor = r.data.clients.find((c) => c.id === "cursor")!;
    assert.equal(cursor.detected, true);
    assert.equal(cursor.managed, 2);
    assert.equal(cursor.path, join(sb.home, ".cursor/mcp.json"));
    assert.equal(r.data.clients.find((c) => c.id === "zed")!.detected, false);
  }));

Deno.test("cwd: kept where the client has it, else the launcher applies it", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    expectCode(
      await sb.run(["server", "add", "local", "--cwd", "/srv/tools", "--", "node", "server.js"], {
        env: ENV,
      }),
      0,
    );
    expectCode(await sync(sb, "--yes"), 0);
    const vs = JSON.parse((await read(sb, ".config/Code/User/mcp.json")).replace(/^\s*\/\/.*$/gm, ""));
    assert.equal(vs.servers.local.cwd, "/srv/tools");
    assert.equal(vs.servers.local.command, "node");
    const cursor = JSON.parse(await read(sb, ".cursor/mcp.json")).mcpServers.local;
    assert.deepEqual(
      cursor.args.slice(-2),
      ["run", "local"],
      "Cursor has no cwd: the launcher entry carries it",
    );
  }));

Deno.test("remote secret headers: the launcher bridge in every client by default (nothing to export); the client's own env interpolation only where the user opts in, and back again", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    expectCode(
      await sb.run([
        "server",
        "add",
        "linear",
        "--url",
        "https://mcp.linear.app/mcp",
        "--header",
        "Authorization=Bearer ${keychain:gh-token}",
      ], {
        env: ENV,
      }),
      0,
    );
    const bridged = async (rel: string, pick: (text: string) => Record<string, unknown>) => {
      const e = pick(await read(sb, rel)) as { args?: string[] };
      assert.deepEqual(e.args?.slice(-2), ["run", "linear"], `${rel}: ${JSON.stringify(e)}`);
      assert.doesNotMatch(JSON.stringify(e), /MCP_NEXUS_SECRET_/, rel);
    };
    const cursorEntry = (t: string) => JSON.parse(t).mcpServers.linear;
    const claudeEntry = (t: string) => JSON.parse(t).mcpServers.linear;
    const codexEntry = (t: string) =>
      (parseToml(t) as { mcp_servers: Record<string, Record<string, unknown>> }).mcp_servers.linear;

    // the default: every client, the terminal ones and the GUI ones alike, gets the bridge
    const r = expectCode(await sync(sb, "--yes", "--client", "claude-desktop"), 0);
    assert.doesNotMatch(r.stdout + r.stderr, /MCP_NEXUS_SECRET_/, "no variable for the user to export");
    await bridged(".cursor/mcp.json", cursorEntry);
    await bridged(".claude.json", claudeEntry);
    await bridged(".codex/config.toml", codexEntry);
    await bridged(".config/Claude/claude_desktop_config.json", (t) => JSON.parse(t).mcpServers.linear);
    assert.match(
      r.stdout,
      /linear: Claude Desktop takes stdio servers only; it reaches https:\/\/mcp\.linear\.app\/mcp through mcp-nexus run/,
    );

    // the opt-in: the client's own HTTP transport, with a placeholder the user exports where it starts
    for (const id of ["cursor", "claude-code", "codex"]) {
      expectCode(await sb.run(["client", "remote-secrets", id, "interpolate"], { env: ENV }), 0);
    }
    // Claude Desktop cannot read a variable there: refused, with the command that lists who can
    const no = expectCode(
      await sb.run(["client", "remote-secrets", "claude-desktop", "interpolate"], { env: ENV }),
      2,
    );
    assert.match(no.stderr, /mcp-nexus client list --json/);
    const listed = await sb.json<{ clients: { id: string; remoteSecrets: string }[] }>(["client", "list"], {
      env: ENV,
    });
    const mode = Object.fromEntries(listed.data.clients.map((c) => [c.id, c.remoteSecrets]));
    assert.equal(mode.cursor, "interpolate");
    assert.equal(mode.vscode, "bridge");
    const opted = expectCode(await sync(sb, "--yes"), 0);
    assert.match(opted.stdout, /MCP_NEXUS_SECRET_GH_TOKEN/, "sync names the variable to export");
    assert.equal(
      cursorEntry(await read(sb, ".cursor/mcp.json")).headers.Authorization,
      "Bearer ${env:MCP_NEXUS_SECRET_GH_TOKEN}",
    );
    assert.equal(
      claudeEntry(await read(sb, ".claude.json")).headers.Authorization,
      "Bearer ${MCP_NEXUS_SECRET_GH_TOKEN}",
    );
    assert.match(await read(sb, ".codex/config.toml"), /bearer_token_env_var = "MCP_NEXUS_SECRET_GH_TOKEN"/);
    await bridged(
      ".config/Code/User/mcp.json",
      (t) => JSON.parse(t.replace(/^\s*\/\/.*$/gm, "")).servers.linear,
    );

    // a placeholder entry the user made by hand is theirs
    const cursorFile = join(sb.home, ".cursor/mcp.json");
    const doc = JSON.parse(await Deno.readTextFile(cursorFile));
    doc.mcpServers.mine = { url: "https://x.example/mcp", headers: { A: "${env:MCP_NEXUS_SECRET_MINE}" } };
    await Deno.writeTextFile(cursorFile, JSON.stringify(doc, null, 2));

    // back to the bridge: doctor says the entries still read a variable, and the next sync migrates them
    for (const id of ["cursor", "claude-code", "codex"]) {
      expectCode(await sb.run(["client", "remote-secrets", id, "bridge"], { env: ENV }), 0);
    }
    const doc1 = await sb.json<{ findings: { check: string; message: string; fix?: string }[] }>(["doctor"], {
      env: ENV,
    });
    const stale = doc1.data.findings.filter((f) => f.check === "remote-secrets");
    assert.deepEqual(stale.map((f) => f.fix).sort(), [
      "mcp-nexus sync --client claude-code",
      "mcp-nexus sync --client codex",
      "mcp-nexus sync --client cursor",
    ]);
    assert.ok(stale.every((f) => !f.message.includes("mine")), "the user's own entry is not ours to fix");
    expectCode(await sync(sb, "--yes"), 0);
    await bridged(".cursor/mcp.json", cursorEntry);
    await bridged(".claude.json", claudeEntry);
    await bridged(".codex/config.toml", codexEntry);
    assert.equal(
      JSON.parse(await Deno.readTextFile(cursorFile)).mcpServers.mine.headers.A,
      "${env:MCP_NEXUS_SECRET_MINE}",
      "the user's own entry is untouched",
    );
    const doc2 = await sb.json<{ findings: { check: string }[] }>(["doctor"], { env: ENV });
    assert.equal(doc2.data.findings.filter((f) => f.check === "remote-secrets").length, 0);
    for (const f of await walkFiles(sb.home)) {
      assert.ok(!(await Deno.readTextFile(f)).includes(ENV.MCP_NEXUS_SECRET_GH_TOKEN), `secret in ${f}`);
    }
  }));

Deno.test("YAML clients: Continue's list and Goose's map are edited in place, comments kept", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    const cont =
      "# Continue config\nname: My Config\nversion: 0.0.1\nschema: v1\nmodels: [] # none yet\nmcpServers:\n  - name: theirs # keep me\n    command: uvx\n    args: [x]\n";
    await Deno.mkdir(join(sb.home, ".continue"));
    await Deno.writeTextFile(join(sb.home, ".continue/config.yaml"), cont);
    const r = expectCode(
      await sb.run(["sync", "--client", "continue", "--client", "goose", "--yes"], { env: ENV }),
      0,
    );
    assert.match(r.stdout, /2 file\(s\) changed/);
    const c = await read(sb, ".continue/config.yaml");
    assert.ok(
      c.startsWith(
        "# Continue config\nname: My Config\nversion: 0.0.1\nschema: v1\nmodels: [] # none yet\nmcpServers:\n  - name: theirs # keep me\n",
      ),
      c,
    );
    assert.match(c, /- name: plain\n\s+command: npx/);
    const goose = await read(sb, ".config/goose/config.yaml");
    assert.match(goose, /extensions:\n\s+github:\n/);
    expectCode(await sb.run(["server", "rm", "plain"], { env: ENV }), 0);
    expectCode(await sb.run(["sync", "--client", "continue", "--client", "goose", "--yes"], { env: ENV }), 0);
    assert.doesNotMatch(await read(sb, ".continue/config.yaml"), /name: plain/);
    assert.match(await read(sb, ".continue/config.yaml"), /- name: theirs # keep me/);
    assert.doesNotMatch(await read(sb, ".config/goose/config.yaml"), /plain:/);
  }));

Deno.test("every built-in client: a sync from nothing creates a file the adapter reads back, under the real permission set", () =>
  withSandbox(async (sb) => {
    const ids = BUILTIN_CLIENT_IDS;
    expectCode(await sb.run(["server", "add", "a", "--", "echo", "hi"], { env: ENV }), 0);
    expectCode(await sb.run(["server", "add", "r", "--url", "https://mcp.example.com/mcp"], { env: ENV }), 0);
    const r = await sb.json<{ files: { client: string; status: string; path: string }[] }>(
      ["sync", ...ids.flatMap((c) => ["--client", c]), "--yes"],
      { env: ENV },
    );
    assert.equal(r.code, 0, JSON.stringify(r.data));
    assert.deepEqual(r.data.files.map((f) => f.status), ids.map(() => "changed"));
    for (const f of r.data.files) {
      assert.equal(await modeOf(f.path), 0o600, `${f.client}: new files are 0600`);
    }
    const again = await sb.json<{ files: { status: string }[] }>([
      "sync",
      ...ids.flatMap((c) => ["--client", c]),
      "--yes",
    ], { env: ENV });
    assert.deepEqual(
      again.data.files.map((f) => f.status),
      ids.map(() => "unchanged"),
      "each adapter reads back what it wrote",
    );
  }));

Deno.test("a client file that is not valid UTF-8 is left byte-for-byte untouched", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    const bytes = new Uint8Array([
      ...new TextEncoder().encode('{"mcpServers": {}, "note": "caf'),
      0xe9,
      ...new TextEncoder().encode('"}\n'),
    ]);
    await Deno.writeFile(join(sb.home, ".cursor/mcp.json"), bytes);
    const r = expectCode(await sync(sb, "--yes"), 1);
    assert.match(r.stdout, /mcp\.json is not valid UTF-8; mcp-nexus left it untouched/);
    assert.deepEqual(await Deno.readFile(join(sb.home, ".cursor/mcp.json")), bytes);
    assert.match(await read(sb, ".codex/config.toml"), /\[mcp_servers\.plain\]/, "other clients still sync");
  }));

Deno.test("a third-party client plugin (plugin add) is listed and synced; unknown --client ids are refused", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    const dir = join(sb.home, "my-client-plugin");
    await Deno.mkdir(dir);
    await Deno.writeTextFile(
      join(dir, "plugin.json"),
      JSON.stringify({
        id: "my-client",
        name: "My Client",
        format: "json",
        paths: ["~/.my-client/servers.json"],
        servers: { path: ["servers"] },
        transports: ["stdio"],
        detect: { paths: ["~/.my-client"] },
        hooks: "./hooks.js",
      }),
    );
    await Deno.writeTextFile(
      join(dir, "hooks.js"),
      `export const render = (_name, s) => ({ cmd: [s.command, ...s.args], env: s.env });
export const parse = (_name, e) => e && Array.isArray(e.cmd) ? { transport: "stdio", command: e.cmd[0], args: e.cmd.slice(1), env: e.env ?? {} } : null;
`,
    );
    expectCode(await sb.run(["plugin", "add", dir], { env: ENV }), 0);

    const list = await sb.json<{ clients: { id: string; detected: boolean }[] }>(["client", "list"], {
      env: ENV,
    });
    assert.equal(
      list.data.clients.find((c) => c.id === "my-client")?.detected,
      false,
      "listed, not detected yet",
    );
    expectCode(await sb.run(["sync", "--client", "my-client", "--yes"], { env: ENV }), 0);
    const written = JSON.parse(await read(sb, ".my-client/servers.json"));
    assert.deepEqual(written.servers.plain.cmd, ["npx", "-y", "@modelcontextprotocol/server-everything"]);
    expectCode(
      await sb.run(["server", "add", "only-mine", "--client", "my-client", "--", "echo"], { env: ENV }),
      0,
    );

    const bad = expectCode(
      await sb.run(["server", "add", "typo", "--client", "curser", "--", "echo"], { env: ENV }),
      2,
    );
    assert.match(bad.stderr, /curser/);
    assert.match(bad.stderr, /cursor/, "the valid ids are listed");
    expectCode(await sb.run(["sync", "--client", "curser", "--dry-run"], { env: ENV }), 2);
  }));

Deno.test("diffs mask env and header values already in a file, even ones no heuristic calls secret", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    const env = { ...ENV, MCP_NEXUS_SECRET_DB_CONN: "postgres://admin:Tr0ub4dor3@db.internal/prod" };
    expectCode(
      await sb.run([
        "server",
        "add",
        "db",
        "--env",
        "DATABASE_URL=${keychain:db-conn}",
        "--",
        "npx",
        "db-mcp",
      ], { env }),
      0,
    );
    expectCode(await sb.run(["sync", "--client", "cursor", "--secrets", "inline", "--yes"], { env }), 0);
    for (const args of [["--dry-run"], ["--dry-run", "--json"], ["--yes"]]) {
      const r = await sb.run(["sync", "--client", "cursor", ...args], { env: ENV });
      assert.ok(!r.stdout.includes("Tr0ub4dor3") && !r.stderr.includes("Tr0ub4dor3"), `${args}: ${r.stdout}`);
    }
    assert.match(JSON.parse(await read(sb, ".cursor/mcp.json")).mcpServers.db.args.join(" "), /run db$/);
  }));

Deno.test("server names that are Object.prototype keys are ordinary names", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    const claude = JSON.parse(await read(sb, ".claude.json"));
    claude.mcpServers.constructor = { type: "stdio", command: "mine", args: [], env: {} };
    await Deno.writeTextFile(join(sb.home, ".claude.json"), JSON.stringify(claude));
    expectCode(await sb.run(["server", "add", "constructor", "--", "echo", "ours"], { env: ENV }), 0);
    const r = expectCode(
      await sb.run(["sync", "--client", "claude-code", "--yes", "--force"], { env: ENV }),
      5,
    );
    assert.match(
      r.stdout,
      /constructor: Claude Code already has a server 'constructor' that mcp-nexus did not write/,
    );
    assert.equal(
      JSON.parse(await read(sb, ".claude.json")).mcpServers.constructor.command,
      "mine",
      "--force never takes what is not ours",
    );
    expectCode(await sb.run(["server", "show", "toString"], { env: ENV }), 3);
  }));

Deno.test("Goose folds names to lower case: written under the key Goose uses; two names on one key conflict", () =>
  withSandbox(async (sb) => {
    expectCode(await sb.run(["server", "add", "GitHub", "--", "npx", "gh-mcp"], { env: ENV }), 0);
    expectCode(await sb.run(["sync", "--client", "goose", "--yes"], { env: ENV }), 0);
    const goose = await read(sb, ".config/goose/config.yaml");
    assert.match(goose, /extensions:\n\s+github:\n/);
    assert.doesNotMatch(goose, /\n\s+GitHub:\n/);
    assert.match(
      (await sb.run(["sync", "--client", "goose", "--yes"], { env: ENV })).stdout,
      /0 file\(s\) changed/,
    );
    expectCode(await sb.run(["server", "add", "github", "--", "npx", "other"], { env: ENV }), 0);
    const r = expectCode(await sb.run(["sync", "--client", "goose", "--yes"], { env: ENV }), 5);
    assert.match(r.stdout, /github: Goose stores it under 'github', as it does 'GitHub'/);
    expectCode(await sb.run(["server", "rm", "GitHub"], { env: ENV }), 0);
    expectCode(await sb.run(["server", "rm", "github"], { env: ENV }), 0);
    expectCode(await sb.run(["sync", "--client", "goose", "--yes"], { env: ENV }), 0);
    assert.doesNotMatch(await read(sb, ".config/goose/config.yaml"), /github:/);
  }));
