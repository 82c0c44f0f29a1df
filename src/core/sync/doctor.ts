/**
 * `doctor`: checks that what mcp-nexus manages is healthy and safe, each finding with its fix.
 * Runtimes the servers need, keychain health, file modes, plaintext secrets left in any client file
 * or backup, unparsable files, drift, references to missing secrets.
 */
import { load } from "../model/load.ts";
import { join } from "../io/path.ts";
import type { ClientAdapter, PathContext } from "./clients.ts";
import type { SecretBackend } from "../secrets/secrets.ts";
import type { RegistryData } from "../model/registry.ts";
import { fileMode, readTextIfExists } from "../io/fs.ts";
import { keysIndexPath, nexusHome, registryPath } from "../io/paths.ts";
import { collectReferences } from "../model/references.ts";
import { findSecrets, findSecretsInArgs, serverSecretFields } from "../secrets/secret_detect.ts";
import { argReferenceWarnings } from "../model/arg_references.ts";
import { entryHash, type Ledger, ledgerPath, loadLedger, ownsHash } from "../io/ledger.ts";
import { backupsDir, listBackups } from "../io/backups.ts";
import { clientPath, readEntries } from "./sync.ts";
import { toNexusError } from "../model/errors.ts";
import { adapterForData } from "./client_format.ts";
import { keychainFixCommands } from "../secrets/plaintext_fix.ts";

export interface Finding {
  level: "ok" | "warn" | "error";
  check:
    | "runtime"
    | "keychain"
    | "registry"
    | "mode"
    | "plaintext"
    | "unparsable"
    | "drift"
    | "reference"
    | "launcher"
    | "remote-secrets"
    | "format"
    | "ledger"
    | "plugin"
    | "schedule"
    | "version";
  message: string;
  fix?: string;
  file?: string;
}

const RUNTIME_HINTS: Record<string, string> = {
  npx: "Install Node.js (https://nodejs.org, or your package manager: apt install nodejs npm).",
  node: "Install Node.js (https://nodejs.org).",
  uvx: "Install uv: https://docs.astral.sh/uv/ (pipx install uv, brew install uv).",
  uv: "Install uv: https://docs.astral.sh/uv/.",
  docker: "Install Docker (Docker Desktop, or docker.io on Debian) and start its engine.",
  python3: "Install Python 3.",
  deno: "Install Deno (npm install -g deno).",
  bunx: "Install Bun (https://bun.sh).",
};

/** Keys whose values name an environment variable (Codex's `bearer_token_env_var`, `env_http_headers`…). */
const VARIABLE_NAME_KEY = /(^|_)env_vars?$|^env_keys$/i;
const VARIABLE_NAME_MAP = /^env_http_headers$/i;

/**
 * Plaintext secrets in a client entry, whole or embedded (`-e TOKEN=ghp_…`, `postgres://u:pw@…`):
 * `field` paths, never the values. References, a client's interpolations and variable names are not.
 */
export function plaintextFields(entry: unknown, prefix = ""): string[] {
  const out: string[] = [];
  const walk = (v: unknown, path: string, key: string, parent: string) => {
    if (typeof v === "string") {
      if (VARIABLE_NAME_KEY.test(key) || VARIABLE_NAME_MAP.test(parent)) return;
      if (findSecrets(key, v).length) out.push(path);
    } else if (Array.isArray(v)) {
      const strings = v.map((x) => typeof x === "string" ? x : "");
      const hits = new Set(findSecretsInArgs(strings).map((h) => h.index));
      v.forEach((x, i) => {
        if (typeof x === "string") {
          if (hits.has(i) && !VARIABLE_NAME_KEY.test(key)) out.push(`${path}[${i}]`);
        } else walk(x, `${path}[${i}]`, "", key);
      });
    } else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k, k, key);
    }
  };
  walk(entry, prefix, "", "");
  return out;
}

/** The sync command for an adapter's file (its project's, for a project-scope view). */
function syncCmd(a: ClientAdapter): string {
  const dir = a.projectDir;
  return dir
    ? `mcp-nexus sync --project '${dir.replaceAll("'", "'\\''")}' --client ${a.id}`
    : `mcp-nexus sync --client ${a.id}`;
}

