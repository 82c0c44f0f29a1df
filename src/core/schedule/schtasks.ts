/**
 * Windows Task Scheduler: the task's XML (Task Scheduler schema 1.2), which `schtasks /Create /XML`
 * registers. The task runs as the user, only when logged on (no stored password), never elevated.
 */
import { JOB, type JobSpec, pad, xmlEscape } from "./spec.ts";

/** Windows command-line quoting of one argument (the rules CommandLineToArgvW parses). */
export function winQuote(arg: string): string {
  if (arg !== "" && !/[\s"]/.test(arg)) return arg;
  let out = '"';
  let slashes = 0;
  for (const c of arg) {
    if (c === "\\") slashes++;
    else if (c === '"') {
      out += "\\".repeat(slashes * 2 + 1) + '"';
      slashes = 0;
    } else {
      out += "\\".repeat(slashes) + c;
      slashes = 0;
    }
  }
  return out + "\\".repeat(slashes * 2) + '"';
}

/**
 * The XML. Task Scheduler has no per-task environment, so the job's variables are not carried: the
 * task runs with the user's own environment (which has USERPROFILE and APPDATA).
 * `start` is the first run's local date-time (the trigger's StartBoundary).
 */
export function renderTaskXml(job: JobSpec, start: Date = new Date(2026, 0, 1)): string {
  const s = job.schedule;
  const day = `${start.getFullYear()}-${pad(start.getMonth() + 1)}-${pad(start.getDate())}`;
  const trigger = s.kind === "daily"
    ? [
      "    <CalendarTrigger>",
      `      <StartBoundary>${day}T${pad(s.hour)}:${pad(s.minute)}:00</StartBoundary>`,
      "      <Enabled>true</Enabled>",
      "      <ScheduleByDay>",
      "        <DaysInterval>1</DaysInterval>",
      "      </ScheduleByDay>",
      "    </CalendarTrigger>",
    ]
    : [
      "    <TimeTrigger>",
      "      <Repetition>",
      `        <Interval>${s.minutes % 60 === 0 ? `PT${s.minutes / 60}H` : `PT${s.minutes}M`}</Interval>`,
      "        <StopAtDurationEnd>false</StopAtDurationEnd>",
      "      </Repetition>",
      `      <StartBoundary>${day}T00:00:00</StartBoundary>`,
      "      <Enabled>true</Enabled>",
      "    </TimeTrigger>",
    ];
  const [command, ...args] = job.argv;
  return [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    "  <RegistrationInfo>",
    "    <Author>mcp-nexus</Author>",
    "    <Description>mcp-nexus scheduled sync (sync --unattended). Written by 'mcp-nexus schedule install'; " +
    "'mcp-nexus schedule remove' deletes it.</Description>",
    `    <URI>\\${xmlEscape(JOB.taskName)}</URI>`,
    "  </RegistrationInfo>",
    "  <Triggers>",
    ...trigger,
    "  </Triggers>",
    "  <Principals>",
    '    <Principal id="Author">',
    "      <LogonType>InteractiveToken</LogonType>",
    "      <RunLevel>LeastPrivilege</RunLevel>",
    "    </Principal>",
    "  </Principals>",
    "  <Settings>",
    "    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>",
    "    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>",
    "    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>",
    "    <StartWhenAvailable>true</StartWhenAvailable>",
    "    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>",
    "    <AllowStartOnDemand>true</AllowStartOnDemand>",
    "    <Enabled>true</Enabled>",
    "    <Hidden>false</Hidden>",
    "    <ExecutionTimeLimit>PT30M</ExecutionTimeLimit>",
    "    <Priority>7</Priority>",
    "  </Settings>",
    '  <Actions Context="Author">',
    "    <Exec>",
    `      <Command>${xmlEscape(command)}</Command>`,
    `      <Arguments>${xmlEscape(args.map(winQuote).join(" "))}</Arguments>`,
    "    </Exec>",
    "  </Actions>",
    "</Task>",
    "",
  ].join("\r\n");
}

/** UTF-16LE with a byte-order mark: the encoding `schtasks /XML` reads reliably. */
export function utf16le(text: string): Uint8Array {
  const out = new Uint8Array(2 + text.length * 2);
  out[0] = 0xff;
  out[1] = 0xfe;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[2 + i * 2] = c & 0xff;
    out[3 + i * 2] = c >> 8;
  }
  return out;
}

/** The Exec Command and Arguments read back from a task's XML (`schtasks /Query /XML`). */
export function readTaskCommand(xml: string): string | null {
  const m = /<Command>([\s\S]*?)<\/Command>/.exec(xml);
  return m
    ? m[1].replace(
      /&(lt|gt|quot|apos|amp);/g,
      (_, e) => ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" })[e as "lt"],
    )
    : null;
}
