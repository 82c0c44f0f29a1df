/** `sync`, `client list`, `backup list|restore`, `adopt`: the sync engine's commands. */
import { load } from "../core/model/load.ts";
import type { Command } from "@commander-js/extra-typings";
import { action, collect, type Ctx } from "./context.ts";
import { ExitCode, NexusError, usageError } from "../core/model/errors.ts";
import { table } from "../core/io/output.ts";
import type { FilePlan } from "../core/sync/sync.ts";
import type { ServerDef } from "../core/model/registry.ts";
import { terminalPrompt } from "./terminal_prompt.ts";

/** The registry, the clients to write (all known, or the ones named) and the path context. */
export async function engine(clientIds: string[]) {
  const [{ clients }, { makePathContext }, reg] = await Promise.all([
    load<typeof import("./clients.ts")>(import.meta.url, "./clients.ts"),
    load<typeof import("../core/sync/client_context.ts")>(import.meta.url, "../core/sync/client_context.ts"),
    load<typeof import("../core/model/registry.ts")>(import.meta.url, "../core/model/registry.ts"),
  ]);
  reg.allowNexusHome();
  const registry = await reg.loadRegistry();
  const { listClients, getClient } = await clients(registry);
  const adapters = clientIds.length ? [...new Set(clientIds)].map((id) => getClient(id)) : listClients();
  return { adapters, pathCtx: makePathContext(), registry };
}

/** Every config path each known client may use here (the places a restore may write). */
async function clientConfigPaths(): Promise<Map<string, string[]>> {
  const [{ clients }, { makePathContext }, reg] = await Promise.all([
    load<typeof import("./clients.ts")>(import.meta.url, "./clients.ts"),
    load<typeof import("../core/sync/client_context.ts")>(import.meta.url, "../core/sync/client_context.ts"),
    load<typeof import("../core/model/registry.ts")>(import.meta.url, "../core/model/registry.ts"),
  ]);
  const registry = await reg.loadRegistry().catch(() => undefined);
  const { listClients } = await clients(registry);
  const pathCtx = makePathContext();
  const out = new Map<string, string[]>();
  for (const a of listClients()) {
    for (const p of a.paths(pathCtx)) out.set(p, [...(out.get(p) ?? []), a.id]);
  }
  return out;
}

/** The masked diff: what changes in which file. */
export async function renderPlans(
  ctx: Ctx,
  plans: FilePlan[],
  verbose = true,
  stream: "stdout" | "stderr" = "stdout",
): Promise<string> {
  const { maskEntry } = await load<typeof import("../core/secrets/mask.ts")>(
    import.meta.url,
    "../core/secrets/mask.ts",
  );
  const out: string[] = [];
  const style = stream === "stderr" ? ctx.out.errStyle : ctx.out.style.bind(ctx.out);
  const j = (v: unknown) => JSON.stringify(maskEntry(v));
  for (const p of plans) {
    if (p.status === "not-detected") continue;
    const head = `${p.clientName} ${style(p.path, "dim")}`;
    if (p.status === "error") {
      out.push(
        `${style("✗", "red")} ${head}\n    ${p.error!.message}${
          p.error!.hint ? `\n    fix: ${p.error!.hint}` : ""
        }`,
      );
      continue;
    }
    if (p.status === "unchanged" && !p.skipped.length && !p.notes.length) {
      if (verbose) out.push(`${style("=", "dim")} ${head}: up to date`);
      continue;
    }
    const lines = [
      `${p.status === "changed" ? style("~", "yellow") : "="} ${head}${p.exists ? "" : " (new file)"}`,
    ];
    for (const c of p.changes) {
      if (c.action === "add") lines.push(style(`    + ${c.server}: ${j(c.after)}`, "green"));
      if (c.action === "remove") lines.push(style(`    - ${c.server}: ${j(c.before)}`, "red"));
      if (c.action === "update") {
        lines.push(style(`    - ${c.server}: ${j(c.before)}`, "red"));
        lines.push(style(`    + ${c.server}: ${j(c.after)}`, "green"));
      }
    }
    for (const s of p.skipped) lines.push(style(`    ! ${s.server}: ${s.reason}`, "yellow"));
    for (const n of p.notes) lines.push(`    note: ${n}`);
    out.push(lines.join("\n"));
  }
  return out.join("\n");
}

