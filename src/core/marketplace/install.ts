/**
 * From marketplace metadata to a registry entry (pure: no I/O, no prompts). Commands are argument
 * vectors, never shell strings:
 *   npm    → npx -y [runtime args] <pkg>@<version> [package args]
 *   pypi   → uvx [runtime args] <pkg>==<version> [package args]
 *   oci    → docker run -i --rm [runtime args] [-e VAR…] <image>[:<version>] [package args]
 *   remote → url (with `{variables}` filled) and headers.
 * Every value the user supplies (env vars, headers, arguments, `{variables}`) is an InputSpec; the
 * caller's resolver answers each one with a value, a `${keychain:NAME}` reference (secrets), or
 * undefined (left out). `buildEntry` is run once to list the inputs and once to build the entry.
 * Metadata is untrusted: identifiers must look like package names (no leading `-`), and a fixed value
 * or default may not refer to the user's keychain.
 */
import { NexusError } from "../errors.ts";
import { ENV_KEY_RE, HEADER_NAME_RE } from "../names.ts";
import type { MarketArgument, MarketInput, MarketPackage, MarketRemote, MarketServer } from "./types.ts";

/** What `install --use` picks. */
export type InstallKind = "npm" | "pypi" | "oci" | "remote";

/** One way to run a server: a local package or a remote endpoint. */
export type Target =
  | { kind: "npm" | "pypi" | "oci"; pkg: MarketPackage }
  | { kind: "remote"; remote: MarketRemote };

/** A value the user supplies. */
export interface InputSpec {
  /** The name used with `--env KEY=VALUE` / stdin `KEY=VALUE`: the env var, header, flag or variable. */
  key: string;
  /** Where it goes, for prompts and messages: `env BRAVE_API_KEY`, `header X-API-Key`, … */
  where: string;
  description?: string;
  secret: boolean;
  required: boolean;
  default?: string;
  choices?: string[];
  format?: string;
  placeholder?: string;
}

/** Answers an input: a value, a `${keychain:NAME}` reference, or undefined to leave it out. */
export type Resolver = (spec: InputSpec) => string | undefined;

export interface BuildOptions {
  /** The registry name it is installed as (secret names derive from it). */
  localName: string;
  /** The version to pin when the metadata has none (looked up on npm/PyPI). */
  version?: string;
  /** Extra env vars (stdio) or headers (remote) the user says are secret (`--secret`). */
  extraSecrets?: string[];
  /** Values for undeclared env vars (stdio) or headers (remote) (`--env`). */
  extraValues?: Record<string, string>;
}

export interface Built {
  /** A registry entry, before the CLI adds clients and timestamps (validated by the Server schema). */
  def: Record<string, unknown>;
  /** Every input met, in order, each key once. */
  inputs: InputSpec[];
  /** What it runs: the argument vector, or the URL. */
  preview: string;
}

