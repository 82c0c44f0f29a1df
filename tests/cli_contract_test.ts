/** The output contract: --version, --help with examples, --json on every command, exit codes. */
import assert from "node:assert/strict";
import { expectCode, withSandbox } from "./helpers.ts";

Deno.test("--version prints the version from deno.json, also as JSON", () =>
  withSandbox(async (sb) => {
    const { version } = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
    assert.equal(expectCode(await sb.run(["--version"]), 0).stdout.trim(), version);
    assert.deepEqual(JSON.parse((await sb.run(["--version", "--json"])).stdout), { version });
  }));

Deno.test("--help shows commands, examples and exit codes; unknown commands exit 2", () =>
  withSandbox(async (sb) => {
    const h = expectCode(await sb.run(["--help"]), 0);
    // commander reads colour variables; the permission set must allow them (NO_COLOR unset here)
    const bare = expectCode(
      await sb.run(["--help"], { env: { NO_COLOR: undefined, CLICOLOR_FORCE: "1" } }),
      0,
    );
    assert.match(bare.stdout, /Usage: mcp-nexus/);
    for (const word of ["secret", "server", "schema", "Examples:", "Exit codes:"]) {
      assert.match(h.stdout, new RegExp(word));
    }
    const sh = expectCode(await sb.run(["server", "add", "--help"]), 0);
    assert.match(sh.stdout, /mcp-nexus server add github/);
    const u = expectCode(await sb.run(["frobnicate"]), 2);
    assert.match(u.stderr, /unknown command 'frobnicate'/);
    const j = await sb.json<{ error: { code: string } }>(["secret", "set"]);
    assert.equal(j.code, 2);
    assert.equal(j.data.error.code, "E_USAGE");
    assert.equal(j.stderr, "", "with --json, errors are not printed twice");
  }));

Deno.test("every command answers --json with one JSON document (env backend, no keychain needed)", () =>
  withSandbox(async (sb) => {
    const env = { MCP_NEXUS_BACKEND: "env", MCP_NEXUS_SECRET_TOK: "value-of-tok" };
    const cmds: string[][] = [
      ["server", "add", "a", "--env", "T=${keychain:tok}", "--", "echo"],
      ["server", "list"],
      ["server", "show", "a"],
      ["server", "disable", "a"],
      ["server", "enable", "a"],
      ["secret", "list"],
      ["secret", "exists", "tok"],
      ["secret", "get", "tok"],
      ["secret", "backends"],
      ["schema"],
      ["server", "rm", "a"],
    ];
    for (const c of cmds) {
      const r = await sb.json(c, { env });
      assert.equal(r.code, 0, `${c.join(" ")}: ${JSON.stringify(r.data)}`);
      assert.equal(typeof r.data, "object");
    }
    const list = await sb.json<{ secrets: { name: string }[] }>(["secret", "list"], { env });
    assert.deepEqual(
      list.data.secrets,
      [],
      "the env backend lists only names the registry or index refers to",
    );
  }));

Deno.test("NO_COLOR and non-TTY output carry no escape codes", () =>
  withSandbox(async (sb) => {
    const r = await sb.run(["secret", "backends"], { env: { MCP_NEXUS_BACKEND: "env", FORCE_COLOR: "1" } });
    assert.ok(!(r.stdout + r.stderr).includes("\x1b["), "no ANSI escape codes");
  }));

Deno.test({
  name: "a reader that stops early (| head) ends the output quietly",
  ignore: Deno.build.os === "windows",
  fn: () =>
    withSandbox(async (sb) => {
      const { cliCommand } = await import("./helpers.ts");
      const cmd = cliCommand().map((a) => `'${a}'`).join(" ");
      const out = await new Deno.Command("bash", {
        args: ["-c", `${cmd} schema | true; echo "status=\${PIPESTATUS[0]}"`], // `true` closes the pipe before we write
        env: sb.env,
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(stderr, "", stderr);
      assert.match(new TextDecoder().decode(out.stdout), /status=0/);
    }),
});
