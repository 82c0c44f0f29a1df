/**
 * The sync engine: plan → masked diff → apply.
 *
 * Three kinds of state are kept apart (as chezmoi does): the declared state (the registry), the
 * rendered state (each client's desired entries, computed here), and the persistent state (the
 * ledger of what we last wrote). Planning reads and parses files and computes edits; it writes
 * nothing, so `--dry-run` is exactly the plan. Applying takes the sync lock and goes file by file:
 * backs it up, records the new hashes as pending in the ledger, replaces the file only if it still
 * holds what was planned from (else plans that client again: a client's own write is never lost),
 * then confirms the hashes. A crash anywhere leaves nothing of ours looking like drift.
 *
 * Rules: an entry we never wrote is never touched; an owned entry edited since we wrote it is drift
 * and is skipped unless forced; a file that does not parse is left untouched and reported, and the
 * other clients are still synced. The core never names a client: adapters come from the caller.
 */
import { load } from "../model/load.ts";
import { join } from "../io/path.ts";
import type { ClientAdapter, ClientServer, PathContext } from "./clients.ts";
import { NexusError, toNexusError } from "../model/errors.ts";
import { allowWritesUnder, readTextIfExists, resolveTarget, sweepAfterCrash, withLock } from "../io/fs.ts";
import { canonicalJson, entryHash, type Ledger, loadLedger, ownsHash, saveLedger } from "../io/ledger.ts";
import { BackupRun } from "../io/backups.ts";
import { nexusHome } from "../io/paths.ts";
import { collectReferences, parseValue, renderValue } from "../model/references.ts";
import { isEnabledFor, type RegistryData, type ServerDef } from "../model/registry.ts";
import { launcherEntry } from "../launch/launcher_command.ts";
import { bridgeable } from "../launch/bridge_check.ts";
import { envVarFor } from "../secrets/secrets.ts";
import type { ConfigDocument } from "../formats/mod.ts";
import { adapterForData } from "./client_format.ts";
import type { PlanCache } from "./plan_cache.ts";

export interface SyncOptions {
  /** Only these client ids (explicitly named: created even if not detected). Default: every detected client. */
  clients?: string[];
  /** `launcher` (default): secrets stay in the keychain; `inline`: resolved values are written (0600). */
  secrets: "launcher" | "inline";
  /** Overwrite owned entries that were edited outside mcp-nexus (drift). */
  force: boolean;
  /** Resolves a server's references (inline mode only). */
  resolve?: (name: string, server: ServerDef) => Promise<ServerDef>;
  /**
   * `project`: the files are a repository's (usually committed to git): servers with secrets are
   * launcher entries only (no env placeholders), inline secrets are refused, and an entry holding a
   * secret-looking literal is skipped. @default "user"
   */
  scope?: "user" | "project";
  /** Plans of unchanged inputs found to have nothing to do (src/core/sync/plan_cache.ts); none: plan every file. */
  planCache?: PlanCache;
}

export type EntryAction = "add" | "update" | "remove";

export interface EntryChange {
  server: string;
  action: EntryAction;
  before?: unknown;
  after?: unknown;
}

export interface Skipped {
  server: string;
  kind: "drift" | "conflict" | "unsupported" | "secret";
  reason: string;
  /** Why the client cannot get a safe form (secret skips): one clause, no remedy. */
  cause?: string;
}

export interface FilePlan {
  client: string;
  clientName: string;
  path: string;
  status: "changed" | "unchanged" | "error" | "not-detected";
  exists: boolean;
  changes: EntryChange[];
  skipped: Skipped[];
  /** Things the user must know (e.g. env vars the client must have). */
  notes: string[];
  error?: NexusError;
  /** Text read, and text to write. */
  before: string | null;
  after: string | null;
  /** Ledger updates for this file: name → new hash, or null to forget. */
  ledger: Record<string, string | null>;
  /** The file will hold resolved secret values (inline mode): forced to 0600. */
  holdsSecrets: boolean;
  /** Entries written with resolved values (inline mode), recorded as such in the ledger. */
  inlineKeys?: string[];
}

