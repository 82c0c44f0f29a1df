/**
 * The secret store every command uses, chosen one way: `--backend`, then `MCP_NEXUS_BACKEND`, then
 * the registry's `settings.secretBackend`, then the OS keychain.
 */
import type { SecretStore } from "../core/secrets.ts";

export async function openSecretStore(backendFlag?: string): Promise<SecretStore> {
  const [{ secretServices }, { loadRegistry }] = await Promise.all([
    import("../host/services.ts"),
    import("../core/registry.ts"),
  ]);
  let setting: string | undefined;
  if (!backendFlag && !Deno.env.get("MCP_NEXUS_BACKEND")) {
    // a registry that does not load must not keep anyone from managing secrets: the OS default then
    setting = await loadRegistry().then((r) => r.settings.secretBackend, () => undefined);
  }
  return await secretServices({ backendFlag, setting }).store();
}
