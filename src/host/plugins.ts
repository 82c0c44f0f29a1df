/**
 * Third-party plugins, from a path on disk to a registered adapter. This is the one place that turns
 * a trusted plugin into something the core runs: the manifest is data (checked against its schema),
 * and the optional code file runs only in a locked-down Worker (src/core/extend/sandbox.ts).
 *
 * Loading never throws: a missing, changed, invalid or hostile plugin becomes one problem (a
 * NexusError naming it and the fix) and every other client still works.
 */
import { join } from "../core/io/path.ts";
import { parse as parseJsonc, type ParseError } from "jsonc-parser";
import type { ClientAdapter, ClientServer, PathContext } from "../core/sync/clients.ts";
import { NexusError, usageError } from "../core/model/errors.ts";
import {
  localPluginPath,
  MANIFEST_FILE,
  readPluginSource,
  readTrust,
  type TrustedPlugin,
  trustPlugin,
  verifyPlugin,
} from "../core/extend/plugin_trust.ts";
import { Sandbox, type SandboxPermissions } from "../core/extend/sandbox.ts";
import {
  type BackendManifest,
  backendManifestProblems,
  expandPermissions,
} from "../core/extend/plugin_backend.ts";
import { adapterFromManifest, type ClientManifest, resolvePaths } from "../plugins/clients/manifest.ts";
import { checkManifest } from "../plugins/clients/manifest_schema.ts";

function invalid(source: string, problems: string[]): NexusError {
  return usageError(
    "E_PLUGIN_INVALID",
    `${source} is not a valid plugin:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    {
      hint: 'See README, "Writing a plugin", and schemas/client-manifest.schema.json.',
      details: { plugin: source, problems },
    },
  );
}

function parseJsoncText(text: string, source: string): unknown {
  const errors: ParseError[] = [];
  const value = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length) throw invalid(source, ["the manifest is not valid JSON/JSONC"]);
  return value;
}

/** Parses a client manifest's JSON/JSONC text and checks it. */
export function parseManifest(text: string, source: string): ClientManifest {
  const value = parseJsoncText(text, source);
  const kind = (value as { kind?: unknown })?.kind;
  if (kind !== undefined && kind !== "client") {
    throw invalid(source, [`\`kind\` ${JSON.stringify(kind)}: a client manifest was expected`]);
  }
  const { manifest, problems } = checkManifest(value);
  if (!manifest) throw invalid(source, problems);
  return manifest;
}

function isClientServer(v: unknown): v is ClientServer {
  if (typeof v !== "object" || v === null) return false;
  const s = v as Record<string, unknown>;
  const strMap = (m: unknown) =>
    typeof m === "object" && m !== null && !Array.isArray(m) &&
    Object.values(m).every((x) => typeof x === "string");
  if (s.transport === "stdio") {
    return typeof s.command === "string" && s.command !== "" && Array.isArray(s.args) &&
      s.args.every((a) => typeof a === "string") && strMap(s.env) &&
      (s.cwd === undefined || typeof s.cwd === "string");
  }
  return (s.transport === "http" || s.transport === "sse") && typeof s.url === "string" && s.url !== "" &&
    strMap(s.headers);
}

/** The adapter for a manifest whose hooks (if any) run in the sandbox. */
export function sandboxedAdapter(manifest: ClientManifest, sandbox: Sandbox | null): ClientAdapter {
  if (!sandbox) return adapterFromManifest(manifest);
  const label = sandbox.label;
  const hooks: Parameters<typeof adapterFromManifest>[1] = {};
  if (sandbox.hooks.includes("render")) {
    hooks.render = (name, server) => {
      const out = sandbox.callSync("render", [name, server]);
      if (typeof out !== "object" || out === null || Array.isArray(out)) {
        throw new NexusError(
          "E_PLUGIN_HOOK",
          `${label}: render returned ${JSON.stringify(out)?.slice(0, 80)}`,
          {
            hint: "render must return the entry as an object.",
          },
        );
      }
      return out as Record<string, unknown>;
    };
  }
  if (sandbox.hooks.includes("parse")) {
    hooks.parse = (name, entry) => {
      try {
        const out = sandbox.callSync("parse", [name, entry]);
        return isClientServer(out) ? out : null;
      } catch {
        return null; // parse never throws: an entry we cannot read is "not ours"
      }
    };
  }
  return adapterFromManifest(manifest, hooks);
}

