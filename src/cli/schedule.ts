/** `schedule install|status|remove`: a scheduled `sync --unattended` with the OS's own scheduler. */
import { load } from "../core/model/load.ts";
import type { Command } from "@commander-js/extra-typings";
import { action, type Ctx } from "./context.ts";
import { ExitCode, usageError } from "../core/model/errors.ts";
import type { SchedulerId } from "../core/schedule/mod.ts";

const BACKEND_HELP = "the scheduler: cron, systemd, launchd or schtasks (default: the OS's own)";

/** `--backend` is also the global secret-backend option: here it names a scheduler. */
async function schedulerFlag(ctx: Ctx): Promise<SchedulerId | undefined> {
  if (!ctx.backendFlag) return undefined;
  const { parseSchedulerId } = await load<typeof import("../core/schedule/mod.ts")>(
    import.meta.url,
    "../core/schedule/mod.ts",
  );
  return parseSchedulerId(ctx.backendFlag);
}

/** The job: this program's own stable command line, `sync --unattended`, and the environment it needs. */
async function buildJob(every?: string, at?: string, secrets = "launcher") {
  const [{ parseSchedule, captureJobEnv }, { selfCommand }] = await Promise.all([
    load<typeof import("../core/schedule/spec.ts")>(import.meta.url, "../core/schedule/spec.ts"),
    load<typeof import("../core/launch/launcher_command.ts")>(
      import.meta.url,
      "../core/launch/launcher_command.ts",
    ),
  ]);
  if (secrets !== "launcher" && secrets !== "inline") {
    throw usageError("E_USAGE", `--secrets ${secrets}: expected launcher or inline.`);
  }
  const schedule = parseSchedule(every, at);
  const argv = [...selfCommand(), "sync", "--unattended"];
  // unattended, no one can unlock a keychain: inline values come from the env backend only
  if (secrets === "inline") argv.push("--secrets", "inline", "--backend", "env");
  return { argv, env: captureJobEnv((k) => Deno.env.get(k)), schedule };
}

