/**
 * Import: a client's entry → a registry definition, with plaintext secrets moved into the keychain
 * and replaced by `${keychain:NAME}` references; `import` (every detected client's servers, and the
 * MCP Nexus desktop app's) and `adopt` (one entry). src/cli/import.ts parses the options and prints.
 */
import { load } from "../model/load.ts";
import { join } from "../io/path.ts";
import type { ClientAdapter, ClientServer, PathContext } from "./clients.ts";
import { NexusError, usageError } from "../model/errors.ts";
import { registerSecret } from "../secrets/redact.ts";
import type { SecretStore } from "../secrets/secrets.ts";
import type { SecretServices } from "../secrets/services.ts";
import type { ArgReferenceWarning } from "../model/arg_references.ts";
import { toServerName } from "../model/names.ts";
import { findSecretsInArgs, replaceSecrets, type SecretSpan } from "../secrets/secret_detect.ts";
import { secretSlug } from "../model/names.ts";

/** Stores a value under a name like the suggested one; returns the name used. */
export type SecretSink = (suggested: string, value: string) => Promise<string>;

export interface ConvertedServer {
  def: Record<string, unknown>;
  /** `field → secret name` for every value moved to the keychain. */
  moved: Array<{ field: string; secret: string }>;
}

const slug = (s: string) => secretSlug(s) || "secret";

/** Converts a parsed client entry into a registry server definition, moving secrets out. */
export async function convertClientServer(
  server: string,
  cs: ClientServer,
  sink: SecretSink,
): Promise<ConvertedServer> {
  const moved: ConvertedServer["moved"] = [];
  // every secret (whole or embedded) becomes a reference; the rest of the string stays as it was
  const take = (field: string, key: string, value: string, spans?: readonly SecretSpan[]) =>
    replaceSecrets(key, value, async (secret, span) => {
      const name = await sink(`${slug(server)}.${slug(span.key || key)}`, secret);
      moved.push({ field, secret: name });
      return `\${keychain:${name}}`;
    }, spans);
  if (cs.transport === "stdio") {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(cs.env)) env[k] = await take(`env.${k}`, k, v);
    const args = [...cs.args];
    for (const { index, key, spans } of findSecretsInArgs(cs.args)) {
      args[index] = await take(`args[${index}]`, key || `arg${index}`, cs.args[index], spans);
    }
    return {
      def: {
        transport: "stdio",
        command: cs.command,
        args,
        env,
        ...(cs.cwd ? { cwd: cs.cwd } : {}),
        enabled: true,
      },
      moved,
    };
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(cs.headers)) headers[k] = await take(`headers.${k}`, k, v);
  const url = await take("url", "url", cs.url);
  return { def: { transport: cs.transport, url, headers, enabled: true }, moved };
}

/** A sink that stores values, reusing a name that already holds the same value. */
function keychainSink(store: SecretStore, stored: string[], dryRun: boolean): SecretSink {
  const pending = new Map<string, string>(); // value → name, within this run
  return async (suggested: string, value: string): Promise<string> => {
    registerSecret(value);
    const known = pending.get(value);
    if (known) return known;
    for (let i = 1;; i++) {
      const name = i === 1 ? suggested : `${suggested}-${i}`;
      const existing = await store.backend.get(name);
      if (existing === value) {
        pending.set(value, name);
        return name;
      }
      if (existing === null && ![...pending.values()].includes(name)) {
        if (!dryRun) await store.set(name, value);
        stored.push(name);
        pending.set(value, name);
        return name;
      }
    }
  };
}

/**
 * True if an entry is a launcher entry (ours, from this or any other install: a moved or upgraded
 * binary still counts): `… run NAME` started by `mcp-nexus` itself, or by `deno` with a main.ts.
 */
