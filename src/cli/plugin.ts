/**
 * `mcp-nexus plugin …`: third-party client adapters, trusted explicitly. `add` copies a local plugin
 * into mcp-nexus's home and records its SHA-256; a plugin whose files change is not loaded until it is
 * added again. Plugins are data (a manifest) plus, optionally, one JavaScript file of hooks that runs
 * with no permissions at all.
 */
import { load } from "../core/model/load.ts";
import type { Command } from "@commander-js/extra-typings";
import { action } from "./context.ts";
import { ExitCode, type NexusError } from "../core/model/errors.ts";
import type { TrustedPlugin } from "../core/extend/plugin_trust.ts";
import { table } from "../core/io/output.ts";

type Declares = import("../host/plugins.ts").Declaration | import("../host/plugins.ts").BackendDeclaration;

function declares(d: Declares): string {
  if (d.kind === "backend") {
    const p = Object.entries(d.permissions);
    return [
      `  id          ${d.id}  (secret backend: --backend ${d.id})`,
      `  name        ${d.name}`,
      `  platforms   ${d.platforms.join(", ")}`,
      `  may touch   ${
        p.length ? p.map(([k, v]) => `${k}: ${(v as string[]).join(", ")}`).join("; ") : "nothing"
      }`,
      `              (and the secrets it stores; nothing else: its code runs in a Worker with only these)`,
    ].join("\n");
  }
  return [
    `  id          ${d.id}${d.replaces ? `  (replaces the built-in '${d.replaces}')` : ""}`,
    `  name        ${d.name}`,
    `  writes      ${d.files.join(", ") || "(no file on this OS)"}  [${d.format}, ${d.servers}]`,
    `  transports  ${d.transports.join(", ")}`,
    `  code        ${
      d.hooks.length
        ? `${d.hooks.join(", ")} (sandboxed: no files, no network, no secrets)`
        : "none (data only)"
    }`,
  ].join("\n");
}

