/**
 * The composition root's services: the one place that knows the concrete plugins (built-in backends
 * and clients, trusted third-party ones) and hands the rest of the program what it asks for.
 *
 * "Select the backend → open the store → resolve references → register the values for masking" is
 * written once here (`resolveSecrets`); bridge.ts, mcp_check.ts and cli/store.ts use it. launcher.ts
 * still opens its own store: it names the backend in its errors and loads modules by computed
 * specifier to keep `run`'s module graph small.
 */
import type { SecretStore } from "../core/secrets.ts";

export interface SecretServices {
  /** The store for `--backend` / MCP_NEXUS_BACKEND / the registry setting / the OS keychain. */
  store(): Promise<SecretStore>;
  /**
   * Values for these names (null when absent); every value found is registered with the redactor,
   * so no output path can print it.
   */
  resolveSecrets(names: string[]): Promise<Map<string, string | null>>;
}

export function secretServices(opts: { backendFlag?: string; setting?: string } = {}): SecretServices {
  let opened: Promise<SecretStore> | undefined;
  const store = () =>
    opened ??= (async () => {
      const [{ selectBackend }, { SecretStore }] = await Promise.all([
        import("../plugins/backends/mod.ts"),
        import("../core/secrets.ts"),
      ]);
      return new SecretStore(selectBackend(opts.backendFlag, opts.setting));
    })();
  return {
    store,
    async resolveSecrets(names) {
      if (names.length === 0) return new Map();
      const { registerSecret } = await import("../core/redact.ts");
      const found = await (await store()).getMany(names);
      for (const v of found.values()) if (v) registerSecret(v);
      return found;
    },
  };
}
