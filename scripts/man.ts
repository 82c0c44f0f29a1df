/**
 * Writes the man page, mcp-nexus(1), generated from the commands' own help texts, so it says
 * exactly what `--help` says. `deno run -A scripts/man.ts [--out FILE]` (default: stdout).
 */
import { buildProgram } from "../src/cli/mod.ts";
import { VERSION } from "../src/version.ts";
import type { Command } from "@commander-js/extra-typings";

/** roff-escape a line of plain text. */
function roff(line: string): string {
  const t = line.replace(/\\/g, "\\e").replace(/-/g, "\\-")
    .replace(
      /[^\t -~]/gu,
      (c) => `\\[u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}]`,
    );
  return /^[.']/.test(t) ? `\\&${t}` : t;
}

function walk(c: Command, path: string[], out: string[]): void {
  for (const sub of c.commands as Command[]) {
    const p = [...path, sub.name()];
    out.push(`.SS ${roff(p.join(" "))}`, ".nf");
    const help = sub.helpInformation().trimEnd().split("\n").map(roff);
    out.push(...help, ".fi");
    walk(sub, p, out);
  }
}

export function manPage(date = "2026-12-01"): string {
  const program = buildProgram() as unknown as Command;
  const out = [
    `.TH MCP\\-NEXUS 1 "${date}" "mcp-nexus ${VERSION}" "User Commands"`,
    ".SH NAME",
    "mcp\\-nexus \\- " + roff(program.description()),
    ".SH SYNOPSIS",
    ".B mcp\\-nexus",
    "[\\fIoptions\\fR] \\fIcommand\\fR [\\fIargs\\fR]",
    ".SH DESCRIPTION",
    ".nf",
    ...program.helpInformation().trimEnd().split("\n").map(roff),
    ".fi",
    ".SH COMMANDS",
  ];
  walk(program, ["mcp-nexus"], out);
  out.push(
    ".SH FILES",
    ".TP",
    "registry.json, schedule.json, last-run.json, logs/sync.log",
    "in the tool's home: $MCP_NEXUS_HOME, else $XDG_CONFIG_HOME/mcp\\-nexus (Linux),",
    "~/Library/Application Support/mcp\\-nexus (macOS), %APPDATA%\\emcp\\-nexus (Windows).",
    ".SH SEE ALSO",
    "https://github.com/mcp\\-nexus/mcp\\-nexus",
    "",
  );
  return out.join("\n");
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--out");
  const text = manPage();
  if (i >= 0 && Deno.args[i + 1]) await Deno.writeTextFile(Deno.args[i + 1], text);
  else await Deno.stdout.write(new TextEncoder().encode(text));
}
