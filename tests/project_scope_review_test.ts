/**
 * Review findings on `sync --project`: a dry run (or a sync not applied) changes nothing, not even the
 * project's remembered servers; hints repeat the project scope; no hint names a refused option.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode, type Sandbox, withSandbox } from "./helpers.ts";

const ENV = { MCP_NEXUS_BACKEND: "env", MCP_NEXUS_SECRET_GH_TOKEN: "ghp_reviewProjectSecret000000000000000" };

async function setup(sb: Sandbox): Promise<string> {
  const add = async (args: string[]) => expectCode(await sb.run(["server", "add", ...args], { env: ENV }), 0);
  await add(["plain", "--", "npx", "-y", "pkg"]);
  await add(["other", "--", "npx", "-y", "other"]);
  const dir = join(sb.home, "repo");
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}

const registryText = (sb: Sandbox) => Deno.readTextFile(join(sb.nexusHome, "registry.json"));

Deno.test("sync --project --server --dry-run remembers nothing: the registry is byte-identical", () =>
  withSandbox(async (sb) => {
    const dir = await setup(sb);
    const opts = { env: ENV, cwd: sb.home };
    expectCode(
      await sb.run(["sync", "--project", "repo", "--server", "plain", "--client", "cursor", "--yes"], opts),
      0,
    );
    const before = await registryText(sb);
    const r = await sb.run(
      ["sync", "--project", "repo", "--server", "other", "--client", "cursor", "--dry-run"],
      opts,
    );
    expectCode(r, 0);
    assert.match(r.stdout, /other/, "the dry run shows the plan for the servers given");
    assert.equal(await registryText(sb), before, "a dry run does not change the project's servers");
    const cursor = JSON.parse(await Deno.readTextFile(join(dir, ".cursor", "mcp.json")));
    assert.deepEqual(Object.keys(cursor.mcpServers), ["plain"]);
  }));

Deno.test("sync --project --server without --yes off a terminal: nothing remembered, the hints keep the project", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    const opts = { env: ENV, cwd: sb.home };
    const r = await sb.run(["sync", "--project", "repo", "--server", "plain", "--client", "cursor"], opts);
    expectCode(r, 2);
    const reg = JSON.parse(await registryText(sb));
    assert.equal(reg.projects, undefined, "nothing was applied, so nothing is remembered");
    const hint = r.stderr.split("\n").find((l) => l.includes("fix:")) ?? "";
    const cmds = [...hint.matchAll(/'mcp-nexus ([^']+)'/g)].map((m) => m[1]);
    assert.equal(cmds.length, 2, r.stderr);
    for (const c of cmds) assert.match(c, /--project repo --server plain --client cursor/, c);
    // the hint works as printed: the --yes one applies to the project, not the user files
    const yes = cmds.find((c) => c.endsWith("--yes"))!;
    const args = yes.split(" ");
    expectCode(await sb.run(args, opts), 0);
    const cursor = JSON.parse(await Deno.readTextFile(join(sb.home, "repo", ".cursor", "mcp.json")));
    assert.deepEqual(Object.keys(cursor.mcpServers), ["plain"]);
    assert.deepEqual(JSON.parse(await registryText(sb)).projects[join(sb.home, "repo")], {
      servers: ["plain"],
    });
  }));

Deno.test("sync --project: a remote server with secrets on any host gets a launcher entry (the bridge), never a placeholder", () =>
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
      ], { env: ENV }),
      0,
    );
    const r = await sb.json<{ files: { client: string; skipped: { server: string; reason: string }[] }[] }>(
      ["sync", "--project", "repo", "--server", "linear", "--client", "cursor", "--dry-run"],
      { env: ENV, cwd: sb.home },
    );
    assert.equal(r.code, 0, r.stderr);
    // the launcher's bridge reaches any host now: the project file gets a launcher entry, nothing skipped
    assert.equal(
      r.data.files[0].skipped.find((s) => s.server === "linear"),
      undefined,
      JSON.stringify(r.data),
    );
    expectCode(
      await sb.run(["sync", "--project", "repo", "--server", "linear", "--client", "cursor", "--yes"], {
        env: ENV,
        cwd: sb.home,
      }),
      0,
    );
    const project = JSON.parse(await Deno.readTextFile(join(sb.home, "repo", ".cursor", "mcp.json")));
    assert.deepEqual(project.mcpServers.linear.args.slice(-2), ["run", "linear"]);
    assert.ok(!JSON.stringify(project).includes("MCP_NEXUS_SECRET"), "no env placeholder in a project file");
    // and the user scope of a client without interpolation bridges it too
    const u = await sb.json<{ files: { skipped: { server: string; reason: string }[] }[] }>(
      ["sync", "--client", "zed", "--dry-run"],
      { env: ENV },
    );
    assert.equal(u.data.files[0].skipped.find((s) => s.server === "linear"), undefined);
  }));

Deno.test("sync --project --secrets inline: refused with a hint that keeps --server, --client and --yes, and works as printed", () =>
  withSandbox(async (sb) => {
    await setup(sb);
    const opts = { env: ENV, cwd: sb.home };
    const r = expectCode(
      await sb.run(
        [
          "sync",
          "--project",
          "repo",
          "--server",
          "plain",
          "--client",
          "cursor",
          "--secrets",
          "inline",
          "--yes",
        ],
        opts,
      ),
      2,
    );
    const hint = r.stderr.split("\n").find((l) => l.includes("fix:")) ?? "";
    const m = hint.match(/mcp-nexus (sync [^(]+?)\s*(\(|$)/);
    assert.ok(m, r.stderr);
    assert.equal(m[1], "sync --project repo --server plain --client cursor --yes");
    expectCode(await sb.run(m[1].split(" "), opts), 0);
    const cursor = JSON.parse(await Deno.readTextFile(join(sb.home, "repo", ".cursor", "mcp.json")));
    assert.deepEqual(Object.keys(cursor.mcpServers), ["plain"]);
  }));