/** What a backend plugin declares. */
export interface BackendDeclaration {
  id: string;
  kind: "backend";
  name: string;
  platforms: string[];
  /** Exactly what its code may touch (it also sees the secrets it stores). */
  permissions: SandboxPermissions;
}

/** What a plugin declares, for `plugin add` / `plugin validate` / `plugin list`. */
export interface Declaration {
  id: string;
  kind: "client";
  name: string;
  format: string;
  /** Config files it may write on this machine (the only files it can ever change). */
  files: string[];
  servers: string;
  transports: string[];
  /** Code hooks, run with no permissions; empty: pure data. */
  hooks: string[];
  permissions: "none";
  replaces?: string;
}

export function declaration(manifest: ClientManifest, hooks: string[], ctx: PathContext): Declaration {
  return {
    id: manifest.id,
    kind: "client",
    name: manifest.name,
    format: manifest.format,
    files: resolvePaths(ctx, manifest.paths),
    servers: `${manifest.servers.path.join(".")} (${manifest.servers.storage ?? "map"})`,
    transports: manifest.transports,
    hooks,
    permissions: "none",
  };
}

/** A plugin read from PATH and checked, with its sandbox started (caller terminates it). */
export type InspectedPlugin = {
  kind: "client";
  manifest: ClientManifest;
  files: Record<string, Uint8Array>;
  sandbox: Sandbox | null;
  source: string;
} | {
  kind: "backend";
  manifest: BackendManifest;
  files: Record<string, Uint8Array>;
  sandbox: Sandbox;
  source: string;
};

async function inspectBackend(
  value: unknown,
  manifestText: string,
  manifestPath: string,
  dir: string,
): Promise<InspectedPlugin> {
  const problems = backendManifestProblems(value);
  if (problems.length) throw invalid(manifestPath, problems);
  const manifest = value as BackendManifest;
  const name = manifest.module.slice(2);
  let code: Uint8Array;
  try {
    code = await Deno.readFile(join(dir, name));
  } catch {
    throw invalid(manifestPath, [`module: ${join(dir, name)} does not exist`]);
  }
  const sandbox = await Sandbox.start(new TextDecoder().decode(code), {
    label: `backend plugin '${manifest.id}'`,
    permissions: expandPermissions(manifest.permissions),
    allowDeno: true,
    timeoutMs: manifest.timeoutMs ?? 10_000,
  });
  const missing = ["get", "set", "delete", "list", "probe"].filter((h) => !sandbox.hooks.includes(h));
  if (missing.length) {
    sandbox.terminate();
    throw invalid(manifestPath, [`module: must export ${missing.join(", ")}`]);
  }
  return {
    kind: "backend",
    manifest,
    files: { [MANIFEST_FILE]: new TextEncoder().encode(manifestText), [name]: code },
    sandbox,
    source: manifestPath,
  };
}

export function backendDeclaration(m: BackendManifest): BackendDeclaration {
  return {
    id: m.id,
    kind: "backend",
    name: m.label,
    platforms: m.platforms,
    permissions: expandPermissions(m.permissions),
  };
}

/** Reads and checks the plugin at PATH: manifest valid, code (if any) loads in the sandbox. */
export async function inspectPlugin(spec: string): Promise<InspectedPlugin> {
  const path = localPluginPath(spec);
  const { manifestPath, manifestText, dir } = await readPluginSource(path);
  const value = parseJsoncText(manifestText, manifestPath);
  if ((value as { kind?: unknown })?.kind === "backend") {
    return await inspectBackend(value, manifestText, manifestPath, dir);
  }
  const manifest = parseManifest(manifestText, manifestPath);
  const files: Record<string, Uint8Array> = { [MANIFEST_FILE]: new TextEncoder().encode(manifestText) };
  let sandbox: Sandbox | null = null;
  if (manifest.hooks) {
    const name = manifest.hooks.slice(2);
    let code: Uint8Array;
    try {
      code = await Deno.readFile(join(dir, name));
    } catch {
      throw invalid(manifestPath, [`hooks: ${join(dir, name)} does not exist`]);
    }
    files[name] = code;
    sandbox = await Sandbox.start(new TextDecoder().decode(code), { label: `plugin '${manifest.id}'` });
    const unknown = sandbox.hooks.filter((h) => h !== "render" && h !== "parse");
    if (unknown.length || sandbox.hooks.length === 0) {
      sandbox.terminate();
      throw invalid(manifestPath, [
        `hooks: the module must export render and/or parse only (found: ${
          sandbox.hooks.join(", ") || "none"
        })`,
      ]);
    }
  }
  return { kind: "client", manifest, files, sandbox, source: manifestPath };
}

