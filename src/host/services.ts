/**
 * The composition root's services: the one place that knows the concrete secret backends (the
 * built-in ones and trusted third-party ones) and hands the rest of the program what it asks for.
 *
 * "Select the backend → open the store → resolve references → register the values for masking" is
 * written once, here (`secretServices`); the core receives it as a `SecretServices`
 * (src/core/secrets/services.ts) and never picks a backend itself: the launcher, the bridge, `check`, `sync
 * --secrets inline` (attended and unattended), `server show`, `import`, `install` and `doctor` all
 * get theirs from here.
 *
 * `run` loads this file on its hot path: every module is loaded by a computed specifier, on first use,
 * so that `deno run` does not build the graph of the backends (and the keyring) for a server without
 * secrets. (`deno compile --include src` embeds them all the same.)
 */
import { load } from "../core/model/load.ts";
import type { BackendPlugin, SecretBackend, SecretStore } from "../core/secrets/secrets.ts";
import type { LaunchSecrets, SecretServices } from "../core/secrets/services.ts";
import { isBuiltInBackend, requestedBackend } from "../plugins/backends/ids.ts";

export type { LaunchSecrets, SecretServices };
export { isBuiltInBackend, requestedBackend };

const backendsModule = () =>
  load<typeof import("../plugins/backends/mod.ts")>(import.meta.url, "../plugins/backends/mod.ts");

/**
 * A hidden prompt (an age passphrase). Only a terminal has one: the command hands it in
 * (src/cli/terminal_prompt.ts), so the host never imports the CLI (cli → host → core). It is asked
 * only when someone is at the terminal to answer it.
 */
export type HiddenPrompt = (message: string) => Promise<string>;

/**
 * The backend: `--backend`, then `MCP_NEXUS_BACKEND`, then the registry setting, then the OS
 * keychain; an id that is not built in is looked up among the trusted plugins (`plugin add`).
 */
export async function selectSecretBackend(
  flag?: string,
  setting?: string,
  prompt?: HiddenPrompt,
): Promise<SecretBackend> {
  const backends = await backendsModule();
  const id = backends.requestedBackendId(flag, setting);
  const thirdParty = backends.hasBackend(id)
    ? null
    : (await load<typeof import("../core/extend/plugin_backend.ts")>(
      import.meta.url,
      "../core/extend/plugin_backend.ts",
    ))
      .trustedBackendPlugin(id);
  return backends.selectBackend(flag, setting, {
    thirdParty,
    context: prompt && Deno.stdin.isTerminal() ? { promptHidden: prompt } : {},
  });
}

/** Every backend this program has built in (for `secret backends`, `version`, `plugin add`). */
export async function listSecretBackends(): Promise<BackendPlugin[]> {
  return (await backendsModule()).listBackends();
}

/**
 * The secret services of one command; the backend is selected and opened on first use. `setting` is
 * the registry's `settings.secretBackend`, or how to read it then.
 */
export function secretServices(
  opts: {
    backendFlag?: string;
    setting?: string | (() => Promise<string | undefined>);
    prompt?: HiddenPrompt;
  } = {},
): SecretServices {
  let opened: Promise<SecretStore> | undefined;
  const store = () =>
    opened ??= (async () => {
      const setting = typeof opts.setting === "function" ? await opts.setting() : opts.setting;
      const [backend, { SecretStore }] = await Promise.all([
        selectSecretBackend(opts.backendFlag, setting, opts.prompt),
        load<typeof import("../core/secrets/secrets.ts")>(import.meta.url, "../core/secrets/secrets.ts"),
      ]);
      return new SecretStore(backend);
    })();
  const resolveSecrets = async (names: string[]) => {
    if (names.length === 0) return new Map<string, string | null>();
    const [s, { registerSecret }] = await Promise.all([
      store(),
      load<typeof import("../core/secrets/redact.ts")>(import.meta.url, "../core/secrets/redact.ts"),
    ]);
    const found = await s.getMany(names);
    for (const v of found.values()) if (v) registerSecret(v);
    return found;
  };
  return {
    store,
    resolveSecrets,
    async resolveServer(name, server) {
      const { collectReferences, resolveServer } = await load<typeof import("../core/model/references.ts")>(
        import.meta.url,
        "../core/model/references.ts",
      );
      if (collectReferences(server, name).length === 0) return structuredClone(server);
      const s = await store();
      // the env backend is read-only: a missing secret is a variable to set, not a 'secret set'
      const { envVarFor } = await load<typeof import("../core/secrets/secrets.ts")>(
        import.meta.url,
        "../core/secrets/secrets.ts",
      );
      const hint = s.backend.id === "env"
        ? (n: string) => `Set ${envVarFor(n)} (the env backend is selected).`
        : undefined;
      return await resolveServer(server, name, resolveSecrets, hint);
    },
  };
}

/**
 * The launcher's store (`run`): the Secret Service fast path where it applies
 * (src/plugins/backends/launch_store.ts), this module's store otherwise and whenever it is unsure.
 */
export function launchSecrets(
  opts: { backendFlag?: string; setting?: string; prompt?: HiddenPrompt } = {},
): LaunchSecrets {
  return {
    async open() {
      const { openLaunchStore } = await load<typeof import("../plugins/backends/launch_store.ts")>(
        import.meta.url,
        "../plugins/backends/launch_store.ts",
      );
      return await openLaunchStore(opts.backendFlag, opts.setting, () => secretServices(opts).store());
    },
  };
}

/**
 * The secret services of a command that has the registry at hand only by name: its
 * `settings.secretBackend` is read (on first use) when neither `--backend` nor MCP_NEXUS_BACKEND
 * chooses. A registry that does not load must not keep anyone from managing secrets: the OS default
 * then.
 */
export function registrySecretServices(backendFlag?: string, prompt?: HiddenPrompt): SecretServices {
  return secretServices({
    backendFlag,
    prompt,
    setting: async () => {
      if (backendFlag || Deno.env.get("MCP_NEXUS_BACKEND")) return undefined;
      const { loadRegistry } = await load<typeof import("../core/model/registry.ts")>(
        import.meta.url,
        "../core/model/registry.ts",
      );
      return await loadRegistry().then((r) => r.settings.secretBackend, () => undefined);
    },
  });
}
