/** launchd (macOS): a LaunchAgent property list, rendered as XML. */
import { JOB, type JobSpec, xmlEscape } from "./spec.ts";

function str(s: string): string {
  return `<string>${xmlEscape(s)}</string>`;
}

export function renderLaunchdPlist(job: JobSpec, logPath: string): string {
  const s = job.schedule;
  const when = s.kind === "daily"
    ? [
      "  <key>StartCalendarInterval</key>",
      "  <dict>",
      `    <key>Hour</key><integer>${s.hour}</integer>`,
      `    <key>Minute</key><integer>${s.minute}</integer>`,
      "  </dict>",
    ]
    : ["  <key>StartInterval</key>", `  <integer>${s.minutes * 60}</integer>`];
  const env = Object.entries(job.env);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    "<!-- Written by 'mcp-nexus schedule install'; 'mcp-nexus schedule remove' deletes it. -->",
    '<plist version="1.0">',
    "<dict>",
    "  <key>Label</key>",
    `  ${str(JOB.launchdLabel)}`,
    "  <key>ProgramArguments</key>",
    "  <array>",
    ...job.argv.map((a) => `    ${str(a)}`),
    "  </array>",
    ...(env.length
      ? [
        "  <key>EnvironmentVariables</key>",
        "  <dict>",
        ...env.map(([k, v]) => `    <key>${xmlEscape(k)}</key>${str(v)}`),
        "  </dict>",
      ]
      : []),
    ...when,
    "  <key>RunAtLoad</key>",
    "  <false/>",
    "  <key>ProcessType</key>",
    "  <string>Background</string>",
    "  <key>LowPriorityIO</key>",
    "  <true/>",
    // sync --unattended keeps its own rotated log; this only catches a crash before it starts
    "  <key>StandardErrorPath</key>",
    `  ${str(logPath)}`,
    "</dict>",
    "</plist>",
    "",
  ].join("\n");
}

/** ProgramArguments read back from our plist (null when not found). */
export function readLaunchdArgs(plist: string): string[] | null {
  const m = /<key>ProgramArguments<\/key>\s*<array>([\s\S]*?)<\/array>/.exec(plist);
  if (!m) return null;
  const un = (s: string) =>
    s.replace(
      /&(lt|gt|quot|apos|amp);/g,
      (_, e) => ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" })[e as "lt"],
    );
  return [...m[1].matchAll(/<string>([\s\S]*?)<\/string>/g)].map((x) => un(x[1]));
}