function isLauncher(cs: ClientServer): boolean {
  if (cs.transport !== "stdio" || cs.args.at(-2) !== "run") return false;
  const program = cs.command.split(/[\\/]/).pop() ?? "";
  return /^mcp-nexus(\.exe)?$/i.test(program) ||
    (/^deno(\.exe)?$/i.test(program) && cs.args.some((a) => /(^|[\\/])main\.ts$/.test(a)));
}

interface Found {
  client: ClientAdapter;
  path: string;
  /** The registry name (a valid server name made from `key`). */
  name: string;
  /** The entry's name in the client file. */
  key: string;
  entry: unknown;
  cs: ClientServer;
}

/** A client file's entries, read with the adapter for the format version it is in. */
export async function readClient(a: ClientAdapter, pathCtx: PathContext) {
  const { clientPath, readEntries } = await load<typeof import("./sync.ts")>(import.meta.url, "./sync.ts");
  const { parseDocument } = await load<typeof import("../formats/mod.ts")>(
    import.meta.url,
    "../formats/mod.ts",
  );
  const { readTextIfExists } = await load<typeof import("../io/fs.ts")>(import.meta.url, "../io/fs.ts");
  const path = clientPath(a, pathCtx);
  const text = await readTextIfExists(path);
  if (text === null) return { path, entries: new Map<string, { entry: unknown }>(), adapter: a };
  const doc = await parseDocument(a.format, text, path);
  // the adapter for the format version this file is in (opencode v2, …)
  const { adapterForData } = await load<typeof import("./client_format.ts")>(
    import.meta.url,
    "./client_format.ts",
  );
  const fa = adapterForData(a, doc.get([])).adapter;
  return { path, entries: readEntries(doc, fa), adapter: fa };
}

/** What `import` did (or, with `dryRun`, would do). */
export interface ImportOutcome {
  added: string[];
  alreadyInRegistry: string[];
  conflicts: Array<{ server: string; client: string; reason: string; fix?: string }>;
  secretsStored: string[];
  errors: Array<{ client: string; path: string; error: unknown }>;
  /** Arguments of the added servers that hold references a client cannot expand. */
  warnings: ArgReferenceWarning[];
  /** Whether anything is for `sync` to write (servers added, or entries found to be ours). */
  syncNeeded: boolean;
  /** The secret store's label (the secrets went there). */
  storeLabel: string;
}

/**
 * `import`: the servers of these clients' files (and the MCP Nexus desktop app's, with `desktopApp`)
 * into the registry, their plaintext secrets into the store (`secrets`: the host's). An entry that
 * mcp-nexus wrote (the ledger's hash matches) is ours, never a conflict; one that differs from the
 * registry's is left untouched and reported, with the `adopt` command that takes it.
 */
