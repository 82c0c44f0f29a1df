/**
 * The one terminal sanitiser: everything mcp-nexus prints (writeOut/writeErr) passes through it, so a
 * name, value or description read from a client file, the registry or a marketplace answer cannot
 * drive the terminal: no cursor moves, screen clears, title changes, hyperlinks (OSC 8), clipboard
 * writes (OSC 52), bidi overrides or carriage-return overwrites. Only the colour codes mcp-nexus
 * itself emits (a fixed set of SGR codes), newline and tab survive.
 */

/** The SGR codes `Output.style` emits: bold, dim, red, green, yellow, cyan and their resets. */
export const OWN_SGR = new Set(["0", "1", "2", "22", "31", "32", "33", "36", "39"]);

const UNSAFE = "\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069";
const NEEDS = new RegExp(`[${UNSAFE}]`);
const TOKENS = new RegExp(
  [
    String.raw`\x1b\[([0-?]*)([ -/]*)([@-~])`, // CSI (cursor moves, clears, SGR…)
    String.raw`\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?`, // OSC (titles, hyperlinks, clipboard)
    String.raw`\x1b[PX^_][\s\S]*?(?:\x1b\\|$)`, // DCS, SOS, PM, APC
    String.raw`\x1b[\s\S]?`, // any other escape
    String.raw`\r\n`,
    `[${UNSAFE}]`,
  ].join("|"),
  "g",
);

/** Strips terminal control sequences and control characters; keeps `\n`, `\t` and our own colours. */
export function sanitizeTerminal(text: string): string {
  if (!NEEDS.test(text)) return text;
  return text.replace(
    TOKENS,
    (m: string, params?: string, inter?: string, final?: string) =>
      m === "\r\n" ? "\n" : final === "m" && !inter && params !== undefined && OWN_SGR.has(params) ? m : "",
  );
}