function emptyText(adapter: ClientAdapter): string {
  return adapter.emptyFile ?? (adapter.format === "json" || adapter.format === "jsonc" ? "{}\n" : "");
}

/** The file a client uses here: the first candidate that exists, else the first. */
export function clientPath(adapter: ClientAdapter, ctx: PathContext): string {
  const paths = adapter.paths(ctx);
  return paths.find((p) => ctx.exists(p)) ?? paths[0];
}

/** Entries currently in the file, by name (with their array index for array storage). */
export function readEntries(
  doc: ConfigDocument,
  adapter: ClientAdapter,
): Map<string, { entry: unknown; index?: number }> {
  const out = new Map<string, { entry: unknown; index?: number }>();
  const container = doc.get(adapter.serversPath);
  if (adapter.storage === "array") {
    if (Array.isArray(container)) {
      container.forEach((e, index) => {
        const name = e && typeof e === "object" ? (e as Record<string, unknown>).name : undefined;
        if (typeof name === "string") out.set(name, { entry: e, index });
      });
    }
  } else if (container && typeof container === "object" && !Array.isArray(container)) {
    for (const [name, entry] of Object.entries(container)) out.set(name, { entry });
  }
  return out;
}

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v === null) return "empty";
  if (typeof v === "object") return "a map";
  if (typeof v === "string") return "a string";
  return `a ${typeof v}`;
}

/**
 * The servers container (and each map on the way to it) must have the shape the client's storage
 * kind expects, else the file is reported and left alone: replacing a `mcpServers` map of the
 * user's servers with our list (or a string with our map) would lose them.
 */
export function containerShapeError(
  doc: ConfigDocument,
  adapter: ClientAdapter,
  path: string,
): NexusError | null {
  const sp = adapter.serversPath;
  for (let i = 1; i <= sp.length; i++) {
    const v = doc.get(sp.slice(0, i));
    if (v === undefined || v === null) return null;
    const last = i === sp.length;
    const wantList = last && adapter.storage === "array";
    const ok = wantList ? Array.isArray(v) : typeof v === "object" && !Array.isArray(v);
    if (ok) continue;
    const where = sp.slice(0, i).join(".");
    const want = wantList ? "a list" : "a map";
    return new NexusError(
      "E_SERVERS_SHAPE",
      `${path}: '${where}' is ${kindOf(v)}, not ${want}${
        last ? ` of servers as ${adapter.name} expects` : ""
      }; mcp-nexus left the file alone.`,
      {
        hint: `Make '${where}' ${want} in ${path} (or remove it), then run 'mcp-nexus sync' again.`,
        details: { file: path, field: where },
      },
    );
  }
  return null;
}

