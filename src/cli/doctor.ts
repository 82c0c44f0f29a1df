/** `mcp-nexus doctor`: health and safety checks, each finding with its fix. */
import { load } from "../core/model/load.ts";
import type { Command } from "@commander-js/extra-typings";
import { action } from "./context.ts";
import { ExitCode } from "../core/model/errors.ts";
import type { Finding } from "../core/sync/doctor.ts";
import { terminalPrompt } from "./terminal_prompt.ts";

export function registerDoctor(program: Command): void {
  program.command("doctor")
    .description("Check runtimes, keychain, file modes, plaintext secrets, unparsable files and drift")
    .addHelpText(
      "after",
      "\nExamples:\n  mcp-nexus doctor\n  mcp-nexus doctor --json | jq '.findings[] | select(.level != \"ok\")'",
    )
    .action(action(async (ctx) => {
      const [clientsMod, { makePathContext }, reg, { runDoctor }, { selectSecretBackend }, { selfCommand }] =
        await Promise.all([
          load<typeof import("../plugins/clients/mod.ts")>(import.meta.url, "../plugins/clients/mod.ts"),
          load<typeof import("../core/sync/client_context.ts")>(
            import.meta.url,
            "../core/sync/client_context.ts",
          ),
          load<typeof import("../core/model/registry.ts")>(import.meta.url, "../core/model/registry.ts"),
          load<typeof import("../core/sync/doctor.ts")>(import.meta.url, "../core/sync/doctor.ts"),
          load<typeof import("../host/services.ts")>(import.meta.url, "../host/services.ts"),
          load<typeof import("../core/launch/launcher_command.ts")>(
            import.meta.url,
            "../core/launch/launcher_command.ts",
          ),
        ]);
      reg.allowNexusHome();
      let registry = null, registryError: unknown;
      try {
        registry = await reg.loadRegistry();
      } catch (err) {
        registryError = err;
      }
      let backend = null, backendError: unknown;
      try {
        backend = await selectSecretBackend(
          ctx.backendFlag,
          registry?.settings.secretBackend,
          terminalPrompt,
        );
      } catch (err) {
        backendError = err;
      }
      // every plugin on its own: a broken one is a finding, and the other checks still run. Only
      // trusted plugins load (sandboxed); settings.plugins entries are reported, never imported.
      const { clients, pluginProblems } = await load<typeof import("./clients.ts")>(
        import.meta.url,
        "./clients.ts",
      );
      await clients(registry ?? undefined, { quiet: true });
      const { readTrust } = await load<typeof import("../core/extend/plugin_trust.ts")>(
        import.meta.url,
        "../core/extend/plugin_trust.ts",
      );
      const broken = pluginProblems();
      const pluginFindings: Finding[] = [
        ...(await readTrust().catch(() => []))
          .filter((t) => !broken.some((e) => (e.details as { plugin?: string } | undefined)?.plugin === t.id))
          .map((t): Finding => ({
            level: "ok",
            check: "plugin",
            message: `${t.kind} plugin ${t.id} (sha256 verified)`,
          })),
        ...broken.map((e): Finding => ({ level: "error", check: "plugin", message: e.message, fix: e.hint })),
      ];
      const { listClients } = clientsMod;
      const pathCtx = makePathContext();
      // the user files of detected clients, and the project files of the registry's projects that exist
      const adapters = listClients().filter((a) => a.detect(pathCtx));
      if (registry?.projects) {
        const { projectAdapter } = await load<typeof import("../core/sync/client_format.ts")>(
          import.meta.url,
          "../core/sync/client_format.ts",
        );
        for (const dir of Object.keys(registry.projects).sort()) {
          for (const a of listClients()) {
            const p = projectAdapter(a, dir, pathCtx);
            if (p && pathCtx.exists(p.paths(pathCtx)[0])) adapters.push(p);
          }
        }
      }
      const findings = await runDoctor({
        registry,
        registryError,
        backend,
        backendError,
        adapters,
        ctx: pathCtx,
        launcherProgram: selfCommand()[0],
      });
      findings.push(...pluginFindings);
      findings.push(
        ...await (await load<typeof import("../core/schedule/doctor.ts")>(
          import.meta.url,
          "../core/schedule/doctor.ts",
        )).scheduleFindings(),
      );
      const { VERSION } = await load<typeof import("../version.ts")>(import.meta.url, "../version.ts");
      const { runningFromSource } = await load<typeof import("../core/launch/launcher_command.ts")>(
        import.meta.url,
        "../core/launch/launcher_command.ts",
      );
      findings.unshift({
        level: "ok",
        check: "version",
        message: `mcp-nexus ${VERSION} (${Deno.build.target}, ${
          runningFromSource() ? "from source" : "compiled"
        }), permission set 'nexus', no prompts; details: mcp-nexus version`,
      });
      const errors = findings.filter((x) => x.level === "error").length;
      const warns = findings.filter((x) => x.level === "warn").length;
      ctx.out.result({ ok: errors === 0, errors, warnings: warns, findings }, () => {
        const mark = {
          ok: ctx.out.style("✓", "green"),
          warn: ctx.out.style("!", "yellow"),
          error: ctx.out.style("✗", "red"),
        };
        const lines = findings.map((x) =>
          `${mark[x.level]} ${x.check}: ${x.message}${x.fix ? `\n    fix: ${x.fix}` : ""}`
        );
        lines.push("", `${errors} error(s), ${warns} warning(s).`);
        return lines.join("\n");
      });
      return errors ? ExitCode.FAILURE : ExitCode.OK;
    }));
}