export interface DoctorInput {
  registry: RegistryData | null;
  registryError?: unknown;
  backend: SecretBackend | null;
  backendError?: unknown;
  adapters: ClientAdapter[];
  ctx: PathContext;
  /** Our own launcher program (absolute path of the first word of the launcher command). */
  launcherProgram: string;
}

export async function runDoctor(input: DoctorInput): Promise<Finding[]> {
  const f: Finding[] = [];
  const { ctx } = input;

  // keychain
  let keychainProblem: string | null = input.backendError ? toNexusError(input.backendError).message : null;
  /** Servers whose references are not stored: their launcher entries cannot start. */
  const missingSecrets = new Map<string, string[]>();
  if (input.backend) {
    const h = await input.backend.probe();
    if (!h.ok) keychainProblem = h.message;
    f.push(
      h.ok ? { level: "ok", check: "keychain", message: `${input.backend.label}: ${h.message}` } : {
        level: "error",
        check: "keychain",
        message: `${input.backend.label}: ${h.message}`,
        fix: h.hint,
      },
    );
  } else if (input.backendError) {
    const e = toNexusError(input.backendError);
    f.push({ level: "error", check: "keychain", message: e.message, fix: e.hint });
  }

  // registry and modes of our own files
  if (input.registryError) {
    const e = toNexusError(input.registryError);
    f.push({ level: "error", check: "registry", message: e.message, fix: e.hint, file: registryPath() });
  }
  const posix = ctx.os !== "windows";
  if (posix) {
    for (
      const [path, want] of [[nexusHome(), 0o700], [registryPath(), 0o600], [keysIndexPath(), 0o600]] as const
    ) {
      const mode = await fileMode(path);
      if (mode !== null && (mode & 0o077) !== 0) {
        f.push({
          level: "error",
          check: "mode",
          message: `${path} is readable by other users (mode ${mode.toString(8)}).`,
          fix: `chmod ${want.toString(8)} '${path}'`,
          file: path,
        });
      }
    }
  }

  // runtimes and references
  const reg = input.registry;
  if (reg) {
    const needed = new Map<string, string[]>();
    for (const [name, s] of Object.entries(reg.servers)) {
      if (!s.enabled || s.transport !== "stdio") continue;
      needed.set(s.command, [...(needed.get(s.command) ?? []), name]);
    }
    for (const [cmd, servers] of needed) {
      const found = cmd.includes("/") || cmd.includes("\\") ? (ctx.exists(cmd) ? cmd : null) : ctx.which(cmd);
      f.push(
        found ? { level: "ok", check: "runtime", message: `${cmd}: ${found}` } : {
          level: "error",
          check: "runtime",
          message: `'${cmd}' is not installed (or not on PATH); needed by ${servers.join(", ")}.`,
          fix: RUNTIME_HINTS[cmd.replace(/\.(exe|cmd)$/i, "")] ??
            `Install '${cmd}' or fix the server's command.`,
        },
      );
    }
    // the registry itself (hand-edited or shared): plaintext secrets, and references that reach `ps`
    for (const [name, s] of Object.entries(reg.servers)) {
      const fields = serverSecretFields(s).map((x) => x.field);
      if (fields.length) {
        f.push({
          level: "warn",
          check: "plaintext",
          message: `Server '${name}' holds plaintext secret(s) in the registry: ${fields.join(", ")}.`,
          // real commands: each `secret set` asks for its value; the replace puts the references in
          fix: (keychainFixCommands(name, s) ?? [`mcp-nexus secret set ${name}.secret`]).join(" && "),
          file: registryPath(),
        });
      }
      for (const w of argReferenceWarnings(name, s)) {
        f.push({
          level: "warn",
          check: "reference",
          message: w.message.replace(/ If the server.*$/, ""),
          fix: w.command,
        });
      }
    }
    if (input.backend) {
      for (const [name, s] of Object.entries(reg.servers)) {
        for (const r of collectReferences(s, name)) {
          try {
            if ((await input.backend.get(r.name)) === null) {
              missingSecrets.set(name, [...(missingSecrets.get(name) ?? []), r.name]);
              f.push({
                level: "error",
                check: "reference",
                message: `Server '${name}' ${r.field} refers to secret '${r.name}', which is not stored.`,
                fix: `mcp-nexus secret set ${r.name}`,
              });
            }
          } catch { /* the keychain finding already says why */ }
        }
      }
    }
  }

  // client files: unparsable, plaintext secrets, modes, drift, stale launcher entries
  // a damaged ledger is reported; the checks go on (no entry counts as ours, so no drift is claimed)
  const ledger: Ledger = await loadLedger().catch((err): Ledger => {
    const e = toNexusError(err);
    f.push({ level: "error", check: "ledger", message: e.message, fix: e.hint, file: ledgerPath() });
    return { version: 1, files: {} };
  });
  const { parseDocument } = await load<typeof import("../formats/mod.ts")>(
    import.meta.url,
    "../formats/mod.ts",
  );
  for (const a of input.adapters) {
    const path = clientPath(a, ctx);
    const text = await readTextIfExists(path);
    if (text === null) continue;
    let entries: Map<string, { entry: unknown }>;
    let fa: ClientAdapter = a;
    try {
      const doc = await parseDocument(a.format, text, path);
      const data = doc.get([]);
      // the format version the file is in; and a format we do not know
      fa = adapterForData(a, data).adapter;
      const container = doc.get(fa.serversPath);
      const unknown = a.unknownFormat?.(data, path, ctx) ??
        (container !== undefined && container !== null &&
            (fa.storage === "array"
              ? !Array.isArray(container)
              : typeof container !== "object" || Array.isArray(container))
          ? `'${fa.serversPath.join(".")}' is ${
            Array.isArray(container) ? "a list" : `a ${typeof container}`
          }, not the ${fa.storage === "array" ? "list" : "map"} of servers mcp-nexus writes (a newer format?)`
          : null);
      if (unknown) {
        f.push({
          level: "warn",
          check: "format",
          message: `${a.name}: ${path} is in a format mcp-nexus does not know: ${unknown}.`,
          fix: `Check ${a.docs ?? "the client's docs"}; 'mcp-nexus sync' edits only the entries it can read`,
          file: path,
        });
      }
      entries = readEntries(doc, fa);
    } catch (err) {
      const e = toNexusError(err);
      f.push({ level: "error", check: "unparsable", message: e.message, fix: e.hint, file: path });
      continue;
    }
    let secretsInFile = false;
    for (const [name, { entry }] of entries) {
      const fields = plaintextFields(entry);
      if (fields.length) {
        secretsInFile = true;
        f.push({
          level: "warn",
          check: "plaintext",
          message: `${a.name}: server '${name}' holds plaintext secret(s) in ${fields.join(", ")} (${path}).`,
          fix: a.projectDir
            ? `Remove the value from ${path} (the file is usually committed to git) and rotate the secret`
            // a name the registry has already would be an import conflict: adopt takes this version
            : `mcp-nexus ${
              reg && Object.hasOwn(reg.servers, name) ? `adopt ${name}` : "import"
            } --client ${a.id} && mcp-nexus sync --client ${a.id}`,
          file: path,
        });
      }
      const cs = fa.parse(name, entry);
      const launcher = cs?.transport === "stdio" && cs.args.includes("run") &&
        /mcp-nexus|deno/.test(cs.command);
      if (launcher && a.oneFailureStopsAll && (keychainProblem || missingSecrets.has(name))) {
        f.push({
          level: "error",
          check: "launcher",
          message: `${a.name}: server '${name}' cannot start (${
            keychainProblem
              ? `the keychain is not available: ${keychainProblem}`
              : "a secret it needs is not stored"
          }), and ${a.name} stops every MCP server when one fails to start.`,
          fix: keychainProblem
            ? "Unlock the keychain (log in to the desktop session, or run under a D-Bus session), then 'mcp-nexus doctor'"
            : `mcp-nexus secret set ${missingSecrets.get(name)![0]} (or: mcp-nexus server disable ${name})`,
          file: path,
        });
      }
      if (
        cs?.transport === "stdio" && cs.args.includes("run") && /mcp-nexus|deno/.test(cs.command) &&
        cs.command !== input.launcherProgram && !ctx.exists(cs.command)
      ) {
        f.push({
          level: "error",
          check: "launcher",
          message: `${a.name}: server '${name}' starts ${cs.command}, which no longer exists.`,
          // an entry we wrote and nobody edited is simply rewritten by sync with today's command
          fix: syncCmd(a),
          file: path,
        });
      }
    }
    // remote secret headers as env placeholders: only works where the client sees the variable
    // (an entry the user made is theirs: sync leaves it, so only owned ones are reported)
    const optedIn = reg?.settings.interpolateClients?.includes(a.id) ?? false;
    const placeholders = [...entries].filter(([name, { entry }]) =>
      Object.hasOwn(ledger.files[path]?.entries ?? {}, name) &&
      /MCP_NEXUS_SECRET_/.test(JSON.stringify(entry))
    ).map(([name]) => name);
    if (placeholders.length && !a.projectDir) {
      const vars = [
        ...new Set(
          placeholders.flatMap((n) =>
            JSON.stringify(entries.get(n)!.entry).match(/MCP_NEXUS_SECRET_\w+/g) ?? []
          ),
        ),
      ];
      f.push({
        level: optedIn ? "ok" : "warn",
        check: "remote-secrets",
        message: optedIn
          ? `${a.name}: ${placeholders.join(", ")} read ${vars.join(", ")} from ${a.name}'s environment ` +
            `(remote secrets: interpolate); an app started from the Dock or Start menu does not see a ` +
            `variable exported in a shell profile.`
          : `${a.name}: ${placeholders.join(", ")} still read ${vars.join(", ")} from ${a.name}'s ` +
            `environment (written before remote secrets went through the launcher bridge).`,
        fix: optedIn ? `mcp-nexus client remote-secrets ${a.id} bridge && ${syncCmd(a)}` : syncCmd(a),
        file: path,
      });
    }
    const owned = ledger.files[path]?.entries ?? {};
    for (const [name, rec] of Object.entries(owned)) {
      const cur = entries.get(name);
      if (cur && !ownsHash(rec, entryHash(cur.entry))) {
        f.push({
          level: "warn",
          check: "drift",
          message: `${a.name}: '${name}' was edited since mcp-nexus wrote it.`,
          fix: a.projectDir
            ? `keep ours: ${syncCmd(a)} --force`
            : `keep theirs: mcp-nexus adopt ${name} --client ${a.id}; keep ours: ${syncCmd(a)} --force`,
          file: path,
        });
      }
    }
    if (posix && secretsInFile) {
      const mode = await fileMode(path);
      if (mode !== null && (mode & 0o077) !== 0) {
        f.push({
          level: "error",
          check: "mode",
          message: `${path} holds secrets and is readable by other users (mode ${mode.toString(8)}).`,
          fix: `chmod 600 '${path}'`,
          file: path,
        });
      }
    }
  }

  // backups holding plaintext secrets (copies of client files from before an import)
  for (const b of await listBackups()) {
    for (const file of b.files) {
      if (!file.copy) continue;
      const text = await readTextIfExists(join(backupsDir(), b.id, file.copy));
      if (
        text &&
        /(sk-[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abprs]-|github_pat_|glpat-|AKIA[0-9A-Z]{16})/
          .test(text)
      ) {
        f.push({
          level: "warn",
          check: "plaintext",
          message: `Backup ${b.id} holds a copy of ${file.path} with plaintext secrets (the copy is 0600).`,
          fix: `Delete it once you no longer need it: rm -r '${join(backupsDir(), b.id)}'`,
          file: join(backupsDir(), b.id, file.copy),
        });
      }
    }
  }
  return f;
}
