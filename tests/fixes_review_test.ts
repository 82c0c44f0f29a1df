/** Review findings (fixes branch): plaintext left in a client file, env-backend listing, skip reasons, argument order. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode, type Sandbox, withSandbox } from "./helpers.ts";
import { addServers, GH } from "./server_fixtures.ts";

const URL_CANARY = "CANARYq1w2e3r4t5y6u7";
const HDR_CANARY = "CANARYhdr0123456789ab";

/**
 * A client with no safe form for a remote server's secrets: a plugin client that takes remote
 * servers only (no stdio entry for the launcher bridge) and reads no environment variables. Its
 * file holds a server with plaintext secrets in the URL and a header.
 */
async function remoteOnlyWithPlaintext(sb: Sandbox, extra: Record<string, unknown> = {}): Promise<string> {
  const dir = join(sb.home, "plugin-src");
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    join(dir, "plugin.json"),
    JSON.stringify({
      id: "remote-only",
      name: "Remote Only",
      format: "json",
      paths: { default: ["~/.remote-only/mcp.json"] },
      servers: { path: ["mcpServers"] },
      transports: ["http"],
      entry: { remote: { http: "http" } },
      detect: { paths: ["~/.remote-only"] },
      ...extra,
    }),
  );
  expectCode(await sb.run(["plugin", "add", dir]), 0);
  await Deno.mkdir(join(sb.home, ".remote-only"), { recursive: true });
  const f = join(sb.home, ".remote-only", "mcp.json");
  await Deno.writeTextFile(
    f,
    JSON.stringify({
      mcpServers: {
        cop: {
          type: "http",
          url: `https://api.example.com/mcp?api_key=${URL_CANARY}`,
          headers: { "X-Api-Key": HDR_CANARY },
        },
      },
    }),
  );
  return f;
}

Deno.test("import then sync: an owned entry whose secrets have no safe form in the client is removed, not left in plaintext", () =>
  withSandbox(async (sb) => {
    const f = await remoteOnlyWithPlaintext(sb);
    expectCode(await sb.run(["import", "--client", "remote-only"]), 0);
    const r = expectCode(await sb.run(["sync", "--client", "remote-only", "--yes"]), 0);
    const after = await Deno.readTextFile(f);
    assert.ok(!after.includes("CANARY"), `plaintext left in ${f}: ${after}`);
    assert.ok(!r.stdout.includes("CANARY") && !r.stderr.includes("CANARY"), r.stdout + r.stderr);
    assert.match(r.stdout, /cop: removed from Remote Only/);
    assert.match(r.stdout, /mcp-nexus sync --client remote-only --secrets inline/);
    assert.match(r.stdout, /mcp-nexus backup restore/);
    // still in the registry, secrets in the keychain
    const show = expectCode(await sb.run(["server", "show", "cop"]), 0);
    assert.ok(!show.stdout.includes("CANARY"));
    // the printed way back really works: the server returns (the values inline, 0600)
    expectCode(await sb.run(["sync", "--client", "remote-only", "--secrets", "inline", "--yes"]), 0);
    const back = JSON.parse(await Deno.readTextFile(f));
    assert.equal(back.mcpServers.cop.headers["X-Api-Key"], HDR_CANARY);
    assert.equal((await Deno.stat(f)).mode! & 0o777, 0o600);
  }));

Deno.test("doctor's fix for a plaintext entry already in the registry really removes the plaintext", () =>
  withSandbox(async (sb) => {
    const f = await remoteOnlyWithPlaintext(sb);
    expectCode(await sb.run(["import", "--client", "remote-only"]), 0);
    // the user edits the entry after the import: no longer ours, so sync leaves it and doctor warns
    const edited = JSON.parse(await Deno.readTextFile(f));
    edited.mcpServers.cop.headers["X-Other"] = "1";
    await Deno.writeTextFile(f, JSON.stringify(edited));
    expectCode(await sb.run(["sync", "--client", "remote-only", "--yes"]), 0);
    assert.ok((await Deno.readTextFile(f)).includes("CANARY"));
    const d = await sb.json<{ findings: Array<{ check: string; fix?: string }> }>(["doctor"]);
    const fix = d.data.findings.find((x) => x.check === "plaintext")?.fix;
    assert.ok(fix, JSON.stringify(d.data));
    const m = fix.match(/^mcp-nexus (.+) && mcp-nexus (.+)$/);
    assert.ok(m, fix);
    expectCode(await sb.run(m[1].split(" ")), 0);
    expectCode(await sb.run([...m[2].split(" "), "--yes"]), 0);
    assert.ok(!(await Deno.readTextFile(f)).includes("CANARY"));
  }));

