/**
 * The output contract (one for every command):
 * - data goes to stdout: a human rendering, or with `--json` exactly one JSON document;
 * - notes, progress and human error messages go to stderr;
 * - with `--json`, an error is `{"error": {code, message, hint?, details?}}` on stdout;
 * - colour only on a TTY, never with NO_COLOR set or `--no-color`;
 * - everything printed passes through the secret redactor and the terminal sanitiser (sanitize.ts:
 *   control sequences from files or marketplace answers never reach the terminal);
 * - the exit code says what happened (errors.ts, README).
 */
import { redact } from "../secrets/redact.ts";
import { sanitizeTerminal } from "./sanitize.ts";
import { type NexusError, toNexusError } from "../model/errors.ts";

export interface OutputOptions {
  json: boolean;
  /** colour on stdout */
  color: boolean;
  /** colour on stderr (decided by stderr's own TTY-ness); `color` when not given */
  errColor?: boolean;
}

const enc = new TextEncoder();

/** Writes all of `bytes` (writeSync may take only part); a reader that went away (`| head`) ends us quietly. */
export function writeAll(stream: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  try {
    for (let done = 0; done < bytes.length;) done += stream.writeSync(bytes.subarray(done));
  } catch (err) {
    if (err instanceof Deno.errors.BrokenPipe) Deno.exit(0);
    throw err;
  }
}

export function writeOut(text: string): void {
  writeAll(Deno.stdout, enc.encode(sanitizeTerminal(redact(text))));
}
export function writeErr(text: string): void {
  writeAll(Deno.stderr, enc.encode(sanitizeTerminal(redact(text))));
}
/** A terminal control of our own (`control`, e.g. a spinner's line clear), then sanitised `text`. */
export function writeErrControl(control: string, text = ""): void {
  writeAll(Deno.stderr, enc.encode(control + sanitizeTerminal(redact(text))));
}

export function colorEnabled(flag: boolean | undefined, stream: "stdout" | "stderr" = "stdout"): boolean {
  if (flag === false) return false;
  if (Deno.env.get("NO_COLOR") !== undefined) return false;
  if (Deno.env.get("FORCE_COLOR")) return true;
  return (stream === "stdout" ? Deno.stdout : Deno.stderr).isTerminal();
}

export class Output {
  constructor(readonly opts: OutputOptions) {}

  get json(): boolean {
    return this.opts.json;
  }

  /** Prints a command's result: `data` as JSON, or the human rendering. */
  result(data: unknown, human: () => string): void {
    if (this.opts.json) writeOut(JSON.stringify(data, null, 2) + "\n");
    else {
      const text = human();
      if (text) writeOut(text.endsWith("\n") ? text : text + "\n");
    }
  }

  /** A note for humans on stderr (silent with --json). */
  note(text: string): void {
    if (!this.opts.json) writeErr(text.endsWith("\n") ? text : text + "\n");
  }

  /** A warning on stderr, also with --json (machines read stdout only). */
  warn(text: string): void {
    writeErr(`${this.errStyle("warning:", "yellow")} ${text}\n`);
  }

  error(err: unknown): NexusError {
    const e = toNexusError(err);
    if (this.opts.json) writeOut(JSON.stringify({ error: e.toJSON() }, null, 2) + "\n");
    else if (e.exitCode === 130) {
      // the user said no (or pressed Ctrl-C): an answer, not an error
      writeErr(`${e.message}\n`);
    } else {
      writeErr(`${this.errStyle("error:", "red")} ${e.message}\n`);
      if (e.hint) writeErr(`${this.errStyle("  fix:", "dim")} ${e.hint}\n`);
    }
    return e;
  }

  /** Styles text for stdout. */
  style(text: string, style: Style): string {
    return this.opts.color ? paint(text, style) : text;
  }

  /** Styles text for stderr. */
  errStyle = (text: string, style: Style): string => {
    return (this.opts.errColor ?? this.opts.color) ? paint(text, style) : text;
  };
}

type Style = "bold" | "dim" | "red" | "green" | "yellow" | "cyan";

function paint(text: string, style: Style): string {
  const codes = {
    bold: [1, 22],
    dim: [2, 22],
    red: [31, 39],
    green: [32, 39],
    yellow: [33, 39],
    cyan: [36, 39],
  };
  const [a, b] = codes[style];
  return `\x1b[${a}m${text}\x1b[${b}m`;
}

/** Renders rows as aligned columns. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => i === cells.length - 1 ? c : c.padEnd(widths[i])).join("  ");
  return [line(headers), ...rows.map(line)].join("\n");
}
