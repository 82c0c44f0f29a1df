/**
 * What a scheduled sync is, independent of the OS scheduler: when it runs (`--every`, `--at`), the
 * command line it runs, and the environment it carries. The scheduler backends (cron, systemd,
 * launchd, schtasks) turn a JobSpec into their artefact with pure functions; only applying it runs
 * an OS tool.
 */
import { usageError } from "../model/errors.ts";

/** Every N minutes (N divides an hour or a day, so each run is evenly spaced), or daily at HH:MM. */
export type Schedule =
  | { kind: "interval"; minutes: number }
  | { kind: "daily"; hour: number; minute: number };

export interface JobSpec {
  /** The program and its arguments (absolute program path). */
  argv: string[];
  /** Variables the job sets for itself (schedulers start jobs with an almost empty environment). */
  env: Record<string, string>;
  schedule: Schedule;
}

/** Names every scheduler artefact uses. */
export const JOB = {
  /** cron block markers and systemd/launchd/schtasks names. */
  blockBegin: "# >>> mcp-nexus scheduled sync (managed by 'mcp-nexus schedule'; do not edit) >>>",
  blockEnd: "# <<< mcp-nexus scheduled sync <<<",
  systemdUnit: "mcp-nexus-sync",
  launchdLabel: "io.github.mcp-nexus.sync",
  taskName: "mcp-nexus sync",
} as const;

/**
 * Parses `--every` and `--at`. `--every` takes minutes (5m … 30m, dividing an hour), hours (1h …
 * 12h, dividing a day) or 1d; `--at HH:MM` makes it daily at that time (`--every 1d` alone: 03:00).
 */
export function parseSchedule(every?: string, at?: string): Schedule {
  let daily = false;
  let minutes = 60;
  if (every !== undefined) {
    const m = /^\s*(\d{1,4})\s*(m|min|h|d)\s*$/i.exec(every);
    if (!m) {
      throw usageError("E_USAGE", `--every ${every}: expected a number and a unit, like 15m, 1h or 1d.`);
    }
    const n = Number(m[1]);
    const unit = m[2].toLowerCase();
    if (unit === "d") {
      if (n !== 1) throw usageError("E_USAGE", `--every ${every}: at most once a day (1d).`);
      daily = true;
    } else if (unit === "h") {
      if (n < 1 || 24 % n !== 0 || n === 24) {
        throw usageError(
          "E_USAGE",
          `--every ${every}: hours must divide a day: 1h, 2h, 3h, 4h, 6h, 8h or 12h.`,
        );
      }
      minutes = n * 60;
    } else {
      if (n === 60) minutes = 60;
      else if (n < 5 || 60 % n !== 0) {
        throw usageError(
          "E_USAGE",
          `--every ${every}: minutes must divide an hour and be at least 5: 5m, 6m, 10m, 12m, 15m, 20m or 30m.`,
        );
      } else minutes = n;
    }
  }
  if (at !== undefined) {
    const t = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(at.trim());
    if (!t) throw usageError("E_USAGE", `--at ${at}: expected a time of day, HH:MM (24-hour), like 03:30.`);
    if (every !== undefined && !daily) {
      throw usageError(
        "E_USAGE",
        `--at runs the sync once a day; it cannot be combined with --every ${every}.`,
        {
          hint: `mcp-nexus schedule install --at ${at}`,
        },
      );
    }
    return { kind: "daily", hour: Number(t[1]), minute: Number(t[2]) };
  }
  if (daily) return { kind: "daily", hour: 3, minute: 0 };
  return { kind: "interval", minutes };
}

/** "every 15 minutes", "every 2 hours", "daily at 03:00". */
export function describeSchedule(s: Schedule): string {
  if (s.kind === "daily") return `daily at ${pad(s.hour)}:${pad(s.minute)}`;
  if (s.minutes % 60 === 0) return s.minutes === 60 ? "every hour" : `every ${s.minutes / 60} hours`;
  return `every ${s.minutes} minutes`;
}

export function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/**
 * The variables a job carries: those that decide where mcp-nexus and the clients keep their files,
 * and PATH (runtimes and client detection). Never a secret, never D-Bus.
 */
export const JOB_ENV_VARS = [
  "HOME",
  "USERPROFILE",
  "APPDATA",
  "LOCALAPPDATA",
  "PATH",
  "MCP_NEXUS_HOME",
  "MCP_NEXUS_LAUNCHER_PATH",
  "XDG_CONFIG_HOME",
  "XDG_DATA_HOME",
  "XDG_STATE_HOME",
  "CLAUDE_CONFIG_DIR",
  "CODEX_HOME",
  "GEMINI_CLI_HOME",
  "CLINE_MCP_SETTINGS_PATH",
  "CLINE_DATA_DIR",
  "CLINE_DIR",
  "CONTINUE_GLOBAL_DIR",
  "GOOSE_PATH_ROOT",
  "OPENCODE_CONFIG",
  "OPENCODE_CONFIG_DIR",
  "DENO_DIR",
] as const;

/** The job's environment, from this process's (only the variables above that are set). */
export function captureJobEnv(get: (name: string) => string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of JOB_ENV_VARS) {
    let v: string | undefined;
    try {
      v = get(k);
    } catch {
      v = undefined; // not in the permission set
    }
    if (v) out[k] = v;
  }
  return out;
}

/** POSIX shell single-quoting (for cron lines and the wrapper script). */
export function shQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Splits what `shQuote` joined (for reading our own cron line back). Null if it is not that form. */
export function shSplit(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === " ") i++;
    if (i >= line.length) break;
    let word = "";
    while (i < line.length && line[i] !== " ") {
      if (line[i] === "'") {
        const end = line.indexOf("'", i + 1);
        if (end < 0) return null;
        word += line.slice(i + 1, end);
        i = end + 1;
      } else if (line[i] === "\\" && i + 1 < line.length) {
        word += line[i + 1];
        i += 2;
      } else {
        if (/["`$;&|<>()*?]/.test(line[i])) return null;
        word += line[i++];
      }
    }
    out.push(word);
  }
  return out;
}

/** XML text escaping (plist, Task Scheduler XML). */
export function xmlEscape(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!,
  );
}
