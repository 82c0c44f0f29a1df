/** The built-in secret backends, registered exactly as a third-party backend would be. */
import type { BackendContext, BackendPlugin, SecretBackend } from "../../ports/secrets.ts";
import { usageError } from "../../ports/errors.ts";
import { currentOS, keychainService } from "../../ports/paths.ts";
import { BUILT_IN_BACKEND_IDS, requestedBackend } from "./ids.ts";
import libsecret from "./libsecret.ts";
import macosKeychain from "./macos.ts";
import windowsCredentialManager from "./windows.ts";
import env from "./env.ts";

const plugins = new Map<string, BackendPlugin>();

/** Registers a backend plugin (built-in or third-party). */
export function registerBackend(plugin: BackendPlugin): void {
  plugins.set(plugin.id, plugin);
}
/** `age-file` (src/plugins/backends/age_file.ts), loaded on first use: the launcher's start-up stays as it was. */
const ageFile: BackendPlugin = {
  id: "age-file",
  label: "age-encrypted file",
  platforms: ["linux", "darwin", "windows"],
  description: "an age-encrypted file (key file or passphrase): SSH, WSL, containers without a keychain",
  create: (ctx) =>
    lazyBackend(
      "age-file",
      "age-encrypted file",
      () =>
        (import(new URL("./age_file.ts", import.meta.url).href) as Promise<typeof import("./age_file.ts")>)
          .then((m) => m.ageFileStore({ prompt: ctx.promptHidden ?? null })),
    ),
};
for (const p of [libsecret, macosKeychain, windowsCredentialManager, env, ageFile]) {
  if (!(BUILT_IN_BACKEND_IDS as readonly string[]).includes(p.id)) {
    throw new Error(`built-in backend '${p.id}' is missing from src/plugins/backends/ids.ts`);
  }
  registerBackend(p);
}

/** A backend whose implementation is imported on its first call. */
function lazyBackend(id: string, label: string, load: () => Promise<SecretBackend>): SecretBackend {
  let real: Promise<SecretBackend> | undefined;
  const backend = () => real ??= load();
  return {
    id,
    label,
    writable: true,
    usesKeysIndex: false,
    get: async (name) => (await backend()).get(name),
    set: async (name, value) => (await backend()).set(name, value),
    delete: async (name) => (await backend()).delete(name),
    list: async (candidates) => (await backend()).list(candidates),
    probe: async () => (await backend()).probe(),
  };
}

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
 * The backend id asked for: `--backend` flag, then `MCP_NEXUS_BACKEND`, then the registry setting,
 * then the OS keychain (`auto` means the OS keychain).
 */
export function requestedBackendId(flag?: string, setting?: string): string {
  const id = requestedBackend(flag, setting);
  return id === "auto" ? defaultBackendId() : id;
}

/** Whether `id` is registered here (a built-in, or one registered by the host). */
export function hasBackend(id: string): boolean {
  return plugins.has(id);
}

/**
 * Picks the backend (see `requestedBackendId`). A third-party backend is not known here: the host
 * (src/host/services.ts) looks it up among the trusted plugins and passes it as `thirdParty`, with
 * what the backend may use (`context`: a hidden prompt when someone is at a terminal).
 */
export function selectBackend(
  flag?: string,
  setting?: string,
  opts: { thirdParty?: BackendPlugin | null; context?: Omit<BackendContext, "service"> } = {},
): SecretBackend {
  const id = requestedBackendId(flag, setting);
  const plugin = plugins.get(id) ?? (opts.thirdParty?.id === id ? opts.thirdParty : undefined);
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
  return plugin.create({ ...opts.context, service: keychainService() });
}
