/**
 * `install`: a marketplace server into the registry, its secrets into the selected store. The steps
 * (moved here from src/cli/marketplace.ts, which now parses options, calls this and prints):
 *
 *   check the request → look the server up → pick its local name and the way to run it → pin a
 *   version → refuse secrets on argv and plaintext that looks secret → gather the answers (`--env`,
 *   stdin KEY=VALUE lines, the store for secrets already kept, prompts on a terminal) → settle and
 *   check them (plan.ts) → store the secrets → write the registry entry.
 *
 * Everything outside the process comes in through `InstallIO`: the secret services (the host picks
 * the backend: src/host/services.ts), the terminal (prompts, stdin) and where notes go.
 */
import { load } from "../model/load.ts";
import { usageError } from "../model/errors.ts";
import { registerSecret } from "../secrets/redact.ts";
import { isPlaintextSecret as looksSecret } from "../secrets/secret_detect.ts";
import { shellQuote } from "../model/arg_references.ts";
import { validateServerName } from "../model/names.ts";
import { loadRegistry, type ServerDef, updateRegistry } from "../model/registry.ts";
import type { SecretServices } from "../secrets/services.ts";
import type { SecretStore } from "../secrets/secrets.ts";
import { MarketCache } from "./cache.ts";
import { age } from "./cache.ts";
import { findServer } from "./catalog.ts";
import { progressEnabled, withProgress } from "./progress.ts";
import { cleanText, type MarketServer } from "./types.ts";
import {
  buildEntry,
  type Built,
  chooseTarget,
  defaultLocalName,
  type InputSpec,
  type InstallKind,
  secretName,
  type Target,
} from "./install.ts";
import { type Answers, checkAnswers, finishInstall, settleAnswers } from "./plan.ts";

