/** `doctor`'s findings about the scheduled sync: a job whose command moved, a lost job, a failing job. */
import type { Finding } from "../sync/doctor.ts";
import { inspectJob } from "./inspect.ts";
import { readLastRun } from "./last_run.ts";
import { readState } from "./mod.ts";
import { toNexusError } from "../model/errors.ts";

export async function scheduleFindings(): Promise<Finding[]> {
  const f: Finding[] = [];
  let recorded = false;
  try {
    recorded = (await readState()) !== null;
  } catch (err) {
    const e = toNexusError(err);
    return [{ level: "warn", check: "schedule", message: e.message, fix: e.hint }];
  }
  if (!recorded) return f;
  try {
    const job = await inspectJob();
    if (job.state === "unreadable") {
      f.push({
        level: "warn",
        check: "schedule",
        message: `Could not ask ${job.backend} about the scheduled sync: ${job.readError}`,
        fix: "mcp-nexus schedule status",
      });
    } else if (job.state === "missing") {
      f.push({
        level: "error",
        check: "schedule",
        message: `The scheduled sync is gone from ${job.where}.`,
        fix: "mcp-nexus schedule install",
      });
    } else if (job.state === "modified") {
      f.push({
        level: "warn",
        check: "schedule",
        message: `The scheduled sync in ${job.where} was edited since mcp-nexus wrote it.`,
        fix: "mcp-nexus schedule install",
      });
    }
    for (const p of job.commandMissing) {
      f.push({
        level: "error",
        check: "schedule",
        message: `The scheduled sync (${job.backend}) runs ${p}, which no longer exists.`,
        fix: "mcp-nexus schedule install",
      });
    }
    if (job.state === "installed" && !job.commandMissing.length) {
      f.push({ level: "ok", check: "schedule", message: `scheduled sync: ${job.schedule} (${job.backend})` });
    }
  } catch (err) {
    const e = toNexusError(err);
    f.push({
      level: "warn",
      check: "schedule",
      message: `Could not read the scheduled job: ${e.message}`,
      fix: e.hint,
    });
  }
  try {
    const last = await readLastRun();
    if (last && last.result !== "ok") {
      f.push({
        level: last.result === "failed" ? "error" : "warn",
        check: "schedule",
        message: `The last scheduled sync (${last.finishedAt}): ${last.summary}`,
        fix: "mcp-nexus schedule status",
      });
    }
  } catch (err) {
    const e = toNexusError(err);
    f.push({ level: "warn", check: "schedule", message: e.message, fix: e.hint });
  }
  return f;
}