function planJson(p: FilePlan, maskEntry: (v: unknown) => unknown) {
  return {
    client: p.client,
    path: p.path,
    status: p.status,
    exists: p.exists,
    changes: p.changes.map((c) => ({
      server: c.server,
      action: c.action,
      ...(c.before !== undefined ? { before: maskEntry(c.before) } : {}),
      ...(c.after !== undefined ? { after: maskEntry(c.after) } : {}),
    })),
    skipped: p.skipped,
    notes: p.notes,
    ...(p.error ? { error: p.error.toJSON() } : {}),
  };
}

function exitFor(plans: FilePlan[]): number {
  if (plans.some((p) => p.status === "error")) return ExitCode.FAILURE;
  if (plans.some((p) => p.skipped.some((s) => s.kind === "drift" || s.kind === "conflict"))) {
    return ExitCode.CONFLICT;
  }
  return ExitCode.OK;
}

async function confirm(question: string): Promise<boolean> {
  return (await load<typeof import("./prompt.ts")>(import.meta.url, "./prompt.ts")).confirm(question);
}

async function secretResolver(ctx: Ctx) {
  // select → store → resolve → mask: the host's one way (src/host/services.ts)
  const { registrySecretServices } = await load<typeof import("../host/services.ts")>(
    import.meta.url,
    "../host/services.ts",
  );
  const secrets = registrySecretServices(ctx.backendFlag, terminalPrompt);
  await secrets.store(); // an unavailable backend fails here, before any plan
  return <T extends ServerDef>(name: string, server: T) => secrets.resolveServer(name, server);
}

/** `sync`'s options, as commander gives them (and the lean dispatch, src/cli/fast.ts, for the usual forms). */
export interface SyncCliOptions {
  client: string[];
  server: string[];
  secrets: string;
  dryRun?: true;
  yes?: true;
  force?: true;
  project?: string;
  unattended?: true;
}

