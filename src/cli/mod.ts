/** The command-line program: global options, the command groups, help, and the exit-code contract. */
import { Command, CommanderError } from "@commander-js/extra-typings";
import { VERSION } from "../version.ts";
import { exit, makeCtx } from "./context.ts";
import { ExitCode, usageError } from "../core/errors.ts";
import { writeErr, writeOut } from "../core/output.ts";
import { registerSecret } from "./secret.ts";
import { registerServer } from "./server.ts";
import { registerSchema } from "./schema.ts";
import { registerMarketplace } from "./marketplace.ts";
import { registerCheck } from "./check.ts";
import { registerSync } from "./sync.ts";
import { registerImport } from "./import.ts";
import { registerDoctor } from "./doctor.ts";

const EXIT_CODES = `
Exit codes:
  0  ok                     3  secret or server not found
  1  failure                4  secret store unavailable, locked or read-only
  2  usage / invalid input  5  drift or conflict (something skipped to protect your data)`;

export function buildProgram(json = false): Command {
  const program = new Command("mcp-nexus")
    .description(
      "One list of MCP servers, secrets only in the OS keychain, synced safely into every AI client.",
    )
    .version(VERSION, "-V, --version")
    .option("--json", "machine-readable output: one JSON document on stdout")
    .option(
      "--backend <id>",
      "secret backend: auto, libsecret, macos-keychain, windows-credential-manager, env",
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
  program.configureOutput({ writeOut, writeErr: (s) => json ? undefined : writeErr(s) });
  registerSecret(program);
  registerServer(program);
  registerSchema(program);
  registerMarketplace(program);
  registerCheck(program);
  registerSync(program);
  registerImport(program);
  registerDoctor(program);
  const inherit = (c: Command) => {
    for (const sub of c.commands as Command[]) {
      sub.exitOverride();
      sub.configureOutput({ writeOut, writeErr: (s) => json ? undefined : writeErr(s) });
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

/** Runs the program; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const json = argv.includes("--json");
  const program = buildProgram(json);
  try {
    await program.parseAsync(argv, { from: "user" });
    return exit.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === "commander.helpDisplayed" || err.code === "commander.version" ||
        err.code === "commander.help"
      ) {
        return ExitCode.OK;
      }
      if (err.code === "commander.executeSubCommandAsync") return ExitCode.OK;
      // commander already printed its message in human mode; in JSON mode, print the contract's form
      if (json) makeCtx({ json: true }).out.error(usageError("E_USAGE", err.message.replace(/^error: /, "")));
      return ExitCode.USAGE;
    }
    return makeCtx({ json }).out.error(err).exitCode;
  }
}
