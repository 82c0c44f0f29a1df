/**
 * From marketplace metadata to a registry entry (pure: no I/O, no prompts). Commands are argument
 * vectors, never shell strings, built from the server.json fields exactly as the spec defines them:
 *   npm    → npx -y [runtime args] <pkg>@<version> [package args]          (runtimeHint npx)
 *   pypi   → uvx [runtime args] <pkg>==<version> [package args]            (runtimeHint uvx)
 *            pipx run [runtime args] <pkg>==<version> [package args]       (runtimeHint pipx)
 *   oci    → docker run -i --rm [runtime args] [-e VAR…] <image> [package args]
 *   nuget  → dnx <pkg>@<version> --yes [runtime args] [-- package args]
 *   remote → url (with `{variables}` filled) and headers.
 * The runtime arguments are then checked against what the runtime accepts (runtimes.ts).
 *
 * Every value the user supplies is an InputSpec; the caller's resolver answers each one with a value,
 * a `${keychain:NAME}` reference (secrets), or undefined (left out). Every `{name}` inside a value (a
 * header's `Bearer {api_key}`, a URL, an argument, an env var) is an input too, declared in
 * `variables` or not; a field whose placeholders stay unanswered is left out (optional) or refused
 * (required): a literal placeholder is never installed.
 *
 * Upstream data is validated per field: an unusable optional field (an env var with an empty name or
 * named like a header) is skipped and reported in `notes`; an unusable required one refuses the
 * install with the reason. Metadata is untrusted: identifiers must look like package names, and a
 * fixed value may not refer to the user's keychain. A fixed value that looks like a secret (the
 * plaintext detector) goes to the keychain like any other secret.
 */
import { NexusError } from "../model/errors.ts";
import { ENV_KEY_RE, HEADER_NAME_RE } from "../model/names.ts";
import { isPlaintextSecret, looksLikeSecretKey } from "../secrets/secret_detect.ts";
import {
  DEFAULT_RUNTIME,
  HINTED_RUNTIME,
  type Runtime,
  RUNTIME_PREFIX,
  runtimeArgsProblem,
} from "./runtimes.ts";
import type { MarketArgument, MarketInput, MarketPackage, MarketRemote, MarketServer } from "./types.ts";

/** What `install --use` picks. */
export type InstallKind = "npm" | "pypi" | "oci" | "nuget" | "remote";
export const INSTALL_KINDS: InstallKind[] = ["npm", "pypi", "oci", "nuget", "remote"];

/** One way to run a server: a local package or a remote endpoint (`index`: its place in the list). */
export type Target =
  | { kind: "npm" | "pypi" | "oci" | "nuget"; pkg: MarketPackage; index: number }
  | { kind: "remote"; remote: MarketRemote; index: number };

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
  /** A value the metadata fixes that looks like a secret: stored in the keychain, never asked for. */
  fixed?: string;
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
  /** Fields of the metadata that were skipped, each with why. */
  notes: string[];
  /** Fixed headers (name → value, secrets masked) of a remote, for `show`. */
  fixedHeaders?: Record<string, string>;
}

