/**
 * cron (Linux, macOS): our job is one marked block in the user's crontab. Rendering the block and
 * splicing it into (or out of) the crontab text are pure; every other line stays byte-identical.
 */
import { NexusError } from "../model/errors.ts";
import { JOB, type JobSpec, type Schedule, shQuote, shSplit } from "./spec.ts";

/** The five time fields. */
export function cronTimeFields(s: Schedule): string {
  if (s.kind === "daily") return `${s.minute} ${s.hour} * * *`;
  if (s.minutes < 60) return `*/${s.minutes} * * * *`;
  const h = s.minutes / 60;
  return h === 1 ? "0 * * * *" : `0 */${h} * * *`;
}

/** `%` is a newline to cron unless escaped, even inside quotes. */
function cronEscape(s: string): string {
  return s.replaceAll("%", "\\%");
}

/** The job's command line as cron runs it (through /bin/sh), output discarded: sync keeps its own log. */
export function cronCommand(job: JobSpec): string {
  const env = Object.entries(job.env).map(([k, v]) => shQuote(`${k}=${v}`));
  const words = [...(env.length ? ["/usr/bin/env", ...env] : []), ...job.argv.map(shQuote)];
  return cronEscape(words.join(" ")) + " >/dev/null 2>&1";
}

/** Our block: markers around one crontab line. */
export function renderCronBlock(job: JobSpec): string {
  return [JOB.blockBegin, `${cronTimeFields(job.schedule)} ${cronCommand(job)}`, JOB.blockEnd].join("\n") +
    "\n";
}

interface Found {
  start: number;
  end: number;
}

/** Where our block is in a crontab's text (character offsets, end past its last newline), or null. */
function findBlock(text: string): Found | null {
  const lines = text.split(/(?<=\n)/);
  let offset = 0;
  let start = -1;
  let found: Found | null = null;
  for (const line of lines) {
    const bare = line.replace(/\r?\n$/, "");
    if (bare === JOB.blockBegin) {
      if (start >= 0 || found) {
        throw blockError("holds our begin marker twice");
      }
      start = offset;
    } else if (bare === JOB.blockEnd) {
      if (start < 0) throw blockError("has our end marker without the begin marker");
      found = { start, end: offset + line.length };
      start = -1;
    }
    offset += line.length;
  }
  if (start >= 0) throw blockError("has our begin marker without the end marker");
  return found;
}

function blockError(what: string): NexusError {
  return new NexusError("E_CRONTAB_BLOCK", `Your crontab ${what}; it was left as is.`, {
    hint: "Fix the mcp-nexus lines with 'crontab -e' (or delete them), then run the command again.",
  });
}

/**
 * The crontab with our block put in (replacing ours if there), or taken out with `block === null`.
 * Other lines are kept byte for byte; a last line without its newline gets one before our block
 * (cron needs it).
 */
export function spliceCronBlock(text: string, block: string | null): string {
  const at = findBlock(text);
  if (at) return text.slice(0, at.start) + (block ?? "") + text.slice(at.end);
  if (block === null) return text;
  const sep = text === "" || text.endsWith("\n") ? "" : "\n";
  return text + sep + block;
}

/** Our job's line from a crontab, as time fields and argv (null when there is no block). */
export function readCronBlock(text: string): { line: string; time: string; argv: string[] | null } | null {
  const at = findBlock(text);
  if (!at) return null;
  const body = text.slice(at.start, at.end).split("\n").slice(1, -2).filter((l) =>
    l.trim() && !l.startsWith("#")
  );
  if (body.length !== 1) return { line: body.join("\n"), time: "", argv: null };
  const fields = body[0].trim().split(/\s+/);
  const time = fields.slice(0, 5).join(" ");
  const rest = body[0].trim().replace(/^(\S+\s+){5}/, "").replace(/\s*>\/dev\/null 2>&1$/, "").replaceAll(
    "\\%",
    "%",
  );
  let argv = shSplit(rest);
  if (argv && argv[0] === "/usr/bin/env") {
    argv = argv.slice(1);
    while (argv.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[0])) argv.shift();
  }
  return { line: body[0], time, argv };
}
