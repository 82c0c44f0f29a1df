/**
 * `mcp-nexus search | show | install | outdated | update`: servers from the marketplaces (PulseMCP
 * and the official MCP Registry) into the registry, their secrets into the keychain. Each action
 * loads src/core/marketplace/* only when it runs, so start-up stays fast.
 */
import { load } from "../core/model/load.ts";
import { type Command, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { action, collect, type Ctx } from "./context.ts";
import { ExitCode } from "../core/model/errors.ts";
import { writeErr } from "../core/io/output.ts";
import { terminalPrompt } from "./terminal_prompt.ts";

/** The modules actions load when they run. */
const MODULES = {
  cache: "../core/marketplace/cache.ts",
  catalog: "../core/marketplace/catalog.ts",
  install: "../core/marketplace/install.ts",
  installer: "../core/marketplace/installer.ts",
  progress: "../core/marketplace/progress.ts",
  prompt: "./prompt.ts",
  registry: "../core/model/registry.ts",
  render: "../core/marketplace/render.ts",
  services: "../host/services.ts",
  types: "../core/marketplace/types.ts",
  versions: "../core/marketplace/versions.ts",
} as const;
type Modules = {
  cache: typeof import("../core/marketplace/cache.ts");
  catalog: typeof import("../core/marketplace/catalog.ts");
  install: typeof import("../core/marketplace/install.ts");
  installer: typeof import("../core/marketplace/installer.ts");
  progress: typeof import("../core/marketplace/progress.ts");
  prompt: typeof import("./prompt.ts");
  registry: typeof import("../core/model/registry.ts");
  render: typeof import("../core/marketplace/render.ts");
  services: typeof import("../host/services.ts");
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
      const { splitVersion } = await mod("installer");
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
      const [{ installServer }, { SOURCE_LABEL }, { registrySecretServices }, prompt] = await Promise.all([
        mod("installer"),
        mod("types"),
        mod("services"),
        mod("prompt"),
      ]);
      (await mod("registry")).allowNexusHome();
      const r = await installServer({ ...opts, name }, {
        secrets: registrySecretServices(ctx.backendFlag, terminalPrompt),
        warn: (message) => ctx.out.warn(message),
        json: ctx.out.json,
        interactive: Deno.stdin.isTerminal() && !opts.stdin,
        readStdin: prompt.readStdin,
        promptHidden: prompt.promptHidden,
        promptLine,
      });
      const where = (key: string) => r.inputs.find((s) => s.key === key)?.where ?? key;
      const label = r.storeLabel ? ` in ${r.storeLabel}` : "";
      const local = r.local;
      ctx.out.result(
        {
          name: local,
          from: { name: r.server.name, sources: r.server.sources },
          kind: r.target.kind,
          runs: r.built.preview,
          replaced: r.replaced,
          server: r.entry,
          secrets: r.secrets,
          next: "mcp-nexus sync",
        },
        () =>
          [
            `${r.replaced ? "Replaced" : "Installed"} '${local}' from ${
              SOURCE_LABEL[r.server.sources[0]]
            } (${r.target.kind}): ${r.built.preview}`,
            ...r.secrets.map((s) =>
              `  ${where(s.key)} → \${keychain:${s.secret}} (${
                s.status === "kept" ? "already stored, kept" : `${s.status}${label}`
              })`
            ),
            "Next: mcp-nexus sync   (writes it to your AI clients)",
          ].join("\n"),
      );
      // on a terminal, offer to do that now: sync shows its diff and asks before it writes
      if (!ctx.out.json && Deno.stdin.isTerminal() && Deno.stderr.isTerminal()) {
        const { confirm } = await load<typeof import("./prompt.ts")>(import.meta.url, "./prompt.ts");
        if (await confirm(`Sync '${local}' to your AI clients now?`)) {
          const { selfCommand } = await load<typeof import("../core/launch/launcher_command.ts")>(
            import.meta.url,
            "../core/launch/launcher_command.ts",
          );
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
