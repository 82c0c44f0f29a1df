/**
 * Small helpers shared by the built-in client adapters: OS-aware path joining, install detection,
 * lenient readers for entry fields, and `jsonEntryShape`, the render/parse pair for the common
 * "`command`/`args`/`env` or `url`/`headers`" entry (Claude, Cursor, VS Code, Cline, …). An adapter
 * describes its quirks as options here instead of repeating the same code.
 *
 * These helpers are for built-in adapters only; a third-party plugin may use them, but they are not
 * part of the plugin interface (src/ports/clients.ts).
 */
import { pathFor, posixPath } from "../../ports/path.ts";
import type { ClientServer, PathContext } from "../../ports/clients.ts";
import { NexusError } from "../../ports/errors.ts";

export type Transport = ClientServer["transport"];
export type RemoteTransport = Exclude<Transport, "stdio">;

/** `join` for the context's OS (so a Windows context built on Linux still gets `\` paths). */
export function joiner(ctx: PathContext): (...parts: string[]) => string {
  return pathFor(ctx.os).join;
}

/** `dirname` for the context's OS. */
export function dirOf(ctx: PathContext, path: string): string {
  return pathFor(ctx.os).dirname(path);
}

/** Signals that a client is installed. Each is checked only until one is found. */
export interface InstallSignals {
  /** Files or directories whose existence means the client is (or was) installed. */
  paths?: string[];
  /** Commands on PATH (`claude`, `code`…). */
  commands?: string[];
  /** macOS app bundles under /Applications or ~/Applications (`Cursor.app`); ignored on other OSes. */
  apps?: string[];
  /** Windows per-user installs under `%LOCALAPPDATA%\Programs` (`cursor`, `Microsoft VS Code`). */
  windowsPrograms?: string[];
  /** Linux desktop entries (`cursor.desktop`) in ~/.local/share/applications or /usr/share/applications. */
  desktopEntries?: string[];
}

/** Where installed apps are, per OS: the places `apps`, `windowsPrograms` and `desktopEntries` name. */
function appLocations(ctx: PathContext, signals: InstallSignals): string[] {
  switch (ctx.os) {
    case "darwin":
      return (signals.apps ?? []).flatMap((a) => [
        posixPath.join("/Applications", a),
        posixPath.join(ctx.home, "Applications", a),
      ]);
    case "windows":
      return (signals.windowsPrograms ?? []).map((p) =>
        pathFor("windows").join(ctx.localAppData, "Programs", p)
      );
    default:
      return (signals.desktopEntries ?? []).flatMap((d) => [
        posixPath.join(
          ctx.env("XDG_DATA_HOME") ?? posixPath.join(ctx.home, ".local", "share"),
          "applications",
          d,
        ),
        posixPath.join("/usr/share/applications", d),
      ]);
  }
}

/**
 * True if any signal is present: a config file or folder, an installed app (bundle, per-user program
 * folder, desktop entry), or a command on PATH. Cheap: a few stat calls and a PATH scan.
 */
export function installed(ctx: PathContext, signals: InstallSignals): boolean {
  if ((signals.paths ?? []).some((p) => ctx.exists(p))) return true;
  if (appLocations(ctx, signals).some((p) => ctx.exists(p))) return true;
  return (signals.commands ?? []).some((c) => ctx.which(c) !== null);
}

/** A plain object (not an array, not null). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function scalarString(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v); // YAML `- 8080`, VS Code env numbers
  return null;
}

/** A list of strings (numbers and booleans are accepted as text); absent → []; anything else → null. */
export function stringList(v: unknown): string[] | null {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return null;
  const out: string[] = [];
  for (const item of v) {
    const s = scalarString(item);
    if (s === null) return null;
    out.push(s);
  }
  return out;
}

/**
 * A map of strings (numbers and booleans accepted as text; `null` values, VS Code's "unset", are
 * dropped); absent → {}; anything else → null.
 */
export function stringMap(v: unknown): Record<string, string> | null {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) return null;
  const out: Array<[string, string]> = [];
  for (const [k, raw] of Object.entries(v)) {
    if (raw === null) continue;
    const s = scalarString(raw);
    if (s === null) return null;
    out.push([k, s]);
  }
  return Object.fromEntries(out);
}

/** A non-empty string, or null. */
export function nonEmptyString(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}

/** `{key: value}` when the value is non-empty (array, map or string), else `{}`: for spreading into an entry. */
export function ifNonEmpty(key: string, value: unknown[] | Record<string, unknown> | string | undefined) {
  if (value === undefined || value === "") return {};
  if (
    Array.isArray(value) ? value.length === 0 : typeof value === "object" && Object.keys(value).length === 0
  ) {
    return {};
  }
  return { [key]: value };
}