/** Keys of `--env KEY=VALUE`, `--secret KEY` and stdin lines: env var, header, flag or variable names. */
export const INPUT_KEY_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function parseEnvFlags(pairs: string[]): Map<string, string> {
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
export function splitVersion(name: string, pin: string | undefined): { bare: string; version?: string } {
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

/** The terminal, the notes and the secrets an install works with (the CLI's). */
export interface InstallIO {
  secrets: SecretServices;
  /** A note on stderr (`warning: …`). */
  warn(message: string): void;
  /** --json: no spinner. */
  json: boolean;
  /** Ask on the terminal (hidden for secrets); otherwise values come from stdin. */
  interactive: boolean;
  readStdin(): Promise<string>;
  promptHidden(message: string): Promise<string>;
  /** A visible one-line prompt (non-secret values). */
  promptLine(message: string): Promise<string>;
}

/** What the user asked for (the command's options). */
export interface InstallRequest {
  name: string;
  as?: string;
  client: string[];
  env: string[];
  secret: string[];
  use?: InstallKind;
  remote?: string;
  pin?: string;
  replace?: boolean;
  allowPlaintext?: boolean;
  refresh?: boolean;
}

export interface InstallOutcome {
  local: string;
  server: MarketServer;
  target: Target;
  built: Built;
  inputs: InputSpec[];
  replaced: boolean;
  entry: ServerDef;
  secrets: Array<{ key: string; secret: string; status: "stored" | "updated" | "kept" }>;
  /** The store's label, when it was opened. */
  storeLabel?: string;
}

/**
 * Gathers every input's value: `--env`, then stdin `KEY=VALUE` lines (when not interactive), then the
 * store for secrets already kept, then prompts on a terminal (hidden for secrets; a visible prompt
 * only for required values with no default).
 */
async function collectInputs(inputs: InputSpec[], io: InstallIO, o: {
  envFlags: Map<string, string>;
  serverName: string;
  hasStored: (key: string) => Promise<boolean>;
}): Promise<Answers> {
  const specs = new Map(inputs.map((s) => [s.key, s]));
  const values = new Map(o.envFlags);
  const secrets = new Map<string, string>();
  const kept = new Set<string>();
  if (!io.interactive && inputs.length) {
    const unknown: string[] = [];
    for (const [k, v] of parseStdinPairs(await io.readStdin())) {
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
      if (s.required && !io.interactive) throw err; // a locked keychain, not a missing value
    }
  }
  if (io.interactive) {
    for (const s of inputs) {
      const about = `${s.where}${s.description ? ` (${cleanText(s.description, 80)})` : ""}`;
      if (s.secret && !secrets.has(s.key) && s.fixed === undefined) {
        const extra = [!s.required && "optional", kept.has(s.key) && "Enter keeps the stored one"]
          .filter(Boolean).join(", ");
        const v = await io.promptHidden(`${about}, secret${extra ? `, ${extra}` : ""} (hidden): `);
        if (v) {
          registerSecret(v);
          secrets.set(s.key, v);
        }
      } else if (!s.secret && s.required && !values.has(s.key) && s.default === undefined) {
        const v = await io.promptLine(`${about}${s.choices ? ` [${s.choices.join("/")}]` : ""}: `);
        if (v) values.set(s.key, v);
      }
    }
  }
  return { values, secrets, kept };
}

/** Installs one marketplace server (see the header). Nothing is written before every check passed. */
export async function installServer(req: InstallRequest, io: InstallIO): Promise<InstallOutcome> {
  const { name } = req;
  if (req.as) validateServerName(req.as);
  const envFlags = parseEnvFlags(req.env);
  for (const k of req.secret) {
    if (!INPUT_KEY_RE.test(k)) {
      throw usageError(
        "E_USAGE",
        `--secret ${JSON.stringify(k.slice(0, 40))}: expected a name like API_KEY.`,
      );
    }
  }
  for (const c of req.client) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(c)) {
      throw usageError("E_USAGE", `--client ${c}: client ids are lower-case, like 'claude-code'.`);
    }
  }
  // a --remote that can never match (neither a number from 'show' nor a URL) is a usage error
  // before anything else is checked or fetched
  if (
    req.remote !== undefined && !/^[1-9][0-9]*$/.test(req.remote) &&
    !/^(https?|wss?):\/\/\S+$/i.test(req.remote)
  ) {
    throw usageError(
      "E_USAGE",
      `--remote ${JSON.stringify(req.remote.slice(0, 80))}: expected a remote's number (1, 2, …) or its URL.`,
      { hint: `See the numbered remotes with: mcp-nexus show ${shellQuote(name)}` },
    );
  }
  const refuseExisting = async (local: string) => {
    if (req.replace) return;
    if ((await loadRegistry()).servers[local]) {
      throw usageError("E_EXISTS", `A server named '${local}' already exists.`, {
        hint: `Use --as OTHER-NAME, or --replace to overwrite it.`,
        details: { server: local },
      });
    }
  };
  if (req.as) await refuseExisting(req.as);

  const cache = new MarketCache();
  const { server, meta } = await withProgress(
    `Looking up ${name}…`,
    progressEnabled(io.json),
    () => {
      const { bare, version } = splitVersion(name, req.pin);
      return findServer(bare, { cache, refresh: !!req.refresh, version });
    },
  );
  if (meta.cache === "stale" && meta.staleBecause) {
    io.warn(
      `showing what was known about '${server.name}' cached ${
        age(meta.fetchedAt)
      }: ${meta.staleBecause.message}`,
    );
  }
  if (server.status && server.status !== "active") {
    io.warn(
      `the MCP Registry marks '${server.name}' as ${server.status}${
        server.statusMessage ? `: ${server.statusMessage}` : ""
      }.`,
    );
  }
  const existing = (await loadRegistry()).servers;
  const local = req.as ?? validateServerName(
    defaultLocalName(
      server,
      (n) => Object.hasOwn(existing, n) ? (existing[n].source?.id ?? "(added by hand)") : null,
    ),
  );
  const target = chooseTarget(server, { use: req.use, remote: req.remote });
  if (!req.as) await refuseExisting(local);

  // pin what the metadata leaves open (PulseMCP lists no versions)
  let version: string | undefined;
  if ((target.kind === "npm" || target.kind === "pypi") && !target.pkg.version) {
    const { latestVersion } = await load<typeof import("./versions.ts")>(import.meta.url, "./versions.ts");
    try {
      version =
        (await latestVersion(target.kind, target.pkg.identifier, { cache, refresh: !!req.refresh })).data;
    } catch (err) {
      io.warn(
        `could not look up the latest version of ${target.pkg.identifier} (${
          (err as Error).message
        }); it is installed unpinned.`,
      );
    }
  }
  const buildOpts = {
    localName: local,
    version,
    extraSecrets: req.secret,
    extraValues: Object.fromEntries(envFlags),
  };
  const { inputs } = buildEntry(server, target, () => undefined, buildOpts);
  const specs = new Map(inputs.map((s) => [s.key, s]));
  // the same install again, with the options given (never an --env value that looks secret)
  const rerun = (skip: string[] = []) =>
    [
      `mcp-nexus install ${shellQuote(name)}`,
      ...(req.as ? [`--as ${req.as}`] : []),
      ...(req.pin ? [`--pin ${shellQuote(req.pin)}`] : []),
      ...(req.use ? [`--use ${req.use}`] : []),
      ...(req.remote ? [`--remote ${shellQuote(req.remote)}`] : []),
      ...req.client.map((c) => `--client ${c}`),
      ...req.secret.map((k) => `--secret ${k}`),
      ...[...envFlags].filter(([k, v]) => !skip.includes(k) && !specs.get(k)?.secret && !looksSecret(k, v))
        .map(([k, v]) => `--env ${shellQuote(`${k}=${v}`)}`),
      ...(req.replace ? ["--replace"] : []),
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
  if (!req.allowPlaintext) {
    for (const [k, v] of envFlags) {
      if (looksSecret(k, v)) {
        throw usageError(
          "E_PLAINTEXT_SECRET",
          `--env ${k}: the value looks like a secret; nothing was installed.`,
          {
            hint:
              `Mark it secret and give it on stdin: ${pipeHint([k])}${
                req.secret.includes(k) ? "" : ` --secret ${k}`
              }. ` +
              "If it is not a secret, add --allow-plaintext.",
            details: { field: `env.${k}` },
          },
        );
      }
    }
  }

  let store: SecretStore | undefined;
  const getStore = async () => store ??= await io.secrets.store();
  const answers = await collectInputs(inputs, io, {
    envFlags,
    serverName: server.name,
    hasStored: async (key) => await (await getStore()).exists(secretName(local, key)),
  });
  // the plaintext detector guards every path: a value that looks secret goes to the keychain
  const vouched = new Set(req.allowPlaintext ? envFlags.keys() : []);
  for (const k of settleAnswers(inputs, answers, vouched)) {
    io.warn(`${specs.get(k)?.where ?? k}: the value looks like a secret; it goes to the keychain.`);
  }
  checkAnswers(inputs, answers, (missing) => {
    const secretKeys = missing.filter((s) => s.secret).map((s) => s.key);
    const envHint = missing.filter((s) => !s.secret).map((s) => ` --env ${s.key}=VALUE`).join("");
    if (io.interactive) return `Type the secret values when asked${envHint ? `, and add${envHint}` : ""}`;
    return `Secret values come from stdin as KEY=VALUE lines, others from --env: ${
      secretKeys.length ? pipeHint(secretKeys) : rerun()
    }${envHint}`;
  }, local);
  const { secrets, kept } = answers;

  const finished = finishInstall(server, target, answers, buildOpts);
  const built = finished.built;
  for (const n of built.notes) io.warn(n);
  const now = new Date().toISOString();
  const entry = finished.entry;
  entry.createdAt = now;
  entry.updatedAt = now;
  if (req.client.length) entry.clients = [...new Set(req.client)];

  const secretsOut: InstallOutcome["secrets"] = [];
  for (const [k, v] of finished.secrets) {
    const r = await (await getStore()).set(secretName(local, k), v);
    secretsOut.push({ key: k, secret: secretName(local, k), status: r.updated ? "updated" : "stored" });
  }
  for (const k of kept) {
    if (!secrets.has(k)) secretsOut.push({ key: k, secret: secretName(local, k), status: "kept" });
  }
  const replaced = await updateRegistry((data) => {
    const existed = Object.hasOwn(data.servers, local);
    if (existed && !req.replace) {
      throw usageError("E_EXISTS", `A server named '${local}' already exists.`, {
        hint: "Use --as OTHER-NAME, or --replace to overwrite it.",
      });
    }
    if (existed) entry.createdAt = data.servers[local].createdAt ?? now;
    data.servers[local] = entry;
    return existed;
  });
  return {
    local,
    server,
    target,
    built,
    inputs,
    replaced,
    entry,
    secrets: secretsOut,
    ...(store ? { storeLabel: store.backend.label } : {}),
  };
}
