/** systemd (Linux): a user timer and the oneshot service it starts, rendered as unit files. */
import { JOB, type JobSpec, pad, type Schedule } from "./spec.ts";

/** systemd's quoting for ExecStart words and Environment assignments (`%` is a specifier). */
function sdQuote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replaceAll("%", "%%").replaceAll("$", "$$$$")}"`;
}

export function onCalendar(s: Schedule): string {
  if (s.kind === "daily") return `*-*-* ${pad(s.hour)}:${pad(s.minute)}:00`;
  if (s.minutes < 60) return `*-*-* *:00/${s.minutes}:00`;
  const h = s.minutes / 60;
  return h === 1 ? "*-*-* *:00:00" : `*-*-* 00/${h}:00:00`;
}

export interface SystemdUnits {
  service: string;
  timer: string;
}

export function renderSystemdUnits(job: JobSpec): SystemdUnits {
  // Environment= expands specifiers (%) but not variables ($)
  const env = Object.entries(job.env).map(([k, v]) =>
    `Environment="${`${k}=${v}`.replace(/[\\"]/g, (c) => `\\${c}`).replaceAll("%", "%%")}"`
  );
  const service = [
    "# Written by 'mcp-nexus schedule install'; 'mcp-nexus schedule remove' deletes it.",
    "[Unit]",
    "Description=mcp-nexus scheduled sync (sync --unattended)",
    "",
    "[Service]",
    "Type=oneshot",
    ...env,
    `ExecStart=${job.argv.map(sdQuote).join(" ")}`,
    // sync --unattended keeps its own rotated log; the journal gets only its one-line summary
    "StandardOutput=journal",
    "StandardError=journal",
    "",
  ].join("\n");
  const timer = [
    "# Written by 'mcp-nexus schedule install'; 'mcp-nexus schedule remove' deletes it.",
    "[Unit]",
    `Description=mcp-nexus scheduled sync, ${describe(job.schedule)}`,
    "",
    "[Timer]",
    `OnCalendar=${onCalendar(job.schedule)}`,
    "Persistent=true",
    `Unit=${JOB.systemdUnit}.service`,
    "",
    "[Install]",
    "WantedBy=timers.target",
    "",
  ].join("\n");
  return { service, timer };
}

function describe(s: Schedule): string {
  return s.kind === "daily" ? `daily at ${pad(s.hour)}:${pad(s.minute)}` : `every ${s.minutes} min`;
}

/** ExecStart's words read back from our service unit (null if absent or not our quoting). */
export function readSystemdExec(service: string): string[] | null {
  const line = service.split("\n").find((l) => l.startsWith("ExecStart="));
  if (!line) return null;
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"/g;
  for (const m of line.slice("ExecStart=".length).matchAll(re)) {
    words.push(m[1].replace(/\\(.)/g, "$1").replaceAll("%%", "%").replaceAll("$$", "$"));
  }
  return words.length ? words : null;
}