/** What is written for a server in this client, or why it cannot be. */
async function desiredEntry(
  name: string,
  server: ServerDef,
  adapter: ClientAdapter,
  opts: SyncOptions,
  notes: string[],
  /** The user opted this client into its own env interpolation (`settings.interpolateClients`). */
  interpolateOptIn = false,
): Promise<{ entry: Record<string, unknown>; inline: boolean } | { skip: Skipped }> {
  const refs = collectReferences(server, name);
  const bridge = () => ({ transport: "stdio" as const, ...launcherEntry(name), env: {}, launcher: true });
  const project = opts.scope === "project";
  if (project && opts.secrets === "inline") {
    throw new NexusError(
      "E_USAGE",
      "--secrets inline is refused for project files (they are usually committed to git).",
      {
        exitCode: 2,
        hint:
          "Drop --secrets inline: project files get launcher entries, and the secrets stay in the keychain.",
      },
    );
  }
  if (!adapter.transports.includes(server.transport)) {
    if (server.transport !== "stdio" && adapter.transports.includes("stdio") && bridgeable(server.url)) {
      notes.push(
        `${name}: ${adapter.name} takes stdio servers only; it reaches ${server.url} through mcp-nexus run.`,
      );
      return { entry: adapter.render(name, bridge()), inline: false };
    }
    return {
      skip: {
        server: name,
        kind: "unsupported",
        reason:
          `${adapter.name}'s config file cannot hold ${
            server.transport === "stdio" ? "stdio" : `remote (${server.transport})`
          } servers` +
          (server.transport !== "stdio" ? " (add it in the client's own settings)" : ""),
      },
    };
  }
  let cs: ClientServer;
  let inline = false;
  if (refs.length > 0 && opts.secrets === "inline") {
    if (!opts.resolve) throw new Error("inline secrets need a resolver");
    const r = await opts.resolve(name, server);
    cs = r.transport === "stdio"
      ? { transport: "stdio", command: r.command, args: r.args, env: r.env, ...(r.cwd ? { cwd: r.cwd } : {}) }
      : { transport: r.transport, url: r.url, headers: r.headers };
    inline = true;
  } else if (server.transport === "stdio") {
    // the launcher applies cwd itself, so a client without cwd support still starts it in the right place
    cs = refs.length > 0 || (server.cwd && !adapter.supportsCwd)
      ? { transport: "stdio", ...launcherEntry(name), env: {}, launcher: true }
      : {
        transport: "stdio",
        command: server.command,
        args: server.args,
        env: server.env,
        ...(server.cwd ? { cwd: server.cwd } : {}),
      };
  } else if (refs.length === 0) {
    cs = { transport: server.transport, url: server.url, headers: server.headers };
  } else {
    // the bridge by default: it works wherever the client starts (GUI apps included), no variable to
    // export; the client's env placeholder only where the user opted in (project files: never)
    const interpolate = project || !interpolateOptIn ? undefined : adapter.envInterpolation;
    if (!interpolate && adapter.envInterpolation && !project && !adapter.transports.includes("stdio")) {
      // no stdio entry for the bridge: the client's own interpolation is the only form without the value
      return desiredEntry(name, server, adapter, opts, notes, true);
    }
    const wholeOnly = adapter.envInterpolationScope === "whole-value";
    const fits = (field: string) => {
      const header = field.slice("headers.".length);
      const v = server.headers[header]?.trim() ?? "";
      return /^(\$\{keychain:[^}]+\}|keychain:\S+)$/.test(v) ||
        (/^authorization$/i.test(header) && /^Bearer \$\{keychain:[^}]+\}$/.test(v));
    };
    if (
      !interpolate || refs.some((r) => r.field === "url") || (wholeOnly && !refs.every((r) => fits(r.field)))
    ) {
      if (adapter.transports.includes("stdio") && bridgeable(server.url)) {
        // the launcher bridges stdio to the server; the secret headers live only in its memory
        return { entry: adapter.render(name, bridge()), inline: false };
      }
      const fields = refs.map((r) => r.field).join(", ");
      const inUrl = refs.some((r) => r.field === "url");
      const cause = project
        ? "a project file gets only launcher entries"
        : !interpolate
        ? `${adapter.name} cannot read secrets from its environment`
        : inUrl
        ? `the secret is in the URL (mcp-nexus writes ${adapter.name}'s environment placeholders only in headers)`
        : `${adapter.name} reads an environment variable only as a whole header value, and a header mixes text ` +
          `with a secret`;
      const skipCause = `${cause}, and ${
        adapter.transports.includes("stdio")
          ? `the launcher bridges only http(s) URLs`
          : `${adapter.name} takes no stdio entry through which the launcher could bridge it`
      }`;
      return {
        skip: {
          server: name,
          kind: "secret",
          cause: skipCause,
          // --secrets inline is refused for project files (usually committed): not a fix to offer there
          reason: `its ${fields} hold secrets, and ${skipCause}; ` +
            (adapter.transports.includes("stdio")
              ? `fix its url (mcp-nexus server add ${name} --replace --url https://HOST/PATH)` +
                (project ? "" : ", or ")
              : project
              ? `add it in ${adapter.name}'s user settings instead (not in a file committed to git)`
              : "") +
            (project
              ? ""
              : `to write the values into the file (mode 0600; every server's, not only this one's): ` +
                `mcp-nexus sync --client ${adapter.id} ` +
                `--secrets inline, or add it in ${adapter.name}'s own settings`),
        },
      };
    }
    const vars = new Set<string>();
    const headers = Object.fromEntries(
      Object.entries(server.headers).map((
        [k, v],
      ) => [
        k,
        renderValue(parseValue(v), (secret) => (vars.add(envVarFor(secret)), interpolate(envVarFor(secret)))),
      ]),
    );
    notes.push(
      `${name}: ${adapter.name} reads ${[...vars].join(", ")} from its environment; set ${
        vars.size > 1 ? "them" : "it"
      } where ${adapter.name} starts (the value stays out of the file).`,
    );
    cs = { transport: server.transport, url: server.url, headers };
  }
  const entry = adapter.render(name, cs);
  if (project) {
    // the same detector doctor uses for plaintext secrets in client files (loaded only for projects)
    const fields = (await load<typeof import("./doctor.ts")>(import.meta.url, "./doctor.ts"))
      .plaintextFields(entry);
    if (fields.length) {
      return {
        skip: {
          server: name,
          kind: "secret",
          reason:
            `its ${fields.join(", ")} look like a secret written as plain text, and project files are ` +
            `usually committed to git; move it to the keychain: ${
              ((await load<typeof import("../secrets/plaintext_fix.ts")>(
                import.meta.url,
                "../secrets/plaintext_fix.ts",
              )).keychainFixCommands(name, server) ??
                [`mcp-nexus secret set ${name}.secret`]).join(" && ")
            } (each 'secret set' asks for its value), then sync again`,
        },
      };
    }
  }
  return { entry, inline };
}

