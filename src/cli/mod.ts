/** The command-line program: global options, the command groups, help, and the exit-code contract. */
import { Command, CommanderError } from "@commander-js/extra-typings";
import { VERSION } from "../version.ts";
import { exit, makeCtx } from "./context.ts";
import { ExitCode, usageError } from "../core/model/errors.ts";
import { colorEnabled, writeErr, writeOut } from "../core/io/output.ts";
import { registerSecret } from "./secret.ts";
import { registerServer } from "./server.ts";
import { registerSchema } from "./schema.ts";
import { registerMarketplace } from "./marketplace.ts";
import { registerCheck } from "./check.ts";
import { registerSync } from "./sync.ts";
import { registerImport } from "./import.ts";
import { registerDoctor } from "./doctor.ts";
import { registerSchedule } from "./schedule.ts";
import { registerVersion } from "./version.ts";
import { registerPlugin } from "./plugin.ts";
import { leastPrivilege } from "./least_privilege.ts";

const EXIT_CODES = `
Exit codes:
  0  ok                     3  secret or server not found
  1  failure                4  secret store unavailable, locked or read-only
  2  usage / invalid input  5  drift or conflict (something skipped to protect your data)`;

/**
 * How commander writes and styles: through our output contract, with colour and width decided here,
 * per stream. Commander's own detection asks Node's `hasColors()`, which reads NODE_DISABLE_COLORS,
 * TMUX, CI, TERM_PROGRAM… on a terminal: outside our permission set, so Deno would prompt for each.
 */
function outputConfiguration(json: boolean, noColor: boolean) {
  const width = (stream: typeof Deno.stdout | typeof Deno.stderr): number => {
    if (!stream.isTerminal()) return 80;
    try {
      return Deno.consoleSize().columns || 80;
    } catch {
      return 80;
    }
  };
  return {
    writeOut,
    writeErr: (s: string) => json ? undefined : writeErr(s),
    getOutHasColors: () => !json && colorEnabled(noColor ? false : undefined, "stdout"),
    getErrHasColors: () => !json && colorEnabled(noColor ? false : undefined, "stderr"),
    getOutHelpWidth: () => width(Deno.stdout),
    getErrHelpWidth: () => width(Deno.stderr),
  };
}

export function buildProgram(json = false, noColor = false): Command {
  const program = new Command("mcp-nexus")
    .description(
      "One list of MCP servers, secrets only in the OS keychain, synced safely into every AI client.",
    )
    .version(VERSION, "-V, --version")
    .option("--json", "machine-readable output: one JSON document on stdout")
    .option(
      "--backend <id>",
      "secret backend: auto, libsecret, macos-keychain, windows-credential-manager, env, age-file",
    )
    .option("--no-color", "no colour (NO_COLOR is respected too)")
    .showSuggestionAfterError()
    .addHelpText(
      "after",
      `
Examples:
  printf %s "$TOKEN" | mcp-nexus secret set github-token
  mcp-nexus server add github --env GITHUB_PERSONAL_ACCESS_TOKEN='\${keychain:github-token}' \\
      -- npx -y @modelcontextprotocol/server-github
  mcp-nexus server list --json
${EXIT_CODES}`,
    );
  program.exitOverride();
  // with --json, usage errors are reported once, in the contract's JSON form (see main)
  program.configureOutput(outputConfiguration(json, noColor));
  registerSecret(program);
  registerServer(program);
  registerSchema(program);
  registerMarketplace(program);
  registerCheck(program);
  registerSync(program);
  registerImport(program);
  registerDoctor(program);
  registerSchedule(program);
  registerVersion(program);
  registerPlugin(program);
  const inherit = (c: Command) => {
    for (const sub of c.commands as Command[]) {
      sub.exitOverride();
      sub.configureOutput(outputConfiguration(json, noColor));
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

/** Runs the program; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const json = argv.includes("--json");
  await leastPrivilege(argv);
  const program = buildProgram(json, argv.includes("--no-color"));
  try {
    await program.parseAsync(argv, { from: "user" });
    return exit.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return ExitCode.OK;
      // `mcp-nexus help` asked for it (exit 0); bare `mcp-nexus`, `secret`, `server`… got it on stderr
      // because a command was missing: a usage error
      if (err.code === "commander.help") {
        if (err.exitCode === 0) return ExitCode.OK;
        if (json) {
          makeCtx({ json: true }).out.error(
            usageError("E_USAGE", "A command is needed.", { hint: `${helpFor(program, argv)} --help` }),
          );
        }
        return ExitCode.USAGE;
      }
      if (err.code === "commander.executeSubCommandAsync") return ExitCode.OK;
      // commander already printed its message in human mode; in JSON mode, print the contract's form.
      // Either way the fix is the help of the command that was meant.
      const hint = `${helpFor(program, argv)} --help`;
      if (json) {
        makeCtx({ json: true }).out.error(
          usageError("E_USAGE", err.message.replace(/^error: /, ""), { hint }),
        );
      } else writeErr(`  fix: ${hint}\n`);
      return ExitCode.USAGE;
    }
    return makeCtx({ json }).out.error(err).exitCode;
  }
}

/** `mcp-nexus secret` for `mcp-nexus --json secret` (the command group named in argv), else `mcp-nexus`. */
function helpFor(program: Command, argv: string[]): string {
  const path = ["mcp-nexus"];
  let cmd = program;
  for (const word of argv) {
    if (word === "--") break;
    // words that name no subcommand (option values such as `--backend env`) are passed over
    const sub = (cmd.commands as Command[]).find((c) => c.name() === word || c.aliases().includes(word));
    if (sub) {
      path.push(sub.name());
      cmd = sub;
    }
  }
  return path.join(" ");
}
