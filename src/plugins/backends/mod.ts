/** The built-in secret backends, registered exactly as a third-party backend would be. */
import type { BackendPlugin, SecretBackend } from "../../core/secrets.ts";
import { usageError } from "../../core/errors.ts";
import { currentOS, env as envVar, keychainService } from "../../core/paths.ts";
import libsecret from "./libsecret.ts";
import macosKeychain from "./macos.ts";
import windowsCredentialManager from "./windows.ts";
import env from "./env.ts";
import ageFile from "./age_file.ts";
import { trustedBackendPlugin } from "../../core/plugin_backend.ts";

const plugins = new Map<string, BackendPlugin>();

/** Registers a backend plugin (built-in or third-party). */
export function registerBackend(plugin: BackendPlugin): void {
  plugins.set(plugin.id, plugin);
}
for (const p of [libsecret, macosKeychain, windowsCredentialManager, env, ageFile]) registerBackend(p);

export function listBackends(): BackendPlugin[] {
  return [...plugins.values()];
}

/** The OS keychain backend for this OS. */
export function defaultBackendId(): string {
  switch (currentOS()) {
    case "darwin":
      return macosKeychain.id;
    case "windows":
      return windowsCredentialManager.id;
    default:
      return libsecret.id;
  }
}

/**
 * Picks the backend: `--backend` flag, then `MCP_NEXUS_BACKEND`, then the registry setting, then the
 * OS keychain. `auto` means the OS keychain.
 */
export function selectBackend(flag?: string, setting?: string): SecretBackend {
  let id = flag ?? envVar("MCP_NEXUS_BACKEND") ?? setting ?? "auto";
  if (id === "auto") id = defaultBackendId();
  const plugin = plugins.get(id) ?? trustedBackendPlugin(id);
  if (!plugin) {
    throw usageError("E_UNKNOWN_BACKEND", `Unknown secret backend '${id}'.`, {
      hint: `Choose one of: auto, ${[...plugins.keys()].join(", ")}.`,
    });
  }
  if (!plugin.platforms.includes(currentOS())) {
    throw usageError("E_BACKEND_OS", `The ${plugin.label} backend does not run on ${currentOS()}.`, {
      hint: `On this OS use: ${
        listBackends().filter((p) => p.platforms.includes(currentOS())).map((p) => p.id).join(", ")
      }.`,
    });
  }
  return plugin.create({ service: keychainService() });
}