const LOCAL_KINDS = new Set(["npm", "pypi", "oci", "nuget"]);
const DEFAULT_INDEX: Record<string, string> = {
  npm: "https://registry.npmjs.org",
  pypi: "https://pypi.org",
  nuget: "https://api.nuget.org/v3/index.json",
};
const IDENTIFIER: Record<string, RegExp> = {
  npm: /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/i,
  pypi: /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/,
  oci: /^[a-z0-9][a-z0-9._\/:@-]*$/i,
  nuget: /^[A-Za-z0-9_][A-Za-z0-9._-]*$/,
};
const VERSION_RE = /^[A-Za-z0-9][A-Za-z0-9.+_-]*$/;
const KEYCHAIN_RE = /\$\{keychain:|^keychain:/;
/** `{name}` in a value: the spec's template syntax. */
export const PLACEHOLDER_RE = /\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g;
/** A fixed value that is really a fill-in for the user: `<your-api-key>`, `YOUR_API_KEY`. */
const FILL_IN_RE = /^(<[^<>{}]{1,80}>|YOUR_[A-Z0-9_]{1,60})$/;
/** Whether a value holds a `{name}` placeholder (not global: no lastIndex state). */
export const HAS_PLACEHOLDER = /\{[A-Za-z_][A-Za-z0-9_.-]*\}/;
const REMOTE_TYPES = ["streamable-http", "streamable_http", "http", "sse"];

function unsafe(server: MarketServer, what: string, code = "E_UNSAFE_METADATA"): NexusError {
  return new NexusError(code, `'${server.name}' cannot be installed: its metadata has ${what}.`, {
    hint: "Report it to the server's publisher; or add it by hand with 'mcp-nexus server add'.",
    details: { server: server.name },
  });
}

/** Why a package cannot be installed at all, or undefined if it can. */
export function packageProblem(p: MarketPackage): string | undefined {
  if (!LOCAL_KINDS.has(p.registryType)) {
    return `mcp-nexus does not install ${p.registryType || "untyped"} packages`;
  }
  if (p.transport !== "stdio") {
    return `it runs as a local ${p.transport} server that mcp-nexus would have to start and keep running`;
  }
  return undefined;
}

/** The ways this server can be installed, in order of preference (local packages first). */
export function installTargets(server: MarketServer): Target[] {
  const out: Target[] = [];
  server.packages.forEach((pkg, index) => {
    if (!packageProblem(pkg)) out.push({ kind: pkg.registryType as "npm", pkg, index });
  });
  server.remotes.forEach((remote, index) => {
    if (REMOTE_TYPES.includes(remote.type)) out.push({ kind: "remote", remote, index });
  });
  return out;
}

/** What to install: `use` a kind, or a `remote` by its 1-based number or URL. */
export interface Choice {
  use?: InstallKind;
  remote?: string;
}

/** Picks the target: the first supported one, the first of kind `use`, or the remote asked for. */
export function chooseTarget(server: MarketServer, choice: Choice | InstallKind = {}): Target {
  const c: Choice = typeof choice === "string" ? { use: choice } : choice;
  const all = installTargets(server);
  if (c.remote !== undefined) {
    const remotes = all.filter((t) => t.kind === "remote");
    const n = /^\d+$/.test(c.remote) ? Number(c.remote) : NaN;
    const pick = Number.isFinite(n)
      ? remotes.find((t) => t.index === n - 1)
      : remotes.find((t) => t.kind === "remote" && t.remote.url === c.remote);
    if (pick) return pick;
    throw new NexusError(
      "E_NO_SUCH_TARGET",
      `'${server.name}' has no remote ${Number.isFinite(n) ? `number ${n}` : JSON.stringify(c.remote)}.`,
      {
        exitCode: 2,
        hint: server.remotes.length
          ? `Its remotes: ${
            server.remotes.map((r, i) => `${i + 1}. ${r.url}`).join("  ")
          } (see them with: mcp-nexus show ${server.name}).`
          : "It lists no remotes.",
        details: { server: server.name, remotes: server.remotes.map((r) => r.url) },
      },
    );
  }
  const pick = c.use ? all.find((t) => t.kind === c.use) : all[0];
  if (pick) return pick;
  const offered = [
    ...server.packages.map((p) =>
      `${p.registryType} package${p.transport === "stdio" ? "" : ` (${p.transport})`}`
    ),
    ...server.remotes.map((r) => `${r.type} remote`),
  ];
  const kinds = [...new Set(all.map((t) => t.kind))];
  const why = server.packages.map((p) => packageProblem(p)).filter(Boolean);
  throw new NexusError(
    c.use ? "E_NO_SUCH_TARGET" : "E_UNSUPPORTED",
    c.use
      ? `'${server.name}' has no ${c.use === "remote" ? "remote endpoint" : `${c.use} package`} to install.`
      : `'${server.name}' offers nothing mcp-nexus can install (${
        offered.join(", ") || "no packages or remotes"
      }${why.length ? `: ${[...new Set(why)].join("; ")}` : ""}).`,
    {
      exitCode: c.use ? 2 : 1,
      hint: kinds.length
        ? `It offers: ${kinds.join(", ")} (choose with --use).`
        : "mcp-nexus installs npm, PyPI, OCI and NuGet packages run over stdio, and remote endpoints. " +
          "Add it by hand with 'mcp-nexus server add'.",
      details: { server: server.name, offered },
    },
  );
}

/** `<local-name>.<key>`, lower-case and dashed: `brave.brave-api-key`. */
export function secretName(localName: string, key: string): string {
  return `${localName}.${key}`.toLowerCase().replace(/[^a-z0-9.-]+/g, "-").slice(0, 256);
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/-{2,}/g, "-").replace(/^[^a-z0-9]+/, "")
    .slice(0, 64).replace(/[-_]+$/, "");
}