Deno.test("a secret in the URL, for a client that reads \${VAR}: the skip reason says so (not 'cannot read its environment'), with a full command", () =>
  withSandbox(async (sb) => {
    await remoteOnlyWithPlaintext(sb, { interpolation: { template: "${NAME}" } });
    await Deno.writeTextFile(join(sb.home, ".remote-only", "mcp.json"), "{}\n");
    expectCode(
      await sb.run([
        "server",
        "add",
        "cop",
        "--url",
        "https://api.example.com/mcp?api_key=${keychain:cop-key}",
        "--header",
        "X-Api-Key=${keychain:cop-key}",
      ]),
      0,
    );
    // the header alone would be written as \${MCP_NEXUS_SECRET_…}; the URL's secret cannot be
    const r = await sb.json<
      { files: Array<{ client: string; skipped: Array<{ server: string; reason: string }> }> }
    >(
      ["sync", "--client", "remote-only", "--dry-run"],
    );
    const reason = r.data.files[0]?.skipped.find((s) => s.server === "cop")?.reason;
    assert.ok(reason, JSON.stringify(r.data));
    assert.doesNotMatch(reason, /cannot read (them|secrets) from its environment/);
    assert.match(reason, /the secret is in the URL/);
    assert.match(reason, /mcp-nexus sync --client remote-only --secrets inline/);
  }));

Deno.test("env backend: secret list says it lists only known names, and how to check one", () =>
  withSandbox(async (sb) => {
    const env = { MCP_NEXUS_SECRET_GH_TOKEN: "x-not-a-real-value" };
    const r = expectCode(await sb.run(["--backend", "env", "secret", "list"], { env }), 0);
    assert.match(r.stdout, /lists only the secret names/);
    assert.match(r.stdout, /mcp-nexus --backend env secret exists NAME/);
    // the printed check works for the variable that is set
    const e = expectCode(await sb.run(["--backend", "env", "secret", "exists", "gh-token"], { env }), 0);
    assert.ok(!e.stdout.includes("x-not-a-real-value"));
    const j = await sb.json<{ complete: boolean }>(["--backend", "env", "secret", "list"], { env });
    assert.equal(j.data.complete, false);
  }));