/**
 * A server sync cannot write safely for this client (its secrets have no safe form there) while the
 * entry in the file is still the one mcp-nexus owns (imported, adopted or written) and holds plaintext
 * secrets that the registry keeps in the keychain: leaving it would leave the plaintext for good, so
 * the entry is removed (the backup keeps the old file; the registry and keychain keep the server) and
 * a note says why and how to get it back. True when that is the case.
 */
async function dropsPlaintext(
  skip: Skipped,
  entry: unknown,
  rec: Ledger["files"][string]["entries"][string] | undefined,
  adapter: ClientAdapter,
  plan: FilePlan,
  project: boolean,
): Promise<boolean> {
  if (skip.kind !== "secret" || entry === undefined || !rec || !ownsHash(rec, entryHash(entry))) return false;
  if (rec.inline) return false; // written with --secrets inline: the user asked for the values there
  const fields = (await load<typeof import("./doctor.ts")>(import.meta.url, "./doctor.ts"))
    .plaintextFields(entry);
  if (!fields.length) return false;
  plan.notes.push(
    `${skip.server}: removed from ${adapter.name}: its ${
      fields.join(", ")
    } held plaintext secret(s), which ` +
      `the registry now keeps in the keychain, and ${
        skip.cause ?? "mcp-nexus cannot write a form without them here"
      }. ` +
      `The server stays in the registry, and the old file is in the backup. To have it in ${adapter.name} again: ` +
      (!project
        ? `mcp-nexus sync --client ${adapter.id} --secrets inline (writes the secret values of every server it syncs there into the file, mode 0600), ` +
          `or add it in ${adapter.name}'s own settings.`
        : `add it in ${adapter.name}'s user settings (not in a file committed to git).`),
  );
  return true;
}