export function registerPlugin(program: Command): void {
  const plugin = program.command("plugin").description("Third-party client adapters (trusted by hash)");

  plugin.command("add").argument(
    "<path>",
    "a plugin manifest (my-client.plugin.json) or a folder holding plugin.json",
  )
    .description("Check a local plugin, copy it into mcp-nexus's home and trust its SHA-256")
    .option("--replace-builtin", "allow the plugin to replace the built-in client with the same id")
    .addHelpText(
      "after",
      "\nExamples:\n  mcp-nexus plugin add ./acme.plugin.json\n  mcp-nexus plugin add ./acme/",
    )
    .action(action(async (ctx, path: string, opts: { replaceBuiltin?: boolean }) => {
      const [
        { addPlugin },
        { builtInClientIds },
        { makePathContext },
        { allowNexusHome },
        { listSecretBackends },
      ] = await Promise.all([
        load<typeof import("../host/plugins.ts")>(import.meta.url, "../host/plugins.ts"),
        load<typeof import("../plugins/clients/mod.ts")>(import.meta.url, "../plugins/clients/mod.ts"),
        load<typeof import("../core/sync/client_context.ts")>(
          import.meta.url,
          "../core/sync/client_context.ts",
        ),
        load<typeof import("../core/model/registry.ts")>(import.meta.url, "../core/model/registry.ts"),
        load<typeof import("../host/services.ts")>(import.meta.url, "../host/services.ts"),
      ]);
      allowNexusHome();
      const r = await addPlugin(path, {
        builtInIds: builtInClientIds(),
        builtInBackendIds: (await listSecretBackends()).map((b) => b.id),
        replaceBuiltin: opts.replaceBuiltin,
        ctx: makePathContext(),
      });
      ctx.out.result(
        { added: r.trust, declares: r.declares, updated: r.updated },
        () =>
          `${r.updated ? "Updated" : "Added"} plugin '${r.trust.id}' (sha256 ${
            r.trust.files["plugin.json"].slice(0, 12)
          }…). It declares:\n${declares(r.declares)}\nTry it: mcp-nexus plugin test ${path}`,
      );
    }));

  plugin.command("list").description("Trusted plugins, and whether each still matches its recorded hash")
    .addHelpText("after", "\nExample:\n  mcp-nexus plugin list --json")
    .action(action(async (ctx) => {
      const [{ readTrust, verifyPlugin }] = await Promise.all([
        load<typeof import("../core/extend/plugin_trust.ts")>(
          import.meta.url,
          "../core/extend/plugin_trust.ts",
        ),
      ]);
      const rows: Array<TrustedPlugin & { status: string; problem?: string; fix?: string }> = [];
      for (const t of await readTrust()) {
        const status = await verifyPlugin(t).then(
          () => ({ status: "ok" }),
          (e: NexusError) => ({
            status: e.code === "E_PLUGIN_CHANGED" ? "changed" : "missing",
            problem: e.message,
            fix: e.hint,
          }),
        );
        rows.push({ ...t, ...status });
      }
      ctx.out.result(
        { plugins: rows },
        () =>
          rows.length === 0 ? "No plugins. Add one: mcp-nexus plugin add ./my-client.plugin.json" : table(
            ["id", "kind", "status", "added", "from"],
            rows.map((r) => [
              r.id + (r.replaces ? " (replaces built-in)" : ""),
              r.kind,
              r.status,
              r.addedAt.slice(0, 10),
              r.source,
            ]),
          ) + rows.filter((r) => r.fix).map((r) => `\n${r.problem}\n  fix: ${r.fix}`).join(""),
      );
      return rows.some((r) => r.status !== "ok") ? ExitCode.FAILURE : ExitCode.OK;
    }));

  plugin.command("rm").argument("<id>").description("Forget a plugin and delete its copy")
    .addHelpText("after", "\nExample:\n  mcp-nexus plugin rm acme")
    .action(action(async (ctx, id: string) => {
      const { untrustPlugin } = await load<typeof import("../core/extend/plugin_trust.ts")>(
        import.meta.url,
        "../core/extend/plugin_trust.ts",
      );
      const { allowNexusHome } = await load<typeof import("../core/model/registry.ts")>(
        import.meta.url,
        "../core/model/registry.ts",
      );
      allowNexusHome();
      const t = await untrustPlugin(id);
      ctx.out.result(
        { removed: t.id },
        () => `Removed plugin '${t.id}'. Its entries in client files are left as they are.`,
      );
    }));

  plugin.command("validate").argument("<path>", "a plugin manifest, or a folder holding plugin.json")
    .description("Check a plugin without adding it: manifest schema, and that its code loads sandboxed")
    .addHelpText("after", "\nExample:\n  mcp-nexus plugin validate ./acme.plugin.json")
    .action(action(async (ctx, path: string) => {
      const [{ inspectPlugin, declaration, backendDeclaration }, { makePathContext }] = await Promise.all([
        load<typeof import("../host/plugins.ts")>(import.meta.url, "../host/plugins.ts"),
        load<typeof import("../core/sync/client_context.ts")>(
          import.meta.url,
          "../core/sync/client_context.ts",
        ),
      ]);
      const p = await inspectPlugin(path);
      p.sandbox?.terminate();
      const d: Declares = p.kind === "backend"
        ? backendDeclaration(p.manifest)
        : declaration(p.manifest, p.sandbox?.hooks ?? [], makePathContext());
      ctx.out.result(
        { valid: true, declares: d },
        () => `${p.source} is a valid plugin. It declares:\n${declares(d)}`,
      );
    }));

  plugin.command("test").argument("<path>", "a plugin manifest, or a folder holding plugin.json")
    .description("Run the client-adapter contract the built-ins pass against a plugin (nothing is written)")
    .addHelpText("after", "\nExample:\n  mcp-nexus plugin test ./acme.plugin.json")
    .action(action(async (ctx, path: string) => {
      const [{ inspectPlugin, sandboxedAdapter }, { clientContract }] = await Promise.all([
        load<typeof import("../host/plugins.ts")>(import.meta.url, "../host/plugins.ts"),
        load<typeof import("../testing/client_contract.ts")>(
          import.meta.url,
          "../testing/client_contract.ts",
        ),
      ]);
      const p = await inspectPlugin(path);
      try {
        const results = p.kind === "backend"
          ? await backendResults(p.manifest, p.files)
          : await clientContract(sandboxedAdapter(p.manifest, p.sandbox));
        results.push({
          check: p.kind === "backend"
            ? "no permission escape: code runs with only its declared permissions, no imports, no eval, a time limit"
            : "no permission escape: code runs with no permissions, no imports, no eval, a time limit",
          ok: true,
          message: p.sandbox
            ? `hooks ${p.sandbox.hooks.join(", ")} loaded in the sandbox`
            : "no code (data only)",
        });
        const failed = results.filter((r) => !r.ok).length;
        ctx.out.result(
          { ok: failed === 0, results },
          () =>
            results.map((r) => `${r.ok ? "✓" : "✗"} ${r.check}: ${r.message}`).join("\n") +
            `\n${results.length - failed} passed, ${failed} failed.`,
        );
        return failed ? ExitCode.FAILURE : ExitCode.OK;
      } finally {
        p.sandbox?.terminate();
      }
    }));
}

/**
 * The backend contract (src/testing/backend_contract.ts, the one the built-ins pass) against a backend
 * plugin, each step reported. It stores and deletes `contract-*` items in the plugin's store.
 */
async function backendResults(
  manifest: import("../core/extend/plugin_backend.ts").BackendManifest,
  files: Record<string, Uint8Array>,
): Promise<Array<{ check: string; ok: boolean; message: string }>> {
  const [{ sandboxedBackend }, { backendContract }] = await Promise.all([
    load<typeof import("../core/extend/plugin_backend.ts")>(
      import.meta.url,
      "../core/extend/plugin_backend.ts",
    ),
    load<typeof import("../testing/backend_contract.ts")>(import.meta.url, "../testing/backend_contract.ts"),
  ]);
  const backend = sandboxedBackend(
    manifest,
    () => Promise.resolve({ manifest, code: new TextDecoder().decode(files[manifest.module.slice(2)]) }),
  );
  const results: Array<{ check: string; ok: boolean; message: string }> = [];
  const t = {
    async step(name: string, fn: () => Promise<void>) {
      try {
        await fn();
        results.push({ check: name, ok: true, message: "ok" });
      } catch (err) {
        results.push({ check: name, ok: false, message: (err as Error)?.message ?? String(err) });
      }
      return true;
    },
  } as unknown as Deno.TestContext;
  try {
    await backendContract(t, backend);
  } catch (err) {
    results.push({ check: "contract", ok: false, message: (err as Error)?.message ?? String(err) });
  }
  return results;
}