export async function importFromClients(
  adapters: ClientAdapter[],
  opts: { pathCtx: PathContext; secrets: SecretServices; dryRun?: boolean; desktopApp?: boolean },
): Promise<ImportOutcome> {
  const { pathCtx, secrets } = opts;
  const [{ allowNexusHome, updateRegistry }, { clientPath }, ledger] = await Promise.all([
    load<typeof import("../model/registry.ts")>(import.meta.url, "../model/registry.ts"),
    load<typeof import("./sync.ts")>(import.meta.url, "./sync.ts"),
    load<typeof import("../io/ledger.ts")>(import.meta.url, "../io/ledger.ts"),
  ]);
  allowNexusHome();
  const found: Found[] = [];
  const errors: Array<{ client: string; path: string; error: unknown }> = [];
  for (const a of adapters) {
    try {
      const { path, entries, adapter: fa } = await readClient(a, pathCtx);
      for (const [name, { entry }] of entries) {
        const cs = fa.parse(name, entry);
        if (cs && !isLauncher(cs)) {
          found.push({ client: a, path, name: toServerName(name), key: name, entry, cs });
        }
      }
    } catch (err) {
      errors.push({
        client: a.id,
        path: clientPath(a, pathCtx),
        error: (err as NexusError).toJSON?.() ?? String(err),
      });
    }
  }
  const desktop = opts.desktopApp ? await readDesktopApp() : [];
  const store = await secrets.store();
  await store.preflight(); // a damaged keys index stops us before the keychain changes
  const secretsStored: string[] = [];
  const sink = keychainSink(store, secretsStored, !!opts.dryRun);
  const added: string[] = [];
  const same: string[] = [];
  const conflicts: Array<{ server: string; client: string; reason: string; fix?: string }> = [];
  // entries mcp-nexus wrote (the ledger's hash matches): ours, never a conflict to import
  const ledgerNow = await ledger.loadLedger().catch(() => null);
  const isOurs = (f: Found) =>
    ledgerNow?.files[f.path]?.entries?.[f.key]?.sha256 === ledger.entryHash(f.entry);
  const wasOurs = (f: Found) => Object.hasOwn(ledgerNow?.files[f.path]?.entries ?? {}, f.key);
  const adoptFix = (f: Found) =>
    f.key === f.name ? `mcp-nexus adopt ${f.key} --client ${f.client.id}` : undefined;
  const owned: Array<{ client: string; server: string; path: string; hash: string }> = [];
  const { canonicalJson, entryHash } = ledger;
  const { argReferenceWarnings } = await load<typeof import("../model/arg_references.ts")>(
    import.meta.url,
    "../model/arg_references.ts",
  );
  const argWarningsFor = new Map<string, import("../model/arg_references.ts").ArgReferenceWarning[]>();
  const { Server, formatIssues } = await load<typeof import("../model/registry_schema.ts")>(
    import.meta.url,
    "../model/registry_schema.ts",
  );

  await updateRegistry(async (data) => {
    const resolvedCanon = async (name: string) => {
      try {
        const r = await secrets.resolveServer(name, data.servers[name]);
        return canonicalJson(toClientShape(r));
      } catch {
        return null;
      }
    };
    const byName = new Map<string, Found[]>();
    for (const f of found) byName.set(f.name, [...(byName.get(f.name) ?? []), f]);
    for (const [name, list] of byName) {
      let target = data.servers[name] ? await resolvedCanon(name) : null;
      for (const f of list) {
        if (data.servers[name] && isOurs(f)) {
          same.push(`${name} (${f.client.id}, written by mcp-nexus)`);
          continue;
        }
        const canon = canonicalJson(toClientShape(f.cs));
        if (target === null && !data.servers[name]) {
          const { def } = await convertClientServer(name, f.cs, sink);
          const parsed = Server.safeParse({ ...def, createdAt: new Date().toISOString() });
          if (!parsed.success) {
            conflicts.push({
              server: name,
              client: f.client.id,
              reason: `its entry is not a valid server definition (${formatIssues(parsed.error).join("; ")})`,
            });
            continue;
          }
          data.servers[name] = parsed.data;
          added.push(name);
          argWarningsFor.set(name, argReferenceWarnings(name, parsed.data));
          target = canon;
        }
        if (canon === target) {
          if (!added.includes(name)) same.push(`${name} (${f.client.id})`);
          owned.push({ client: f.client.id, server: f.key, path: f.path, hash: entryHash(f.entry) });
        } else {
          const fix = adoptFix(f);
          conflicts.push({
            server: name,
            client: f.client.id,
            reason: (wasOurs(f)
              ? `edited in ${f.client.name} since mcp-nexus wrote it; left untouched`
              : `differs from the registry's '${name}'; left untouched in ${f.client.name}`) +
              (fix ? ` (keep the client's version: ${fix})` : ""),
            ...(fix ? { fix } : {}),
          });
        }
      }
    }
    for (const d of desktop) {
      if (data.servers[d.name]) {
        same.push(`${d.name} (desktop app: a server of that name exists; not imported)`);
        continue;
      }
      // the desktop app's values go through the same plaintext → keychain path as client entries
      const { def } = await convertClientServer(d.name, d.cs, sink);
      const parsed = Server.safeParse({ ...def, ...d.common });
      if (!parsed.success) {
        conflicts.push({
          server: d.name,
          client: "mcp-nexus-desktop",
          reason: `not a valid server definition (${formatIssues(parsed.error).join("; ")})`,
        });
        continue;
      }
      data.servers[d.name] = parsed.data;
      added.push(`${d.name}`);
      argWarningsFor.set(d.name, argReferenceWarnings(d.name, parsed.data));
    }
    if (opts.dryRun) throw new DryRun();
  }).catch((err) => {
    if (!(err instanceof DryRun)) throw err;
  });

  if (!opts.dryRun && owned.length) {
    const { withLock } = await load<typeof import("../io/fs.ts")>(import.meta.url, "../io/fs.ts");
    await withLock(join(allowNexusHome(), ".sync.lock"), async () => {
      const data = await ledger.loadLedger();
      for (const o of owned) {
        const file = data.files[o.path] ??= { client: o.client, entries: {} };
        file.entries[o.server] = { sha256: o.hash, writtenAt: new Date().toISOString() };
      }
      await ledger.saveLedger(data);
    });
  }
  return {
    added,
    alreadyInRegistry: same,
    conflicts,
    secretsStored,
    errors,
    warnings: added.flatMap((n) => argWarningsFor.get(n) ?? []),
    syncNeeded: added.length > 0 || owned.length > 0,
    storeLabel: store.backend.label,
  };
}