/** The error for a render call with a transport the adapter did not declare (a bug in the caller). */
export function unsupportedTransport(client: string, transport: string): NexusError {
  return new NexusError(
    "E_CLIENT_TRANSPORT",
    `The ${client} adapter cannot render a ${transport} server (it is not in its transports).`,
    { hint: "This is a bug in mcp-nexus or in the client plugin; please report it." },
  );
}

/** Options of the common JSON-style entry shape. */
export interface EntryShapeOptions {
  /** Display name, for errors. */
  client: string;
  /** `type` written on stdio entries (`"stdio"`); omitted from the entry when undefined. */
  stdioType?: string;
  /**
   * The remote transports this shape can write, each with the `type` value written for it
   * (`null`: the entry has no `type`, the client detects the transport). A transport not listed
   * cannot be rendered.
   */
  remote?: Partial<Record<RemoteTransport, string | null>>;
  /** Extra `type` values understood on parse (`{"streamable-http": "http"}`). */
  typeAliases?: Record<string, Transport>;
  /** Transport of a remote entry that has no `type`. @default the one rendered with a `null` type, else "http" */
  untypedRemote?: RemoteTransport;
  /** Key holding a remote server's URL. @default "url" */
  urlKey?: string;
  /** Also read the URL from these keys on parse (`["url"]` for Windsurf's `serverUrl`). */
  urlAliases?: string[];
  /** Keys that may hold the type (first present wins). @default ["type"] */
  typeKeys?: string[];
  /** The client honours `cwd` on stdio servers. @default false */
  cwd?: boolean;
  /** Write `args` even when empty (`"args": []`): the client's schema requires it (Zed). @default false */
  alwaysArgs?: boolean;
}

/** render/parse for `{type?, command, args, env, cwd?}` / `{type?, url, headers}` entries. */
export function jsonEntryShape(opts: EntryShapeOptions): {
  render(name: string, server: ClientServer): Record<string, unknown>;
  parse(name: string, entry: unknown): ClientServer | null;
} {
  const remote = opts.remote ?? {};
  const urlKey = opts.urlKey ?? "url";
  const urlKeys = [urlKey, ...(opts.urlAliases ?? [])];
  const typeKeys = opts.typeKeys ?? ["type"];
  const untyped: RemoteTransport | undefined = opts.untypedRemote ??
    (Object.entries(remote).find(([, t]) => t === null)?.[0] as RemoteTransport | undefined) ?? "http";
  const byType = new Map<string, Transport>();
  for (const [transport, type] of Object.entries(remote)) {
    if (typeof type === "string") byType.set(type, transport as Transport);
  }
  if (opts.stdioType) byType.set(opts.stdioType, "stdio");
  for (const [alias, transport] of Object.entries(opts.typeAliases ?? {})) {
    if (!byType.has(alias)) byType.set(alias, transport);
  }
  const remoteWritable = Object.keys(remote).length > 0;

  return {
    render(_name, server) {
      if (server.transport === "stdio") {
        return {
          ...(opts.stdioType ? { type: opts.stdioType } : {}),
          command: server.command,
          ...(opts.alwaysArgs ? { args: server.args } : ifNonEmpty("args", server.args)),
          ...ifNonEmpty("env", server.env),
          ...(opts.cwd ? ifNonEmpty("cwd", server.cwd) : {}),
        };
      }
      const type = remote[server.transport];
      if (type === undefined) throw unsupportedTransport(opts.client, server.transport);
      return {
        ...(type === null ? {} : { type }),
        [urlKey]: server.url,
        ...ifNonEmpty("headers", server.headers),
      };
    },

    parse(_name, entry) {
      if (!isRecord(entry)) return null;
      const typeKey = typeKeys.find((k) => entry[k] !== undefined);
      const rawType = typeKey === undefined ? undefined : entry[typeKey];
      let transport: Transport | undefined;
      if (rawType !== undefined) {
        if (typeof rawType !== "string") return null;
        transport = byType.get(rawType) ?? (rawType === "stdio" ? "stdio" : undefined);
        if (transport === undefined) return null;
      }
      const command = nonEmptyString(entry.command);
      if (transport === "stdio" || (transport === undefined && command !== null)) {
        if (command === null) return null;
        const args = stringList(entry.args);
        const env = stringMap(entry.env);
        if (args === null || env === null) return null;
        const cwd = opts.cwd ? nonEmptyString(entry.cwd) : null;
        return { transport: "stdio", command, args, env, ...(cwd !== null ? { cwd } : {}) };
      }
      if (!remoteWritable && transport === undefined) return null;
      const url = urlKeys.map((k) => nonEmptyString(entry[k])).find((u) => u !== null) ?? null;
      if (url === null) return null;
      const headers = stringMap(entry.headers);
      if (headers === null) return null;
      return { transport: (transport ?? untyped) as RemoteTransport, url, headers };
    },
  };
}