/** `plugin add`: checks, refuses a silent built-in replacement, copies and records the hashes. */
export async function addPlugin(
  spec: string,
  opts: { builtInIds: string[]; builtInBackendIds: string[]; replaceBuiltin?: boolean; ctx: PathContext },
): Promise<{ trust: TrustedPlugin; declares: Declaration | BackendDeclaration; updated: boolean }> {
  const p = await inspectPlugin(spec);
  try {
    const id = p.manifest.id;
    if (p.kind === "backend") {
      if (opts.builtInBackendIds.includes(id) || id === "auto") {
        throw usageError(
          "E_PLUGIN_BUILTIN_ID",
          `Backend plugin '${id}' has the id of a built-in backend; not added.`,
          {
            hint: "Give it its own id.",
            details: { plugin: id },
          },
        );
      }
      const before = (await readTrust()).some((t) => t.id === id);
      const trust = await trustPlugin({
        id,
        kind: "backend",
        source: p.source,
        backend: {
          label: p.manifest.label,
          platforms: p.manifest.platforms,
          description: p.manifest.description,
        },
      }, p.files);
      return { trust, declares: backendDeclaration(p.manifest), updated: before };
    }
    const isBuiltIn = opts.builtInIds.includes(id);
    if (isBuiltIn && !opts.replaceBuiltin) {
      throw usageError("E_PLUGIN_BUILTIN_ID", `Plugin '${id}' has the id of a built-in client; not added.`, {
        hint:
          `Give it its own id, or replace the built-in on purpose: mcp-nexus plugin add ${spec} --replace-builtin`,
        details: { plugin: id },
      });
    }
    const before = (await readTrust()).some((t) => t.id === id);
    const trust = await trustPlugin({
      id,
      kind: "client",
      source: p.source,
      ...(isBuiltIn ? { replaces: id } : {}),
    }, p.files);
    return {
      trust,
      declares: {
        ...declaration(p.manifest, p.sandbox?.hooks ?? [], opts.ctx),
        ...(isBuiltIn ? { replaces: id } : {}),
      },
      updated: before,
    };
  } finally {
    p.sandbox?.terminate();
  }
}

/** A trusted plugin, loaded: the adapter, or why not. */
export interface LoadedPlugin {
  trust: TrustedPlugin;
  adapter?: ClientAdapter;
  problem?: NexusError;
}

/** Loads every trusted client plugin; each failure is reported, never thrown. */
export async function loadTrustedClients(
  builtInIds: string[],
): Promise<{ plugins: LoadedPlugin[]; problems: NexusError[] }> {
  let trusted: TrustedPlugin[];
  try {
    trusted = await readTrust();
  } catch (err) {
    return { plugins: [], problems: [err as NexusError] };
  }
  const plugins: LoadedPlugin[] = [];
  for (const trust of trusted.filter((t) => t.kind === "client")) {
    try {
      const v = await verifyPlugin(trust);
      const manifest = parseManifest(v.texts[MANIFEST_FILE], join(v.dir, MANIFEST_FILE));
      if (manifest.id !== trust.id) throw invalid(trust.id, [`its manifest now says id '${manifest.id}'`]);
      if (builtInIds.includes(manifest.id) && trust.replaces !== manifest.id) {
        throw usageError(
          "E_PLUGIN_BUILTIN_ID",
          `Plugin '${manifest.id}' would replace a built-in client; not loaded.`,
          {
            hint:
              `Re-add it with --replace-builtin if that is what you want, or: mcp-nexus plugin rm ${manifest.id}`,
          },
        );
      }
      let sandbox: Sandbox | null = null;
      if (manifest.hooks) {
        const code = v.texts[manifest.hooks.slice(2)];
        if (code === undefined) {
          throw invalid(trust.id, ["its hooks file was not recorded when it was added"]);
        }
        sandbox = await Sandbox.start(code, { label: `plugin '${manifest.id}'` });
      }
      plugins.push({ trust, adapter: sandboxedAdapter(manifest, sandbox) });
    } catch (err) {
      const problem = err instanceof NexusError
        ? err
        : new NexusError("E_PLUGIN_LOAD", `Plugin '${trust.id}': ${(err as Error)?.message ?? err}`);
      plugins.push({ trust, problem });
    }
  }
  return { plugins, problems: plugins.flatMap((p) => p.problem ? [p.problem] : []) };
}