const SUPPORTED = new Set(["npm", "pypi", "oci"]);
const DEFAULT_INDEX: Record<string, string> = { npm: "https://registry.npmjs.org", pypi: "https://pypi.org" };
const IDENTIFIER: Record<string, RegExp> = {
  npm: /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/i,
  pypi: /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/,
  oci: /^[a-z0-9][a-z0-9._\/:@-]*$/i,
};
const VERSION_RE = /^[A-Za-z0-9][A-Za-z0-9.+_-]*$/;
const KEYCHAIN_RE = /\$\{keychain:|^keychain:/;

function unsafe(server: MarketServer, what: string): NexusError {
  return new NexusError(
    "E_UNSAFE_METADATA",
    `'${server.name}' cannot be installed: its metadata has ${what}.`,
    {
      hint: "Report it to the server's publisher; or add it by hand with 'mcp-nexus server add'.",
      details: { server: server.name },
    },
  );
}

/** The ways this server can be installed, in order of preference (local packages first). */
export function installTargets(server: MarketServer): Target[] {
  const out: Target[] = [];
  for (const pkg of server.packages) {
    if (SUPPORTED.has(pkg.registryType) && pkg.transport === "stdio") {
      out.push({ kind: pkg.registryType as "npm" | "pypi" | "oci", pkg });
    }
  }
  for (const remote of server.remotes) {
    if (["streamable-http", "streamable_http", "http", "sse"].includes(remote.type)) {
      out.push({ kind: "remote", remote });
    }
  }
  return out;
}

/** Picks the target: the first supported one, or the first of kind `use`. */
export function chooseTarget(server: MarketServer, use?: InstallKind): Target {
  const all = installTargets(server);
  const pick = use ? all.find((t) => t.kind === use) : all[0];
  if (pick) return pick;
  const offered = [
    ...server.packages.map((p) =>
      `${p.registryType} package${p.transport === "stdio" ? "" : ` (${p.transport})`}`
    ),
    ...server.remotes.map((r) => `${r.type} remote`),
  ];
  const kinds = [...new Set(all.map((t) => t.kind))];
  throw new NexusError(
    use ? "E_NO_SUCH_TARGET" : "E_UNSUPPORTED",
    use
      ? `'${server.name}' has no ${use === "remote" ? "remote endpoint" : `${use} package`} to install.`
      : `'${server.name}' offers nothing mcp-nexus can install (${
        offered.join(", ") || "no packages or remotes"
      }).`,
    {
      exitCode: use ? 2 : 1,
      hint: kinds.length
        ? `It offers: ${kinds.join(", ")} (choose with --use).`
        : "mcp-nexus installs npm, PyPI and OCI packages run over stdio, and remote endpoints. " +
          "Add it by hand with 'mcp-nexus server add'.",
      details: { server: server.name, offered },
    },
  );
}

/** `<local-name>.<key>`, lower-case and dashed: `brave.brave-api-key`. */
export function secretName(localName: string, key: string): string {
  return `${localName}.${key}`.toLowerCase().replace(/[^a-z0-9.-]+/g, "-").slice(0, 256);
}

/** A registry name from the marketplace name: `io.github.user/weather` → `weather`. */
export function defaultLocalName(server: MarketServer): string {
  const last = server.name.split("/").pop() ?? server.name;
  const n = last.toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/-{2,}/g, "-").replace(/^[^a-z0-9]+/, "")
    .slice(0, 64).replace(/[-_]+$/, "");
  return n || "server";
}

