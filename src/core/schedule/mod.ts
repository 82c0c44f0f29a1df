/**
 * Scheduled sync: the four OS schedulers behind one interface, and the record of what we installed
 * (`schedule.json` in the tool's home, validated on read like any file we did not just write).
 *
 * Rendering an artefact (crontab block, unit files, plist, task XML) is pure code in the backend
 * modules; here it is applied with the OS tool (crontab, systemctl --user, launchctl, schtasks).
 */
import { dirname, join } from "../io/path.ts";
import { z } from "zod";
import { NexusError, usageError } from "../model/errors.ts";
import { allowWritesUnder, readTextIfExists, removeFile, writeFileAtomic } from "../io/fs.ts";
import { currentOS, env, homeDir, nexusHome, xdgConfigHome } from "../io/paths.ts";
import { findOnPath } from "../sync/client_context.ts";
import { JOB, type JobSpec, type Schedule } from "./spec.ts";
import { readRecord } from "./record.ts";
import { readCronBlock, renderCronBlock, spliceCronBlock } from "./cron.ts";
import { readSystemdExec, renderSystemdUnits } from "./systemd.ts";
import { readLaunchdArgs, renderLaunchdPlist } from "./launchd.ts";
import { readTaskCommand, renderTaskXml, utf16le } from "./schtasks.ts";

export const SCHEDULERS = ["cron", "systemd", "launchd", "schtasks"] as const;
export type SchedulerId = typeof SCHEDULERS[number];

export interface RunOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs an OS tool. Tests may pass another runner only to record calls; the default runs the real one. */
export type Runner = (cmd: string, args: string[], stdin?: string) => Promise<RunOutput>;