/** The action of `sync`; returns the exit code. */
export async function runSync(ctx: Ctx, opts: SyncCliOptions): Promise<number> {
  if (opts.unattended) {
    return (await load<typeof import("./sync_unattended.ts")>(import.meta.url, "./sync_unattended.ts"))
      .runUnattended(ctx, opts);
  }
  if (opts.secrets !== "launcher" && opts.secrets !== "inline") {
    throw usageError("E_USAGE", `--secrets ${opts.secrets}: expected launcher or inline.`);
  }
  if (opts.server.length && !opts.project) {
    throw usageError("E_USAGE", "--server is for --project (the project's servers).", {
      hint: "mcp-nexus sync --project . --server NAME",
    });
  }
  if (opts.project && opts.secrets === "inline") {
    // the same sync without --secrets inline: the project, its servers and clients, --yes or --dry-run
    const { shellQuote } = await load<typeof import("../core/model/arg_references.ts")>(
      import.meta.url,
      "../core/model/arg_references.ts",
    );
    const again = [
      `mcp-nexus sync --project ${shellQuote(opts.project)}`,
      ...opts.server.map((s) => `--server ${s}`),
      ...opts.client.map((c) => `--client ${c}`),
      ...(opts.force ? ["--force"] : []),
      ...(opts.dryRun ? ["--dry-run"] : opts.yes ? ["--yes"] : []),
    ].join(" ");
    throw usageError(
      "E_USAGE",
      "--secrets inline is refused with --project: project files are usually committed to git, so every " +
        "server with a secret is a launcher entry there (the secrets stay in the keychain).",
      { hint: again },
    );
  }
  let { adapters, pathCtx, registry } = await engine(opts.client);
  let remember = () => Promise.resolve();
  if (opts.project) {
    const { projectScope } = await load<typeof import("./project.ts")>(import.meta.url, "./project.ts");
    ({ adapters, registry, remember } = await projectScope(
      opts.project,
      opts.server,
      opts.client,
      adapters,
      pathCtx,
      registry,
    ));
  }
  const sync = await load<typeof import("../core/sync/sync.ts")>(import.meta.url, "../core/sync/sync.ts");
  const { maskEntry } = await load<typeof import("../core/secrets/mask.ts")>(
    import.meta.url,
    "../core/secrets/mask.ts",
  );
  const syncOpts = {
    clients: opts.client.length ? opts.client : undefined,
    secrets: opts.secrets as "launcher" | "inline",
    force: !!opts.force,
    resolve: opts.secrets === "inline" ? await secretResolver(ctx) : undefined,
    scope: (opts.project ? "project" : "user") as "project" | "user",
    planCache: undefined as import("../core/sync/plan_cache.ts").PlanCache | undefined,
  };
  if (syncOpts.secrets === "launcher") {
    // a no-op sync reads each file but does not parse it again (src/core/sync/plan_cache.ts)
    const [{ PlanCache }, { isBuiltInAdapter }] = await Promise.all([
      load<typeof import("../core/sync/plan_cache.ts")>(import.meta.url, "../core/sync/plan_cache.ts"),
      load<typeof import("../plugins/clients/mod.ts")>(import.meta.url, "../plugins/clients/mod.ts"),
    ]);
    syncOpts.planCache = await PlanCache.open(registry, syncOpts, isBuiltInAdapter);
  }
  if (opts.secrets === "inline") {
    ctx.out.warn(
      "--secrets inline writes secret values into client files (made 0600). Prefer the launcher.",
    );
  }
  // hints repeat what was asked for: the same clients, backend and secrets mode
  const self = `mcp-nexus${ctx.backendFlag ? ` --backend ${ctx.backendFlag}` : ""}`;
  const { shellQuote } = await load<typeof import("../core/model/arg_references.ts")>(
    import.meta.url,
    "../core/model/arg_references.ts",
  );
  const scope = [
    ...(opts.project ? [` --project ${shellQuote(opts.project)}`] : []),
    ...opts.server.map((s) => ` --server ${s}`),
    ...opts.client.map((c) => ` --client ${c}`),
    ...(opts.secrets !== "launcher" ? [` --secrets ${opts.secrets}`] : []),
  ].join("");
  /** Nothing detected (and no --client): say so, with the command that writes a client's file anyway. */
  const noClientNote = (plans: FilePlan[]) => {
    if (opts.client.length || plans.some((p) => p.status !== "not-detected")) return;
    ctx.out.note(
      "No AI client was detected here ('mcp-nexus client list' shows where each is looked for), so " +
        `nothing was written. To write a client's ${opts.project ? "project " : ""}file anyway: ` +
        `'${self} sync${scope} --client cursor --yes'.`,
    );
  };
  if (opts.dryRun) {
    const plans = await sync.planSync(adapters, pathCtx, registry, syncOpts); // a dry run writes no cache
    ctx.out.result(
      { dryRun: true, applied: false, files: plans.map((p) => planJson(p, maskEntry)) },
      () => "",
    );
    if (!ctx.out.json) {
      const { writeOut } = await load<typeof import("../core/io/output.ts")>(
        import.meta.url,
        "../core/io/output.ts",
      );
      const text = await renderPlans(ctx, plans);
      writeOut((text || "No clients detected.") + "\n" + summary(plans, true) + "\n");
    }
    noClientNote(plans);
    return exitFor(plans);
  }
  let shown = false;
  const result = await sync.applySync(adapters, pathCtx, registry, syncOpts, async (plans) => {
    if (opts.yes) return true;
    if (!Deno.stdin.isTerminal()) {
      throw usageError(
        "E_CONFIRM",
        "sync would change client files; not on a terminal, so nothing was changed.",
        {
          hint: `Review with '${self} sync${scope} --dry-run', then run '${self} sync${scope} --yes'.`,
        },
      );
    }
    if (!ctx.out.json) {
      const { writeErr } = await load<typeof import("../core/io/output.ts")>(
        import.meta.url,
        "../core/io/output.ts",
      );
      writeErr((await renderPlans(ctx, plans, false, "stderr")) + "\n");
      shown = true;
    }
    return await confirm("Apply these changes?");
  });
  await syncOpts.planCache?.save();
  // applied (or nothing to change): now the project's --server names are remembered
  await remember();
  ctx.out.result(
    {
      dryRun: false,
      applied: result.written.length > 0,
      backup: result.backup,
      written: result.written,
      files: result.plans.map((p) => planJson(p, maskEntry)),
    },
    () => "",
  );
  if (!ctx.out.json) {
    const { writeOut } = await load<typeof import("../core/io/output.ts")>(
      import.meta.url,
      "../core/io/output.ts",
    );
    const text = shown ? "" : await renderPlans(ctx, result.plans);
    writeOut(
      (text ? text + "\n" : "") + summary(result.plans, false) +
        (result.backup
          ? `\nBackup of the previous files: ${result.backup} (mcp-nexus backup restore ${result.backup})`
          : "") +
        "\n",
    );
  }
  noClientNote(result.plans);
  return exitFor(result.plans);
}