/** Last segments too generic to name a server on their own (`com.notion/mcp`). */
const GENERIC = new Set([
  "mcp",
  "server",
  "mcp-server",
  "mcpserver",
  "remote",
  "api",
  "app",
  "main",
  "sse",
  "http",
]);

/**
 * Registry names for a marketplace server, best first: `io.github.user/weather` → `weather`, then
 * `user-weather`; a generic last segment takes its publisher's: `com.notion/mcp` → `notion`,
 * `notion-mcp`. The last candidate is the whole name.
 */
export function localNameCandidates(server: MarketServer): string[] {
  const [ns, ...rest] = server.name.split("/");
  const last = slug(rest.length ? rest.join("-") : ns);
  const labels = rest.length
    ? ns.split(".").filter((l) =>
      !["io", "com", "ai", "dev", "app", "org", "net", "github"].includes(l) && !GENERIC.has(slug(l))
    )
    : [];
  const org = slug(labels[labels.length - 1] ?? "");
  const out = GENERIC.has(last) && org ? [org, `${org}-${last}`] : [last, ...(org ? [`${org}-${last}`] : [])];
  out.push(slug(server.name.replace(/\//g, "-")));
  const names = [...new Set(out.map((n) => n.slice(0, 64).replace(/[-_]+$/, "")).filter(Boolean))];
  return names.length ? names : ["server"];
}

/**
 * The registry name to install as: the first candidate that is free, or already holds this very
 * server (a re-install). `owner(name)` gives the marketplace id of what holds a name (null: free).
 */
export function defaultLocalName(
  server: MarketServer,
  owner: (name: string) => string | null | undefined = () => null,
): string {
  const c = localNameCandidates(server);
  const free = c.find((n) => {
    const o = owner(n);
    return o === null || o === undefined || o === server.name;
  });
  if (free) return free;
  for (let i = 2; i < 100; i++) {
    const n = `${c[0].slice(0, 60)}-${i}`;
    if (!owner(n)) return n;
  }
  return c[0] || "server";
}

/** Builds the entry (see the module comment). */
export function buildEntry(
  server: MarketServer,
  target: Target,
  resolve: Resolver,
  opts: BuildOptions,
): Built {
  const inputs: InputSpec[] = [];
  const notes: string[] = [];
  const byKey = new Map<string, InputSpec>();
  const forceSecret = new Set(opts.extraSecrets ?? []);

  const ask = (spec: InputSpec): string | undefined => {
    const known = byKey.get(spec.key);
    if (!known) {
      byKey.set(spec.key, spec);
      inputs.push(spec);
    } else if (spec.required && !known.required) known.required = true;
    return resolve(byKey.get(spec.key)!);
  };
  /** Metadata text, refused if it refers to the user's keychain (it would leak another secret). */
  const literal = (text: string | undefined, where: string) => {
    if (text !== undefined && KEYCHAIN_RE.test(text)) {
      throw unsafe(server, `a fixed value for ${where} that refers to your keychain`);
    }
    return text;
  };

  /**
   * A value: a fixed one with every `{placeholder}` answered, or the user's answer. Undefined when
   * left out (an unanswered placeholder or input).
   */
  const fill = (
    input: MarketInput,
    key: string,
    where: string,
    required = !!input.isRequired,
  ): string | undefined => {
    let fixed = input.value !== undefined && input.value !== "" ? literal(input.value, where)! : undefined;
    // a "value" that is a fill-in for the user (`<sauce-access-key>`, `YOUR_API_KEY`) is an input
    const fillIn = fixed !== undefined && FILL_IN_RE.test(fixed.trim()) ? fixed.trim() : undefined;
    if (fillIn !== undefined) {
      fixed = undefined;
      input = {
        ...input,
        value: undefined,
        placeholder: input.placeholder ?? fillIn,
        isSecret: !!input.isSecret || looksLikeSecretKey(key) ||
          looksLikeSecretKey(fillIn.replace(/[<>]/g, "")),
      };
      required = true;
    }
    if (fixed === undefined) {
      return ask({
        key,
        where,
        secret: !!input.isSecret || forceSecret.has(key),
        required,
        ...(input.description ? { description: input.description } : {}),
        ...(literal(input.default, where) !== undefined && !HAS_PLACEHOLDER.test(input.default!)
          ? { default: input.default }
          : {}),
        ...(input.choices?.length ? { choices: input.choices } : {}),
        ...(input.format ? { format: input.format } : {}),
        ...(input.placeholder ? { placeholder: input.placeholder } : {}),
      });
    }
    let missing = false;
    const out = fixed.replace(PLACEHOLDER_RE, (_whole, v: string) => {
      const declared = input.variables?.[v];
      const variable: MarketInput = declared ?? {
        // undeclared: as secret and as required as the field that holds it
        isSecret: !!input.isSecret || looksLikeSecretKey(v),
        ...(input.description ? { description: input.description } : {}),
      };
      const got = fill(
        { ...variable, variables: undefined, isSecret: !!variable.isSecret || !!input.isSecret && !declared },
        v,
        `${where} variable {${v}}`,
        required || !!variable.isRequired,
      );
      if (got === undefined) missing = true;
      return got ?? "";
    });
    if (missing) return undefined;
    if (out === fixed && !input.isSecret && isPlaintextSecret(key, out)) {
      // a publisher's fixed value that looks like a secret is kept out of plaintext all the same
      return ask({ key, where, secret: true, required: true, fixed: out });
    }
    return out;
  };

  /** Skips an unusable optional field with a note, or refuses a required one. */
  const unusable = (required: boolean, what: string, why: string) => {
    if (required) throw unsafe(server, `${what}, which is required but ${why}`, "E_UNUSABLE_METADATA");
    notes.push(`${what} skipped: ${why}`);
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
          return unusable(
            !!a.isRequired,
            `${what} ${JSON.stringify(flag.slice(0, 40))}`,
            /^[A-Za-z0-9]/.test(flag)
              ? "a named argument's name must be the flag itself, like --port"
              : "it is not a command-line flag",
          );
        }
        const v = fill(a, flag.replace(/^-+/, ""), `${what} ${flag}`);
        if (v === undefined) return;
        if (a.format === "boolean" && !a.value) {
          if (v === "true") out.push(flag);
          return;
        }
        out.push(flag);
        if (v !== "") out.push(v);
      } else if (a.type === "positional") {
        const key = a.valueHint && /^[A-Za-z0-9_.-]+$/.test(a.valueHint) ? a.valueHint : `arg${i + 1}`;
        const v = fill(a, key, `${what} <${key}>`);
        if (v !== undefined) out.push(v);
      } else {
        unusable(
          !!a.isRequired,
          `${what} ${i + 1}`,
          `its type ${JSON.stringify(String(a.type).slice(0, 20))} is neither named nor positional`,
        );
      }
    });
    return out;
  };

  const description = (server.description || server.title || "").slice(0, 1000);
  const registry = server.sources[0];

  if (target.kind === "remote") {
    const r = target.remote;
    const transport = r.type === "sse" ? "sse" : "http";
    const url = fill({ value: r.url, variables: r.variables }, "url", "the URL", true);
    const headers: Record<string, string> = {};
    const fixedHeaders: Record<string, string> = {};
    for (const h of r.headers) {
      if (!HEADER_NAME_RE.test(h.name)) {
        unusable(
          !!h.isRequired,
          `header ${JSON.stringify(h.name.slice(0, 40))}`,
          "it is not a valid HTTP header name",
        );
        continue;
      }
      const v = fill(h, h.name, `header ${h.name}`);
      if (v !== undefined) headers[h.name] = v;
      if (h.value) fixedHeaders[h.name] = h.isSecret && !HAS_PLACEHOLDER.test(h.value) ? "<secret>" : h.value;
    }
    extras(headers, "header");
    return {
      def: {
        transport,
        url: url ?? r.url,
        headers,
        ...(description ? { description } : {}),
        source: {
          type: "remote",
          registry,
          id: server.name,
          ...(server.version ? { version: server.version } : {}),
        },
      },
      inputs,
      preview: url ?? r.url,
      notes,
      fixedHeaders,
    };
  }

  const pkg = target.pkg;
  if (!IDENTIFIER[target.kind].test(pkg.identifier)) {
    throw unsafe(
      server,
      `an unusable ${target.kind} identifier ${JSON.stringify(pkg.identifier.slice(0, 100))}`,
    );
  }
  let version = pkg.version ?? opts.version;
  if (version === "latest" || version === "") {
    notes.push(`package version ${JSON.stringify(version)} is not an exact version; it is left unpinned`);
    version = opts.version;
  }
  if (version !== undefined && !VERSION_RE.test(version)) {
    throw unsafe(server, `an unusable version ${JSON.stringify(version.slice(0, 40))}`);
  }
  // which runtime: the hint if it names one that runs this package type, else the type's default
  const hint = pkg.runtimeHint?.trim();
  let runtime: Runtime = DEFAULT_RUNTIME[target.kind];
  if (hint && hint !== runtime) {
    const hinted = HINTED_RUNTIME[target.kind]?.[hint];
    if (hinted) runtime = hinted;
    else if (pkg.runtimeArguments.length) {
      throw unsafe(
        server,
        `runtimeHint ${
          JSON.stringify(hint.slice(0, 20))
        } with runtime arguments for it, and mcp-nexus runs ${target.kind} packages with ${
          Object.values(HINTED_RUNTIME[target.kind] ?? {}).join(" or ")
        } only`,
        "E_UNSUPPORTED_RUNTIME",
      );
    } else {notes.push(
        `runtimeHint ${
          JSON.stringify(hint.slice(0, 20))
        } is not a runtime for ${target.kind} packages; ${runtime} runs it`,
      );}
  }

  const env: Record<string, string> = {};
  for (const ev of pkg.environmentVariables) {
    if (!ENV_KEY_RE.test(ev.name)) {
      unusable(
        !!ev.isRequired,
        `env var ${JSON.stringify(ev.name.slice(0, 40))}`,
        ev.name === ""
          ? "its name is empty"
          : HEADER_NAME_RE.test(ev.name) && ev.name.includes("-")
          ? "its name is an HTTP header's, not an environment variable's (letters, digits and _ only)"
          : "it is not a valid environment variable name (letters, digits and _ only)",
      );
      continue;
    }
    const v = fill(ev, ev.name, `env ${ev.name}`);
    if (v !== undefined) env[ev.name] = v;
  }
  let runtimeArgs = args(pkg.runtimeArguments, "runtime argument");
  const packageArgs = args(pkg.packageArguments, "package argument");
  extras(env, "env");

  const base = pkg.registryBaseUrl?.replace(/\/+$/, "");
  const customIndex = base && base !== DEFAULT_INDEX[target.kind] ? base : undefined;
  let argv: string[];
  if (runtime === "npx") {
    runtimeArgs = dropWords(runtimeArgs, ["-y", "--yes"], [pkg.identifier], notes, "npx");
    argv = [
      "-y",
      ...(customIndex ? ["--registry", customIndex] : []),
      ...runtimeArgs,
      version ? `${pkg.identifier}@${version}` : pkg.identifier,
      ...packageArgs,
    ];
  } else if (runtime === "uvx" || runtime === "pipx") {
    runtimeArgs = dropWords(runtimeArgs, [], [pkg.identifier], notes, runtime);
    const spec = version ? `${pkg.identifier}==${version}` : pkg.identifier;
    argv = [
      ...RUNTIME_PREFIX[runtime],
      ...(customIndex ? ["--index-url", customIndex] : []),
      ...runtimeArgs,
      spec,
      ...packageArgs,
    ];
  } else if (runtime === "docker") {
    const tagged = /@sha256:|:[^/]+$/.test(pkg.identifier);
    const image = tagged || !version ? pkg.identifier : `${pkg.identifier}:${version}`;
    const bare = (s: string) =>
      s.replace(/^docker\.io\//, "").replace(/@sha256:.*$/, "").replace(/:[^/:]+$/, "");
    runtimeArgs = dropWords(runtimeArgs, ["-i", "--rm", "--interactive"], [], notes, "docker");
    // a publisher's own `run` and image inside the runtime arguments: dropped, never doubled
    if (runtimeArgs[0] === "run") runtimeArgs = runtimeArgs.slice(1);
    const imageAt = runtimeArgs.findIndex((a, i) =>
      !a.startsWith("-") && bare(a) === bare(pkg.identifier) &&
      (i === 0 || !optionTakesValue("docker", runtimeArgs[i - 1]))
    );
    if (imageAt >= 0) {
      notes.push("the image listed inside the runtime arguments is not repeated");
      runtimeArgs = [...runtimeArgs.slice(0, imageAt), ...runtimeArgs.slice(imageAt + 1)];
    }
    argv = [
      ...RUNTIME_PREFIX.docker,
      "-i",
      "--rm",
      ...runtimeArgs,
      ...Object.keys(env).filter((k) =>
        !runtimeArgs.some((a, i) => (a === "-e" || a === "--env") && runtimeArgs[i + 1]?.split("=")[0] === k)
      ).flatMap((k) => ["-e", k]),
      image,
      ...packageArgs,
    ];
  } else {
    runtimeArgs = dropWords(runtimeArgs, ["-y", "--yes"], [pkg.identifier], notes, "dnx");
    argv = [
      version ? `${pkg.identifier}@${version}` : pkg.identifier,
      "--yes",
      ...(customIndex ? ["--source", customIndex] : []),
      ...runtimeArgs,
      ...(packageArgs.length ? ["--", ...packageArgs] : []),
    ];
  }
  const problem = runtimeArgsProblem(runtime, runtimeArgs.map((a) => a.startsWith("${keychain:") ? "-x" : a));
  if (problem) {
    throw unsafe(server, `runtime arguments that ${runtime} would reject: ${problem}`, "E_RUNTIME_REJECTS");
  }
  return {
    def: {
      transport: "stdio",
      command: runtime,
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
    preview: [runtime, ...argv].join(" "),
    notes,
  };
}

function optionTakesValue(runtime: Runtime, word: string | undefined): boolean {
  return !!word && word.startsWith("-") && !word.includes("=") &&
    runtimeArgsProblem(runtime, [word]) === `${runtime} option ${word} needs a value`;
}

/** Drops runtime arguments the command adds itself (`-y`) and the package repeated as a word. */
function dropWords(
  args: string[],
  flags: string[],
  words: string[],
  notes: string[],
  runtime: Runtime,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (flags.includes(a)) continue;
    const spec = a.replace(/(@|==)[A-Za-z0-9.+_-]+$/, "");
    if ((words.includes(a) || words.includes(spec)) && (i === 0 || !optionTakesValue(runtime, args[i - 1]))) {
      notes.push(`the package listed inside the runtime arguments is not repeated`);
      continue;
    }
    out.push(a);
  }
  return out;
}

/** A resolver for previews (`show`): defaults, else `<KEY>` for required inputs; optional ones left out. */
export const previewResolver: Resolver = (spec) =>
  spec.secret
    ? (spec.required ? `<${spec.key}>` : undefined)
    : spec.default ?? (spec.required ? `<${spec.key}>` : undefined);