export function registerSchedule(program: Command): void {
  const schedule = program.command("schedule").description(
    "Run 'sync --unattended' on a schedule (cron, systemd timer, launchd, Task Scheduler)",
  ).addHelpText(
    "after",
    `
Examples:
  mcp-nexus schedule install --every 15m
  mcp-nexus schedule install --at 03:30 --backend cron
  mcp-nexus schedule status
  mcp-nexus schedule remove`,
  );

  schedule.command("install")
    .description("Install (or update) the scheduled sync; installing twice changes nothing")
    .option("--every <interval>", "5m … 30m, 1h … 12h, or 1d (default 1h)")
    .option("--at <HH:MM>", "once a day at this time")
    .option("--backend <scheduler>", BACKEND_HELP)
    .option(
      "--secrets <mode>",
      "launcher (default: no secret needed) or inline (only with the env backend: MCP_NEXUS_SECRET_* in the job's environment)",
      "launcher",
    )
    .option(
      "--print",
      "print what would be written (crontab block, unit files, plist, task XML); change nothing",
    )
    .action(action(async (ctx, opts) => {
      const m = await load<typeof import("../core/schedule/mod.ts")>(
        import.meta.url,
        "../core/schedule/mod.ts",
      );
      const { describeSchedule } = await load<typeof import("../core/schedule/spec.ts")>(
        import.meta.url,
        "../core/schedule/spec.ts",
      );
      const job = await buildJob(opts.every, opts.at, opts.secrets);
      const id = await schedulerFlag(ctx) ?? await m.nativeScheduler();
      const backend = m.getScheduler(id);
      if (opts.print) {
        const files = backend.render(job);
        ctx.out.result(
          { backend: id, schedule: describeSchedule(job.schedule), command: job.argv, files },
          () => files.map((f) => `# ${f.path ?? f.name}\n${f.text}`).join("\n"),
        );
        return ExitCode.OK;
      }
      const why = await backend.unavailable();
      if (why) {
        throw usageError("E_SCHEDULER_UNAVAILABLE", `${backend.label} cannot be used here: ${why}`, {
          hint: "Choose another with --backend cron|systemd|launchd|schtasks.",
        });
      }
      // one job: moving to another scheduler takes it out of the old one
      const before = await m.readState().catch(() => null);
      if (before && before.backend !== id) await m.getScheduler(before.backend).remove().catch(() => {});
      const r = await backend.install(job);
      await m.writeState(id, job);
      if (opts.secrets === "inline") {
        ctx.out.warn(
          "the job writes secret values into client files (0600), read from MCP_NEXUS_SECRET_* variables.",
        );
      }
      ctx.out.result(
        {
          installed: true,
          changed: r.changed,
          backend: id,
          where: backend.where(),
          schedule: describeSchedule(job.schedule),
          command: job.argv,
        },
        () =>
          `${r.changed ? "Scheduled" : "Already scheduled"}: sync --unattended ${
            describeSchedule(job.schedule)
          } (${backend.label}: ${backend.where()}).\nSee it with 'mcp-nexus schedule status'.`,
      );
      return ExitCode.OK;
    }));

  schedule.command("status")
    .description(
      "The scheduled job, its last run and what waits for you (drift, missing secrets, unparsable files)",
    )
    .option("--backend <scheduler>", BACKEND_HELP)
    .action(action(async (ctx) => {
      const [{ inspectJob }, lr] = await Promise.all([
        load<typeof import("../core/schedule/inspect.ts")>(import.meta.url, "../core/schedule/inspect.ts"),
        load<typeof import("../core/schedule/last_run.ts")>(import.meta.url, "../core/schedule/last_run.ts"),
      ]);
      const job = await inspectJob(await schedulerFlag(ctx));
      let lastRun = null, lastRunError: string | undefined;
      try {
        lastRun = await lr.readLastRun();
      } catch (err) {
        lastRunError = (err as Error).message;
      }
      const installed = job.state === "installed" || job.state === "modified" || job.state === "unrecorded";
      const broken = job.state === "missing" || job.state === "unreadable" || job.state === "modified" ||
        job.commandMissing.length > 0;
      ctx.out.result(
        { installed, ...job, lastRun, ...(lastRunError ? { lastRunError } : {}), log: lr.logPath() },
        () => {
          const lines: string[] = [];
          const states = {
            installed: `Scheduled: sync --unattended ${job.schedule ?? ""} (${job.backend}: ${job.where})`,
            unrecorded: `Scheduled (${job.backend}: ${job.where}), but not recorded by this mcp-nexus home`,
            modified: `Scheduled (${job.backend}: ${job.where}), but edited since mcp-nexus wrote it`,
            missing: `Not scheduled any more: ${job.backend} lost the job mcp-nexus installed`,
            "not-installed": `Not scheduled (${job.backend}). Install: mcp-nexus schedule install --every 1h`,
            unreadable: `Could not ask ${job.backend} about the job: ${job.readError}`,
          };
          lines.push(states[job.state].replace(/ {2,}/g, " "));
          if (job.command) lines.push(`  command: ${job.command.join(" ")}`);
          for (const p of job.commandMissing) {
            lines.push(`  ✗ ${p} no longer exists: run 'mcp-nexus schedule install' again`);
          }
          if (job.state === "missing" || job.state === "modified") {
            lines.push("  fix: mcp-nexus schedule install");
          }
          if (lastRunError) lines.push(`Last run: ${lastRunError}`);
          else if (!lastRun) lines.push("Last run: none yet.");
          else {
            lines.push(`Last run: ${lastRun.finishedAt} (exit ${lastRun.exitCode}): ${lastRun.summary}`);
            const w = lastRun.waiting;
            for (const d of w.drift) {
              lines.push(
                `  ! drift: ${d.client} '${d.server}': mcp-nexus adopt ${d.server} --client ${d.client}, or mcp-nexus sync --client ${d.client} --force`,
              );
            }
            for (const c of w.conflicts) lines.push(`  ! conflict: ${c.client} '${c.server}': ${c.reason}`);
            for (const s of w.missingSecrets) {
              lines.push(
                `  ! missing secret '${s.secret}' (server '${s.server}'): mcp-nexus secret set ${s.secret}`,
              );
            }
            for (const u of w.unparsable) lines.push(`  ✗ unparsable: ${u.path}: ${u.message}`);
            if (lastRun.error?.hint) lines.push(`  fix: ${lastRun.error.hint}`);
          }
          lines.push(`Log: ${lr.logPath()}`);
          return lines.join("\n");
        },
      );
      if (job.state === "not-installed") return ExitCode.NOT_FOUND;
      return broken ? ExitCode.FAILURE : ExitCode.OK;
    }));

  schedule.command("remove")
    .description("Remove the scheduled sync (only ours: other crontab lines are never touched)")
    .option("--backend <scheduler>", BACKEND_HELP)
    .action(action(async (ctx) => {
      const m = await load<typeof import("../core/schedule/mod.ts")>(
        import.meta.url,
        "../core/schedule/mod.ts",
      );
      const state = await m.readState().catch(() => null);
      const id = await schedulerFlag(ctx) ?? state?.backend ?? await m.nativeScheduler();
      const backend = m.getScheduler(id);
      const r = await backend.remove();
      if (!state || state.backend === id) await m.clearState();
      ctx.out.result(
        { removed: r.removed, backend: id, where: backend.where() },
        () =>
          r.removed
            ? `Removed the scheduled sync (${backend.label}).`
            : `No scheduled sync in ${backend.where()}.`,
      );
      return r.removed ? ExitCode.OK : ExitCode.NOT_FOUND;
    }));
}
