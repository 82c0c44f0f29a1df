/**
 * The client adapters a command works with: the built-ins plus the trusted third-party plugins
 * (`mcp-nexus plugin add`), loaded once per process. A plugin that cannot be loaded (changed since it
 * was added, invalid, hostile) is one warning on stderr; every other client still works.
 *
 * `settings.plugins` in the registry (the old way: modules imported into this process with every
 * permission) is no longer loaded: each entry is reported with the command that replaces it.
 */
import { load } from "../core/model/load.ts";
import { dirname, isAbsolute, resolve } from "../core/io/path.ts";
import type { ClientAdapter } from "../core/sync/clients.ts";
import type { NexusError } from "../core/model/errors.ts";
import type { RegistryData } from "../core/model/registry.ts";

let loaded: Promise<typeof import("../plugins/clients/mod.ts")> | undefined;
const problems: NexusError[] = [];

/** Why plugins were not loaded in this process (after `clients()`). */
export function pluginProblems(): NexusError[] {
  return [...problems];
}

export function clients(
  registry?: RegistryData,
  opts: { quiet?: boolean } = {},
): Promise<typeof import("../plugins/clients/mod.ts")> {
  return loaded ??= (async () => {
    const mod = await load<typeof import("../plugins/clients/mod.ts")>(
      import.meta.url,
      "../plugins/clients/mod.ts",
    );
    const [{ readTrust }, { writeErr }] = await Promise.all([
      load<typeof import("../core/extend/plugin_trust.ts")>(
        import.meta.url,
        "../core/extend/plugin_trust.ts",
      ),
      load<typeof import("../core/io/output.ts")>(import.meta.url, "../core/io/output.ts"),
    ]);
    const trusted = await readTrust().catch((err) => (problems.push(err), []));
    if (trusted.length) {
      const { loadTrustedClients } = await load<typeof import("../host/plugins.ts")>(
        import.meta.url,
        "../host/plugins.ts",
      );
      const result = await loadTrustedClients(mod.builtInClientIds());
      for (const p of result.plugins) {
        if (p.adapter) mod.registerClient(p.adapter, { replaceBuiltIn: p.trust.replaces === p.adapter.id });
      }
      problems.push(...result.problems);
    }
    problems.push(...await legacyPlugins(registry));
    if (!opts.quiet) {
      for (const p of problems) writeErr(`warning: ${p.message}${p.hint ? `\n  fix: ${p.hint}` : ""}\n`);
    }
    return mod;
  })();
}

/** `settings.plugins` entries: never imported any more; each one is a problem naming the fix. */
async function legacyPlugins(registry?: RegistryData): Promise<NexusError[]> {
  const [{ loadRegistry }, { registryPath }, { NexusError }] = await Promise.all([
    load<typeof import("../core/model/registry.ts")>(import.meta.url, "../core/model/registry.ts"),
    load<typeof import("../core/io/paths.ts")>(import.meta.url, "../core/io/paths.ts"),
    load<typeof import("../core/model/errors.ts")>(import.meta.url, "../core/model/errors.ts"),
  ]);
  const reg = registry ?? await loadRegistry().catch(() => null);
  return (reg?.settings.plugins ?? []).map((spec) => {
    const isUrl = /^[a-z][a-z0-9+.-]*:/i.test(spec) && !/^[a-z]:[\\/]/i.test(spec);
    const path = isUrl || isAbsolute(spec) ? spec : resolve(dirname(registryPath()), spec);
    const isManifest = /\.jsonc?$/i.test(spec);
    return new NexusError(
      "E_PLUGIN_LEGACY",
      `settings.plugins entry '${spec}' was not loaded: plugins are now added explicitly and run sandboxed.`,
      {
        hint: isManifest
          ? `mcp-nexus plugin add ${path}, then remove the entry from settings.plugins in ${registryPath()}`
          : `Rewrite it as a client manifest (README: "Writing a plugin"), then: mcp-nexus plugin add <manifest.json>; ` +
            `and remove the entry from settings.plugins in ${registryPath()}`,
        details: { plugin: spec },
      },
    );
  });
}

/** Checks `--client` ids against the known clients (built-in and plugins); returns the adapters. */
export async function resolveClientIds(ids: string[], registry?: RegistryData): Promise<ClientAdapter[]> {
  const { getClient } = await clients(registry);
  return [...new Set(ids)].map((id) => getClient(id));
}
