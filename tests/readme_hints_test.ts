/**
 * The hints a new user meets on the README's paths are commands that work when pasted verbatim into a
 * shell (a hint with prose after the command is a shell syntax error), found by walking the README.
 */
import assert from "node:assert/strict";
import { expectCode, withSandbox } from "./helpers.ts";
import { quotedCommands, runHint } from "./fixtures/pty.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const ENV = { MCP_NEXUS_BACKEND: "env" };

Deno.test("client remote-secrets ID interpolate for a client that cannot: the hint works, the message names who can", () =>
  withSandbox(async (sb) => {
    const r = await sb.json<Json>(["client", "remote-secrets", "zed", "interpolate"]);
    assert.equal(r.code, 2, JSON.stringify(r.data));
    const { message, hint } = r.data.error;
    const ran = await runHint(sb, hint, ENV);
    assert.equal(ran.code, 0, `hint '${hint}' failed (exit ${ran.code}):\n${ran.stderr}`);
    const listed = JSON.parse(ran.stdout).clients as { id: string; canInterpolate: boolean }[];
    const can = listed.filter((c) => c.canInterpolate).map((c) => c.id);
    assert.ok(can.includes("cursor") && !can.includes("zed"), can.join(", "));
    for (const id of can) assert.ok(message.includes(id), `the message names ${id}: ${message}`);
  }, ENV));

Deno.test("sync --project --secrets inline is refused; its hint, run verbatim, syncs the project", () =>
  withSandbox(async (sb) => {
    const project = `${sb.home}/repo`;
    await Deno.mkdir(project);
    expectCode(
      await sb.run(["server", "add", "gh", "--env", "TOKEN=${keychain:gh-token}", "--", "npx", "-y", "pkg"]),
      0,
    );
    const r = await sb.json<Json>([
      "sync",
      "--project",
      project,
      "--server",
      "gh",
      "--client",
      "cursor",
      "--secrets",
      "inline",
      "--yes",
    ]);
    assert.equal(r.code, 2, JSON.stringify(r.data));
    const ran = await runHint(sb, r.data.error.hint, ENV);
    assert.equal(ran.code, 0, `hint '${r.data.error.hint}' failed (exit ${ran.code}):\n${ran.stderr}`);
    const written = JSON.parse(await Deno.readTextFile(`${project}/.cursor/mcp.json`));
    assert.deepEqual(written.mcpServers.gh.args.slice(-2), ["run", "gh"], "a launcher entry");
  }, ENV));

Deno.test("mcp-nexus run with no name: the hint works and lists the names it takes", () =>
  withSandbox(async (sb) => {
    expectCode(await sb.run(["server", "add", "everything", "--", "npx", "-y", "pkg"]), 0);
    const r = await sb.json<Json>(["run"]);
    assert.equal(r.code, 2, JSON.stringify(r.data));
    const ran = await runHint(sb, r.data.error.hint, ENV);
    assert.equal(ran.code, 0, `hint '${r.data.error.hint}' failed (exit ${ran.code}):\n${ran.stderr}`);
    assert.match(ran.stdout, /everything/);
  }, ENV));

Deno.test("a usage error commander finds (unknown option, unknown command) names the help that fixes it, and it works", () =>
  withSandbox(async (sb) => {
    for (
      const [args, help] of [
        [["server", "add", "x", "--bogus", "--", "true"], "mcp-nexus server add --help"],
        [["frobnicate"], "mcp-nexus --help"],
        [["secret", "get"], "mcp-nexus secret get --help"],
      ] as const
    ) {
      const j = await sb.json<Json>([...args]);
      assert.equal(j.code, 2, JSON.stringify(j.data));
      assert.equal(j.data.error.hint, help, args.join(" "));
      const ran = await runHint(sb, j.data.error.hint, ENV);
      assert.equal(ran.code, 0, `hint '${help}' failed (exit ${ran.code}):\n${ran.stderr}`);
      const human = expectCode(await sb.run([...args]), 2);
      assert.ok(human.stderr.includes(`fix: ${help}\n`), human.stderr);
    }
  }, ENV));

Deno.test("run of a server whose --cwd is missing: the hint, run verbatim, makes the next run start", () =>
  withSandbox(async (sb) => {
    const dir = `${sb.home}/code/it's tools`;
    expectCode(await sb.run(["server", "add", "tools", "--cwd", dir, "--", "true"]), 0);
    const r = await sb.json<Json>(["run", "tools"]);
    assert.equal(r.code, 1, JSON.stringify(r.data));
    assert.equal(r.data.error.code, "E_CWD_NOT_FOUND");
    assert.match(r.data.error.message, /server add tools --replace --cwd DIR/);
    const ran = await runHint(sb, r.data.error.hint, ENV);
    assert.equal(ran.code, 0, `hint '${r.data.error.hint}' failed (exit ${ran.code}):\n${ran.stderr}`);
    assert.ok((await Deno.stat(dir)).isDirectory);
    expectCode(await sb.run(["run", "tools"]), 0);
  }, ENV));

Deno.test("completion SHELL --json is one JSON document (the script a field of it); a bad shell's hint works", () =>
  withSandbox(async (sb) => {
    const plain = expectCode(await sb.run(["completion", "bash"]), 0).stdout;
    const j = await sb.json<Json>(["completion", "bash"]);
    assert.equal(j.code, 0);
    assert.equal(j.data.shell, "bash");
    assert.equal(j.data.script, plain, "the same script as without --json");
    const bad = await sb.json<Json>(["completion", "tcsh"]);
    assert.equal(bad.code, 2, JSON.stringify(bad.data));
    const ran = await runHint(sb, bad.data.error.hint, ENV);
    assert.equal(ran.code, 0, `hint '${bad.data.error.hint}' failed (exit ${ran.code}):\n${ran.stderr}`);
  }, ENV));

Deno.test("sync with no client detected says so, and the command it names writes a client's file", () =>
  withSandbox(async (sb) => {
    expectCode(await sb.run(["server", "add", "gh", "--", "npx", "-y", "pkg"]), 0);
    await Deno.mkdir(`${sb.home}/repo`);
    for (
      const [args, file] of [
        [["sync", "--project", "repo", "--server", "gh", "--yes"], `${sb.home}/repo/.cursor/mcp.json`],
        [["sync", "--yes"], `${sb.home}/.cursor/mcp.json`],
        [["sync", "--dry-run"], `${sb.home}/.cursor/mcp.json`],
      ] as const
    ) {
      await Deno.remove(file.slice(0, file.lastIndexOf("/")), { recursive: true }).catch(() => {});
      const r = expectCode(await sb.run([...args], { cwd: sb.home }), 0);
      assert.match(r.stdout, /0 client\(s\)/, r.stdout);
      const [hint] = quotedCommands(r.stderr).filter((c) => c.includes("--client cursor"));
      assert.ok(hint, `a hint naming --client cursor: ${r.stderr}`);
      const ran = await runHint(sb, hint, ENV);
      assert.equal(ran.code, 0, `hint '${hint}' failed (exit ${ran.code}):\n${ran.stderr}`);
      assert.ok(JSON.parse(await Deno.readTextFile(file)).mcpServers.gh, `${file} has the server`);
    }
    // with --json, stdout stays one document and stderr stays quiet
    await Deno.remove(`${sb.home}/.cursor`, { recursive: true });
    const j = await sb.json<Json>(["sync", "--yes"]);
    assert.equal(j.code, 0);
    assert.equal(j.stderr, "");
  }, ENV));
