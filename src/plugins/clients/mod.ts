/**
 * The client adapters: the built-ins, registered through `registerClient` exactly as a third-party
 * plugin is, and `loadClientPlugin` for a trusted local module (tests, embedding). A later
 * registration with the same id replaces the earlier one, except a built-in: replacing one must be
 * asked for (`{ replaceBuiltIn: true }`). Third-party plugins reach users through `mcp-nexus plugin
 * add` (manifests, sandboxed hooks: src/host/plugins.ts), never through an import here.
 */
import { isAbsolute, resolve, toFileUrl } from "../../ports/path.ts";
import type { ClientAdapter, ClientPlugin } from "../../ports/clients.ts";
import { NexusError, usageError } from "../../ports/errors.ts";
import claudeCode from "./claude-code.ts";
import claudeDesktop from "./claude-desktop.ts";
import cline from "./cline.ts";
import codex from "./codex.ts";
import continueClient from "./continue.ts";
import cursor from "./cursor.ts";
import geminiCli from "./gemini-cli.ts";
import goose from "./goose.ts";
import lmStudio from "./lm-studio.ts";
import opencode from "./opencode.ts";
import vscode from "./vscode.ts";
import windsurf from "./windsurf.ts";
import zed from "./zed.ts";
import qwenCode from "./qwen-code.ts";
import kilo from "./kilo.ts";
import amp from "./amp.ts";
import copilotCli from "./copilot-cli.ts";
import factoryDroid from "./factory-droid.ts";
import qoder from "./qoder.ts";
import auggie from "./auggie.ts";
import crush from "./crush.ts";
import windsurfJetbrains from "./windsurf-jetbrains.ts";

const adapters = new Map<string, ClientAdapter>();

const FORMATS = ["json", "jsonc", "toml", "yaml"];
const TRANSPORTS = ["stdio", "http", "sse"];
const ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * The problems with a would-be adapter, one line each (empty: it is valid). Checks the shape only;
 * what its hooks return is the plugin's business.
 */
export function adapterProblems(value: unknown): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return ["it is not an object (export a ClientAdapter record, or a function returning one)"];
  }
  const a = value as Record<string, unknown>;
  const problems: string[] = [];
  const need = (ok: boolean, message: string) => ok || problems.push(message);
  need(
    typeof a.id === "string" && ID.test(a.id),
    "`id` must be lower-case words joined by dashes (`my-client`)",
  );
  need(typeof a.name === "string" && a.name.trim() !== "", "`name` must be a non-empty string");
  need(FORMATS.includes(a.format as string), `\`format\` must be one of ${FORMATS.join(", ")}`);
  need(
    Array.isArray(a.serversPath) && a.serversPath.length > 0 &&
      a.serversPath.every((k) => typeof k === "string" && k !== ""),
    '`serversPath` must be a non-empty array of keys (`["mcpServers"]`)',
  );
  need(
    a.storage === undefined || a.storage === "map" || a.storage === "array",
    '`storage` must be "map" or "array"',
  );
  need(
    Array.isArray(a.transports) && a.transports.length > 0 &&
      a.transports.every((t) => TRANSPORTS.includes(t as string)),
    `\`transports\` must be a non-empty array of ${TRANSPORTS.join(", ")}`,
  );
  for (const hook of ["paths", "render", "parse", "detect"]) {
    need(typeof a[hook] === "function", `\`${hook}\` must be a function`);
  }
  need(
    a.envInterpolation === undefined || typeof a.envInterpolation === "function",
    "`envInterpolation` must be a function when present",
  );
  const checked = a.checked as Record<string, unknown> | undefined;
  need(
    checked === undefined ||
      (typeof checked === "object" && checked !== null &&
        ["version", "docs", "date"].every((k) => typeof checked[k] === "string")),
    "`checked` must be {version, docs, date} strings when present",
  );
  const project = a.project as Record<string, unknown> | undefined;
  need(
    project === undefined ||
      (typeof project === "object" && project !== null && Array.isArray(project.path) &&
        project.path.length > 0 &&
        project.path.every((k) => typeof k === "string" && k !== "" && k !== ".." && !/[\\/]/.test(k))),
    '`project.path` must be a non-empty array of path segments without "/" or ".." (`[".cursor", "mcp.json"]`)',
  );
  need(
    a.formats === undefined ||
      (Array.isArray(a.formats) &&
        a.formats.every((f) => typeof f?.id === "string" && typeof f?.matches === "function")),
    "`formats` must be a list of {id, matches(data)} when present",
  );
  need(
    a.unknownFormat === undefined || typeof a.unknownFormat === "function",
    "`unknownFormat` must be a function when present",
  );
  for (const text of ["docs", "emptyFile", "notes"]) {
    need(a[text] === undefined || typeof a[text] === "string", `\`${text}\` must be a string when present`);
  }
  return problems;
}