/** Plans one client's file. Never throws for a bad file: the plan carries the error. */
export async function planClient(
  adapter: ClientAdapter,
  ctx: PathContext,
  registry: RegistryData,
  ledger: Ledger,
  opts: SyncOptions,
): Promise<FilePlan> {
  const path = clientPath(adapter, ctx);
  const plan: FilePlan = {
    client: adapter.id,
    clientName: adapter.name,
    path,
    status: "unchanged",
    exists: false,
    changes: [],
    skipped: [],
    notes: [],
    before: null,
    after: null,
    ledger: {},
    holdsSecrets: false,
  };
  let cacheKey: string | undefined;
  try {
    const text = await readTextIfExists(path, { keepBom: true });
    plan.before = text;
    plan.exists = text !== null;
    if (text === null && !opts.clients?.includes(adapter.id) && !adapter.detect(ctx)) {
      plan.status = "not-detected";
      return plan;
    }
    // the same file, ledger entries, registry, options and code as a plan that found nothing to do
    if (text !== null) {
      cacheKey = await opts.planCache?.keyFor(adapter, path, text, ledger.files[path]?.entries);
    }
    const hit = cacheKey === undefined ? undefined : opts.planCache!.get(path, cacheKey);
    if (hit) {
      plan.skipped = hit.skipped;
      plan.notes = hit.notes;
      return plan;
    }
    const { parseDocument } = await load<typeof import("../formats/mod.ts")>(
      import.meta.url,
      "../formats/mod.ts",
    );
    const doc = await parseDocument(adapter.format, text ?? emptyText(adapter), path);
    // the format version this file is in (opencode v1 `mcp.<name>` / v2 `mcp.servers.<name>`, …)
    adapter = adapterForData(adapter, doc.get([])).adapter;
    const shape = containerShapeError(doc, adapter, path);
    if (shape) throw shape;
    const current = readEntries(doc, adapter);
    const owned = ledger.files[path]?.entries ?? {};

    // keyed by the client's key for each server (its name, unless the client folds names)
    const desired = new Map<string, Record<string, unknown>>();
    const keyOwner = new Map<string, string>();
    const interpolateOptIn = registry.settings.interpolateClients?.includes(adapter.id) ?? false;
    for (const server of Object.keys(registry.servers).sort()) {
      const def = registry.servers[server];
      if (!isEnabledFor(def, adapter.id)) continue;
      const key = adapter.entryKey?.(server) ?? server;
      if (keyOwner.has(key)) {
        plan.skipped.push({
          server,
          kind: "conflict",
          reason: `${adapter.name} stores it under '${key}', as it does '${
            keyOwner.get(key)
          }'; rename one of them`,
        });
        continue;
      }
      keyOwner.set(key, server);
      const d = await desiredEntry(server, def, adapter, opts, plan.notes, interpolateOptIn);
      if (
        "skip" in d &&
        await dropsPlaintext(
          d.skip,
          current.get(key)?.entry,
          owned[key],
          adapter,
          plan,
          opts.scope === "project",
        )
      ) {
        continue; // not desired and not skipped: the owned-entries pass below removes it
      }
      if ("skip" in d) plan.skipped.push(d.skip);
      else {
        desired.set(key, d.entry);
        if (d.inline) {
          plan.holdsSecrets = true;
          (plan.inlineKeys ??= []).push(key);
        }
      }
    }

    const sets: Array<[string, Record<string, unknown>]> = [];
    const removes: string[] = [];
    for (const [name, entry] of desired) {
      const cur = current.get(name);
      const wantHash = entryHash(entry);
      if (!cur) {
        plan.changes.push({ server: name, action: "add", after: entry });
        sets.push([name, entry]);
        plan.ledger[name] = wantHash;
        continue;
      }
      const curHash = entryHash(cur.entry);
      if (curHash === wantHash) {
        if (
          !Object.hasOwn(owned, name) || owned[name].sha256 !== wantHash || owned[name].pending ||
          !!owned[name].inline !== !!plan.inlineKeys?.includes(name)
        ) {
          plan.ledger[name] = wantHash; // identical: ours now
        }
        continue;
      }
      if (!Object.hasOwn(owned, name)) {
        plan.skipped.push({
          server: name,
          kind: "conflict",
          reason: `${adapter.name} already has a server '${name}' that mcp-nexus did not write; left as is ` +
            `('mcp-nexus adopt ${name} --client ${adapter.id}' makes the client's version the registry's, ` +
            `or rename one of them)`,
        });
        continue;
      }
      if (!ownsHash(owned[name], curHash) && !opts.force) {
        plan.skipped.push({
          server: name,
          kind: "drift",
          reason: `edited in ${adapter.name} since mcp-nexus wrote it; skipped (--force overwrites it, ` +
            `'mcp-nexus adopt ${name} --client ${adapter.id}' keeps the client's version)`,
        });
        continue;
      }
      plan.changes.push({ server: name, action: "update", before: cur.entry, after: entry });
      sets.push([name, entry]);
      plan.ledger[name] = wantHash;
    }
    for (const [name, rec] of Object.entries(owned)) {
      if (
        desired.has(name) ||
        plan.skipped.some((s) =>
          (adapter.entryKey?.(s.server) ?? s.server) === name && s.kind !== "unsupported"
        )
      ) {
        continue;
      }
      const cur = current.get(name);
      if (!cur) {
        plan.ledger[name] = null;
        continue;
      }
      if (!ownsHash(rec, entryHash(cur.entry)) && !opts.force) {
        plan.skipped.push({
          server: name,
          kind: "drift",
          reason:
            `no longer in the registry for ${adapter.name}, but edited there since mcp-nexus wrote it; ` +
            `left as is (--force removes it)`,
        });
        continue;
      }
      plan.changes.push({ server: name, action: "remove", before: cur.entry });
      removes.push(name);
      plan.ledger[name] = null;
    }

    if (sets.length || removes.length) {
      if (adapter.storage === "array") {
        const indexOf = (n: string) => current.get(n)?.index;
        for (const n of removes.sort((a, b) => (indexOf(b) ?? 0) - (indexOf(a) ?? 0))) {
          doc.delete([...adapter.serversPath, indexOf(n)!]);
        }
        const after = readEntries(doc, adapter);
        let length = Array.isArray(doc.get(adapter.serversPath))
          ? (doc.get(adapter.serversPath) as unknown[]).length
          : 0;
        for (const [n, entry] of sets) {
          const at = after.get(n)?.index;
          if (at !== undefined) doc.set([...adapter.serversPath, at], entry);
          else if (length === 0 && !Array.isArray(doc.get(adapter.serversPath))) {
            doc.set(adapter.serversPath, [entry]);
            length = 1;
          } else doc.set([...adapter.serversPath, length++], entry);
        }
      } else {
        for (const n of removes) doc.delete([...adapter.serversPath, n]);
        for (const [n, entry] of sets) doc.set([...adapter.serversPath, n], entry);
      }
      plan.after = doc.toString();
      plan.status = plan.after === (text ?? "") ? "unchanged" : "changed";
    }
  } catch (err) {
    plan.status = "error";
    // an OS error reading the file (ENOTDIR, EACCES…) names the file; anything else keeps its own message
    const osError = Object.values(Deno.errors).some((E) => err instanceof E);
    plan.error = !osError ? toNexusError(err) : new NexusError(
      "E_READ_FAILED",
      `Could not read ${adapter.name}'s ${path}: ${
        (err as Error).message.split("\n")[0]
      }; mcp-nexus left it alone.`,
      {
        hint: `Check ${path} and the directories above it, then run 'mcp-nexus sync' again.`,
        details: { file: path, client: adapter.id },
      },
    );
  }
  if (cacheKey !== undefined) {
    // drift and conflicts are not kept: the user is to act on those, and they are planned afresh each time
    const nothingToDo = plan.status === "unchanged" && !plan.changes.length &&
      !Object.keys(plan.ledger).length && !plan.holdsSecrets &&
      !plan.skipped.some((s) => s.kind === "drift" || s.kind === "conflict");
    if (nothingToDo) opts.planCache!.put(path, cacheKey, plan);
    else opts.planCache!.forget(path);
  }
  return plan;
}