export function registerSync(program: Command): void {
  program.command("sync")
    .description("Write the registry's servers into every detected client: plan → masked diff → apply")
    .option("--client <id>", "only this client (repeatable); created even if not detected", collect, [])
    .option("--dry-run", "show the plan and the masked diff; change nothing")
    .option("-y, --yes", "apply without asking (required when not on a terminal)")
    .option("--force", "overwrite entries edited outside mcp-nexus (drift)")
    .option(
      "--secrets <mode>",
      "launcher (default: secrets stay in the keychain) or inline (values written, 0600)",
      "launcher",
    )
    .option(
      "--project <dir>",
      "write the project's servers into the repository's client files (.mcp.json, .cursor/mcp.json, …)",
    )
    .option("--server <name>", "with --project: the project's servers (repeatable; remembered)", collect, [])
    .option(
      "--unattended",
      "for scheduled jobs: never asks, never overwrites drift, needs no keychain (launcher mode), " +
        "logs to <home>/logs/sync.log, prints one summary line",
    )
    .addHelpText(
      "after",
      `
Examples:
  mcp-nexus sync --dry-run            # what would change, secrets masked
  mcp-nexus sync --unattended         # what 'mcp-nexus schedule install' runs
  mcp-nexus sync --yes                # apply (cron: add --backend env if no keychain)
  mcp-nexus sync --client cursor --client vscode
  mcp-nexus sync --project . --server github --yes   # the repo's .mcp.json, .cursor/mcp.json, …`,
    )
    .action(action((ctx, opts) => runSync(ctx, opts)));

  const client = program.command("client").description("AI clients mcp-nexus knows");
  client.command("list").alias("ls").description(
    "Each client: detected or not, its config file, servers we manage there",
  )
    .action(action(async (ctx) => {
      const { listClients } =
        await (await load<typeof import("./clients.ts")>(import.meta.url, "./clients.ts")).clients();
      const { makePathContext } = await load<typeof import("../core/sync/client_context.ts")>(
        import.meta.url,
        "../core/sync/client_context.ts",
      );
      const { clientPath } = await load<typeof import("../core/sync/sync.ts")>(
        import.meta.url,
        "../core/sync/sync.ts",
      );
      const { loadLedger } = await load<typeof import("../core/io/ledger.ts")>(
        import.meta.url,
        "../core/io/ledger.ts",
      );
      const { remoteSecretsMode } = await load<typeof import("../core/sync/clients.ts")>(
        import.meta.url,
        "../core/sync/clients.ts",
      );
      const pathCtx = makePathContext();
      const ledger = await loadLedger();
      const registry = await (await load<typeof import("../core/model/registry.ts")>(
        import.meta.url,
        "../core/model/registry.ts",
      )).loadRegistry().catch(() => null);
      const rows = listClients().map((a) => {
        const path = clientPath(a, pathCtx);
        return {
          id: a.id,
          name: a.name,
          detected: a.detect(pathCtx),
          path,
          exists: pathCtx.exists(path),
          format: a.format,
          managed: Object.keys(ledger.files[path]?.entries ?? {}).length,
          // remote servers with secrets: the launcher bridge, or (opted in) the client's env placeholder
          remoteSecrets: remoteSecretsMode(a, registry?.settings.interpolateClients),
          canInterpolate: Boolean(a.envInterpolation),
          ...(a.project ? { projectFile: a.project.path.join("/") } : {}),
          ...(a.docs ? { docs: a.docs } : {}),
          ...(a.checked ? { checked: a.checked } : {}),
          ...(a.notes ? { notes: a.notes } : {}),
        };
      });
      ctx.out.result({ clients: rows }, () =>
        table(
          ["CLIENT", "DETECTED", "MANAGED", "CONFIG FILE"],
          rows.map((
            r,
          ) => [r.id, r.detected ? "yes" : "no", String(r.managed), r.path + (r.exists ? "" : " (absent)")]),
        ));
    }));

  client.command("remote-secrets").argument("<id>", "a client id (mcp-nexus client list)")
    .argument("<mode>", "bridge (default) or interpolate")
    .description("How a remote server's secret headers reach this client: the bridge, or its env placeholder")
    .addHelpText(
      "after",
      `
bridge (the default): the entry is 'mcp-nexus run NAME', which bridges stdio to the remote server with the
  secret headers held in memory; it works wherever the client starts (GUI apps too), nothing to export.
interpolate: the client's own HTTP transport with an environment placeholder (\${env:MCP_NEXUS_SECRET_X});
  you export each variable where the client starts (sync names them). Only for clients that expand one.

Examples:
  mcp-nexus client remote-secrets claude-code interpolate && mcp-nexus sync
  mcp-nexus client remote-secrets claude-code bridge && mcp-nexus sync`,
    )
    .action(action(async (ctx, id: string, mode: string) => {
      if (mode !== "bridge" && mode !== "interpolate") {
        throw usageError("E_USAGE", `${mode}: expected bridge or interpolate.`, {
          hint: `mcp-nexus client remote-secrets ${id} bridge`,
        });
      }
      const [adapter] = await (await load<typeof import("./clients.ts")>(import.meta.url, "./clients.ts"))
        .resolveClientIds([id]);
      if (mode === "interpolate" && !adapter.envInterpolation) {
        const { listClients } =
          await (await load<typeof import("./clients.ts")>(import.meta.url, "./clients.ts")).clients();
        const can = listClients().filter((a) => a.envInterpolation).map((a) => a.id);
        throw usageError(
          "E_USAGE",
          `${adapter.name} cannot read a secret header from its environment: it gets the bridge. ` +
            `Clients that can: ${can.join(", ")} (canInterpolate in client list --json).`,
          { hint: "mcp-nexus client list --json" },
        );
      }
      const { updateRegistry } = await load<typeof import("../core/model/registry.ts")>(
        import.meta.url,
        "../core/model/registry.ts",
      );
      await updateRegistry((data) => {
        const set = new Set(data.settings.interpolateClients ?? []);
        if (mode === "interpolate") set.add(adapter.id);
        else set.delete(adapter.id);
        if (set.size) data.settings.interpolateClients = [...set].sort();
        else delete data.settings.interpolateClients;
      });
      ctx.out.result(
        { client: adapter.id, remoteSecrets: mode },
        () =>
          `${adapter.name}: remote secret headers ${
            mode === "bridge"
              ? "go through the launcher bridge"
              : "are written as environment placeholders (export the variables where it starts)"
          }. Run 'mcp-nexus sync' to rewrite its entries.`,
      );
    }));

  const backup = program.command("backup").description("Backups made before each sync that changes a file");
  backup.command("list").alias("ls").description("List backups, newest first")
    .action(action(async (ctx) => {
      const { listBackups } = await load<typeof import("../core/io/backups.ts")>(
        import.meta.url,
        "../core/io/backups.ts",
      );
      const all = await listBackups();
      ctx.out.result(
        { backups: all },
        () =>
          all.length
            ? table(
              ["ID", "REASON", "FILES"],
              all.map((b) => [
                b.id,
                b.reason,
                b.files.map((f) => f.path).join(", "),
              ]),
            )
            : "No backups yet.",
      );
    }));
  backup.command("restore").argument("<id>", "a backup id (or a unique prefix, or 'latest')")
    .description("Put the files of a backup back (the current files are backed up first)")
    .option("--client <id>", "only this client's file (repeatable)", collect, [])
    .option("-y, --yes", "do not ask")
    .action(action(async (ctx, id: string, opts) => {
      const { checkRestorable, getBackup, listBackups, restoreFiles } = await load<
        typeof import("../core/io/backups.ts")
      >(import.meta.url, "../core/io/backups.ts");
      const { allowNexusHome } = await load<typeof import("../core/model/registry.ts")>(
        import.meta.url,
        "../core/model/registry.ts",
      );
      allowNexusHome();
      if (opts.client.length) {
        await (await load<typeof import("./clients.ts")>(import.meta.url, "./clients.ts")).resolveClientIds(
          opts.client,
        );
      }
      const ofClients = (f: { client?: string }) => !!f.client && opts.client.includes(f.client);
      // 'latest' with --client: the newest backup holding that client's file
      const b = id === "latest" && opts.client.length
        ? (await listBackups()).find((x) => x.files.some(ofClients))
        : await getBackup(id);
      if (!b) {
        throw usageError("E_USAGE", `No backup holds a file of ${opts.client.join(", ")}.`, {
          hint: "mcp-nexus backup list",
        });
      }
      const files = b.files.filter((f) => !opts.client.length || ofClients(f));
      // A manifest never chooses what is written or removed: each file must be a config path of a
      // client we know (today's adapters), and of the client the manifest names (checked again by
      // restoreFiles itself)
      const known = await clientConfigPaths();
      checkRestorable(b, files, known);
      if (!files.length) {
        throw usageError("E_USAGE", `Backup ${b.id} has no file for ${opts.client.join(", ")}.`, {
          hint: `mcp-nexus backup restore latest${opts.client.map((c) => ` --client ${c}`).join("")}`,
        });
      }
      if (!opts.yes) {
        if (!Deno.stdin.isTerminal()) {
          throw usageError("E_CONFIRM", "Not on a terminal: add --yes to restore.", {
            hint: `mcp-nexus backup restore ${b.id}${
              opts.client.map((c) => ` --client ${c}`).join("")
            } --yes`,
          });
        }
        ctx.out.note(files.map((f) => `  ${f.path}`).join("\n"));
        if (!(await confirm(`Restore these ${files.length} file(s) from ${b.id}?`))) {
          throw new NexusError("E_CANCELLED", "Nothing was changed.", { exitCode: ExitCode.INTERRUPTED });
        }
      }
      const rerun = `mcp-nexus backup restore ${b.id}${
        opts.client.map((c) => ` --client ${c}`).join("")
      } --yes`;
      const restored = await restoreFiles(b, files, known, rerun);
      // backups made before ownership was recorded in them: re-own what was written since
      const legacy = files.filter((f) => f.ledger === undefined);
      if (legacy.length) await reownRestored(legacy, b.createdAt);
      ctx.out.result(
        { backup: b.id, restored },
        () => `Restored ${restored.length} file(s) from ${b.id}:\n  ${restored.join("\n  ")}`,
      );
    }));

  program.command("adopt").argument("<server>")
    .description(
      "Take a client's version of an entry (drift) into the registry, secrets moved to the keychain",
    )
    .requiredOption("--client <id>", "the client whose version to keep")
    .action(action(async (ctx, server: string, opts: { client: string }) => {
      const { adoptEntry } = await load<typeof import("./import.ts")>(import.meta.url, "./import.ts");
      const r = await adoptEntry(ctx, server, opts.client);
      ctx.out.result(r, () =>
        `Adopted ${opts.client}'s '${server}' into the registry` +
        (r.secretsStored.length
          ? `; moved ${r.secretsStored.length} secret(s) to the keychain: ${r.secretsStored.join(", ")}`
          : "") +
        ". Run 'mcp-nexus sync' to write it everywhere.");
    }));
}

