/**
 * `sync --unattended`: the scheduled job. Never prompts, never overwrites drift, never opens the
 * keychain in launcher mode (references are checked against the names index instead, so it runs
 * from cron with no D-Bus and a locked keychain). It appends to a rotated log, records the run in
 * last-run.json for `schedule status`, prints one summary line and exits with the usual codes.
 */
import { load } from "../core/model/load.ts";
import type { Ctx } from "./context.ts";
import { ExitCode, NexusError, toNexusError, usageError } from "../core/model/errors.ts";
import type { FilePlan } from "../core/sync/sync.ts";
import type { LastRun, Waiting } from "../core/schedule/last_run.ts";

export interface UnattendedOptions {
  client: string[];
  secrets: string;
  force?: boolean;
  dryRun?: boolean;
  project?: string;
}

function plural(n: number, one: string, many = one + "s"): string {
  return `${n} ${n === 1 ? one : many}`;
}

export async function runUnattended(ctx: Ctx, opts: UnattendedOptions): Promise<number> {
  const startedAt = new Date().toISOString();
  const lr = await load<typeof import("../core/schedule/last_run.ts")>(
    import.meta.url,
    "../core/schedule/last_run.ts",
  );
  const waiting: Waiting = { drift: [], conflicts: [], missingSecrets: [], unparsable: [] };
  let run: LastRun;
  try {
    if (opts.force) {
      throw usageError(
        "E_USAGE",
        "--unattended never overwrites drift: --force cannot be combined with it.",
        {
          hint: "Review drift yourself: mcp-nexus sync --dry-run",
        },
      );
    }
    if (opts.dryRun) {
      throw usageError("E_USAGE", "--unattended applies; for a preview use 'mcp-nexus sync --dry-run'.");
    }
    if (opts.secrets !== "launcher" && opts.secrets !== "inline") {
      throw usageError("E_USAGE", `--secrets ${opts.secrets}: expected launcher or inline.`);
    }
    const [{ engine }, sync, { collectReferences }] = await Promise.all([
      load<typeof import("./sync.ts")>(import.meta.url, "./sync.ts"),
      load<typeof import("../core/sync/sync.ts")>(import.meta.url, "../core/sync/sync.ts"),
      load<typeof import("../core/model/references.ts")>(import.meta.url, "../core/model/references.ts"),
    ]);
    const { adapters, pathCtx, registry } = await engine(opts.client);
    let resolve;
    if (opts.secrets === "inline") {
      // no one is there to unlock a keychain: only the env backend (values from the job's environment)
      const { secretServices } = await load<typeof import("../host/services.ts")>(
        import.meta.url,
        "../host/services.ts",
      );
      const secrets = secretServices({
        backendFlag: ctx.backendFlag,
        setting: registry.settings.secretBackend,
      });
      const { backend } = await secrets.store();
      if (backend.id !== "env") {
        throw usageError(
          "E_UNATTENDED_KEYCHAIN",
          `An unattended sync with --secrets inline would need ${backend.label}, which may be locked with no one ` +
            "to unlock it; refused.",
          {
            hint:
              "Use the launcher mode (the default: no secret needed), or add --backend env and give the job the MCP_NEXUS_SECRET_* variables.",
          },
        );
      }
      resolve = <T extends import("../core/model/registry.ts").ServerDef>(name: string, server: T) =>
        secrets.resolveServer(name, server);
    } else {
      // launcher mode writes references only; check them against the names index, not the keychain
      const { readKeysIndex } = await load<typeof import("../core/secrets/secrets.ts")>(
        import.meta.url,
        "../core/secrets/secrets.ts",
      );
      const known = new Set(await readKeysIndex());
      for (const [name, s] of Object.entries(registry.servers)) {
        if (!s.enabled) continue;
        for (const r of collectReferences(s, name)) {
          if (
            !known.has(r.name) &&
            !waiting.missingSecrets.some((m) => m.server === name && m.secret === r.name)
          ) {
            waiting.missingSecrets.push({ server: name, secret: r.name });
          }
        }
      }
    }
    const result = await sync.applySync(adapters, pathCtx, registry, {
      clients: opts.client.length ? opts.client : undefined,
      secrets: opts.secrets,
      force: false,
      resolve,
    }, () => Promise.resolve(true));
    collect(result.plans, waiting);
    const seen = result.plans.filter((p) => p.status !== "not-detected").length;
    const failed = waiting.unparsable.length > 0;
    const attention = waiting.drift.length + waiting.conflicts.length + waiting.missingSecrets.length > 0;
    const exitCode = failed
      ? ExitCode.FAILURE
      : waiting.drift.length || waiting.conflicts.length
      ? ExitCode.CONFLICT
      : waiting.missingSecrets.length
      ? ExitCode.NOT_FOUND
      : ExitCode.OK;
    const parts = [plural(seen, "client"), `${plural(result.written.length, "file")} changed`];
    if (waiting.drift.length) {
      parts.push(`${plural(waiting.drift.length, "drifted entry", "drifted entries")} left as is`);
    }
    if (waiting.conflicts.length) parts.push(plural(waiting.conflicts.length, "conflict"));
    if (waiting.missingSecrets.length) {
      parts.push(`${plural(waiting.missingSecrets.length, "missing secret")}`);
    }
    if (waiting.unparsable.length) {
      parts.push(`${plural(waiting.unparsable.length, "unparsable file")} left untouched`);
    }
    run = {
      version: 1,
      startedAt,
      finishedAt: new Date().toISOString(),
      exitCode,
      result: failed ? "failed" : attention ? "attention" : "ok",
      summary: `sync ${failed ? "failed" : attention ? "needs you" : "ok"}: ${parts.join(", ")}` +
        (attention || failed ? " (mcp-nexus schedule status)" : ""),
      clients: seen,
      changed: result.written,
      waiting,
    };
  } catch (err) {
    const e = toNexusError(err);
    run = {
      version: 1,
      startedAt,
      finishedAt: new Date().toISOString(),
      exitCode: e.exitCode,
      result: "failed",
      summary: `sync failed: ${e.message}`,
      clients: 0,
      changed: [],
      waiting,
      error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) },
    };
  }
  await record(run, lr);
  ctx.out.result(
    { ...run, log: lr.logPath() },
    () => run.summary + (run.error?.hint ? ` — fix: ${run.error.hint}` : ""),
  );
  return run.exitCode;
}

