/**
 * `mcp-nexus search | show | install | outdated | update`: servers from the marketplaces (PulseMCP
 * and the official MCP Registry) into the registry, their secrets into the keychain. Each action
 * loads src/core/marketplace/* only when it runs, so start-up stays fast.
 */
import { type Command, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { openSecretStore } from "./store.ts";
import { action, collect, type Ctx } from "./context.ts";
import { ExitCode, usageError } from "../core/errors.ts";
import { writeErr } from "../core/output.ts";
import type { InputSpec } from "../core/marketplace/install.ts";

/** The modules actions load when they run. */
const MODULES = {
  backends: "../plugins/backends/mod.ts",
  cache: "../core/marketplace/cache.ts",
  catalog: "../core/marketplace/catalog.ts",
  detect: "../core/secret_detect.ts",
  install: "../core/marketplace/install.ts",
  plan: "../core/marketplace/plan.ts",
  names: "../core/names.ts",
  progress: "../core/marketplace/progress.ts",
  prompt: "./prompt.ts",
  redact: "../core/redact.ts",
  registry: "../core/registry.ts",
  render: "../core/marketplace/render.ts",
  schema: "../core/registry_schema.ts",
  secrets: "../core/secrets.ts",
  types: "../core/marketplace/types.ts",
  versions: "../core/marketplace/versions.ts",
} as const;
type Modules = {
  backends: typeof import("../plugins/backends/mod.ts");
  cache: typeof import("../core/marketplace/cache.ts");
  catalog: typeof import("../core/marketplace/catalog.ts");
  detect: typeof import("../core/secret_detect.ts");
  install: typeof import("../core/marketplace/install.ts");
  plan: typeof import("../core/marketplace/plan.ts");
  names: typeof import("../core/names.ts");
  progress: typeof import("../core/marketplace/progress.ts");
  prompt: typeof import("./prompt.ts");
  redact: typeof import("../core/redact.ts");
  registry: typeof import("../core/registry.ts");
  render: typeof import("../core/marketplace/render.ts");
  schema: typeof import("../core/registry_schema.ts");
  secrets: typeof import("../core/secrets.ts");
  types: typeof import("../core/marketplace/types.ts");
  versions: typeof import("../core/marketplace/versions.ts");
};

/**
 * Loads a module when an action runs, by a computed specifier: `deno run` builds the graph of every
 * literal `import()` in a module when it loads it (zod, semver, the keychain), which every start of
 * the CLI would pay for (see main.ts). `deno compile --include src` embeds them all the same.
 */
function mod<K extends keyof Modules>(name: K): Promise<Modules[K]> {
  return import(new URL(MODULES[name], import.meta.url).href);
}

/** A commander parser for an integer option within bounds. */
function intIn(min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

/** Keys of `--env KEY=VALUE`, `--secret KEY` and stdin lines: env var, header, flag or variable names. */
const INPUT_KEY_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

function parseEnvFlags(pairs: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of pairs) {
    const i = p.indexOf("=");
    const key = i > 0 ? p.slice(0, i) : "";
    if (!INPUT_KEY_RE.test(key)) {
      throw usageError("E_INVALID_PAIR", `--env ${JSON.stringify(p.slice(0, 40))}: expected KEY=VALUE.`, {
        hint: "For example --env LOG_LEVEL=debug (see the keys with 'mcp-nexus show NAME').",
      });
    }
    out.set(key, p.slice(i + 1));
  }
  return out;
}

/** `KEY=VALUE` lines from stdin; blank lines and `#` comments are skipped. Errors never quote values. */
function parseStdinPairs(text: string): Map<string, string> {
  const out = new Map<string, string>();
  text.split("\n").forEach((raw, n) => {
    const line = raw.replace(/\r$/, "");
    if (!line.trim() || line.trimStart().startsWith("#")) return;
    const i = line.indexOf("=");
    const key = i > 0 ? line.slice(0, i).trim() : "";
    if (!INPUT_KEY_RE.test(key)) {
      throw usageError("E_INVALID_STDIN", `stdin line ${n + 1} is not KEY=VALUE; nothing was installed.`, {
        hint: `Pipe one KEY=VALUE per line, e.g. printf 'API_KEY=%s\\n' "$API_KEY" | mcp-nexus install …`,
      });
    }
    out.set(key, line.slice(i + 1));
  });
  return out;
}

/**
 * `NAME@VERSION` or `--pin VERSION` (the root command owns `--version`). Marketplace names never hold
 * an `@`, so the split is unambiguous.
 */
function splitVersion(name: string, pin: string | undefined): { bare: string; version?: string } {
  const at = name.lastIndexOf("@");
  const bare = at > 0 ? name.slice(0, at) : name;
  const fromName = at > 0 ? name.slice(at + 1) : undefined;
  if (fromName !== undefined && pin !== undefined && fromName !== pin) {
    throw usageError("E_USAGE", `${name} and --pin ${pin} name different versions.`);
  }
  const version = pin ?? fromName;
  if (version !== undefined && !/^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$/.test(version)) {
    throw usageError("E_USAGE", `'${version.slice(0, 40)}' is not a version, like 1.2.3.`);
  }
  return { bare, ...(version ? { version } : {}) };
}

/** A visible one-line prompt on stderr (for non-secret values). */
async function promptLine(prompt: string): Promise<string> {
  writeErr(prompt);
  const buf = new Uint8Array(4096);
  const dec = new TextDecoder();
  let text = "";
  while (!text.includes("\n")) {
    const n = await Deno.stdin.read(buf);
    if (n === null) break;
    text += dec.decode(buf.subarray(0, n), { stream: true });
  }
  return text.split(/\r?\n/)[0].trim();
}

/** Values gathered for an install: non-secret values, secret values, and secrets already stored. */
interface Collected {
  values: Map<string, string>;
  secrets: Map<string, string>;
  /** Keys whose secret is already in the keychain (a re-install keeps it unless a new one is given). */
  kept: Set<string>;
}

/**
 * Gathers every input's value: `--env`, then stdin `KEY=VALUE` lines (when stdin is not a terminal),
 * then the keychain for secrets already stored, then prompts on a terminal (hidden for secrets; a
 * visible prompt only for required values with no default).
 */
async function collectInputs(inputs: InputSpec[], o: {
  envFlags: Map<string, string>;
  interactive: boolean;
  serverName: string;
  hasStored: (key: string) => Promise<boolean>;
}): Promise<Collected> {
  const { registerSecret } = await mod("redact");
  const { cleanText } = await mod("types");
  const specs = new Map(inputs.map((s) => [s.key, s]));
  const values = new Map(o.envFlags);
  const secrets = new Map<string, string>();
  const kept = new Set<string>();
  if (!o.interactive && inputs.length) {
    const { readStdin } = await mod("prompt");
    const unknown: string[] = [];
    for (const [k, v] of parseStdinPairs(await readStdin())) {
      const spec = specs.get(k);
      if (!spec) unknown.push(k);
      else if (spec.secret) {
        registerSecret(v);
        if (v) secrets.set(k, v);
      } else values.set(k, v);
    }
    if (unknown.length) {
      throw usageError(
        "E_UNKNOWN_INPUT",
        `stdin names ${unknown.join(", ")}, which '${o.serverName}' does not take.`,
        {
          hint: `It takes: ${
            [...specs.keys()].join(", ") || "nothing"
          }. Name an undeclared secret with --secret KEY.`,
          details: { unknown },
        },
      );
    }
  }
  for (const s of inputs) {
    if (!s.secret || secrets.has(s.key)) continue;
    try {
      if (await o.hasStored(s.key)) kept.add(s.key);
    } catch (err) {
      if (s.required && !o.interactive) throw err; // a locked keychain, not a missing value
    }
  }
  if (o.interactive) {
    const { promptHidden } = await mod("prompt");
    for (const s of inputs) {
      const about = `${s.where}${s.description ? ` (${cleanText(s.description, 80)})` : ""}`;
      if (s.secret && !secrets.has(s.key) && s.fixed === undefined) {
        const extra = [!s.required && "optional", kept.has(s.key) && "Enter keeps the stored one"]
          .filter(Boolean).join(", ");
        const v = await promptHidden(`${about}, secret${extra ? `, ${extra}` : ""} (hidden): `);
        if (v) {
          registerSecret(v);
          secrets.set(s.key, v);
        }
      } else if (!s.secret && s.required && !values.has(s.key) && s.default === undefined) {
        const v = await promptLine(`${about}${s.choices ? ` [${s.choices.join("/")}]` : ""}: `);
        if (v) values.set(s.key, v);
      }
    }
  }
  return { values, secrets, kept };
}

/** The secret store, chosen as `secret` commands choose it (flag, env, registry setting, OS). */
function openStore(ctx: Ctx) {
  return openSecretStore(ctx.backendFlag);
}

async function market() {
  const [cache, catalog, progress, render, types] = await Promise.all([
    mod("cache"),
    mod("catalog"),
    mod("progress"),
    mod("render"),
    mod("types"),
  ]);
  const { allowNexusHome } = await mod("registry");
  allowNexusHome();
  return { ...cache, ...catalog, ...progress, ...render, ...types };
}

/** A stale-data note for stderr. */
function staleNote(
  ctx: Ctx,
  what: string,
  meta: { cache: string; fetchedAt: number; staleBecause?: { message: string } },
  age: (t: number) => string,
) {
  if (meta.cache === "stale" && meta.staleBecause) {
    ctx.out.warn(`showing ${what} cached ${age(meta.fetchedAt)}: ${meta.staleBecause.message}`);
  }
}

/** Installed npm/PyPI servers against the latest versions (outdated, update), with notes on stderr. */
async function checkInstalled(ctx: Ctx, names: string[], refresh: boolean) {
  const m = await market();
  const v = await mod("versions");
  const pkgs = v.installedPackages(await (await mod("registry")).loadRegistry(), names);
  const rows = await m.withProgress(
    "Checking npm and PyPI…",
    m.progressEnabled(ctx.out.json),
    () => v.checkOutdated(pkgs, { cache: new m.MarketCache(), refresh }),
  );
  for (const r of rows) {
    if (r.stale) ctx.out.warn(`${r.name}: latest version from the cache: ${r.stale.message}`);
    if (r.error) ctx.out.warn(`${r.name}: ${r.error.message}`);
  }
  return { m, rows };
}

export function registerMarketplace(program: Command): void {
  program.command("search").argument("[query...]", "words to look for (empty: browse)")
    .description("Search the marketplaces (PulseMCP and the official MCP Registry)")
    .addOption(
      new Option("--source <source>", "where to search").choices(["pulsemcp", "registry", "all"] as const)
        .default("all" as const),
    )
    .option("--limit <n>", "results per source per page (1–100)", intIn(1, 100), 20)
    .option("--page <n>", "page number", intIn(1, 10_000), 1)
    .option("--remote", "only servers with a hosted (remote) endpoint")
    .option("--refresh", "ask the marketplaces again instead of using answers cached in the last 5 minutes")
    .addHelpText(
      "after",
      `
Results from both sources are merged (one row per server) and cached for 5 minutes; when a marketplace
is throttling, down or unreachable, older cached results are shown with a note.

Examples:
  mcp-nexus search github
  mcp-nexus search "web search" --source registry --limit 10 --page 2
  mcp-nexus search slack --remote --json

Environment (mirrors and tests; hosts must be in the permission set, or 127.0.0.1/localhost):
  MCP_NEXUS_PULSEMCP_URL        default https://api.pulsemcp.com/v0beta
  MCP_NEXUS_REGISTRY_URL        default https://registry.modelcontextprotocol.io
  MCP_NEXUS_NPM_REGISTRY_URL    default https://registry.npmjs.org   (outdated, update, install)
  MCP_NEXUS_PYPI_URL            default https://pypi.org             (outdated, update, install)
  MCP_NEXUS_HTTP_TIMEOUT_MS     default 30000
  MCP_NEXUS_HTTP_MAX_BYTES      default 8388608 (a larger answer is refused)
  MCP_NEXUS_CACHE_TTL_SECONDS   default 300`,
    )
    .action(action(async (ctx, query: string[], opts) => {
      const m = await market();
      const q = query.join(" ").trim();
      const r = await m.withProgress(
        `Searching ${opts.source === "all" ? "PulseMCP and the MCP Registry" : m.SOURCE_LABEL[opts.source]}…`,
        m.progressEnabled(ctx.out.json),
        () =>
          m.searchMarketplace({
            query: q,
            source: opts.source,
            limit: opts.limit,
            page: opts.page,
            remoteOnly: !!opts.remote,
            refresh: !!opts.refresh,
          }),
      );
      for (const n of m.sourceNotes(r.sources)) ctx.out.warn(n);
      // the paging hint repeats the options given, so it continues this very query
      const flags = [
        ...(opts.source !== "all" ? ["--source", opts.source] : []),
        ...(opts.limit !== 20 ? ["--limit", String(opts.limit)] : []),
        ...(opts.remote ? ["--remote"] : []),
      ];
      ctx.out.result({ ...r, nextPage: r.hasMore ? r.page + 1 : null }, () => m.renderSearch(r, flags));
    }));

  program.command("show").argument("<name>", "a NAME from `mcp-nexus search`")
    .description("Show everything the marketplaces say about one server")
    .option("--pin <version>", "show this version from the MCP Registry (or NAME@VERSION; default: latest)")
    .option("--refresh", "ask the marketplace again instead of using a cached answer")
    .addHelpText(
      "after",
      `
Examples:
  mcp-nexus show io.github.brave/brave-search-mcp-server
  mcp-nexus show io.github.domdomegg/airtable-mcp-server@1.7.2
  mcp-nexus show slideshot --json`,
    )
    .action(action(async (ctx, name: string, opts) => {
      const m = await market();
      const { installTargets, buildEntry, previewResolver } = await mod("install");
      const { server, meta } = await m.withProgress(
        `Looking up ${name}…`,
        m.progressEnabled(ctx.out.json),
        () => {
          const { bare, version } = splitVersion(name, opts.pin);
          return m.findServer(bare, { cache: new m.MarketCache(), refresh: !!opts.refresh, version });
        },
      );
      staleNote(ctx, `what was known about '${server.name}'`, meta, m.age);
      const installable = installTargets(server).map((t) => {
        try {
          const b = buildEntry(server, t, previewResolver, { localName: "x" });
          return {
            kind: t.kind,
            ...(t.kind === "remote" ? { remote: t.index + 1 } : { package: t.index + 1 }),
            runs: b.preview,
            inputs: b.inputs,
            ...(b.fixedHeaders && Object.keys(b.fixedHeaders).length ? { headers: b.fixedHeaders } : {}),
            ...(b.notes.length ? { notes: b.notes } : {}),
          };
        } catch (err) {
          return { kind: t.kind, error: (err as Error).message };
        }
      });
      ctx.out.result({ server, installable, cache: meta.cache }, () => m.renderShow(server));
    }));

  program.command("install").argument("<name>", "a NAME from `mcp-nexus search`")
    .description("Install a marketplace server: a registry entry, its secrets in the keychain")
    .option("--as <local-name>", "the name in your registry (default: from the marketplace name)")
    .option("--client <id>", "only write it to this client (repeatable; default: all)", collect, [])
    .option(
      "--env <KEY=VALUE>",
      "a non-secret value: env var, header, argument or URL variable (repeatable)",
      collect,
      [],
    )
    .option(
      "--secret <KEY>",
      "also ask for this secret env var (or header, for a remote) (repeatable)",
      collect,
      [],
    )
    .addOption(
      new Option("--use <kind>", "which way to run it, when it offers several").choices(
        ["npm", "pypi", "oci", "nuget", "remote"] as const,
      ),
    )
    .option("--remote <N|URL>", "install this remote (its number in 'mcp-nexus show', or its URL)")
    .option(
      "--pin <version>",
      "install this version from the MCP Registry (or NAME@VERSION; default: latest)",
    )
    .option("--stdin", "read KEY=VALUE lines from stdin even on a terminal")
    .option("--replace", "replace an existing server of that name")
    .option("--allow-plaintext", "accept --env values that look like secrets (not recommended)")
    .option("--refresh", "ask the marketplace again instead of using a cached answer")
    .addHelpText(
      "after",
      `
Secret values (API keys, tokens) go to the keychain, referenced as \${keychain:<name>.<key>}. On a
terminal you are asked for each (input hidden). Otherwise they are read from stdin as KEY=VALUE lines;
they are never taken from the command line. Required non-secret values: --env KEY=VALUE.

Examples:
  mcp-nexus install io.github.brave/brave-search-mcp-server --as brave     # asks, hidden
  printf 'BRAVE_API_KEY=%s\\n' "$BRAVE_API_KEY" | mcp-nexus install brave-search-mcp-server --as brave
  mcp-nexus install slideshot --secret SLIDESHOT_TOKEN --env LOG_LEVEL=info --client cursor
  mcp-nexus install com.cloudflare.mcp/mcp --remote 3
  mcp-nexus install io.github.domdomegg/airtable-mcp-server --pin 1.7.2 --use npm`,
    )
    .action(action(async (ctx, name: string, opts) => {
      const m = await market();
      const inst = await mod("install");
      const { validateServerName } = await mod("names");
      const reg = await mod("registry");

      if (opts.as) validateServerName(opts.as);
      const envFlags = parseEnvFlags(opts.env);
      for (const k of opts.secret) {
        if (!INPUT_KEY_RE.test(k)) {
          throw usageError(
            "E_USAGE",
            `--secret ${JSON.stringify(k.slice(0, 40))}: expected a name like API_KEY.`,
          );
        }
      }
      for (const c of opts.client) {
        if (!/^[a-z0-9][a-z0-9-]*$/.test(c)) {
          throw usageError("E_USAGE", `--client ${c}: client ids are lower-case, like 'claude-code'.`);
        }
      }
      // a --remote that can never match (neither a number from 'show' nor a URL) is a usage error
      // before anything else is checked or fetched
      if (
        opts.remote !== undefined && !/^[1-9][0-9]*$/.test(opts.remote) &&
        !/^(https?|wss?):\/\/\S+$/i.test(opts.remote)
      ) {
        throw usageError(
          "E_USAGE",
          `--remote ${
            JSON.stringify(opts.remote.slice(0, 80))
          }: expected a remote's number (1, 2, …) or its URL.`,
          {
            hint: `See the numbered remotes with: mcp-nexus show ${
              (await import("../core/arg_references.ts")).shellQuote(name)
            }`,
          },
        );
      }
      const refuseExisting = async (local: string) => {
        if (opts.replace) return;
        if ((await reg.loadRegistry()).servers[local]) {
          throw usageError("E_EXISTS", `A server named '${local}' already exists.`, {
            hint: `Use --as OTHER-NAME, or --replace to overwrite it.`,
            details: { server: local },
          });
        }
      };
      if (opts.as) await refuseExisting(opts.as);

      const cache = new m.MarketCache();
      const { server, meta } = await m.withProgress(
        `Looking up ${name}…`,
        m.progressEnabled(ctx.out.json),
        () => {
          const { bare, version } = splitVersion(name, opts.pin);
          return m.findServer(bare, { cache, refresh: !!opts.refresh, version });
        },
      );
      staleNote(ctx, `what was known about '${server.name}'`, meta, m.age);
      if (server.status && server.status !== "active") {
        ctx.out.warn(
          `the MCP Registry marks '${server.name}' as ${server.status}${
            server.statusMessage ? `: ${server.statusMessage}` : ""
          }.`,
        );
      }
      const existing = (await reg.loadRegistry()).servers;
      const local = opts.as ?? validateServerName(
        inst.defaultLocalName(
          server,
          (n) => Object.hasOwn(existing, n) ? (existing[n].source?.id ?? "(added by hand)") : null,
        ),
      );
      const target = inst.chooseTarget(server, { use: opts.use, remote: opts.remote });
      if (!opts.as) await refuseExisting(local);

      // pin what the metadata leaves open (PulseMCP lists no versions)
      let version: string | undefined;
      if ((target.kind === "npm" || target.kind === "pypi") && !target.pkg.version) {
        const { latestVersion } = await mod("versions");
        try {
          version =
            (await latestVersion(target.kind, target.pkg.identifier, { cache, refresh: !!opts.refresh }))
              .data;
        } catch (err) {
          ctx.out.warn(
            `could not look up the latest version of ${target.pkg.identifier} (${
              (err as Error).message
            }); it is installed unpinned.`,
          );
        }
      }
      const buildOpts = {
        localName: local,
        version,
        extraSecrets: opts.secret,
        extraValues: Object.fromEntries(envFlags),
      };
      const { inputs } = inst.buildEntry(server, target, () => undefined, buildOpts);
      const specs = new Map(inputs.map((s) => [s.key, s]));
      // the same install again, with the options given (never an --env value that looks secret)
      const { shellQuote } = await import("../core/arg_references.ts");
      const { isPlaintextSecret: looksSecret } = await mod("detect");
      const rerun = (skip: string[] = []) =>
        [
          `mcp-nexus install ${shellQuote(name)}`,
          ...(opts.as ? [`--as ${opts.as}`] : []),
          ...(opts.pin ? [`--pin ${shellQuote(opts.pin)}`] : []),
          ...(opts.use ? [`--use ${opts.use}`] : []),
          ...(opts.remote ? [`--remote ${shellQuote(opts.remote)}`] : []),
          ...opts.client.map((c) => `--client ${c}`),
          ...opts.secret.map((k) => `--secret ${k}`),
          ...[...envFlags].filter(([k, v]) =>
            !skip.includes(k) && !specs.get(k)?.secret && !looksSecret(k, v)
          )
            .map(([k, v]) => `--env ${shellQuote(`${k}=${v}`)}`),
          ...(opts.replace ? ["--replace"] : []),
        ].join(" ");
      const pipeHint = (keys: string[]) =>
        `printf '${keys.map((k) => `${k}=%s\\n`).join("")}' ${
          keys.map((k) => `"$${k.replace(/[^A-Za-z0-9_]/g, "_")}"`).join(" ")
        } | ${rerun(keys)}`;

      for (const k of envFlags.keys()) {
        if (specs.get(k)?.secret) {
          throw usageError(
            "E_SECRET_ON_ARGV",
            `${k} is a secret: mcp-nexus never takes secret values from the command line. Nothing was installed.`,
            { hint: `Type it when asked (on a terminal), or pipe it on stdin: ${pipeHint([k])}` },
          );
        }
      }
      if (!opts.allowPlaintext) {
        for (const [k, v] of envFlags) {
          if (looksSecret(k, v)) {
            throw usageError(
              "E_PLAINTEXT_SECRET",
              `--env ${k}: the value looks like a secret; nothing was installed.`,
              {
                hint:
                  `Mark it secret and give it on stdin: ${pipeHint([k])}${
                    opts.secret.includes(k) ? "" : ` --secret ${k}`
                  }. ` +
                  "If it is not a secret, add --allow-plaintext.",
                details: { field: `env.${k}` },
              },
            );
          }
        }
      }

      const interactive = Deno.stdin.isTerminal() && !opts.stdin;
      let store: Awaited<ReturnType<typeof openStore>> | undefined;
      const getStore = async () => store ??= await openStore(ctx);
      const answers = await collectInputs(inputs, {
        envFlags,
        interactive,
        serverName: server.name,
        hasStored: async (key) => await (await getStore()).exists(inst.secretName(local, key)),
      });
      const plan = await mod("plan");
      // the plaintext detector guards every path: a value that looks secret goes to the keychain
      const vouched = new Set(opts.allowPlaintext ? envFlags.keys() : []);
      for (const k of plan.settleAnswers(inputs, answers, vouched)) {
        ctx.out.warn(`${specs.get(k)?.where ?? k}: the value looks like a secret; it goes to the keychain.`);
      }
      plan.checkAnswers(inputs, answers, (missing) => {
        const secretKeys = missing.filter((s) => s.secret).map((s) => s.key);
        const envHint = missing.filter((s) => !s.secret).map((s) => ` --env ${s.key}=VALUE`).join("");
        if (interactive) return `Type the secret values when asked${envHint ? `, and add${envHint}` : ""}`;
        return `Secret values come from stdin as KEY=VALUE lines, others from --env: ${
          secretKeys.length ? pipeHint(secretKeys) : rerun()
        }${envHint}`;
      }, local);
      const { secrets, kept } = answers;

      const finished = plan.finishInstall(server, target, answers, buildOpts);
      const built = finished.built;
      for (const n of built.notes) ctx.out.warn(n);
      const now = new Date().toISOString();
      const parsed = { data: finished.entry };
      parsed.data.createdAt = now;
      parsed.data.updatedAt = now;
      if (opts.client.length) parsed.data.clients = [...new Set(opts.client)];

      const secretsOut: Array<{ key: string; secret: string; status: "stored" | "updated" | "kept" }> = [];
      for (const [k, v] of finished.secrets) {
        const r = await (await getStore()).set(inst.secretName(local, k), v);
        secretsOut.push({
          key: k,
          secret: inst.secretName(local, k),
          status: r.updated ? "updated" : "stored",
        });
      }
      for (const k of kept) {
        if (!secrets.has(k)) secretsOut.push({ key: k, secret: inst.secretName(local, k), status: "kept" });
      }
      const replaced = await reg.updateRegistry((data) => {
        const existed = Object.hasOwn(data.servers, local);
        if (existed && !opts.replace) {
          throw usageError("E_EXISTS", `A server named '${local}' already exists.`, {
            hint: "Use --as OTHER-NAME, or --replace to overwrite it.",
          });
        }
        if (existed) parsed.data.createdAt = data.servers[local].createdAt ?? now;
        data.servers[local] = parsed.data;
        return existed;
      });
      const label = store ? ` in ${store.backend.label}` : "";
      ctx.out.result(
        {
          name: local,
          from: { name: server.name, sources: server.sources },
          kind: target.kind,
          runs: built.preview,
          replaced,
          server: parsed.data,
          secrets: secretsOut,
          next: "mcp-nexus sync",
        },
        () =>
          [
            `${replaced ? "Replaced" : "Installed"} '${local}' from ${
              m.SOURCE_LABEL[server.sources[0]]
            } (${target.kind}): ${built.preview}`,
            ...secretsOut.map((s) =>
              `  ${specs.get(s.key)?.where ?? s.key} → \${keychain:${s.secret}} (${
                s.status === "kept" ? "already stored, kept" : `${s.status}${label}`
              })`
            ),
            "Next: mcp-nexus sync   (writes it to your AI clients)",
          ].join("\n"),
      );
      // on a terminal, offer to do that now: sync shows its diff and asks before it writes
      if (!ctx.out.json && Deno.stdin.isTerminal() && Deno.stderr.isTerminal()) {
        const { confirm } = await import("./prompt.ts");
        if (await confirm(`Sync '${local}' to your AI clients now?`)) {
          const { selfCommand } = await import("../core/launcher_command.ts");
          const [cmd, ...pre] = selfCommand();
          const clients = (opts.client as string[] | undefined ?? []).flatMap((c) => ["--client", c]);
          const args = [
            ...pre,
            ...(ctx.backendFlag ? ["--backend", ctx.backendFlag] : []),
            "sync",
            ...clients,
          ];
          return (await new Deno.Command(cmd, {
            args,
            stdin: "inherit",
            stdout: "inherit",
            stderr: "inherit",
          }).output())
            .code;
        }
      }
    }));

  program.command("outdated").argument("[names...]", "servers to check (default: all from npm or PyPI)")
    .description("Compare installed npm and PyPI servers with the latest versions")
    .option("--refresh", "ask npm and PyPI again instead of using answers cached in the last 5 minutes")
    .addHelpText("after", `\nExamples:\n  mcp-nexus outdated\n  mcp-nexus outdated brave --json`)
    .action(action(async (ctx, names: string[], opts) => {
      const { m, rows } = await checkInstalled(ctx, names, !!opts.refresh);
      const outdated = rows.filter((r) => r.status === "outdated" || r.status === "unpinned").length;
      ctx.out.result({ servers: rows, outdated }, () => m.renderOutdated(rows));
      return rows.length && rows.every((r) => r.error) ? ExitCode.FAILURE : ExitCode.OK;
    }));

  program.command("update").argument("[names...]", "servers to update (default: all from npm or PyPI)")
    .description("Pin installed npm and PyPI servers to their latest versions")
    .option("--dry-run", "show what would change, change nothing")
    .option("--refresh", "ask npm and PyPI again instead of using answers cached in the last 5 minutes")
    .addHelpText("after", `\nExamples:\n  mcp-nexus update --dry-run\n  mcp-nexus update brave`)
    .action(action(async (ctx, names: string[], opts) => {
      const { m, rows } = await checkInstalled(ctx, names, !!opts.refresh);
      const v = await mod("versions");
      const reg = await mod("registry");
      const todo = rows.filter((r) => (r.status === "outdated" || r.status === "unpinned") && r.latest);
      type Change = { name: string; package: string; from: string | null; to: string; kind?: string };
      const changes: Change[] = todo.map((r) => ({
        name: r.name,
        package: r.package,
        from: r.version ?? null,
        to: r.latest!,
        ...(r.kind ? { kind: r.kind } : {}),
      }));
      const skipped: Array<{ name: string; reason: string }> = [];
      let applied: Change[] = changes;
      if (!opts.dryRun && todo.length) {
        applied = await reg.updateRegistry((data) => {
          const done: Change[] = [];
          const now = new Date().toISOString();
          todo.forEach((r, i) => {
            const s = data.servers[r.name];
            const args = s ? v.updatedArgs(s, r, r.latest!) : null;
            if (!s || !args || s.transport !== "stdio") {
              skipped.push({
                name: r.name,
                reason: `its command no longer runs ${v.packageSpec(r.type, r.package, r.version)}; ` +
                  `reinstall it with: mcp-nexus install ${
                    s?.source?.id ?? r.package
                  } --as ${r.name} --replace`,
              });
              return;
            }
            s.args = args;
            s.source = { ...s.source!, version: r.latest! };
            s.updatedAt = now;
            done.push(changes[i]);
          });
          return done;
        });
      }
      for (const s of skipped) ctx.out.warn(`${s.name} skipped: ${s.reason}`);
      const verb = opts.dryRun ? "Would update" : "Updated";
      ctx.out.result(
        {
          dryRun: !!opts.dryRun,
          updated: applied,
          skipped,
          ...(applied.length && !opts.dryRun ? { next: "mcp-nexus sync" } : {}),
        },
        () => {
          if (!applied.length) return rows.length ? "Nothing to update." : m.renderOutdated([]);
          return [
            ...applied.map((c) => `${verb} ${c.name}: ${c.package} ${c.from ?? "(unpinned)"} → ${c.to}`),
            ...(opts.dryRun ? [] : ["Next: mcp-nexus sync   (writes the new versions to your AI clients)"]),
          ].join("\n");
        },
      );
      return skipped.length ? ExitCode.CONFLICT : ExitCode.OK;
    }));
}
