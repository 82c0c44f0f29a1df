/**
 * The secret store every command uses, chosen one way (src/host/services.ts): `--backend`, then
 * `MCP_NEXUS_BACKEND`, then the registry's `settings.secretBackend`, then the OS keychain.
 */
import { load } from "../core/model/load.ts";
import type { SecretStore } from "../core/secrets/secrets.ts";
import { terminalPrompt } from "./terminal_prompt.ts";

export async function openSecretStore(backendFlag?: string): Promise<SecretStore> {
  const { registrySecretServices } = await load<typeof import("../host/services.ts")>(
    import.meta.url,
    "../host/services.ts",
  );
  return await registrySecretServices(backendFlag, terminalPrompt).store();
}