function collect(plans: FilePlan[], w: Waiting): void {
  for (const p of plans) {
    if (p.status === "error") {
      w.unparsable.push({ client: p.client, path: p.path, message: p.error?.message ?? "could not be read" });
    }
    for (const s of p.skipped) {
      if (s.kind === "drift") w.drift.push({ client: p.client, server: s.server, reason: s.reason });
      if (s.kind === "conflict") w.conflicts.push({ client: p.client, server: s.server, reason: s.reason });
    }
  }
}

async function record(run: LastRun, lr: typeof import("../core/schedule/last_run.ts")): Promise<void> {
  const lines = [`${run.finishedAt} exit ${run.exitCode} ${run.summary}`];
  for (const f of run.changed) lines.push(`  changed: ${f}`);
  for (const d of run.waiting.drift) lines.push(`  drift: ${d.client} '${d.server}'`);
  for (const c of run.waiting.conflicts) lines.push(`  conflict: ${c.client} '${c.server}'`);
  for (const m of run.waiting.missingSecrets) {
    lines.push(`  missing secret: '${m.secret}' (server '${m.server}')`);
  }
  for (const u of run.waiting.unparsable) lines.push(`  unparsable: ${u.path}: ${u.message}`);
  if (run.error) lines.push(`  error ${run.error.code}: ${run.error.message}`);
  try {
    await lr.appendLog(lines);
    await lr.writeLastRun(run);
  } catch (err) {
    // the sync's own result still goes to stdout and the exit code; say why the record is missing
    const e = toNexusError(err);
    throw new NexusError(
      e.code,
      `The sync ran (${run.summary}) but its log could not be written: ${e.message}`,
      {
        exitCode: run.exitCode === 0 ? ExitCode.FAILURE : e.exitCode,
        hint: e.hint,
      },
    );
  }
}