function invalidPlugin(source: string, problems: string[]): NexusError {
  return usageError(
    "E_CLIENT_PLUGIN_INVALID",
    `${source} is not a valid client adapter:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    {
      hint:
        "See src/ports/clients.ts for the ClientAdapter interface (the built-ins in src/plugins/clients are examples).",
      details: { plugin: source, problems },
    },
  );
}

/** Resolves a plugin (calling a factory) and checks its shape. */
function materialize(plugin: ClientPlugin, source: string): ClientAdapter {
  let adapter: unknown = plugin;
  if (typeof plugin === "function") {
    try {
      adapter = plugin();
    } catch (err) {
      throw new NexusError(
        "E_CLIENT_PLUGIN_INVALID",
        `${source}: the adapter factory threw: ${(err as Error)?.message ?? err}`,
        { hint: "Fix the plugin's factory function.", details: { plugin: source }, cause: err },
      );
    }
  }
  const problems = adapterProblems(adapter);
  if (problems.length) throw invalidPlugin(source, problems);
  return adapter as ClientAdapter;
}

const builtIns = new Set<string>();
const builtInAdapters = new Set<ClientAdapter>();

/** True for a built-in adapter itself (not a plugin, not a replacement, not a project view of one). */
export function isBuiltInAdapter(adapter: ClientAdapter): boolean {
  return builtInAdapters.has(adapter);
}

/** The ids of the built-in clients. */
export function builtInClientIds(): string[] {
  return [...builtIns];
}

function refuseBuiltIn(adapter: ClientAdapter, source: string, opts: { replaceBuiltIn?: boolean }): void {
  if (builtIns.has(adapter.id) && !opts.replaceBuiltIn) {
    throw usageError("E_PLUGIN_BUILTIN_ID", `${source} has the id of the built-in client '${adapter.id}'.`, {
      hint:
        "Give the plugin its own id (replacing a built-in must be asked for: plugin add --replace-builtin).",
      details: { plugin: source, client: adapter.id },
    });
  }
}

/**
 * Registers a client adapter (built-in or third-party), or a factory for one. Returns the adapter.
 * A built-in id is replaced only with `{ replaceBuiltIn: true }`.
 */
export function registerClient(plugin: ClientPlugin, opts: { replaceBuiltIn?: boolean } = {}): ClientAdapter {
  const source = typeof plugin === "function" ? "client plugin" : `client '${plugin?.id}'`;
  const adapter = materialize(plugin, source);
  refuseBuiltIn(adapter, source, opts);
  adapters.set(adapter.id, adapter);
  return adapter;
}

for (
  const builtIn of [
    claudeDesktop,
    claudeCode,
    cursor,
    windsurf,
    vscode,
    geminiCli,
    codex,
    zed,
    cline,
    opencode,
    continueClient,
    goose,
    lmStudio,
    qwenCode,
    kilo,
    amp,
    copilotCli,
    factoryDroid,
    qoder,
    auggie,
    crush,
    windsurfJetbrains,
  ]
) {
  const adapter = registerClient(builtIn);
  builtIns.add(adapter.id);
  builtInAdapters.add(adapter);
}

/** Every registered adapter, in registration order (built-ins first). */
export function listClients(): ClientAdapter[] {
  return [...adapters.values()];
}

/** The adapter with this id; an unknown id is a usage error listing the valid ones. */
export function getClient(id: string): ClientAdapter {
  const adapter = adapters.get(id);
  if (!adapter) {
    throw usageError("E_UNKNOWN_CLIENT", `Unknown client '${id}'.`, {
      hint: `Choose one of: ${[...adapters.keys()].join(", ")}.`,
      details: { client: id },
    });
  }
  return adapter;
}

/**
 * A module specifier for `import()`: local files only (paths relative to the cwd, or `file:` URLs).
 * `https:`, `npm:`, `jsr:` and `data:` are refused: nothing is fetched, deno.lock is never touched.
 */
function toSpecifier(specifier: string): string {
  if (/^file:/i.test(specifier)) return specifier;
  if (/^[a-z][a-z0-9+.-]+:/i.test(specifier) && !/^[a-z]:[\\/]/i.test(specifier)) {
    throw usageError(
      "E_PLUGIN_REMOTE",
      `Refusing plugin '${specifier}': only local files can be plugins (no https:, npm:, jsr: or data:).`,
      {
        hint: "Download and read it first, then: mcp-nexus plugin add ./plugin.json",
        details: { plugin: specifier },
      },
    );
  }
  return toFileUrl(isAbsolute(specifier) ? specifier : resolve(specifier)).href;
}

/**
 * Imports a third-party client plugin module (a file path or URL) and registers its default export
 * (a ClientAdapter, or a function returning one) after checking its shape.
 */
export async function loadClientPlugin(
  specifier: string,
  opts: { replaceBuiltIn?: boolean } = {},
): Promise<ClientAdapter> {
  const url = toSpecifier(specifier);
  let mod: Record<string, unknown>;
  try {
    mod = await import(url);
  } catch (err) {
    throw new NexusError(
      "E_CLIENT_PLUGIN_LOAD",
      `Cannot load client plugin ${specifier}: ${(err as Error)?.message ?? err}`,
      {
        hint: "Check the path or URL, and that the module is valid TypeScript/JavaScript.",
        details: { plugin: specifier },
        cause: err,
      },
    );
  }
  if (!("default" in mod) || mod.default === undefined) {
    throw invalidPlugin(specifier, [
      "the module has no default export (export default a ClientAdapter, or a function returning one)",
    ]);
  }
  const adapter = materialize(mod.default as ClientPlugin, specifier);
  refuseBuiltIn(adapter, specifier, opts);
  adapters.set(adapter.id, adapter);
  return adapter;
}