class DryRun extends Error {}

function toClientShape(s: Record<string, unknown>): Record<string, unknown> {
  return s.transport === "stdio"
    ? {
      transport: "stdio",
      command: s.command,
      args: s.args ?? [],
      env: s.env ?? {},
      ...(s.cwd ? { cwd: s.cwd } : {}),
    }
    : { transport: s.transport, url: s.url, headers: s.headers ?? {} };
}

/** The MCP Nexus desktop app's registry: ~/.mcp-nexus/config.json. */
async function readDesktopApp(): Promise<
  Array<{ name: string; cs: ClientServer; common: Record<string, unknown> }>
> {
  const { homeDir } = await load<typeof import("../io/paths.ts")>(import.meta.url, "../io/paths.ts");
  const { readTextIfExists } = await load<typeof import("../io/fs.ts")>(import.meta.url, "../io/fs.ts");
  const path = join(homeDir(), ".mcp-nexus", "config.json");
  const text = await readTextIfExists(path);
  if (!text) return [];
  let data: { servers?: Array<Record<string, unknown>> };
  try {
    data = JSON.parse(text);
  } catch {
    throw new NexusError(
      "E_FILE_UNPARSABLE",
      `${path} (MCP Nexus desktop app) is not valid JSON; not imported.`,
      {
        hint: "Fix it, or skip it with --no-desktop-app.",
        details: { file: path },
      },
    );
  }
  const strings = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  const map = (v: unknown): Record<string, string> =>
    v && typeof v === "object"
      ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === "string"))
      : {};
  const out: Array<{ name: string; cs: ClientServer; common: Record<string, unknown> }> = [];
  for (const s of Array.isArray(data.servers) ? data.servers : []) {
    const t = s.transport as Record<string, unknown> | undefined;
    if (typeof s.name !== "string" || !t) continue;
    const common = {
      enabled: s.enabled !== false,
      ...(typeof s.description === "string" ? { description: s.description } : {}),
      ...(strings(s.enabledClients).length ? { clients: strings(s.enabledClients) } : {}),
      ...(typeof s.installedAt === "string" ? { createdAt: s.installedAt } : {}),
    };
    const name = toServerName(s.name);
    if (t.type === "stdio" && typeof t.command === "string") {
      out.push({
        name,
        common,
        cs: { transport: "stdio", command: t.command, args: strings(t.args), env: map(t.env) },
      });
    } else if (t.type === "sse" && typeof t.url === "string") {
      out.push({ name, common, cs: { transport: "sse", url: t.url, headers: map(t.headers) } });
    }
  }
  return out;
}