/**
 * Two clients whose config paths lead to one real file (symlinks into one dotfiles file) would
 * overwrite each other and report drift forever: the file is planned once, for the first client;
 * the others are told so and left out.
 */
async function oneClientPerFile(plans: FilePlan[]): Promise<void> {
  const seen = new Map<string, FilePlan>();
  for (const plan of plans) {
    if (plan.status === "not-detected") continue;
    let real: string;
    try {
      real = await resolveTarget(plan.path);
    } catch {
      continue; // a symlink loop: its plan already carries the error
    }
    const first = seen.get(real);
    if (!first) {
      seen.set(real, plan);
      continue;
    }
    Object.assign(plan, {
      status: "unchanged",
      changes: [],
      skipped: [],
      after: null,
      ledger: {},
      error: undefined,
      holdsSecrets: false,
    });
    plan.notes = [
      `${plan.path} is the same file as ${first.clientName}'s ${first.path}; it is synced once, as ${first.clientName}'s.`,
    ];
  }
}

/** Plans every selected client (against `ledger`: applySync passes the one it then updates). */
export async function planSync(
  adapters: ClientAdapter[],
  ctx: PathContext,
  registry: RegistryData,
  opts: SyncOptions,
  ledger?: Ledger,
): Promise<FilePlan[]> {
  const owned = ledger ?? await loadLedger();
  let plans: FilePlan[];
  if (opts.resolve) {
    // secret values are resolved: one client after another (a store that asks for a passphrase asks once)
    plans = [];
    for (const a of adapters) plans.push(await planClient(a, ctx, registry, owned, opts));
  } else {
    // planning reads and hashes each client's file and changes nothing shared: all at once (a no-op
    // sync of 22 clients plans in ~12 ms instead of ~17 ms); the plans keep the adapters' order
    plans = await Promise.all(adapters.map((a) => planClient(a, ctx, registry, owned, opts)));
  }
  await oneClientPerFile(plans);
  return plans;
}

