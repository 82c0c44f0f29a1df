/**
 * On a real terminal (a pty from util-linux `script`): every command's --help, bare `mcp-nexus`, the
 * confirm flows. Nothing may stop at a Deno permission prompt: the help runs here WITHOUT --no-prompt,
 * so a library probing an environment variable outside the permission set would show Deno's prompt
 * (and fail the test). Colour is decided per stream.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CONFIG, REPO, type Sandbox, withSandbox } from "./helpers.ts";
import { buildProgram } from "../src/cli/mod.ts";
import { selfCommand } from "../src/core/launch/launcher_command.ts";
import { denoLine, HAS_SCRIPT, onPty, shq } from "./fixtures/pty.ts";

const ptyOk = { ignore: Deno.build.os !== "linux" || !HAS_SCRIPT };
/** Deno's permission prompt, or the error a denied permission ends in. */
const PERMISSION =
  /Deno requests|Allow\? \[y\/n|requires \w+ access|--allow-(env|read|write|run|net|ffi|sys)\b|NotCapable|report it as a bug/i;

/** A terminal's environment: no NO_COLOR (its presence would skip the colour probing we check). */
function termEnv(sb: Sandbox, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { ...sb.env, TERM: "xterm-256color", ...extra };
  delete env.NO_COLOR;
  return env;
}

/** Every command path in the program, from commander's own tree (new commands are covered too). */
function commandPaths(): string[][] {
  const out: string[][] = [];
  // deno-lint-ignore no-explicit-any
  const walk = (cmd: any, path: string[]) => {
    for (const sub of cmd.commands) {
      const p = [...path, sub.name()];
      out.push(p);
      walk(sub, p);
    }
  };
  walk(buildProgram(), []);
  return out;
}

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: n }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

Deno.test("every way of starting mcp-nexus runs with --no-prompt (a permission can never be asked for)", async () => {
  const config = JSON.parse(await Deno.readTextFile(CONFIG));
  // every task that starts Deno (nexus, compile, install, uninstall, demo): a prompt would stop it
  const denoTasks = Object.entries(config.tasks as Record<string, string>)
    .filter(([, line]) => /\bdeno run\b/.test(line));
  assert.ok(denoTasks.length >= 5, `deno run tasks: ${denoTasks.map(([name]) => name).join(", ")}`);
  for (const [name, line] of denoTasks) assert.match(line, /--no-prompt/, `deno task ${name}: ${line}`);
  assert.ok(selfCommand().includes("--no-prompt"), `launcher entries: ${selfCommand().join(" ")}`);
  const helpers = await Deno.readTextFile(join(REPO, "tests", "helpers.ts"));
  assert.match(helpers, /"--no-prompt", "-P=nexus"/);
});

Deno.test({
  name: "every command's --help on a terminal: help, exit 0, never a permission prompt",
  ...ptyOk,
  fn: () =>
    withSandbox(async (sb) => {
      const paths = [[], ...commandPaths()];
      assert.ok(paths.length > 20, `only ${paths.length} commands found`);
      const failures: string[] = [];
      await pool(paths, 3, async (path) => {
        const line = `${denoLine({ noPrompt: false })} ${[...path, "--help"].map(shq).join(" ")}`;
        const { code, screen } = await onPty(line, termEnv(sb), 30_000).end();
        const label = ["mcp-nexus", ...path, "--help"].join(" ");
        if (PERMISSION.test(screen)) failures.push(`${label}: a permission prompt:\n${screen}`);
        else if (code !== 0) failures.push(`${label}: exit ${code}:\n${screen}`);
        else if (!/Usage: mcp-nexus/.test(screen)) failures.push(`${label}: no usage:\n${screen}`);
      });
      assert.deepEqual(failures, []);
    }),
});

Deno.test({
  name: "read-only commands on a terminal never stop at a permission prompt either",
  ...ptyOk,
  fn: () =>
    withSandbox(async (sb) => {
      const runs = [
        ["secret", "list"],
        ["secret", "backends"],
        ["server", "list"],
        ["client", "list"],
        ["backup", "list"],
        ["sync", "--dry-run"],
        ["import", "--dry-run"],
        ["doctor"],
        ["schema"],
        ["--version"],
      ];
      const failures: string[] = [];
      await pool(runs, 3, async (args) => {
        const line = `${denoLine({ noPrompt: false })} ${args.map(shq).join(" ")}`;
        const { screen } = await onPty(line, termEnv(sb), 30_000).end();
        if (PERMISSION.test(screen)) failures.push(`mcp-nexus ${args.join(" ")}:\n${screen}`);
      });
      assert.deepEqual(failures, []);
    }),
});

