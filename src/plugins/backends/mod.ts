/** The built-in secret backends, registered exactly as a third-party backend would be. */
import type { BackendPlugin, SecretBackend } from "../../core/secrets.ts";
import { usageError } from "../../core/errors.ts";
import { join } from "node:path";
import { currentOS, env as envVar, keychainService, nexusHome } from "../../core/paths.ts";
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
  create: () =>
    lazyBackend(
      "age-file",
      "age-encrypted file",
      () => import("./age_file.ts").then((m) => m.ageFileStore()),
    ),
};
for (const p of [libsecret, macosKeychain, windowsCredentialManager, env, ageFile]) registerBackend(p);

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
 * Picks the backend: `--backend` flag, then `MCP_NEXUS_BACKEND`, then the registry setting, then the
 * OS keychain. `auto` means the OS keychain.
 */
export function selectBackend(flag?: string, setting?: string): SecretBackend {
  let id = flag ?? envVar("MCP_NEXUS_BACKEND") ?? setting ?? "auto";
  if (id === "auto") id = defaultBackendId();
  const plugin = plugins.get(id) ?? trustedBackend(id);
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

/**
 * A trusted third-party backend (`mcp-nexus plugin add`), known from the trust file alone; its module
 * (src/core/plugin_backend.ts: hash check, sandboxed Worker) is loaded on first use, so selecting a
 * built-in backend costs nothing extra.
 */
function trustedBackend(id: string): BackendPlugin | null {
  let entry: { id?: unknown; kind?: unknown; backend?: { label?: unknown; platforms?: unknown } } | undefined;
  try {
    const data = JSON.parse(Deno.readTextFileSync(join(nexusHome(), "plugins", "trust.json")));
    entry = Array.isArray(data?.plugins)
      ? data.plugins.find((p: { id?: unknown; kind?: unknown }) => p?.id === id && p?.kind === "backend")
      : undefined;
  } catch {
    return null;
  }
  if (!entry) return null;
  const label = typeof entry.backend?.label === "string" ? entry.backend.label : id;
  const platforms = Array.isArray(entry.backend?.platforms)
    ? entry.backend.platforms.filter((p): p is "linux" | "darwin" | "windows" =>
      p === "linux" || p === "darwin" || p === "windows"
    )
    : [];
  return {
    id,
    label,
    platforms,
    description: "third-party plugin",
    create: (ctx) =>
      lazyBackend(id, label, () =>
        import("../../core/plugin_backend.ts").then((m) => {
          const plugin = m.trustedBackendPlugin(id);
          if (!plugin) {
            throw usageError("E_UNKNOWN_BACKEND", `Backend plugin '${id}' is no longer installed.`);
          }
          return plugin.create(ctx);
        })),
  };
}
