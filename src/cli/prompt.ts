/**
 * Reading secret values: a hidden prompt on a terminal (no echo), or all of stdin when piped.
 * Values never come from argv.
 */
import { ExitCode, NexusError, usageError } from "../core/model/errors.ts";
import { writeErr } from "../core/io/output.ts";

/**
 * Reads a value without echoing it. The prompt goes to stderr. Echo is turned off before the prompt
 * is printed: whatever the user types or pastes once they see it never shows.
 */
export async function promptHidden(prompt: string): Promise<string> {
  Deno.stdin.setRaw(true);
  try {
    writeErr(prompt);
  } catch (err) {
    Deno.stdin.setRaw(false);
    throw err;
  }
  const chars: string[] = [];
  const buf = new Uint8Array(1024);
  const dec = new TextDecoder();
  try {
    outer: while (true) {
      const n = await Deno.stdin.read(buf);
      if (n === null) break;
      for (const ch of dec.decode(buf.subarray(0, n), { stream: true })) {
        if (ch === "\r" || ch === "\n" || ch === "\x04") break outer;
        if (ch === "\x03") {
          throw new NexusError("E_INTERRUPTED", "Cancelled: nothing stored.", {
            exitCode: ExitCode.INTERRUPTED,
          });
        }
        if (ch === "\x7f" || ch === "\b") chars.pop();
        else if (ch === "\x15") chars.length = 0;
        else if (ch >= " " || ch === "\t") chars.push(ch);
      }
    }
  } finally {
    Deno.stdin.setRaw(false);
    writeErr("\n");
  }
  return chars.join("");
}

/**
 * Reads all of stdin, dropping one trailing newline (`echo` adds one). The bytes must be valid UTF-8:
 * a value is never stored with replacement characters in place of what was given.
 */
export async function readStdin(): Promise<string> {
  const bytes = new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer());
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw usageError("E_INVALID_UTF8", "The value on stdin is not valid UTF-8 text: nothing stored.", {
      hint:
        'Pipe the value as UTF-8 text (e.g. printf %s "$VALUE" | …); for binary data, store it base64-encoded.',
    });
  }
  return text.replace(/\r?\n$/, "");
}

/** A secret value: hidden prompt on a TTY, else stdin. */
export async function readSecretValue(name: string, forceStdin = false): Promise<string> {
  if (!forceStdin && Deno.stdin.isTerminal()) {
    return await promptHidden(`Value for secret '${name}' (hidden): `);
  }
  return await readStdin();
}

/** Asks a yes/no question on the terminal (stderr); anything but y/yes, or no input, is no. */
export async function confirm(question: string): Promise<boolean> {
  writeErr(`${question} [y/N] `);
  const buf = new Uint8Array(64);
  const n = await Deno.stdin.read(buf);
  return n !== null && /^y(es)?$/i.test(new TextDecoder().decode(buf.subarray(0, n)).trim());
}
