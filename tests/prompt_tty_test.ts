/** The hidden prompt on a real terminal (a pty from util-linux `script`): stored, never echoed. */
import assert from "node:assert/strict";
import { cliCommand, HAS_SCRIPT, HAS_SECRET_SERVICE, withSandbox } from "./helpers.ts";
import { onPty, shq } from "./fixtures/pty.ts";

Deno.test({
  name: "secret set on a TTY prompts with echo off and stores what was typed",
  ignore: Deno.build.os !== "linux" || !HAS_SCRIPT,
  fn: () =>
    withSandbox(async (sb) => {
      assert.ok(HAS_SECRET_SERVICE);
      const typed = `typed-${crypto.randomUUID()}`;
      const term = onPty([...cliCommand(), "secret", "set", "tty-secret"].map(shq).join(" "), sb.env);
      // wait for the prompt (the tty is in raw mode by then), then type
      await term.waitFor("(hidden): ");
      await term.type(typed + "x\x7f\r"); // a typo erased with backspace
      const { code, screen } = await term.end();
      assert.equal(code, 0, screen);
      assert.match(screen, /Value for secret 'tty-secret' \(hidden\)/);
      assert.ok(!screen.includes(typed), `the typed value was echoed:\n${screen}`);
      const reveal = await sb.run(["secret", "get", "tty-secret", "--reveal"]);
      assert.equal(reveal.stdout.trim(), typed);
    }),
});

const hasStrace = (() => {
  try {
    return new Deno.Command("strace", { args: ["-V"], stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "the hidden prompt turns echo off before it shows: input typed the moment it appears never echoes",
  ignore: Deno.build.os !== "linux" || !HAS_SCRIPT || !hasStrace,
  fn: () =>
    withSandbox(async (sb) => {
      assert.ok(HAS_SECRET_SERVICE);
      const { denoLine } = await import("./fixtures/pty.ts");
      const typed = `typed-${crypto.randomUUID()}`;
      // strace slows every terminal ioctl (turning echo off is one) by 150 ms: deterministic, where a
      // prompt printed before echo is off leaves a window that a fast typist or a paste falls into
      const line =
        `strace -f -qq -o /dev/null -e trace=ioctl -e inject=ioctl:delay_enter=150000 ${denoLine()} ` +
        `secret set paste-secret`;
      const s = onPty(line, sb.env, 120_000);
      await s.waitFor("(hidden): ");
      await s.type(typed + "\r"); // pasted the moment the prompt shows
      const { code, screen } = await s.end();
      assert.equal(code, 0, screen);
      assert.ok(!screen.includes(typed), `the pasted value was echoed:\n${screen}`);
      const reveal = await sb.run(["secret", "get", "paste-secret", "--reveal"]);
      assert.equal(reveal.stdout.trim(), typed);
    }),
});