Deno.test({
  name: "bare mcp-nexus, secret and server on a terminal: help on stderr, exit 2, no permission prompt",
  ...ptyOk,
  fn: () =>
    withSandbox(async (sb) => {
      for (const args of [[], ["secret"], ["server"]]) {
        // stdout goes to a file: what is left on the terminal is stderr
        const out = join(sb.home, "stdout.txt");
        const line = `${denoLine({ noPrompt: false })} ${args.map(shq).join(" ")} > ${shq(out)}`;
        const { code, screen } = await onPty(line, termEnv(sb), 30_000).end();
        assert.doesNotMatch(screen, PERMISSION, screen);
        assert.equal(code, 2, screen);
        assert.match(screen, /Usage: mcp-nexus/, "the help is on stderr");
        assert.equal(await Deno.readTextFile(out), "", "nothing on stdout");
      }
    }),
});

Deno.test({
  name: "colour is decided per stream: an error on a terminal's stderr is red even when stdout is a file",
  ...ptyOk,
  fn: () =>
    withSandbox(async (sb) => {
      const env = termEnv(sb, { MCP_NEXUS_BACKEND: "env" });
      const out = join(sb.home, "stdout.txt");
      const red = await onPty(
        `${denoLine()} secret get no-such-secret > ${shq(out)}`,
        env,
        30_000,
      ).end();
      assert.equal(red.code, 3, red.screen);
      assert.ok(red.screen.includes("\x1b[31merror:"), `stderr (a terminal) is coloured:\n${red.screen}`);
      const err = join(sb.home, "stderr.txt");
      const plain = await onPty(`${denoLine()} secret get no-such-secret 2> ${shq(err)}`, env, 30_000).end();
      assert.equal(plain.code, 3, plain.screen);
      const text = await Deno.readTextFile(err);
      assert.match(text, /error: No secret named 'no-such-secret'/);
      assert.ok(!text.includes("\x1b["), `stderr (a file) has no colour codes: ${JSON.stringify(text)}`);
    }),
});

async function cursorFile(sb: Sandbox): Promise<string> {
  return await Deno.readTextFile(join(sb.home, ".cursor", "mcp.json")).catch(() => "");
}

Deno.test({
  name: "sync on a terminal shows the diff and asks; no is an answer (exit 130, no red error), yes writes",
  ...ptyOk,
  fn: () =>
    withSandbox(async (sb) => {
      const add = await sb.run(["server", "add", "everything", "--", "npx", "-y", "server-everything"]);
      assert.equal(add.code, 0, add.stderr);
      const env = termEnv(sb);
      const line = `${denoLine()} sync --client cursor`;

      const no = onPty(line, env);
      await no.waitFor("Apply these changes? [y/N] ");
      assert.match(no.screen, /\+ everything:/, "the diff is shown before the question");
      assert.ok(
        no.screen.includes("\x1b[32m    + everything:"),
        "the diff on a terminal's stderr is coloured",
      );
      await no.type("n\r");
      const declined = await no.end();
      assert.equal(declined.code, 130, declined.screen);
      assert.match(declined.screen, /Nothing was changed\./);
      assert.doesNotMatch(declined.screen, /error:/, "declining is not an error");
      assert.doesNotMatch(declined.screen, PERMISSION);
      assert.equal(await cursorFile(sb), "", "nothing written after no");

      const yes = onPty(line, env);
      await yes.waitFor("Apply these changes? [y/N] ");
      await yes.type("y\r");
      const applied = await yes.end();
      assert.equal(applied.code, 0, applied.screen);
      assert.doesNotMatch(applied.screen, PERMISSION);
      assert.ok(JSON.parse(await cursorFile(sb)).mcpServers.everything, "written after yes");
    }),
});

Deno.test({
  name: "backup restore on a terminal lists the files and asks; no exits 130 without an error",
  ...ptyOk,
  fn: () =>
    withSandbox(async (sb) => {
      assert.equal((await sb.run(["server", "add", "a", "--", "npx", "-y", "pkg-a"])).code, 0);
      assert.equal((await sb.run(["sync", "--yes", "--client", "cursor"])).code, 0);
      const before = await cursorFile(sb);
      const s = onPty(`${denoLine()} backup restore latest --client cursor`, termEnv(sb));
      await s.waitFor(/Restore these 1 file\(s\) from .*\? \[y\/N\] /);
      assert.ok(s.screen.includes(join(sb.home, ".cursor", "mcp.json")), s.screen);
      await s.type("n\r");
      const r = await s.end();
      assert.equal(r.code, 130, r.screen);
      assert.doesNotMatch(r.screen, /error:/);
      assert.ok(!r.screen.includes("\x1b[31m"), "nothing red");
      assert.doesNotMatch(r.screen, PERMISSION);
      assert.equal(await cursorFile(sb), before, "nothing restored after no");
    }),
});