Deno.test("a plaintext value skipped from a project file: the reason gives full commands that work", () =>
  withSandbox(async (sb) => {
    const env = { MCP_NEXUS_BACKEND: "env" };
    expectCode(await sb.run(["server", "add", "plain", "--", "npx", "-y", "pkg"], { env }), 0);
    const path = join(sb.nexusHome, "registry.json");
    const reg = JSON.parse(await Deno.readTextFile(path));
    const token = "ghp_literalTokenInRegistry000000000000000";
    reg.servers.leaky = {
      transport: "stdio",
      command: "npx",
      args: ["-y", "leaky"],
      env: { GITHUB_TOKEN: token, LOG: "debug info" },
      enabled: true,
    };
    await Deno.writeTextFile(path, JSON.stringify(reg, null, 2));
    await Deno.mkdir(join(sb.home, "repo", ".cursor"), { recursive: true });
    const sync = () =>
      sb.json<{ files: Array<{ skipped: Array<{ server: string; reason: string }> }> }>(
        ["sync", "--project", "repo", "--client", "cursor", "--server", "leaky", "--dry-run"],
        { env },
      );
    const r = await sync();
    const reason = r.data.files[0].skipped.find((s) => s.server === "leaky")?.reason ?? "";
    assert.ok(!reason.includes(token));
    const cmds = reason.match(/move it to the keychain: (.*) \(each/)?.[1]?.split(" && ");
    assert.deepEqual(cmds, [
      "mcp-nexus secret set leaky.github-token",
      "mcp-nexus server add leaky --replace --env 'GITHUB_TOKEN=${keychain:leaky.github-token}' " +
      "--env 'LOG=debug info' -- npx -y leaky",
    ]);
    // the second command works (with a keychain backend the first stores the value from a prompt)
    const argv = [
      "server",
      "add",
      "leaky",
      "--replace",
      "--env",
      "GITHUB_TOKEN=${keychain:leaky.github-token}",
      "--env",
      "LOG=debug info",
      "--",
      "npx",
      "-y",
      "leaky",
    ];
    expectCode(await sb.run(argv, { env: { ...env, MCP_NEXUS_SECRET_LEAKY_GITHUB_TOKEN: "x" } }), 0);
    assert.ok(!(await Deno.readTextFile(path)).includes(token));
    const again = await sync();
    assert.ok(!again.data.files[0].skipped.some((s) => s.server === "leaky"), JSON.stringify(again.data));
  }));

Deno.test("install --remote abc with a name clash: the bad --remote is reported first, nothing fetched", () =>
  withSandbox(async (sb) => {
    expectCode(await sb.run(["server", "add", "brave", "--", "echo"]), 0);
    const r = expectCode(
      await sb.run(["install", "io.github.x/brave", "--as", "brave", "--remote", "abc"]),
      2,
    );
    assert.match(r.stderr, /--remote "abc": expected a remote's number/);
    assert.match(r.stderr, /mcp-nexus show io\.github\.x\/brave/);
    assert.doesNotMatch(r.stderr, /already exists/);
  }));

Deno.test("cline: launcher entries carry Cline's own timeout (seconds); plain entries do not; a re-sync is a no-op", () =>
  withSandbox(async (sb) => {
    const env = { MCP_NEXUS_BACKEND: "env" };
    expectCode(await sb.run(["server", "add", "plain", "--", "my-server"], { env }), 0);
    await addServers(sb, env, GH);
    expectCode(await sb.run(["sync", "--client", "cline", "--yes"], { env }), 0);
    const file = join(sb.home, ".cline", "data", "settings", "cline_mcp_settings.json");
    const servers = JSON.parse(await Deno.readTextFile(file)).mcpServers;
    assert.deepEqual(servers.gh.args.slice(-2), ["run", "gh"]);
    assert.equal(servers.gh.timeout, 30);
    assert.equal(servers.plain.timeout, undefined);
    const again = await sb.json<{ files: Array<{ status: string }> }>(
      ["sync", "--client", "cline", "--yes"],
      { env },
    );
    assert.equal(again.data.files[0].status, "unchanged");
    const d = await sb.json<{ findings: Array<{ check: string }> }>(["doctor"], { env });
    assert.ok(!d.data.findings.some((f) => f.check === "drift"), JSON.stringify(d.data.findings));
  }));

Deno.test("an entry written with --secrets inline is the user's choice: a later plain sync keeps it (skipped, with the reason)", () =>
  withSandbox(async (sb) => {
    const f = await remoteOnlyWithPlaintext(sb);
    expectCode(await sb.run(["import", "--client", "remote-only"]), 0);
    expectCode(await sb.run(["sync", "--client", "remote-only", "--secrets", "inline", "--yes"]), 0);
    const r = expectCode(await sb.run(["sync", "--client", "remote-only", "--yes"]), 0);
    assert.match(r.stdout, /! cop: its url, headers\.X-Api-Key hold secrets/);
    assert.doesNotMatch(r.stdout, /removed from/);
    const kept = JSON.parse(await Deno.readTextFile(f));
    assert.equal(kept.mcpServers.cop.headers["X-Api-Key"], HDR_CANARY);
    // doctor still warns about the plaintext (its fix, adopt && sync, removes it)
    const d = await sb.json<{ findings: Array<{ check: string }> }>(["doctor"]);
    assert.ok(d.data.findings.some((x) => x.check === "plaintext"));
  }));
