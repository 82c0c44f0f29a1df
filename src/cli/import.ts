/** `import` (clients → registry, plaintext secrets → keychain) and the `adopt` helper; the work is in src/core/sync/importer.ts. */
import { load } from "../core/model/load.ts";
import type { Command } from "@commander-js/extra-typings";
import { action, collect, type Ctx } from "./context.ts";
import { table } from "../core/io/output.ts";
import { terminalPrompt } from "./terminal_prompt.ts";

export function registerImport(program: Command): void {
  program.command("import")
    .description(
      "Add the servers of every detected client to the registry; move plaintext secrets to the keychain",
    )
    .option("--client <id>", "only this client (repeatable)", collect, [])
    .option("--dry-run", "show what would be imported; store and change nothing")
    .option("--no-desktop-app", "skip the MCP Nexus desktop app's ~/.mcp-nexus/config.json")
    .addHelpText(
      "after",
      "\nExamples:\n  mcp-nexus import --dry-run\n  mcp-nexus import --client claude-code && mcp-nexus sync --yes",
    )
    .action(action(async (ctx, opts) => {
      const [
        { listClients, getClient },
        { makePathContext },
        { importFromClients },
        { registrySecretServices },
      ] = await Promise.all([
        load<typeof import("./clients.ts")>(import.meta.url, "./clients.ts")
          .then((m) => m.clients()),
        load<typeof import("../core/sync/client_context.ts")>(
          import.meta.url,
          "../core/sync/client_context.ts",
        ),
        load<typeof import("../core/sync/importer.ts")>(import.meta.url, "../core/sync/importer.ts"),
        load<typeof import("../host/services.ts")>(import.meta.url, "../host/services.ts"),
      ]);
      const pathCtx = makePathContext();
      const adapters = opts.client.length
        ? opts.client.map((id) => getClient(id))
        : listClients().filter((a) => a.detect(pathCtx));
      const r = await importFromClients(adapters, {
        pathCtx,
        secrets: registrySecretServices(ctx.backendFlag, terminalPrompt),
        dryRun: !!opts.dryRun,
        desktopApp: opts.desktopApp,
      });
      const { added, alreadyInRegistry: same, conflicts, secretsStored, errors } = r;
      const warnings = r.warnings;
      for (const w of warnings) ctx.out.warn(w.message);
      const result = {
        dryRun: !!opts.dryRun,
        added,
        alreadyInRegistry: same,
        conflicts,
        secretsStored,
        clientsRead: adapters.map((a) => a.id),
        errors,
        warnings: warnings.map(({ field, secrets, command }) => ({ field, secrets, command })),
        next: r.syncNeeded ? "mcp-nexus sync" : undefined,
      };
      ctx.out.result(result, () => {
        const lines = [
          `${
            opts.dryRun ? "Would import" : "Imported"
          } ${added.length} server(s) from ${adapters.length} client(s).`,
        ];
        if (added.length) lines.push(`  added: ${added.join(", ")}`);
        if (secretsStored.length) {
          lines.push(
            `  secrets ${opts.dryRun ? "to move" : "moved"} to ${r.storeLabel}: ${secretsStored.join(", ")}`,
          );
        }
        if (same.length) lines.push(`  already in the registry: ${same.join(", ")}`);
        if (conflicts.length) {
          lines.push(
            table(["CONFLICT", "CLIENT", "WHY"], conflicts.map((c) => [c.server, c.client, c.reason])),
          );
        }
        for (const e of errors) {
          lines.push(`  could not read ${e.client} (${e.path}): ${JSON.stringify(e.error)}`);
        }
        if (result.next && !opts.dryRun) {
          lines.push(
            "Next: 'mcp-nexus sync --dry-run' then 'mcp-nexus sync' replaces plaintext secrets in the client files with the launcher (an entry a client cannot read safely is removed from it, and sync says how to get it back).",
          );
        }
        return lines.join("\n");
      });
      return errors.length ? 1 : conflicts.length ? 5 : 0;
    }));
}

/** `adopt SERVER --client X` (src/cli/sync.ts): the client's version goes into the registry. */
export async function adoptEntry(ctx: Ctx, server: string, clientId: string) {
  const [{ getClient }, { makePathContext }, core, { registrySecretServices }] = await Promise.all([
    load<typeof import("./clients.ts")>(import.meta.url, "./clients.ts").then((
      m,
    ) => m.clients()),
    load<typeof import("../core/sync/client_context.ts")>(import.meta.url, "../core/sync/client_context.ts"),
    load<typeof import("../core/sync/importer.ts")>(import.meta.url, "../core/sync/importer.ts"),
    load<typeof import("../host/services.ts")>(import.meta.url, "../host/services.ts"),
  ]);
  return await core.adoptEntry(getClient(clientId), server, {
    pathCtx: makePathContext(),
    secrets: registrySecretServices(ctx.backendFlag, terminalPrompt),
  });
}
