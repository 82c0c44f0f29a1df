/**
 * A source run on a real terminal (a pty from util-linux `script`): `deno task nexus` and the install
 * wrapper set DENO_NO_PROMPT=1 (Deno then never prompts), so the program drops what the command does
 * not need. Without it a revoked power could prompt, so nothing is revoked there.
 */
import assert from "node:assert/strict";
import { CONFIG, HAS_SCRIPT, MAIN, REPO, type Sandbox, withSandbox } from "./helpers.ts";

const q = (a: string) => `'${a.replaceAll("'", `'\\''`)}'`;

/** Runs a shell command line under a pty; returns everything the terminal showed and the exit code. */
async function onTty(sb: Sandbox, line: string, env: Record<string, string> = {}) {
  const child = new Deno.Command("script", {
    args: ["-qec", line, "/dev/null"],
    env: { ...sb.env, ...env },
    clearEnv: true,
    cwd: REPO,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // stdin stays open (a closed one would end the pty's input): a prompt would wait for an answer,
  // so a run that prompts does not finish, and the time limit below says so
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const [out, err, status] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.status,
  ]);
  clearTimeout(timer);
  await child.stdin.close().catch(() => {});
  return { screen: out + err, code: status.code };
}

function permissionsLine(screen: string) {
  const line = screen.split(/\r?\n/).find((l) => l.startsWith("permissions: "));
  assert.ok(line, `no permissions line in:\n${screen}`);
  return JSON.parse(line!.slice("permissions: ".length).trim()) as {
    dropped: string[];
    probe: Record<string, string>;
  };
}

const PROMPT = /Deno requests|Allow\?|\[y\/n/;

Deno.test({
  name: "deno task nexus on a terminal drops what the command does not need, and never prompts",
  ignore: Deno.build.os !== "linux" || !HAS_SCRIPT,
  fn: () =>
    withSandbox(async (sb) => {
      const line = `${q(Deno.execPath())} task -q --config ${q(CONFIG)} nexus sync --dry-run`;
      const { screen, code } = await onTty(sb, line, {
        MCP_NEXUS_DEBUG_PERMISSIONS: "9",
        MCP_NEXUS_BACKEND: "env",
      });
      assert.doesNotMatch(screen, PROMPT, screen);
      assert.equal(code, 0, screen);
      const { dropped, probe } = permissionsLine(screen);
      assert.deepEqual(dropped, ["run", "net"]);
      assert.equal(probe.run, "denied");
      assert.equal(probe.net, "denied");
      assert.equal(probe.ffi, "allowed");
    }),
});

Deno.test({
  name: "a source run on a terminal without DENO_NO_PROMPT revokes nothing (a revoked power could prompt)",
  ignore: Deno.build.os !== "linux" || !HAS_SCRIPT,
  fn: () =>
    withSandbox(async (sb) => {
      const line = [Deno.execPath(), "run", "-q", "-P=nexus", "--config", CONFIG, MAIN, "schema"].map(q).join(
        " ",
      );
      const { screen, code } = await onTty(sb, line, { MCP_NEXUS_DEBUG_PERMISSIONS: "9" });
      assert.doesNotMatch(screen, PROMPT, screen);
      assert.equal(code, 0, screen);
      assert.deepEqual(permissionsLine(screen).dropped, []);
    }),
});

Deno.test({
  name: "the installed wrapper on a terminal drops too (it sets DENO_NO_PROMPT=1 beside --no-prompt)",
  ignore: Deno.build.os !== "linux" || !HAS_SCRIPT,
  fn: () =>
    withSandbox(async (sb) => {
      const { posixWrapper } = await import("../scripts/install.ts");
      const wrapper = `${sb.home}/mcp-nexus`;
      await Deno.writeTextFile(wrapper, posixWrapper(wrapper, Deno.execPath(), REPO));
      await Deno.chmod(wrapper, 0o755);
      const { screen, code } = await onTty(sb, `${q(wrapper)} schema`, { MCP_NEXUS_DEBUG_PERMISSIONS: "9" });
      assert.doesNotMatch(screen, PROMPT, screen);
      assert.equal(code, 0, screen);
      assert.deepEqual(permissionsLine(screen).dropped, ["run", "ffi", "net"]);
    }),
});
