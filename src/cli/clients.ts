/**
 * The client adapters a command works with: the built-ins plus the third-party plugins named in the
 * registry's `settings.plugins` (paths relative to the registry file), loaded once per process.
 */
import { dirname, isAbsolute, resolve } from "node:path";
import type { ClientAdapter } from "../core/clients.ts";
import type { RegistryData } from "../core/registry.ts";

let loaded: Promise<typeof import("../plugins/clients/mod.ts")> | undefined;

export function clients(registry?: RegistryData): Promise<typeof import("../plugins/clients/mod.ts")> {
  return loaded ??= (async () => {
    const mod = await import("../plugins/clients/mod.ts");
    const { loadRegistry } = await import("../core/registry.ts");
    const { registryPath } = await import("../core/paths.ts");
    const reg = registry ?? await loadRegistry();
    for (const spec of reg.settings.plugins ?? []) {
      const isUrl = /^[a-z][a-z0-9+.-]*:/i.test(spec) && !/^[a-z]:[\\/]/i.test(spec);
      await mod.loadClientPlugin(isUrl || isAbsolute(spec) ? spec : resolve(dirname(registryPath()), spec));
    }
    return mod;
  })();
}

/** Checks `--client` ids against the known clients (built-in and plugins); returns the adapters. */
export async function resolveClientIds(ids: string[], registry?: RegistryData): Promise<ClientAdapter[]> {
  const { getClient } = await clients(registry);
  return [...new Set(ids)].map((id) => getClient(id));
}
