/** `import` (plaintext secrets → keychain, then sync removes them from client files) and `doctor`. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode, HAS_SECRET_SERVICE, type Sandbox, walkFiles, withSandbox } from "./helpers.ts";

const TOKEN = "ghp_importCanary0123456789abcdefghijklmn";
const linux = { ignore: Deno.build.os !== "linux" };

async function write(sb: Sandbox, rel: string, data: unknown) {
  await Deno.mkdir(join(sb.home, rel, ".."), { recursive: true });
  await Deno.writeTextFile(
    join(sb.home, rel),
    typeof data === "string" ? data : JSON.stringify(data, null, 2),
  );
}

Deno.test({
  name:
    "import moves plaintext secrets to the keychain, dedupes, reports conflicts; sync then removes the plaintext",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      assert.ok(HAS_SECRET_SERVICE);
      const github = {
        command: "npx",
        args: ["-y", "gh-mcp"],
        env: { GITHUB_TOKEN: TOKEN, LOG_LEVEL: "info" },
      };
      await write(sb, ".cursor/mcp.json", {
        mcpServers: { github, fetch: { command: "uvx", args: ["mcp-fetch"] } },
      });
      await write(sb, ".claude.json", {
        numStartups: 1,
        mcpServers: {
          github: { type: "stdio", ...github },
          fetch: { type: "stdio", command: "uvx", args: ["mcp-fetch", "--other"] },
          remote: {
            type: "http",
            url: "https://mcp.example.com/mcp",
            headers: { Authorization: "Bearer sk-remoteSecret0123456789abcd" },
          },
        },
      });

      const dry = await sb.json<{ added: string[]; secretsStored: string[] }>([
        "import",
        "--dry-run",
        "--client",
        "cursor",
        "--client",
        "claude-code",
      ]);
      assert.deepEqual(dry.data.added.sort(), ["fetch", "github", "remote"]);
      expectCode(await sb.run(["secret", "exists", "github.github-token"]), 3);
      assert.deepEqual(
        (await sb.json<{ servers: unknown[] }>(["server", "list"])).data.servers,
        [],
        "dry run stored nothing",
      );

      const r = await sb.json<
        { added: string[]; secretsStored: string[]; conflicts: { server: string; client: string }[] }
      >(
        ["import", "--client", "cursor", "--client", "claude-code"],
      );
      assert.equal(r.code, 5, "a conflict is reported with exit 5");
      assert.deepEqual(r.data.added.sort(), ["fetch", "github", "remote"]);
      assert.deepEqual(
        r.data.secretsStored.sort(),
        ["github.github-token", "remote.authorization"],
        "one secret for the two identical githubs",
      );
      assert.deepEqual(r.data.conflicts.map((c) => `${c.server}@${c.client}`), ["fetch@claude-code"]);

      const reveal = await sb.run(["secret", "get", "github.github-token", "--reveal"]);
      assert.equal(reveal.stdout.trim(), TOKEN);
      const gh = (await sb.json<{ env: Record<string, string> }>(["server", "show", "github"])).data;
      assert.deepEqual(gh.env, { GITHUB_TOKEN: "${keychain:github.github-token}", LOG_LEVEL: "info" });
      const remote = (await sb.json<{ headers: Record<string, string> }>(["server", "show", "remote"])).data;
      assert.equal(remote.headers.Authorization, "Bearer ${keychain:remote.authorization}");

      // the imported entries are ours now: sync replaces their plaintext with the launcher
      const s = expectCode(
        await sb.run(["sync", "--client", "cursor", "--client", "claude-code", "--yes"]),
        5,
      );
      assert.match(s.stdout, /fetch: Claude Code already has a server 'fetch'/);
      const cursor = JSON.parse(await Deno.readTextFile(join(sb.home, ".cursor/mcp.json")));
      assert.deepEqual(cursor.mcpServers.github.args.slice(-2), ["run", "github"]);
      const claude = JSON.parse(await Deno.readTextFile(join(sb.home, ".claude.json")));
      assert.equal(claude.numStartups, 1);
      assert.deepEqual(
        claude.mcpServers.fetch.args,
        ["mcp-fetch", "--other"],
        "the conflicting entry is left alone",
      );
      // the remote server's secret header: the launcher bridge holds it (nothing to export)
      assert.deepEqual(claude.mcpServers.remote.args.slice(-2), ["run", "remote"]);
      for (
        const f of [
          join(sb.home, ".cursor/mcp.json"),
          join(sb.home, ".claude.json"),
          join(sb.nexusHome, "registry.json"),
        ]
      ) {
        const text = await Deno.readTextFile(f);
        assert.ok(!text.includes(TOKEN) && !text.includes("sk-remoteSecret"), `plaintext left in ${f}`);
      }
      // backups keep the old plaintext (0600): doctor says so
      const doc = await sb.json<{ findings: { level: string; check: string; message: string }[] }>([
        "doctor",
      ]);
      assert.ok(
        doc.data.findings.some((f) => f.check === "plaintext" && /Backup .* plaintext/.test(f.message)),
      );
      assert.ok(
        !doc.data.findings.some((f) => f.check === "plaintext" && /Cursor: server 'github'/.test(f.message)),
      );
    }),
});

Deno.test({
  name: "import reads the MCP Nexus desktop app's config (keychain references kept)",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      await write(sb, ".mcp-nexus/config.json", {
        version: "1.0",
        servers: [{
          id: "u1",
          name: "filesystem",
          transport: {
            type: "stdio",
            command: "npx",
            args: ["-y", "@modelcontextprotocol/server-filesystem"],
            env: { API_KEY: "keychain:my-key" },
          },
          enabled: true,
          enabledClients: ["claude-code", "cursor"],
        }, {
          name: "GitHub Server",
          transport: {
            type: "stdio",
            command: "npx",
            args: ["-y", "gh"],
            env: { GITHUB_PERSONAL_ACCESS_TOKEN: TOKEN },
          },
          enabled: true,
        }, {
          name: "Linear",
          transport: {
            type: "sse",
            url: "https://mcp.linear.app/sse",
            headers: { Authorization: "Bearer lin_api_0123456789abcdefghij" },
          },
        }],
      });
      const r = await sb.json<{ added: string[]; secretsStored: string[] }>(["import", "--client", "cursor"]);
      assert.equal(r.code, 0);
      assert.deepEqual(r.data.added, ["filesystem", "GitHub-Server", "Linear"]);
      assert.deepEqual(r.data.secretsStored.sort(), [
        "github-server.github-personal-access-token",
        "linear.authorization",
      ]);
      const registry = await Deno.readTextFile(join(sb.nexusHome, "registry.json"));
      assert.ok(
        !registry.includes(TOKEN) && !registry.includes("lin_api_"),
        "the desktop app's plaintext went to the keychain",
      );
      const s =
        (await sb.json<{ env: Record<string, string>; clients: string[] }>(["server", "show", "filesystem"]))
          .data;
      assert.equal(s.env.API_KEY, "keychain:my-key");
      assert.deepEqual(s.clients, ["claude-code", "cursor"]);
    }),
});

Deno.test("doctor: unparsable file, drift, missing runtime and missing secret, each with a fix", () =>
  withSandbox(async (sb) => {
    const env = { MCP_NEXUS_BACKEND: "env", MCP_NEXUS_SECRET_PRESENT: "value-present" };
    expectCode(
      await sb.run(["server", "add", "ok", "--env", "T=${keychain:present}", "--", "sh", "-c", "true"], {
        env,
      }),
      0,
    );
    expectCode(
      await sb.run(["server", "add", "needs", "--env", "T=${keychain:absent}", "--", "no-such-runtime-xyz"], {
        env,
      }),
      0,
    );
    await write(sb, ".cursor/mcp.json", { mcpServers: {} });
    await write(sb, ".codex/config.toml", "[mcp_servers.x\ncommand = 1\n");
    expectCode(await sb.run(["sync", "--client", "cursor", "--yes"], { env }), 0);
    const path = join(sb.home, ".cursor/mcp.json");
    const doc = JSON.parse(await Deno.readTextFile(path));
    doc.mcpServers.ok.args.push("--edited");
    await Deno.writeTextFile(path, JSON.stringify(doc));

    const r = await sb.json<
      { ok: boolean; findings: { level: string; check: string; message: string; fix?: string }[] }
    >(["doctor"], { env });
    assert.equal(r.code, 1);
    assert.equal(r.data.ok, false);
    const find = (check: string, re: RegExp) =>
      r.data.findings.find((f) => f.check === check && re.test(f.message));
    assert.match(find("unparsable", /config\.toml/)?.message ?? "", /line 1/);
    assert.match(find("drift", /Cursor: 'ok' was edited/)?.fix ?? "", /mcp-nexus adopt ok --client cursor/);
    assert.match(find("runtime", /no-such-runtime-xyz/)?.fix ?? "", /Install/);
    assert.match(find("reference", /secret 'absent'/)?.fix ?? "", /mcp-nexus secret set absent/);
    assert.ok(find("keychain", /environment variables/), "keychain health is reported");
    assert.ok(!find("reference", /secret 'present'/));
    const human = await sb.run(["doctor"], { env });
    assert.match(human.stdout, /✗ unparsable: .*config\.toml/);
    assert.match(human.stdout, /\d+ error\(s\), \d+ warning\(s\)\./);
    for (const f of await walkFiles(sb.home)) {
      assert.ok(!(await Deno.readTextFile(f)).includes("value-present"));
    }
  }));

Deno.test({
  name: "import: names no server may have are made valid; launcher entries of any install are not servers",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      await write(sb, ".claude.json", {
        mcpServers: {
          "github.com/upstash/context7-mcp": {
            type: "stdio",
            command: "npx",
            args: ["-y", "@upstash/context7-mcp"],
            env: {},
          },
          "old-launcher": {
            type: "stdio",
            command: "/opt/old/mcp-nexus",
            args: ["run", "old-launcher"],
            env: {},
          },
          "src-launcher": {
            type: "stdio",
            command: "/usr/bin/deno",
            args: ["run", "-P=nexus", "/x/main.ts", "run", "src-launcher"],
            env: {},
          },
        },
      });
      const r = await sb.json<{ added: string[] }>(["import", "--client", "claude-code"]);
      assert.equal(r.code, 0, JSON.stringify(r.data));
      assert.deepEqual(r.data.added, ["context7-mcp"]);
      expectCode(await sb.run(["server", "list"]), 0); // the registry is still valid
      expectCode(await sb.run(["sync", "--client", "claude-code", "--yes"]), 0);
      const servers = JSON.parse(await Deno.readTextFile(join(sb.home, ".claude.json"))).mcpServers;
      assert.deepEqual(Object.keys(servers).sort(), ["context7-mcp", "old-launcher", "src-launcher"]);
      assert.deepEqual(servers["context7-mcp"].args, ["-y", "@upstash/context7-mcp"]);
    }),
});
