/**
 * One shape for a server as the marketplaces describe it, whichever source it came from (pulsemcp.ts
 * and official.ts translate into it; merge.ts combines them; install.ts builds a registry entry from it).
 * Field names follow the official server.json (camelCase) where the two sources overlap.
 */

/** The marketplaces: `registry` is the official MCP Registry. */
export type SourceId = "pulsemcp" | "registry";

/** How each source is named to users. */
export const SOURCE_LABEL: Record<SourceId, string> = {
  pulsemcp: "PulseMCP",
  registry: "the MCP Registry",
};

/** A value the user may have to supply (server.json `Input`). */
export interface MarketInput {
  description?: string;
  isRequired?: boolean;
  isSecret?: boolean;
  /** string | number | boolean | filepath */
  format?: string;
  /** A fixed value, possibly a template with `{variable}` placeholders. */
  value?: string;
  default?: string;
  placeholder?: string;
  choices?: string[];
  variables?: Record<string, MarketInput>;
}

/** An environment variable or header (server.json `KeyValueInput`). */
export interface MarketKeyValue extends MarketInput {
  name: string;
}

/** A runtime or package argument (server.json `Argument`). */
export interface MarketArgument extends MarketInput {
  type: "positional" | "named";
  /** For `named`: the flag, e.g. `--mode`. */
  name?: string;
  /** For `positional`: what the value is, e.g. `target_dir`. */
  valueHint?: string;
  isRepeated?: boolean;
}

/** A package that runs the server locally. */
export interface MarketPackage {
  /** npm, pypi, oci, nuget, mcpb, cargo (PulseMCP's `docker` becomes `oci`). */
  registryType: string;
  identifier: string;
  /** An exact version; absent when the source does not say (PulseMCP). */
  version?: string;
  registryBaseUrl?: string;
  runtimeHint?: string;
  /** stdio, streamable-http or sse. */
  transport: string;
  runtimeArguments: MarketArgument[];
  packageArguments: MarketArgument[];
  environmentVariables: MarketKeyValue[];
}

/** A hosted endpoint of the server. */
export interface MarketRemote {
  /** streamable-http or sse. */
  type: string;
  /** May hold `{variable}` placeholders. */
  url: string;
  headers: MarketKeyValue[];
  variables: Record<string, MarketInput>;
  /** PulseMCP's `authentication_method` (open, api_key, oauth2), when known. */
  auth?: string;
}

/** One server, as one or both marketplaces describe it. */
export interface MarketServer {
  /** The name `show` and `install` take: the MCP Registry name, or PulseMCP's slug. */
  name: string;
  title?: string;
  description: string;
  version?: string;
  /** The MCP Registry's status (active, deprecated, deleted), and why. */
  status?: string;
  statusMessage?: string;
  /** When this version was published and last updated (the MCP Registry's `_meta`). */
  publishedAt?: string;
  updatedAt?: string;
  /** Icons the publisher lists (https URLs only). */
  icons?: Array<{ src: string; mimeType?: string; sizes?: string[]; theme?: string }>;
  sources: SourceId[];
  repository?: string;
  website?: string;
  /** The PulseMCP directory page. */
  pulsemcpUrl?: string;
  /** GitHub stars (PulseMCP). */
  stars?: number;
  /** Package downloads (PulseMCP). */
  downloads?: number;
  packages: MarketPackage[];
  remotes: MarketRemote[];
  /**
   * True when the source does not list environment variables or headers (PulseMCP): install then
   * asks only for what `--secret` and `--env` name.
   */
  inputsUnknown?: boolean;
}

/** Removes control characters (terminal escapes) from marketplace text, and trims it. */
export function cleanText(text: string | null | undefined, max = 1000): string {
  // deno-lint-ignore no-control-regex
  const t = (text ?? "").replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").replace(/\s+/g, " ").trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** The transports a server offers: `stdio` for local packages, and each remote's type. */
export function transportsOf(s: MarketServer): string[] {
  const t = [...s.packages.map((p) => p.transport), ...s.remotes.map((r) => r.type)];
  return [...new Set(t)];
}