export const osRunner: Runner = async (cmd, args, stdin) => {
  try {
    const child = new Deno.Command(cmd, {
      args,
      stdin: stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (stdin !== undefined) {
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(stdin));
      await w.close();
    }
    const out = await child.output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { code: 127, stdout: "", stderr: `${cmd}: not found` };
    throw err;
  }
};

/** What is at the scheduler now. */
export interface Present {
  present: boolean;
  /** The program and arguments it will run, when they can be read back. */
  argv: string[] | null;
  /** Same text as we would write for `job` (null: cannot tell). */
  matches: (job: JobSpec) => boolean | null;
}

export interface SchedulerBackend {
  id: SchedulerId;
  label: string;
  /** Why it cannot be used here (null: usable). */
  unavailable(): Promise<string | null>;
  /** Where the job lives, for humans. */
  where(): string;
  /** The artefacts it writes, as text (pure). */
  render(job: JobSpec): Array<{ name: string; path?: string; text: string }>;
  install(job: JobSpec): Promise<{ changed: boolean }>;
  remove(): Promise<{ removed: boolean }>;
  read(): Promise<Present>;
}

function toolError(tool: string, r: RunOutput, what: string): NexusError {
  const detail = (r.stderr || r.stdout).trim().split("\n").slice(0, 3).join(" ");
  return new NexusError(
    "E_SCHEDULER",
    `${what}: ${tool} failed (exit ${r.code})${detail ? `: ${detail}` : ""}.`,
    {
      hint: r.code === 127 ? `Install ${tool}, or choose another scheduler with --backend.` : undefined,
    },
  );
}

/** Finds a program on PATH (no shell), the way client detection does. */
export function onPath(cmd: string): string | null {
  return findOnPath(cmd, currentOS());
}

// --- cron -----------------------------------------------------------------------------------

/**
 * The crontab command. `MCP_NEXUS_CRONTAB_USER` makes it `crontab -u USER` (root managing another
 * user's crontab; the tests use a throwaway user so they never touch the real user's crontab).
 */
function crontabArgs(): string[] {
  const user = env("MCP_NEXUS_CRONTAB_USER");
  return user ? ["-u", user] : [];
}

export function cronBackend(run: Runner = osRunner): SchedulerBackend {
  const readTab = async (): Promise<string> => {
    const r = await run("crontab", [...crontabArgs(), "-l"]);
    if (r.code === 0) return r.stdout;
    if (/no crontab/i.test(r.stderr) || r.code === 127) return ""; // none yet, or no cron at all
    throw toolError("crontab", r, "Reading your crontab");
  };
  const writeTab = async (text: string) => {
    const r = await run("crontab", [...crontabArgs(), "-"], text);
    if (r.code !== 0) throw toolError("crontab", r, "Writing your crontab");
  };
  return {
    id: "cron",
    label: "cron (your crontab)",
    unavailable: () =>
      Promise.resolve(
        onPath("crontab") ? null : "'crontab' is not installed (Debian/Ubuntu: apt install cron).",
      ),
    where: () => {
      const user = env("MCP_NEXUS_CRONTAB_USER");
      return user ? `crontab of ${user}` : "your crontab (crontab -l)";
    },
    render: (job) => [{ name: "crontab block", text: renderCronBlock(job) }],
    async install(job) {
      const before = await readTab();
      const after = spliceCronBlock(before, renderCronBlock(job));
      if (after === before) return { changed: false };
      await writeTab(after);
      return { changed: true };
    },
    async remove() {
      const before = await readTab();
      const after = spliceCronBlock(before, null);
      if (after === before) return { removed: false };
      await writeTab(after);
      return { removed: true };
    },
    async read() {
      const text = await readTab();
      const block = readCronBlock(text);
      return {
        present: block !== null,
        argv: block?.argv ?? null,
        matches: (job) => block !== null && spliceCronBlock(text, renderCronBlock(job)) === text,
      };
    },
  };
}

// --- systemd --------------------------------------------------------------------------------

export function systemdDir(): string {
  return join(xdgConfigHome(), "systemd", "user");
}

export function systemdBackend(run: Runner = osRunner): SchedulerBackend {
  const dir = () => systemdDir();
  const service = () => join(dir(), `${JOB.systemdUnit}.service`);
  const timer = () => join(dir(), `${JOB.systemdUnit}.timer`);
  const ctl = async (args: string[], what: string, tolerate = false) => {
    const r = await run("systemctl", ["--user", ...args]);
    if (r.code !== 0 && !tolerate) throw toolError("systemctl --user", r, what);
    return r;
  };
  return {
    id: "systemd",
    label: "systemd user timer",
    async unavailable() {
      if (currentOS() !== "linux") return "systemd runs on Linux only.";
      const r = await run("systemctl", ["--user", "show-environment"]);
      if (r.code === 127) return "'systemctl' is not installed.";
      if (r.code !== 0) {
        return "no systemd user manager is running for you here (containers, WSL without systemd); use --backend cron.";
      }
      return null;
    },
    where: () => timer(),
    render(job) {
      const u = renderSystemdUnits(job);
      return [
        { name: `${JOB.systemdUnit}.service`, path: service(), text: u.service },
        { name: `${JOB.systemdUnit}.timer`, path: timer(), text: u.timer },
      ];
    },
    async install(job) {
      const u = renderSystemdUnits(job);
      const same = (await readTextIfExists(service())) === u.service &&
        (await readTextIfExists(timer())) === u.timer;
      const enabled = (await ctl(["is-enabled", `${JOB.systemdUnit}.timer`], "", true)).code === 0;
      if (same && enabled) return { changed: false };
      allowWritesUnder(dir());
      await writeFileAtomic(service(), u.service, { mode: 0o644 });
      await writeFileAtomic(timer(), u.timer, { mode: 0o644 });
      await ctl(["daemon-reload"], "Reloading your systemd user units");
      await ctl(["enable", "--now", `${JOB.systemdUnit}.timer`], "Enabling the mcp-nexus timer");
      return { changed: true };
    },
    async remove() {
      const had = (await readTextIfExists(timer())) !== null || (await readTextIfExists(service())) !== null;
      if (!had) return { removed: false };
      await ctl(["disable", "--now", `${JOB.systemdUnit}.timer`], "", true);
      allowWritesUnder(dir());
      await removeFile(timer());
      await removeFile(service());
      await ctl(["daemon-reload"], "", true);
      return { removed: true };
    },
    async read() {
      const s = await readTextIfExists(service());
      const t = await readTextIfExists(timer());
      return {
        present: s !== null || t !== null,
        argv: s ? readSystemdExec(s) : null,
        matches: (job) => {
          const u = renderSystemdUnits(job);
          return s === u.service && t === u.timer;
        },
      };
    },
  };
}

// --- launchd --------------------------------------------------------------------------------

export function launchdPlistPath(): string {
  return join(homeDir(), "Library", "LaunchAgents", `${JOB.launchdLabel}.plist`);
}

export function launchdErrorLog(): string {
  return join(nexusHome(), "logs", "launchd-stderr.log");
}

export function launchdBackend(run: Runner = osRunner): SchedulerBackend {
  const domain = () => `gui/${Deno.uid() ?? 0}`;
  return {
    id: "launchd",
    label: "launchd LaunchAgent",
    unavailable: () => Promise.resolve(currentOS() === "darwin" ? null : "launchd runs on macOS only."),
    where: () => launchdPlistPath(),
    render: (job) => [{
      name: `${JOB.launchdLabel}.plist`,
      path: launchdPlistPath(),
      text: renderLaunchdPlist(job, launchdErrorLog()),
    }],
    async install(job) {
      const text = renderLaunchdPlist(job, launchdErrorLog());
      const loaded = (await run("launchctl", ["print", `${domain()}/${JOB.launchdLabel}`])).code === 0;
      if ((await readTextIfExists(launchdPlistPath())) === text && loaded) return { changed: false };
      allowWritesUnder(dirname(launchdPlistPath()), dirname(launchdErrorLog()));
      await writeFileAtomic(launchdPlistPath(), text, { mode: 0o644 });
      if (loaded) await run("launchctl", ["bootout", `${domain()}/${JOB.launchdLabel}`]);
      const r = await run("launchctl", ["bootstrap", domain(), launchdPlistPath()]);
      if (r.code !== 0) throw toolError("launchctl", r, "Loading the LaunchAgent");
      return { changed: true };
    },
    async remove() {
      const had = (await readTextIfExists(launchdPlistPath())) !== null;
      await run("launchctl", ["bootout", `${domain()}/${JOB.launchdLabel}`]);
      if (!had) return { removed: false };
      allowWritesUnder(dirname(launchdPlistPath()));
      await removeFile(launchdPlistPath());
      return { removed: true };
    },
    async read() {
      const text = await readTextIfExists(launchdPlistPath());
      return {
        present: text !== null,
        argv: text ? readLaunchdArgs(text) : null,
        matches: (job) => text === renderLaunchdPlist(job, launchdErrorLog()),
      };
    },
  };
}

// --- Windows Task Scheduler -----------------------------------------------------------------

export function schtasksBackend(run: Runner = osRunner): SchedulerBackend {
  const xmlPath = () => join(nexusHome(), "schedule", "task.xml");
  return {
    id: "schtasks",
    label: "Windows Task Scheduler",
    unavailable: () =>
      Promise.resolve(currentOS() === "windows" ? null : "Task Scheduler runs on Windows only."),
    where: () => `Task Scheduler: \\${JOB.taskName}`,
    render: (job) => [{ name: "task.xml", path: xmlPath(), text: renderTaskXml(job) }],
    async install(job) {
      const text = renderTaskXml(job);
      const want = utf16le(text);
      const have = await Deno.readFile(xmlPath()).catch(() => null);
      if (have && have.length === want.length && have.every((b, i) => b === want[i])) {
        const q = await run("schtasks", ["/Query", "/TN", JOB.taskName]);
        if (q.code === 0) return { changed: false };
      }
      allowWritesUnder(dirname(xmlPath()));
      await writeFileAtomic(xmlPath(), utf16le(text), { mode: 0o600, privateDir: true });
      const r = await run("schtasks", ["/Create", "/TN", JOB.taskName, "/XML", xmlPath(), "/F"]);
      if (r.code !== 0) throw toolError("schtasks", r, "Registering the scheduled task");
      return { changed: true };
    },
    async remove() {
      const q = await run("schtasks", ["/Query", "/TN", JOB.taskName]);
      allowWritesUnder(dirname(xmlPath()));
      await removeFile(xmlPath());
      if (q.code !== 0) return { removed: false };
      const r = await run("schtasks", ["/Delete", "/TN", JOB.taskName, "/F"]);
      if (r.code !== 0) throw toolError("schtasks", r, "Deleting the scheduled task");
      return { removed: true };
    },
    async read() {
      const q = await run("schtasks", ["/Query", "/TN", JOB.taskName, "/XML"]);
      if (q.code !== 0) return { present: false, argv: null, matches: () => false };
      const cmd = readTaskCommand(q.stdout);
      return { present: true, argv: cmd ? [cmd] : null, matches: () => null };
    },
  };
}

export function getScheduler(id: SchedulerId, run: Runner = osRunner): SchedulerBackend {
  switch (id) {
    case "cron":
      return cronBackend(run);
    case "systemd":
      return systemdBackend(run);
    case "launchd":
      return launchdBackend(run);
    case "schtasks":
      return schtasksBackend(run);
  }
}

export function parseSchedulerId(v: string): SchedulerId {
  if ((SCHEDULERS as readonly string[]).includes(v)) return v as SchedulerId;
  throw usageError("E_USAGE", `--backend ${v}: the scheduler is one of ${SCHEDULERS.join(", ")}.`);
}

/** The OS's own scheduler: launchd on macOS, Task Scheduler on Windows, systemd where it runs, else cron. */
export async function nativeScheduler(run: Runner = osRunner): Promise<SchedulerId> {
  const os = currentOS();
  if (os === "darwin") return "launchd";
  if (os === "windows") return "schtasks";
  return (await systemdBackend(run).unavailable()) === null ? "systemd" : "cron";
}

// --- what we installed ----------------------------------------------------------------------

const ScheduleZ = z.union([
  z.object({ kind: z.literal("interval"), minutes: z.number().int().min(5).max(720) }).strict(),
  z.object({
    kind: z.literal("daily"),
    hour: z.number().int().min(0).max(23),
    minute: z.number().int().min(0).max(59),
  }).strict(),
]);

const StateZ = z.object({
  version: z.literal(1),
  backend: z.enum(SCHEDULERS),
  installedAt: z.string().max(64),
  job: z.object({
    argv: z.array(z.string().max(4096)).min(1).max(64),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(32768)),
    schedule: ScheduleZ,
  }).strict(),
}).strict();

export type ScheduleState = z.infer<typeof StateZ>;

export function statePath(): string {
  return join(nexusHome(), "schedule.json");
}

/** The record of the installed job; null if none; an error naming the file if it is not ours. */
export async function readState(): Promise<ScheduleState | null> {
  return await readRecord(
    statePath(),
    StateZ,
    "a scheduled job",
    "Run 'mcp-nexus schedule remove --backend <cron|systemd|launchd|schtasks>' and install again.",
  );
}

export async function writeState(backend: SchedulerId, job: JobSpec): Promise<void> {
  const state: ScheduleState = {
    version: 1,
    backend,
    installedAt: new Date().toISOString(),
    job: { argv: job.argv, env: job.env, schedule: job.schedule as Schedule },
  };
  allowWritesUnder(nexusHome());
  await writeFileAtomic(statePath(), JSON.stringify(state, null, 2) + "\n", {
    mode: 0o600,
    privateDir: true,
  });
}

export async function clearState(): Promise<void> {
  allowWritesUnder(nexusHome());
  await removeFile(statePath());
}
