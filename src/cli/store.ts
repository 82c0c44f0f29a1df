/**
 * The secret store every command uses, chosen one way (src/host/services.ts): `--backend`, then
 * `MCP_NEXUS_BACKEND`, then the registry's `settings.secretBackend`, then the OS keychain.
 */
import type { SecretStore } from "../core/secrets/secrets.ts";
import { terminalPrompt } from "./terminal_prompt.ts";

export async function openSecretStore(backendFlag?: string): Promise<SecretStore> {
  const { registrySecretServices } =
    await (import(new URL("../host/services.ts", import.meta.url).href) as Promise<
      typeof import("../host/services.ts")
    >);
  return await registrySecretServices(backendFlag, terminalPrompt).store();
}
