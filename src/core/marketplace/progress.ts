/**
 * A spinner for slow network calls: on stderr, only when stderr is a terminal (never with --json,
 * never in a pipe or a test), and only after 300 ms, so cached answers never flash one.
 */
import { writeErrControl } from "../io/output.ts";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** Whether a spinner may be shown: not --json, stderr is a TTY, and the terminal is not dumb. */
export function progressEnabled(json: boolean): boolean {
  return !json && Deno.stderr.isTerminal() && Deno.env.get("TERM") !== "dumb";
}

/** Runs `fn`, showing `label` with a spinner while it takes longer than `delayMs`. */
export async function withProgress<T>(
  label: string,
  enabled: boolean,
  fn: () => Promise<T>,
  delayMs = 300,
): Promise<T> {
  if (!enabled) return await fn();
  let frame = 0;
  let shown = false;
  let interval: ReturnType<typeof setInterval> | undefined;
  const tick = () => {
    shown = true;
    writeErrControl("\r\x1b[2K", `${FRAMES[frame++ % FRAMES.length]} ${label}`);
  };
  const timer = setTimeout(() => {
    tick();
    interval = setInterval(tick, 100);
  }, delayMs);
  try {
    return await fn();
  } finally {
    clearTimeout(timer);
    if (interval !== undefined) clearInterval(interval);
    if (shown) writeErrControl("\r\x1b[2K");
  }
}
