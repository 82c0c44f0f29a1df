/** What `schedule status` and `doctor` say about the installed job: is it there, can it still run. */
import { isAbsolute } from "../io/path.ts";
import { describeSchedule } from "./spec.ts";
import {
  getScheduler,
  nativeScheduler,
  readState,
  type Runner,
  type SchedulerId,
  type ScheduleState,
} from "./mod.ts";
import { toNexusError } from "../model/errors.ts";

export interface JobInspection {
  backend: SchedulerId;
  where: string;
  /** installed: as we wrote it; modified: edited since; missing: we recorded it, the scheduler lost it. */
  state: "installed" | "modified" | "missing" | "not-installed" | "unrecorded" | "unreadable";
  schedule?: string;
  command: string[] | null;
  /** Paths the job's command names that no longer exist (the program, main.ts, deno.json). */
  commandMissing: string[];
  recordError?: string;
  /** Why the scheduler could not be asked (state "unreadable"). */
  readError?: string;
}

function exists(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Absolute paths in a command line that must exist for it to run. */
export function missingPaths(argv: string[]): string[] {
  const out: string[] = [];
  argv.forEach((a, i) => {
    const path = a.startsWith("--config=") ? a.slice("--config=".length) : a;
    const isPath = i === 0 || argv[i - 1] === "--config" || /\.(ts|js|json)$/.test(path);
    if (isPath && isAbsolute(path) && !exists(path)) out.push(path);
  });
  return out;
}

export async function inspectJob(backendId?: SchedulerId, run?: Runner): Promise<JobInspection> {
  let state: ScheduleState | null = null;
  let recordError: string | undefined;
  try {
    state = await readState();
  } catch (err) {
    recordError = toNexusError(err).message;
  }
  const id = backendId ?? state?.backend ?? await nativeScheduler(run);
  const backend = getScheduler(id, run);
  const ours = state && state.backend === id ? state : null;
  let present: Awaited<ReturnType<typeof backend.read>>;
  try {
    present = await backend.read();
  } catch (err) {
    return {
      backend: id,
      where: backend.where(),
      state: "unreadable",
      ...(ours ? { schedule: describeSchedule(ours.job.schedule) } : {}),
      command: ours?.job.argv ?? null,
      commandMissing: [],
      readError: toNexusError(err).message,
      ...(recordError ? { recordError } : {}),
    };
  }
  let st: JobInspection["state"];
  if (present.present) {
    st = ours ? (present.matches(ours.job) === false ? "modified" : "installed") : "unrecorded";
  } else st = ours ? "missing" : "not-installed";
  const command = present.argv ?? ours?.job.argv ?? null;
  return {
    backend: id,
    where: backend.where(),
    state: st,
    ...(ours ? { schedule: describeSchedule(ours.job.schedule) } : {}),
    command,
    commandMissing: present.present && command ? missingPaths(command) : [],
    ...(recordError ? { recordError } : {}),
  };
}