/** Builds the entry (see the module comment). */
export function buildEntry(
  server: MarketServer,
  target: Target,
  resolve: Resolver,
  opts: BuildOptions,
): Built {
  const inputs: InputSpec[] = [];
  const byKey = new Map<string, InputSpec>();
  const forceSecret = new Set(opts.extraSecrets ?? []);

  const ask = (spec: InputSpec): string | undefined => {
    if (!byKey.has(spec.key)) {
      byKey.set(spec.key, spec);
      inputs.push(spec);
    }
    return resolve(byKey.get(spec.key)!);
  };
  /** Metadata text, refused if it refers to the user's keychain (it would leak another secret). */
  const literal = (text: string | undefined, where: string) => {
    if (text !== undefined && KEYCHAIN_RE.test(text)) {
      throw unsafe(server, `a fixed value for ${where} that refers to your keychain`);
    }
    return text;
  };

  /** A fixed value (with `{variables}` filled), or the user's answer. */
  const fill = (input: MarketInput, key: string, where: string): string | undefined => {
    if (input.value !== undefined && input.value !== "") {
      return literal(input.value, where)!.replace(/\{([A-Za-z0-9_.-]+)\}/g, (whole, v: string) => {
        const variable = input.variables?.[v];
        if (!variable) return whole;
        return fill({ ...variable, variables: undefined }, v, `${where} variable {${v}}`) ?? "";
      });
    }
    return ask({
      key,
      where,
      secret: !!input.isSecret || forceSecret.has(key),
      required: !!input.isRequired,
      ...(input.description ? { description: input.description } : {}),
      ...(literal(input.default, where) !== undefined ? { default: input.default } : {}),
      ...(input.choices?.length ? { choices: input.choices } : {}),
      ...(input.format ? { format: input.format } : {}),
      ...(input.placeholder ? { placeholder: input.placeholder } : {}),
    });
  };

  /** Extra (undeclared) env vars or headers: `--secret KEY` asks, `--env KEY=VALUE` sets. */
  const extras = (into: Record<string, string>, kind: "env" | "header") => {
    for (const k of opts.extraSecrets ?? []) {
      if (byKey.has(k)) continue;
      const v = ask({ key: k, where: `${kind} ${k}`, secret: true, required: true });
      if (v !== undefined) into[k] = v;
    }
    for (const [k, v] of Object.entries(opts.extraValues ?? {})) {
      if (!byKey.has(k) && !forceSecret.has(k)) into[k] = v;
    }
  };

  const args = (list: MarketArgument[], what: string): string[] => {
    const out: string[] = [];
    list.forEach((a, i) => {
      if (a.type === "named") {
        const flag = a.name ?? "";
        if (!/^-{1,2}[A-Za-z0-9][A-Za-z0-9._-]*$/.test(flag)) {
          throw unsafe(server, `a ${what} named ${JSON.stringify(flag)}`);
        }
        const v = fill(a, flag.replace(/^-+/, ""), `${what} ${flag}`);
        if (v === undefined) return;
        if (a.format === "boolean" && !a.value) {
          if (v === "true") out.push(flag);
          return;
        }
        out.push(flag);
        if (v !== "") out.push(v);
      } else {
        const key = a.valueHint && /^[A-Za-z0-9_.-]+$/.test(a.valueHint) ? a.valueHint : `arg${i + 1}`;
        const v = fill(a, key, `${what} <${key}>`);
        if (v !== undefined) out.push(v);
      }
    });
    return out;
  };

  const description = (server.description || server.title || "").slice(0, 1000);
  const registry = server.sources[0];

  if (target.kind === "remote") {
    const r = target.remote;
    const transport = r.type === "sse" ? "sse" : "http";
    const url = fill({ value: r.url, variables: r.variables }, "url", "the URL") ?? r.url;
    const headers: Record<string, string> = {};
    for (const h of r.headers) {
      if (!HEADER_NAME_RE.test(h.name)) {
        throw unsafe(server, `an invalid header name ${JSON.stringify(h.name)}`);
      }
      const v = fill(h, h.name, `header ${h.name}`);
      if (v !== undefined) headers[h.name] = v;
    }
    extras(headers, "header");
    return {
      def: {
        transport,
        url,
        headers,
        ...(description ? { description } : {}),
        source: { type: "remote", registry, id: server.name },
      },
      inputs,
      preview: url,
    };
  }

  const pkg = target.pkg;
  if (!IDENTIFIER[target.kind].test(pkg.identifier)) {
    throw unsafe(
      server,
      `an unusable ${target.kind} identifier ${JSON.stringify(pkg.identifier.slice(0, 100))}`,
    );
  }
  const version = pkg.version ?? opts.version;
  if (version !== undefined && !VERSION_RE.test(version)) {
    throw unsafe(server, `an unusable version ${JSON.stringify(version.slice(0, 40))}`);
  }
  const env: Record<string, string> = {};
  for (const ev of pkg.environmentVariables) {
    if (!ENV_KEY_RE.test(ev.name)) {
      throw unsafe(server, `an invalid environment variable name ${JSON.stringify(ev.name)}`);
    }
    const v = fill(ev, ev.name, `env ${ev.name}`);
    if (v !== undefined) env[ev.name] = v;
  }
  const runtime = args(pkg.runtimeArguments, "runtime argument");
  const packageArgs = args(pkg.packageArguments, "package argument");
  extras(env, "env");

  const base = pkg.registryBaseUrl?.replace(/\/+$/, "");
  const customIndex = base && base !== DEFAULT_INDEX[target.kind] ? base : undefined;
  let command: string;
  let argv: string[];
  if (target.kind === "npm") {
    command = "npx";
    argv = [
      "-y",
      ...(customIndex ? ["--registry", customIndex] : []),
      ...runtime.filter((a) => a !== "-y" && a !== "--yes"),
      version ? `${pkg.identifier}@${version}` : pkg.identifier,
      ...packageArgs,
    ];
  } else if (target.kind === "pypi") {
    command = "uvx";
    argv = [
      ...(customIndex ? ["--index-url", customIndex] : []),
      ...runtime,
      version ? `${pkg.identifier}==${version}` : pkg.identifier,
      ...packageArgs,
    ];
  } else {
    command = "docker";
    const tagged = /@sha256:|:[^/]+$/.test(pkg.identifier);
    argv = [
      "run",
      "-i",
      "--rm",
      ...runtime.filter((a) => a !== "-i" && a !== "--rm" && a !== "--interactive"),
      ...Object.keys(env).flatMap((k) => ["-e", k]),
      tagged || !version ? pkg.identifier : `${pkg.identifier}:${version}`,
      ...packageArgs,
    ];
  }
  return {
    def: {
      transport: "stdio",
      command,
      args: argv,
      env,
      ...(description ? { description } : {}),
      source: {
        type: target.kind,
        package: pkg.identifier,
        ...(version ? { version } : {}),
        registry,
        id: server.name,
      },
    },
    inputs,
    preview: [command, ...argv].join(" "),
  };
}

/** A resolver for previews (`show`): defaults, else `<KEY>` for required inputs; optional ones left out. */
export const previewResolver: Resolver = (spec) =>
  spec.secret
    ? (spec.required ? `<${spec.key}>` : undefined)
    : spec.default ?? (spec.required ? `<${spec.key}>` : undefined);