export interface ApplyResult {
  plans: FilePlan[];
  backup: string | null;
  /** Files that were written. */
  written: string[];
}

/** A copy of one file's ledger record (its entries a prototype-free map, as loadLedger gives them). */
function copyLedgerFile(f: Ledger["files"][string] | undefined): Ledger["files"][string] | undefined {
  if (!f) return undefined;
  const entries: Ledger["files"][string]["entries"] = Object.create(null);
  for (const [name, e] of Object.entries(f.entries)) entries[name] = { ...e };
  return { client: f.client, entries };
}

/** How many times a file a client keeps rewriting is planned again before it is reported. */
const MAX_REPLANS = 8;

/** A failure writing one client's file, as that client's error naming the file. */
function writeError(plan: FilePlan, err: unknown): NexusError {
  if (err instanceof NexusError) return err;
  const reason = (err instanceof Error ? err.message : String(err)).split("\n")[0];
  return new NexusError(
    "E_WRITE_FAILED",
    `Could not write ${plan.clientName}'s ${plan.path}: ${reason}. It was left as it was.`,
    {
      hint:
        "Fix the cause (free space, a read-only mount, the file's permissions), then run 'mcp-nexus sync' again.",
      details: { file: plan.path, client: plan.client },
    },
  );
}

/**
 * Plans and applies under the sync lock, file by file. Each file is compared with what was planned
 * right before its rename; if a client rewrote it meanwhile, that client is planned again from what
 * is there now (its write is kept). Ownership follows what was really written: the ledger records
 * each file's entries as pending before the rename and as written after it, so a crash at any point
 * leaves no entry of ours looking like drift. One client's failure is that client's error; the
 * others are still synced.
 */
