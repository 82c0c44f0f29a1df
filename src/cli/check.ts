/**
 * `mcp-nexus check [server]`: a real MCP handshake (initialize + tools/list) with each server, the
 * way an AI client reaches it (the work is in src/core/launch/mcp_check.ts). Prints the tools count and the
 * time taken per server; exits non-zero if any check failed, with the tail of the server's stderr
 * (through the redactor, as all our output).
 *
 * Also lists `run` (the launcher) for --help: main.ts hands `run` to src/cli/run.ts before commander
 * is loaded, so that entry only documents it.
 */
import { load } from "../core/model/load.ts";
import type { Command } from "@commander-js/extra-typings";
import { action } from "./context.ts";
import { table } from "../core/io/output.ts";
import { ExitCode, usageError } from "../core/model/errors.ts";
import type { RegistryData } from "../core/model/registry.ts";
import type { CheckResult } from "../core/launch/mcp_check.ts";
import { terminalPrompt } from "./terminal_prompt.ts";

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function human(results: CheckResult[]): string {
  const rows = results.map((r) => [
    r.name,
    r.transport,
    r.ok ? "ok" : "FAILED",
    r.tools === null ? "-" : String(r.tools),
    formatMs(r.ms),
  ]);
  const lines = [table(["SERVER", "TRANSPORT", "RESULT", "TOOLS", "TIME"], rows)];
  for (const r of results.filter((r) => !r.ok)) {
    lines.push("", `${r.name}: ${r.error?.message ?? "failed"}`);
    if (r.error?.hint) lines.push(`  fix: ${r.error.hint}`);
    if (r.stderr) lines.push("  its stderr (last lines):", ...r.stderr.split("\n").map((l) => `    | ${l}`));
  }
  const failed = results.filter((r) => !r.ok).length;
  lines.push(
    "",
    failed
      ? `${failed} of ${results.length} server${results.length > 1 ? "s" : ""} failed.`
      : `All ${results.length} server${results.length > 1 ? "s" : ""} answered.`,
  );
  return lines.join("\n");
}

export function registerCheck(program: Command): void {
  program.command("check").argument("[server]", "the server to check (default: every enabled server)")
    .description("Start servers as a client would (through the launcher) and do a real MCP handshake")
    .option("--timeout <seconds>", "give each server this long to answer", "60")
    .addHelpText(
      "after",
      `
Each stdio server is started through 'mcp-nexus run NAME', exactly as AI clients start it, and asked for
initialize and tools/list; a remote server through the same launcher's bridge (its headers from the
keychain, the network only to its own host:port). Exit 1 if any fails.

Examples:
  mcp-nexus check
  mcp-nexus check github --json`,
    )
    .action(action(async (ctx, name: string | undefined, opts: { timeout: string }) => {
      const seconds = Number(opts.timeout);
      if (!Number.isFinite(seconds) || seconds <= 0) {
        throw usageError("E_USAGE", `--timeout ${opts.timeout}: expected a number of seconds.`);
      }
      const registry = await load<typeof import("../core/model/registry.ts")>(
        import.meta.url,
        "../core/model/registry.ts",
      );
      const data: RegistryData = await registry.loadRegistry();
      if (name !== undefined) registry.getServer(data, name); // an unknown name: exit 3, with the known ones
      const names = name !== undefined
        ? [name]
        : Object.keys(data.servers).filter((n) => data.servers[n].enabled).sort();
      if (names.length === 0) {
        ctx.out.result(
          { ok: true, servers: [] },
          () =>
            Object.keys(data.servers).length
              ? "No enabled servers to check."
              : "No servers yet. Add one with: mcp-nexus server add NAME -- COMMAND ARGS…",
        );
        return ExitCode.OK;
      }
      const [{ checkServer }, { secretServices }] = await Promise.all([
        load<typeof import("../core/launch/mcp_check.ts")>(import.meta.url, "../core/launch/mcp_check.ts"),
        load<typeof import("../host/services.ts")>(import.meta.url, "../host/services.ts"),
      ]);
      const secrets = secretServices({
        backendFlag: ctx.backendFlag,
        setting: data.settings.secretBackend,
        prompt: terminalPrompt,
      });
      const results: CheckResult[] = [];
      for (const n of names) {
        if (!ctx.out.json && names.length > 1) ctx.out.note(`checking ${n}…`);
        results.push(
          await checkServer(n, data.servers[n], {
            backendFlag: ctx.backendFlag,
            secrets,
            timeoutMs: seconds * 1000,
          }),
        );
      }
      const ok = results.every((r) => r.ok);
      ctx.out.result({ ok, servers: results }, () => human(results));
      return ok ? ExitCode.OK : ExitCode.FAILURE;
    }));

  // Listed for --help; main.ts hands `run` to src/cli/run.ts before commander is ever loaded.
  program.command("run").argument("<server>", "a registered stdio server")
    .description("Start a stdio server with its secrets, as AI clients do (the launcher; see run --help)")
    .allowUnknownOption()
    .action(async (server: string) => {
      const { runCommand } = await load<typeof import("./run.ts")>(import.meta.url, "./run.ts");
      Deno.exit(await runCommand(["run", server]));
    });
}
