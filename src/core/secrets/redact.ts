/**
 * Defence in depth for output: every secret value this process has read is registered here, and
 * every line the program prints passes through `redact`. Commands never put values in output by
 * design; this catches the mistake nobody thought of. (`secret get --reveal` bypasses it on purpose.)
 */
const known = new Set<string>();

/** Remember a secret value so it can never be printed. Very short values are not masked. */
export function registerSecret(value: string): void {
  if (value.length < 4) return;
  known.add(value);
  // the same value inside JSON output is escaped (quotes, backslashes, control characters)
  const escaped = JSON.stringify(value).slice(1, -1);
  if (escaped !== value) known.add(escaped);
}

export const MASK = "••••••";

/** Replaces every known secret value in `text`. */
export function redact(text: string): string {
  if (known.size === 0) return text;
  let out = text;
  for (const v of [...known].sort((a, b) => b.length - a.length)) {
    if (out.includes(v)) out = out.split(v).join(MASK);
  }
  return out;
}