export async function applySync(
  adapters: ClientAdapter[],
  ctx: PathContext,
  registry: RegistryData,
  opts: SyncOptions,
  approve: (plans: FilePlan[]) => Promise<boolean> = () => Promise.resolve(true),
): Promise<ApplyResult> {
  return await withLock(join(nexusHome(), ".sync.lock"), async () => {
    const ledger = await loadLedger();
    const plans = await planSync(adapters, ctx, registry, opts, ledger);
    // a run that died holding the lock: its temp files go, next to every file planned (written or not)
    await sweepAfterCrash(plans.filter((p) => p.status !== "not-detected").map((p) => p.path));
    const anyLedger = plans.some((p) => Object.keys(p.ledger).length > 0 && p.status !== "error");
    if (!plans.some((p) => p.status === "changed") && !anyLedger) return { plans, backup: null, written: [] };
    if (plans.some((p) => p.status === "changed") && !(await approve(plans))) {
      throw new NexusError("E_CANCELLED", "Nothing was changed.", { exitCode: 130 });
    }
    const backup = new BackupRun("sync");
    const written: string[] = [];
    // client files are written from a Worker that may touch those files alone (src/core/io/scoped_write.ts)
    const { ScopedWriter } = await load<typeof import("../io/scoped_write.ts")>(
      import.meta.url,
      "../io/scoped_write.ts",
    );
    const writer = new ScopedWriter();
    const changing = plans.filter((p) => p.status === "changed").map((p) => p.path);
    allowWritesUnder(...changing);
    await writer.add(changing);
    const record = (plan: FilePlan, pending: boolean) => {
      const file = ledger.files[plan.path] ??= { client: plan.client, entries: {} };
      const inline = (name: string) => plan.inlineKeys?.includes(name) ? { inline: true } : {};
      for (const [name, hash] of Object.entries(plan.ledger)) {
        const was = Object.hasOwn(file.entries, name) ? file.entries[name] : undefined;
        if (pending) {
          // before the rename: the new hash is ours too; a removal waits until it happened
          if (hash === null) continue;
          if (was) was.pending = hash;
          else file.entries[name] = { sha256: hash, writtenAt: new Date().toISOString(), ...inline(name) };
        } else if (hash === null) delete file.entries[name];
        else file.entries[name] = { sha256: hash, writtenAt: new Date().toISOString(), ...inline(name) };
      }
    };
    for (let i = 0; i < plans.length; i++) {
      let plan = plans[i];
      if (plan.status === "error" || plan.status === "not-detected") continue;
      try {
        for (let attempt = 0; plan.status === "changed"; attempt++) {
          allowWritesUnder(plan.path);
          await backup.add(plan.path, plan.client, ledger.files[plan.path]?.entries ?? {});
          const before = copyLedgerFile(ledger.files[plan.path]);
          record(plan, true);
          await saveLedger(ledger);
          try {
            await writer.write(plan.path, plan.after!, {
              ...(plan.holdsSecrets ? { mode: 0o600 } : {}),
              expect: plan.before,
            });
            written.push(plan.path);
            break;
          } catch (err) {
            // not written: the write-ahead is taken back, or an entry never written would count as
            // ours (a client's or user's entry of that name would then be drift, which --force overwrites)
            if (
              (await readTextIfExists(plan.path, { keepBom: true }).catch(() => undefined)) !== plan.after
            ) {
              if (before) ledger.files[plan.path] = before;
              else delete ledger.files[plan.path];
              await saveLedger(ledger);
            }
            if (
              !(err instanceof NexusError && err.code === "E_CHANGED_DURING_WRITE") || attempt >= MAX_REPLANS
            ) {
              throw err;
            }
            // the client wrote meanwhile: plan again from its version
            plan = plans[i] = await planClient(adapters[i], ctx, registry, ledger, opts);
            if (plan.status === "error") throw plan.error;
          }
        }
        if (plan.status === "not-detected" || Object.keys(plan.ledger).length === 0) continue;
        record(plan, false);
        await saveLedger(ledger);
      } catch (err) {
        plan.status = "error";
        plan.error = writeError(plan, err);
      }
    }
    writer.stop();
    if (backup.created) await backup.prune();
    return { plans, backup: backup.created ? backup.id : null, written };
  }, { what: "client config files (another sync is running)" });
}

/** `canonicalJson` re-exported for callers comparing entries. */
export { canonicalJson };
