/** Windows: Credential Manager (generic credentials), via @napi-rs/keyring. */
import type { BackendHealth, BackendPlugin } from "../../ports/secrets.ts";
import { keyringBackend } from "./keyring_store.ts";

function classify(message: string): Omit<BackendHealth, "ok"> {
  return {
    status: "unavailable",
    message: `Windows Credential Manager failed: ${message}`,
    hint:
      "Check Control Panel → Credential Manager. For scheduled tasks running as another user, use --backend env.",
  };
}

export const windowsCredentialManager: BackendPlugin = {
  id: "windows-credential-manager",
  label: "Windows Credential Manager",
  platforms: ["windows"],
  description: "Credential Manager generic credentials (Windows)",
  create: (ctx) =>
    keyringBackend({ id: "windows-credential-manager", label: "Windows Credential Manager", classify }, ctx),
};
export default windowsCredentialManager;
