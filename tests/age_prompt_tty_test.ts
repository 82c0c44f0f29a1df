/**
 * The age-file passphrase is asked at a real terminal (a pty from util-linux `script`): the command
 * hands the host its hidden prompt (src/cli/terminal_prompt.ts → src/host/services.ts), the host never
 * imports the CLI. Without a terminal nobody is asked, and a passphrase store is exit 4.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cliCommand, expectCode, HAS_SCRIPT, type Sandbox, withSandbox } from "./helpers.ts";
import { onPty, shq } from "./fixtures/pty.ts";

/** Runs the CLI on a pty; answers each `(hidden): ` prompt with the next of `answers`. */
async function onTerminal(sb: Sandbox, args: string[], answers: string[]) {
  const term = onPty([...cliCommand(), ...args].map(shq).join(" "), sb.env);
  for (let i = 0; i < answers.length; i++) {
    await term.waitFor(new RegExp(`(?:\\(hidden\\): [\\s\\S]*){${i + 1}}`));
    await term.type(answers[i] + "\r");
  }
  return await term.end();
}

Deno.test({
  name: "age-file on a terminal: the passphrase is asked at a hidden prompt; without a terminal it is exit 4",
  ignore: Deno.build.os !== "linux" || !HAS_SCRIPT,
  fn: () =>
    withSandbox(async (sb) => {
      const value = `typed-${crypto.randomUUID()}`;
      const pass = "correct horse battery";
      const set = await onTerminal(sb, ["--backend", "age-file", "secret", "set", "tok"], [value, pass]);
      assert.equal(set.code, 0, set.screen);
      assert.match(set.screen, /Passphrase for .*secrets\.age \(hidden\): /);
      assert.ok(!set.screen.includes(pass) && !set.screen.includes(value), set.screen);
      // a passphrase store: no key file was made
      assert.equal(
        await Deno.lstat(join(sb.nexusHome, "age-identity.txt")).then(() => true, () => false),
        false,
      );
      const get = await onTerminal(sb, ["--backend", "age-file", "secret", "get", "tok", "--reveal"], [pass]);
      assert.equal(get.code, 0, get.screen);
      assert.ok(get.screen.includes(value), get.screen);
      // no terminal: nobody to ask
      const piped = expectCode(
        await sb.run(["--backend", "age-file", "secret", "get", "tok", "--reveal"]),
        4,
      );
      assert.match(piped.stderr, /no terminal to ask/);
    }),
});
