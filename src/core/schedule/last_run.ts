/**
 * What the last unattended sync did and what waits for the user: `last-run.json` in the tool's
 * home (validated on read: a file on disk is untrusted input), and the rotated log `logs/sync.log`.
 * Both hold names, paths and counts only: never an entry's values, never a secret.
 */
import { join } from "../io/path.ts";
import { z } from "zod";
import { allowWritesUnder, readTextIfExists, writeFileAtomic } from "../io/fs.ts";
import { nexusHome } from "../io/paths.ts";
import { readRecord } from "./record.ts";

const Str = z.string().max(4096);

const LastRunZ = z.object({
  version: z.literal(1),
  startedAt: z.string().max(64),
  finishedAt: z.string().max(64),
  exitCode: z.number().int().min(0).max(255),
  result: z.enum(["ok", "attention", "failed"]),
  summary: Str,
  clients: z.number().int().min(0),
  changed: z.array(Str).max(1000),
  waiting: z.object({
    drift: z.array(z.object({ client: Str, server: Str, reason: Str }).strict()).max(1000),
    conflicts: z.array(z.object({ client: Str, server: Str, reason: Str }).strict()).max(1000),
    missingSecrets: z.array(z.object({ server: Str, secret: Str }).strict()).max(1000),
    unparsable: z.array(z.object({ client: Str, path: Str, message: Str }).strict()).max(1000),
  }).strict(),
  error: z.object({ code: Str, message: Str, hint: Str.optional() }).strict().optional(),
}).strict();

export type LastRun = z.infer<typeof LastRunZ>;
export type Waiting = LastRun["waiting"];

export function lastRunPath(): string {
  return join(nexusHome(), "last-run.json");
}

export function logPath(): string {
  return join(nexusHome(), "logs", "sync.log");
}

/** The log is cut at this size; the previous `KEEP` logs are kept as sync.log.1, .2, … */
export const LOG_MAX_BYTES = 256 * 1024;
export const LOG_KEEP = 3;

export async function readLastRun(): Promise<LastRun | null> {
  return await readRecord(
    lastRunPath(),
    LastRunZ,
    "the last sync",
    `Delete it; the next scheduled sync writes it again: rm '${lastRunPath()}'`,
  );
}

export async function writeLastRun(run: LastRun): Promise<void> {
  allowWritesUnder(nexusHome());
  await writeFileAtomic(lastRunPath(), JSON.stringify(LastRunZ.parse(run), null, 2) + "\n", {
    mode: 0o600,
    privateDir: true,
  });
}

/** Appends lines to the log, rotating it first when it has grown past the limit. */
export async function appendLog(lines: string[], path = logPath(), maxBytes = LOG_MAX_BYTES): Promise<void> {
  allowWritesUnder(nexusHome(), join(path, ".."));
  const current = (await readTextIfExists(path)) ?? "";
  let base = current;
  if (new TextEncoder().encode(current).length > maxBytes) {
    for (let i = LOG_KEEP - 1; i >= 1; i--) {
      const older = await readTextIfExists(`${path}.${i}`);
      if (older !== null) await writeFileAtomic(`${path}.${i + 1}`, older, { mode: 0o600 });
    }
    await writeFileAtomic(`${path}.1`, current, { mode: 0o600 });
    base = "";
  }
  await writeFileAtomic(path, base + lines.map((l) => l.replace(/[\r\n]+/g, " ") + "\n").join(""), {
    mode: 0o600,
    privateDir: true,
  });
}
