/**
 * Declarative client adapters: a JSON manifest (schema: schemas/client-manifest.schema.json) turned
 * into a ClientAdapter. Built-ins (cursor, windsurf, claude-code, claude-desktop, vscode) and
 * third-party plugins go through this same function; a third-party plugin's optional code hooks
 * (render/parse) run in a permissionless Worker (src/core/extend/sandbox.ts) and are passed in here as plain
 * functions.
 *
 * Path templates: segments joined with `/` (written with the OS's separator), `~` or `{home}` for the
 * home directory, `{xdgConfig}`, `{appData}`, `{localAppData}`, `${VAR}` for an environment variable
 * (a candidate with an unset variable is dropped), `*` inside one segment to match directory entries
 * (`Claude_*`). A list item that is itself a list means "the first of these that resolves".
 */
import { posixPath } from "../../ports/path.ts";
import type { ClientAdapter, ClientServer, ConfigFormat, PathContext } from "../../ports/clients.ts";
import { installed, joiner, jsonEntryShape, type Transport } from "./common.ts";

/** A list of candidates, or one list per OS (`default` for the others). */
export type PathList = Array<string | string[]>;
export type PathSpec = PathList | {
  linux?: PathList;
  darwin?: PathList;
  windows?: PathList;
  default?: PathList;
};

export interface EntrySpec {
  /** `type` written on stdio entries; omitted when absent. */
  stdioType?: string;
  /** Remote transports the file can take, each with its `type` value (null: no `type` written). */
  remote?: { http?: string | null; sse?: string | null };
  /** More `type` values understood when reading. */
  typeAliases?: Record<string, Transport>;
  /** Keys that may hold the type (first present wins). @default ["type"] */
  typeKeys?: string[];
  /** Key of a remote server's URL. @default "url" */
  urlKey?: string;
  /** More keys the URL is read from. */
  urlAliases?: string[];
  /** The client honours `cwd` on stdio servers. */
  cwd?: boolean;
  /** `string`: `command` + `args`; `array`: `command: [cmd, ...args]`. @default "string" */
  command?: "string" | "array";
  /** Key names of the environment map, the arguments and the headers. */
  envKey?: string;
  argsKey?: string;
  headersKey?: string;
  /** Fields written on every entry (`{"disabled": false}`) and ignored when reading. */
  fixed?: Record<string, string | number | boolean | null>;
}

export interface ClientManifest {
  $schema?: string;
  kind?: "client";
  id: string;
  name: string;
  format: ConfigFormat;
  paths: PathSpec;
  servers: { path: string[]; storage?: "map" | "array" };
  transports: Transport[];
  entry?: EntrySpec;
  /** How the client expands an environment variable: a template where `NAME` stands for it. */
  interpolation?: { template: string; scope?: "anywhere" | "whole-value" };
  detect?: {
    paths?: PathSpec;
    commands?: string[];
    apps?: string[];
    /** Windows per-user installs under `%LOCALAPPDATA%\\Programs`. */
    windowsPrograms?: string[];
    /** Linux desktop entries (`cursor.desktop`). */
    desktopEntries?: string[];
  };
  /** What this manifest was last checked against (shown by `client list --json`). */
  checked?: { version: string; docs: string; date: string };
  /** The client's per-repository file (`sync --project DIR`), relative to the project directory. */
  project?: { path: string[]; serversPath?: string[]; format?: ConfigFormat; emptyFile?: string };
  docs?: string;
  notes?: string;
  emptyFile?: string;
  /** Third-party only: a JavaScript module (relative to the manifest) with `render`/`parse` hooks. */
  hooks?: string;
}

/** Hooks a plugin supplies in code (already sandboxed by the caller). */
export interface ManifestHooks {
  render?: (name: string, server: ClientServer) => Record<string, unknown>;
  parse?: (name: string, entry: unknown) => ClientServer | null;
}

function listFor(ctx: PathContext, spec: PathSpec | undefined): PathList {
  if (spec === undefined) return [];
  if (Array.isArray(spec)) return spec;
  return spec[ctx.os] ?? spec.default ?? [];
}

/** One template's paths (a `*` segment can give several), or [] when a variable is unset. */
export function expandTemplate(ctx: PathContext, template: string): string[] {
  const join = joiner(ctx);
  const segments = template.split("/");
  let bases: string[] = [""];
  for (let i = 0; i < segments.length; i++) {
    let seg = segments[i];
    if (i === 0 && seg === "~") seg = ctx.home;
    let unset = false;
    seg = seg.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const v = ctx.env(name);
      if (v === undefined) unset = true;
      return v ?? "";
    }).replace(
      /\{(home|xdgConfig|appData|localAppData)\}/g,
      (_, k: string) =>
        k === "home"
          ? ctx.home
          : k === "xdgConfig"
          ? ctx.xdgConfigHome
          : k === "appData"
          ? ctx.appData
          : ctx.localAppData,
    );
    if (unset) return [];
    if (i === 0 && seg === "" && segments.length > 1) {
      bases = ["/"]; // an absolute POSIX template
      continue;
    }
    if (seg.includes("*")) {
      const [prefix, suffix] = [seg.slice(0, seg.indexOf("*")), seg.slice(seg.lastIndexOf("*") + 1)];
      bases = bases.flatMap((b) =>
        ctx.list(b).filter((n) => n.startsWith(prefix) && n.endsWith(suffix) && n.length >= prefix.length)
          .map((n) => join(b, n))
      );
    } else {
      bases = bases.map((b) => b === "" ? seg : join(b, seg));
    }
  }
  return bases.filter((b) => b !== "");
}