/**
 * `adopt SERVER --client X`: the client's version goes into the registry (its plaintext secrets into
 * the store) and becomes ours again.
 */
export async function adoptEntry(
  adapter: ClientAdapter,
  server: string,
  opts: { pathCtx: PathContext; secrets: SecretServices },
) {
  const [reg, ledgerMod] = await Promise.all([
    load<typeof import("../model/registry.ts")>(import.meta.url, "../model/registry.ts"),
    load<typeof import("../io/ledger.ts")>(import.meta.url, "../io/ledger.ts"),
  ]);
  reg.allowNexusHome();
  const { path, entries, adapter: fileAdapter } = await readClient(adapter, opts.pathCtx);
  const found = entries.get(server);
  if (!found) {
    throw new NexusError("E_SERVER_NOT_FOUND", `${adapter.name} has no server '${server}' in ${path}.`, {
      exitCode: 3,
    });
  }
  const cs = fileAdapter.parse(server, found.entry);
  if (!cs) {
    throw usageError("E_UNSUPPORTED", `${adapter.name}'s '${server}' is not an entry mcp-nexus understands.`);
  }
  if (isLauncher(cs)) {
    // a launcher entry (`mcp-nexus run NAME`) holds nothing to take into the registry: its definition
    // is the registry's already. Adopting it makes it ours again, so the next sync rewrites it.
    const data = await reg.loadRegistry();
    if (!Object.hasOwn(data.servers, server)) {
      throw usageError(
        "E_NOTHING_TO_ADOPT",
        `${adapter.name}'s '${server}' starts mcp-nexus's launcher for a server the registry does not have.`,
        {
          hint: `mcp-nexus server add ${server} -- COMMAND ARGS…, then mcp-nexus sync --client ${adapter.id}`,
        },
      );
    }
    const { withLock } = await load<typeof import("../io/fs.ts")>(import.meta.url, "../io/fs.ts");
    await withLock(join(reg.allowNexusHome(), ".sync.lock"), async () => {
      const ledger = await ledgerMod.loadLedger();
      const file = ledger.files[path] ??= { client: adapter.id, entries: {} };
      file.entries[server] = {
        sha256: ledgerMod.entryHash(found.entry),
        writtenAt: new Date().toISOString(),
      };
      await ledgerMod.saveLedger(ledger);
    });
    return { server, client: adapter.id, path, secretsStored: [] as string[], next: "mcp-nexus sync" };
  }
  const store = await opts.secrets.store();
  await store.preflight();
  const secretsStored: string[] = [];
  const { def } = await convertClientServer(server, cs, keychainSink(store, secretsStored, false));
  const { Server } = await load<typeof import("../model/registry_schema.ts")>(
    import.meta.url,
    "../model/registry_schema.ts",
  );
  await reg.updateRegistry((data) => {
    const prev = data.servers[server];
    const keep = prev
      ? Object.fromEntries(
        Object.entries(prev).filter(([k]) =>
          ["description", "enabled", "clients", "disabledClients", "source", "createdAt"].includes(k)
        ),
      )
      : {};
    const parsed = Server.safeParse({ ...def, ...keep, updatedAt: new Date().toISOString() });
    if (!parsed.success) {
      throw usageError("E_INVALID_SERVER", `${adapter.name}'s '${server}' is not a valid server definition.`);
    }
    data.servers[server] = parsed.data;
  });
  const { withLock } = await load<typeof import("../io/fs.ts")>(import.meta.url, "../io/fs.ts");
  await withLock(join(reg.allowNexusHome(), ".sync.lock"), async () => {
    const ledger = await ledgerMod.loadLedger();
    const file = ledger.files[path] ??= { client: adapter.id, entries: {} };
    file.entries[server] = { sha256: ledgerMod.entryHash(found.entry), writtenAt: new Date().toISOString() };
    await ledgerMod.saveLedger(ledger);
  });
  return { server, client: adapter.id, path, secretsStored, next: "mcp-nexus sync" };
}