/**
 * After a restore, the entries mcp-nexus wrote since the backup was made (ledger `writtenAt` not
 * older than the backup) are back at the versions it owned before (a sync changes only entries it
 * owns): the ledger takes their hashes, so the next sync updates them instead of calling them drift.
 * Such names the restored file lacks are dropped. Entries not written since are left as they were.
 */
async function reownRestored(files: Array<{ path: string; client?: string }>, since: string): Promise<void> {
  const [{ loadLedger, saveLedger, entryHash }, { clients }, { readEntries }, { parseDocument }, fs] =
    await Promise.all([
      load<typeof import("../core/io/ledger.ts")>(import.meta.url, "../core/io/ledger.ts"),
      load<typeof import("./clients.ts")>(import.meta.url, "./clients.ts"),
      load<typeof import("../core/sync/sync.ts")>(import.meta.url, "../core/sync/sync.ts"),
      load<typeof import("../core/formats/mod.ts")>(import.meta.url, "../core/formats/mod.ts"),
      load<typeof import("../core/io/fs.ts")>(import.meta.url, "../core/io/fs.ts"),
    ]);
  let ledger;
  try {
    ledger = await loadLedger();
  } catch {
    return; // a damaged ledger is doctor's to report; the restore itself is done
  }
  const { getClient } = await clients();
  let changed = false;
  for (const f of files) {
    const owned = ledger.files[f.path];
    if (!owned || !f.client) continue;
    let entries: Map<string, { entry: unknown }> = new Map();
    try {
      const text = await fs.readTextIfExists(f.path);
      const adapter = getClient(f.client);
      if (text !== null) entries = readEntries(await parseDocument(adapter.format, text, f.path), adapter);
    } catch {
      continue; // unknown client or unparsable file: ownership left as it was
    }
    const sinceMs = Date.parse(since);
    for (const [name, rec] of Object.entries(owned.entries)) {
      if (!(Date.parse(rec.writtenAt) >= sinceMs)) continue;
      const cur = entries.get(name);
      if (cur) owned.entries[name] = { sha256: entryHash(cur.entry), writtenAt: new Date().toISOString() };
      else delete owned.entries[name];
      changed = true;
    }
  }
  if (changed) await saveLedger(ledger);
}

function summary(plans: FilePlan[], dry: boolean): string {
  const changed = plans.filter((p) => p.status === "changed").length;
  const errors = plans.filter((p) => p.status === "error").length;
  const skipped = plans.reduce(
    (n, p) => n + p.skipped.filter((s) => s.kind === "drift" || s.kind === "conflict").length,
    0,
  );
  const seen = plans.filter((p) => p.status !== "not-detected").length;
  const parts = [`${seen} client(s)`, `${changed} file(s) ${dry ? "would change" : "changed"}`];
  if (skipped) parts.push(`${skipped} entr${skipped > 1 ? "ies" : "y"} skipped to protect your edits`);
  if (errors) parts.push(`${errors} file(s) not synced (left untouched)`);
  return (dry ? "Dry run: " : "") + parts.join(", ") + ".";
}