/** Every candidate path of a spec on this machine, in order. */
export function resolvePaths(ctx: PathContext, spec: PathSpec | undefined): string[] {
  const out: string[] = [];
  for (const item of listFor(ctx, spec)) {
    if (typeof item === "string") out.push(...expandTemplate(ctx, item));
    else {
      for (const alt of item) {
        const got = expandTemplate(ctx, alt);
        if (got.length) {
          out.push(...got);
          break;
        }
      }
    }
  }
  return out;
}

function rename(entry: Record<string, unknown>, from: string, to: string | undefined) {
  if (to === undefined || to === from || !(from in entry)) return entry;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entry)) out[k === from ? to : k] = v;
  return out;
}

/** render/parse of a manifest's entry shape: the common JSON shape, with keys renamed as declared. */
export function entryShape(manifest: Pick<ClientManifest, "name" | "entry">): {
  render(name: string, server: ClientServer): Record<string, unknown>;
  parse(name: string, entry: unknown): ClientServer | null;
} {
  const e = manifest.entry ?? {};
  const base = jsonEntryShape({
    client: manifest.name,
    stdioType: e.stdioType,
    remote: e.remote,
    typeAliases: e.typeAliases,
    typeKeys: e.typeKeys,
    urlKey: e.urlKey,
    urlAliases: e.urlAliases,
    cwd: e.cwd,
  });
  const renames: Array<[string, string | undefined]> = [
    ["env", e.envKey],
    ["args", e.argsKey],
    ["headers", e.headersKey],
  ];
  const plain = e.command !== "array" && renames.every(([, to]) => to === undefined) && !e.fixed;
  if (plain) return base;
  return {
    render(name, server) {
      let out = base.render(name, server);
      if (e.command === "array" && server.transport === "stdio") {
        const { args: _args, ...rest } = out;
        out = { ...rest, command: [server.command, ...server.args] };
      }
      for (const [from, to] of renames) out = rename(out, from, to);
      return { ...out, ...(e.fixed ?? {}) };
    },
    parse(name, entry) {
      if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return null;
      let raw = { ...(entry as Record<string, unknown>) };
      for (const k of Object.keys(e.fixed ?? {})) delete raw[k];
      for (const [from, to] of renames) {
        if (to !== undefined && to !== from) {
          if (from in raw && !(to in raw)) return null; // the client's key is not `from`
          raw = rename(raw, to, from);
        }
      }
      if (e.command === "array" && raw.command !== undefined) {
        if (!Array.isArray(raw.command) || raw.command.length === 0 || raw.args !== undefined) return null;
        const [command, ...args] = raw.command;
        raw = { ...raw, command, args };
      }
      return base.parse(name, raw);
    },
  };
}

/** The adapter a manifest describes (hooks, when given, replace the declarative render/parse). */
export function adapterFromManifest(manifest: ClientManifest, hooks: ManifestHooks = {}): ClientAdapter {
  const shape = entryShape(manifest);
  const interpolation = manifest.interpolation;
  const detect = manifest.detect ?? {};
  return {
    id: manifest.id,
    name: manifest.name,
    format: manifest.format,
    paths: (ctx) => resolvePaths(ctx, manifest.paths),
    serversPath: [...manifest.servers.path],
    ...(manifest.servers.storage ? { storage: manifest.servers.storage } : {}),
    transports: [...manifest.transports],
    render: hooks.render ?? shape.render,
    parse: hooks.parse ?? shape.parse,
    ...(interpolation
      ? {
        envInterpolation: (v: string) => interpolation.template.replaceAll("NAME", v),
        ...(interpolation.scope ? { envInterpolationScope: interpolation.scope } : {}),
      }
      : {}),
    ...(manifest.entry?.cwd ? { supportsCwd: true } : {}),
    detect: (ctx) =>
      installed(ctx, {
        paths: resolvePaths(ctx, detect.paths),
        commands: detect.commands,
        apps: detect.apps?.map((a) => posixPath.basename(a)),
        windowsPrograms: detect.windowsPrograms,
        desktopEntries: detect.desktopEntries,
      }),
    ...(manifest.checked ? { checked: { ...manifest.checked } } : {}),
    ...(manifest.project ? { project: structuredClone(manifest.project) } : {}),
    ...(manifest.docs ? { docs: manifest.docs } : {}),
    ...(manifest.notes ? { notes: manifest.notes } : {}),
    ...(manifest.emptyFile !== undefined ? { emptyFile: manifest.emptyFile } : {}),
  };
}
