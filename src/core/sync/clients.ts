/**
 * The client adapter plugin interface. An adapter is mostly data: where the client's config file is
 * on each OS, its format, where the server map lives inside it, and how one entry is shaped. Hooks
 * exist only for the odd ones. The core (sync, import, doctor) never names a client: it works from
 * these records. Built-in adapters (src/plugins/clients) use exactly this interface, as third-party
 * plugins do.
 */
import type { OS } from "../io/paths.ts";

/** File formats the core can edit in place (comments and formatting kept). */
export type ConfigFormat = "json" | "jsonc" | "toml" | "yaml";

/** What an adapter may ask about the machine (all paths derived from env; never `~`). */
export interface PathContext {
  os: OS;
  home: string;
  /** An environment variable, empty treated as unset. */
  env(name: string): string | undefined;
  /** `$XDG_CONFIG_HOME` or `~/.config`. */
  xdgConfigHome: string;
  /** `%APPDATA%` or `~/AppData/Roaming`. */
  appData: string;
  /** `%LOCALAPPDATA%` or `~/AppData/Local`. */
  localAppData: string;
  /** Whether a path exists (sync; used for detection and candidate paths). */
  exists(path: string): boolean;
  /** Directory entries' names (empty if absent); e.g. to glob the Claude MSIX package folder. */
  list(dir: string): string[];
  /** The full path of a command on PATH, or null. */
  which(command: string): string | null;
}

/** A server as written into a client file: secrets already replaced by the launcher or resolved. */
export type ClientServer =
  | {
    transport: "stdio";
    command: string;
    args: string[];
    env: Record<string, string>;
    cwd?: string;
    /**
     * This entry runs our launcher (`mcp-nexus run <server>`). Clients that scrub the environment
     * (Codex) are told to pass through what the launcher needs to reach the keychain.
     */
    launcher?: boolean;
  }
  | {
    transport: "http" | "sse";
    url: string;
    headers: Record<string, string>;
  };

export interface ClientAdapter {
  /** Stable id, lower-case with dashes: `claude-code`. Used in `--client` and the ledger. */
  id: string;
  /** Display name: `Claude Code`. */
  name: string;
  format: ConfigFormat;
  /**
   * Candidate config files on this OS, most preferred first. The first that exists is used; if none
   * exists, the first is created (only when the client is detected).
   */
  paths(ctx: PathContext): string[];
  /** Where the server collection lives in the file: `["mcpServers"]`, `["mcp_servers"]`, `["context_servers"]`. */
  serversPath: string[];
  /**
   * `map` (name → entry, the usual) or `array` (a list of entries with a `name` field: Continue).
   * @default "map"
   */
  storage?: "map" | "array";
  /**
   * The key a server is stored under, when the client folds names (Goose lower-cases keys and strips
   * whitespace). Used for every lookup and write; two servers that fold to one key are a conflict.
   * @default the server's name
   */
  entryKey?: (name: string) => string;
  /** Transports the client's file can take. A server of another transport is skipped with a reason. */
  transports: Array<ClientServer["transport"]>;
  /** Renders a server into the client's entry shape. */
  render(name: string, server: ClientServer): Record<string, unknown>;
  /** Parses an entry back (import, drift); null if it is not a shape we understand. */
  parse(name: string, entry: unknown): ClientServer | null;
  /**
   * How the client interpolates an environment variable inside a string value (e.g. `${env:X}` for
   * Cursor, `${X}` for Claude Code), if it does. Remote servers with secret headers get the launcher
   * bridge by default; the sync engine writes this placeholder instead only for a client the user
   * opted in (`settings.interpolateClients`), or one that takes no stdio entry for the bridge.
   */
  envInterpolation?: (variable: string) => string;
  /**
   * Where `envInterpolation` may stand in a header: `anywhere` in the value (the default), or only as
   * the `whole-value` (or `Bearer <placeholder>` in Authorization: Codex's env_http_headers and
   * bearer_token_env_var). A secret header of another shape is then skipped with a reason.
   * @default "anywhere"
   */
  envInterpolationScope?: "anywhere" | "whole-value";
  /**
   * The client honours `cwd` on stdio servers. Where it does not, a server with a `cwd` is written as
   * a launcher entry (the launcher changes directory itself) instead of losing its cwd.
   * @default false
   */
  supportsCwd?: boolean;
  /** True if the client looks installed (config dir, app bundle, binary on PATH…). */
  detect(ctx: PathContext): boolean;
  /** Documentation link for the client's MCP configuration. */
  docs?: string;
  /** Text of a new, empty config file. @default "{}" for JSON, "" for TOML/YAML */
  emptyFile?: string;
  /** One line on quirks shown by `client list --json` / doctor. */
  notes?: string;
  /**
   * What this adapter was last checked against: the client's version and the doc (or source file)
   * read, and when. Shown by `client list --json`.
   */
  checked?: { version: string; docs: string; date: string };
  /**
   * The client's per-repository file, as data: the path relative to the project directory, and the
   * servers key inside it when it differs from the user file's. Used by `sync --project DIR`.
   */
  project?: { path: string[]; serversPath?: string[]; format?: ConfigFormat; emptyFile?: string };
  /**
   * Versions of the client's file format, newest first. The first whose `matches` says yes for a
   * file's data is used to read and write that file (with its own serversPath/render/parse); a new or
   * empty file gets the adapter's own fields. Lets an adapter keep writing the format a file is in.
   */
  formats?: ClientFormatVersion[];
  /**
   * Why a file's data is in a format this adapter does not know (shown by `doctor`), or null.
   * Called with the whole document's data.
   */
  unknownFormat?: (data: unknown, path: string, ctx: PathContext) => string | null;
  /**
   * The client gives up on every server when one fails to start (Continue's headless run): doctor
   * reports launcher entries that cannot start (e.g. a locked keychain) as errors.
   */
  oneFailureStopsAll?: boolean;
  /** Set on the project-scope view of an adapter (`sync --project DIR`): the project directory. */
  projectDir?: string;
}

/** One version of a client's file format (see `ClientAdapter.formats`). */
export interface ClientFormatVersion {
  /** Short id shown by doctor and `client list`: `v1`, `v2`. */
  id: string;
  /** True if a file's data (the whole document) is in this format. */
  matches(data: unknown): boolean;
  serversPath?: string[];
  storage?: "map" | "array";
  render?: ClientAdapter["render"];
  parse?: ClientAdapter["parse"];
}

/** What a plugin module exports: one adapter, or a factory for one. */
export type ClientPlugin = ClientAdapter | (() => ClientAdapter);

/**
 * How a remote server's secret headers reach this client: the launcher bridge (the default: works
 * wherever the client starts, no variable to export), or the client's own environment placeholder
 * where the user opted in (`settings.interpolateClients`) and the client has one.
 */
export function remoteSecretsMode(
  adapter: Pick<ClientAdapter, "id" | "envInterpolation" | "transports">,
  interpolateClients: readonly string[] | undefined,
): "bridge" | "interpolate" {
  if (!adapter.envInterpolation) return "bridge";
  return interpolateClients?.includes(adapter.id) || !adapter.transports.includes("stdio")
    ? "interpolate"
    : "bridge";
}
