/**
 * Explicit trust for third-party plugins. `plugin add PATH` copies a local plugin (a manifest, plus
 * the one code file it names) into `<nexus home>/plugins/<id>/` and records each file's SHA-256 in
 * `<nexus home>/plugins/trust.json`. Only plugins recorded there are loaded, and only while their files
 * still have the recorded hashes: a changed file is reported, never loaded, until it is added again.
 *
 * Only local files: `https:`, `npm:`, `jsr:`, `data:` (any URL but `file:`) are refused, so nothing is
 * fetched and deno.lock is never touched by a plugin.
 */
import { dirname, fromFileUrl, isAbsolute, join, resolve } from "../io/path.ts";
import { ExitCode, NexusError, usageError } from "../model/errors.ts";
import { allowWritesUnder, readTextIfExists, removeTree, withLock, writeFileAtomic } from "../io/fs.ts";
import { nexusHome } from "../io/paths.ts";

export type PluginKind = "client" | "backend";

export interface TrustedPlugin {
  id: string;
  kind: PluginKind;
  /** Where it was added from (for `plugin list`; never read again). */
  source: string;
  /** File name in the plugin's directory → SHA-256 (hex). The manifest is `plugin.json`. */
  files: Record<string, string>;
  /** The built-in id it replaces, when the user asked for that (`--replace-builtin`). */
  replaces?: string;
  /** A backend's label, platforms and description (so selecting it needs no parsing). */
  backend?: { label: string; platforms: Array<"linux" | "darwin" | "windows">; description: string };
  addedAt: string;
}

interface TrustFile {
  version: 1;
  plugins: TrustedPlugin[];
}

export const MANIFEST_FILE = "plugin.json";

export function pluginsDir(): string {
  return join(nexusHome(), "plugins");
}

export function trustPath(): string {
  return join(pluginsDir(), "trust.json");
}

export function pluginDir(id: string): string {
  return join(pluginsDir(), id);
}

export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const FILE = /^[A-Za-z0-9._-]+$/;

function invalidTrust(message: string): NexusError {
  return new NexusError("E_PLUGIN_TRUST_INVALID", `${trustPath()}: ${message}`, {
    hint: "Remove the file and add your plugins again: mcp-nexus plugin add PATH",
    details: { file: trustPath() },
  });
}

/** A well-formed trust entry (the file is read back as untrusted input). */
export function isTrustEntry(t: unknown): t is TrustedPlugin {
  const e = t as TrustedPlugin;
  return typeof e === "object" && e !== null && typeof e.id === "string" && ID.test(e.id) &&
    (e.kind === "client" || e.kind === "backend") && typeof e.files === "object" && e.files !== null &&
    Object.hasOwn(e.files, MANIFEST_FILE) &&
    Object.entries(e.files).every(([f, h]) =>
      FILE.test(f) && typeof h === "string" && /^[0-9a-f]{64}$/.test(h)
    ) &&
    (e.backend === undefined ||
      (typeof e.backend === "object" && e.backend !== null && typeof e.backend.label === "string" &&
        Array.isArray(e.backend.platforms) && e.backend.platforms.every((p) => typeof p === "string")));
}

/**
 * The trusted plugins (untrusted input: checked entry by entry). The one reader of trust.json:
 * `plugin list`, the client plugins' loader (src/host/plugins.ts), `doctor` and the backend plugins
 * (`readTrustSync`, for `selectBackend`) all read it here.
 */
export async function readTrust(): Promise<TrustedPlugin[]> {
  return parseTrust(await readTextIfExists(trustPath()));
}

/** `readTrust`, synchronously (selecting a backend plugin; the file is small). */
export function readTrustSync(): TrustedPlugin[] {
  let text: string | null;
  try {
    text = Deno.readTextFileSync(trustPath());
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    text = null;
  }
  return parseTrust(text);
}

function parseTrust(text: string | null): TrustedPlugin[] {
  if (text === null || text.trim() === "") return [];
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw invalidTrust("not valid JSON");
  }
  const d = data as Partial<TrustFile>;
  if (typeof d !== "object" || d === null || d.version !== 1 || !Array.isArray(d.plugins)) {
    throw invalidTrust("expected {version: 1, plugins: [...]}");
  }
  const out: TrustedPlugin[] = [];
  for (const p of d.plugins as unknown[]) {
    const t = p as TrustedPlugin;
    const ok = isTrustEntry(t);
    if (!ok) {
      throw invalidTrust(`an entry is malformed (${JSON.stringify((p as { id?: unknown })?.id ?? null)})`);
    }
    out.push({
      id: t.id,
      kind: t.kind,
      source: String(t.source ?? ""),
      files: { ...t.files },
      ...(typeof t.replaces === "string" ? { replaces: t.replaces } : {}),
      ...(t.backend && typeof t.backend.label === "string" && Array.isArray(t.backend.platforms)
        ? {
          backend: {
            label: t.backend.label,
            platforms: t.backend.platforms.filter((p) => ["linux", "darwin", "windows"].includes(p)),
            description: String(t.backend.description ?? ""),
          },
        }
        : {}),
      addedAt: String(t.addedAt ?? ""),
    });
  }
  return out;
}

async function writeTrust(plugins: TrustedPlugin[]): Promise<void> {
  const file: TrustFile = { version: 1, plugins };
  await writeFileAtomic(trustPath(), JSON.stringify(file, null, 2) + "\n", { mode: 0o600, privateDir: true });
}

/** Refuses anything but a local path (or a `file:` URL); returns the absolute path. */
export function localPluginPath(spec: string, base = Deno.cwd()): string {
  if (/^file:/i.test(spec)) return fromFileUrl(spec);
  if (/^[a-z][a-z0-9+.-]+:/i.test(spec) && !/^[a-z]:[\\/]/i.test(spec)) {
    throw usageError(
      "E_PLUGIN_REMOTE",
      `Refusing plugin '${spec}': only local files can be plugins (no https:, npm:, jsr: or data:).`,
      {
        hint: "Download and read the plugin first, then: mcp-nexus plugin add ./path/to/plugin.json",
        details: { plugin: spec },
      },
    );
  }
  return isAbsolute(spec) ? spec : resolve(base, spec);
}

/** A plugin's files, verified against the recorded hashes. */
export interface VerifiedPlugin {
  trust: TrustedPlugin;
  dir: string;
  /** File name → its text. */
  texts: Record<string, string>;
}

/** Reads a trusted plugin's files; a missing or changed file is an error naming it and the fix. */
export async function verifyPlugin(trust: TrustedPlugin): Promise<VerifiedPlugin> {
  const dir = pluginDir(trust.id);
  const texts: Record<string, string> = {};
  for (const [file, expected] of Object.entries(trust.files)) {
    const path = join(dir, file);
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch {
      throw new NexusError("E_PLUGIN_MISSING", `Plugin '${trust.id}': ${path} is missing; not loaded.`, {
        hint: `Add it again (mcp-nexus plugin add ${
          trust.source || "PATH"
        }) or remove it: mcp-nexus plugin rm ${trust.id}`,
        details: { plugin: trust.id, file: path },
      });
    }
    if ((await sha256(bytes)) !== expected) {
      throw new NexusError(
        "E_PLUGIN_CHANGED",
        `Plugin '${trust.id}': ${path} changed since it was added; not loaded.`,
        {
          hint: `If you made the change, trust it again: mcp-nexus plugin add ${
            trust.source || "PATH"
          } (else: mcp-nexus plugin rm ${trust.id})`,
          details: { plugin: trust.id, file: path },
        },
      );
    }
    texts[file] = new TextDecoder().decode(bytes);
  }
  return { trust, dir, texts };
}

/** Records a plugin: copies its files into its directory and their hashes into trust.json. */
export async function trustPlugin(
  entry: Omit<TrustedPlugin, "files" | "addedAt">,
  files: Record<string, Uint8Array>,
): Promise<TrustedPlugin> {
  allowWritesUnder(pluginsDir());
  return await withLock(`${trustPath()}.lock`, async () => {
    const plugins = await readTrust();
    const dir = pluginDir(entry.id);
    await removeTree(dir);
    const hashes: Record<string, string> = {};
    for (const [name, bytes] of Object.entries(files)) {
      if (!FILE.test(name)) throw usageError("E_PLUGIN_INVALID", `Invalid plugin file name '${name}'.`);
      await writeFileAtomic(join(dir, name), bytes, { mode: 0o600, privateDir: true });
      hashes[name] = await sha256(bytes);
    }
    const record: TrustedPlugin = { ...entry, files: hashes, addedAt: new Date().toISOString() };
    await writeTrust([...plugins.filter((p) => p.id !== entry.id), record]);
    return record;
  }, { what: trustPath() });
}

/** Forgets a plugin and deletes its copy. */
export async function untrustPlugin(id: string): Promise<TrustedPlugin> {
  allowWritesUnder(pluginsDir());
  return await withLock(`${trustPath()}.lock`, async () => {
    const plugins = await readTrust();
    const found = plugins.find((p) => p.id === id);
    if (!found) {
      throw new NexusError("E_PLUGIN_NOT_FOUND", `No plugin '${id}' is installed.`, {
        exitCode: ExitCode.NOT_FOUND,
        hint: "See the installed ones: mcp-nexus plugin list",
        details: { plugin: id },
      });
    }
    await writeTrust(plugins.filter((p) => p.id !== id));
    await removeTree(pluginDir(id));
    return found;
  }, { what: trustPath() });
}

/** The files of a plugin at PATH (a manifest file, or a directory holding plugin.json). */
export async function readPluginSource(
  path: string,
): Promise<{ manifestPath: string; manifestText: string; dir: string }> {
  let manifestPath = path;
  try {
    if ((await Deno.stat(path)).isDirectory) manifestPath = join(path, MANIFEST_FILE);
  } catch {
    throw new NexusError("E_PLUGIN_NOT_FOUND", `No plugin at ${path}.`, {
      exitCode: ExitCode.NOT_FOUND,
      hint: "Give the path of a plugin manifest (my-client.plugin.json) or of a folder holding plugin.json.",
      details: { file: path },
    });
  }
  const text = await readTextIfExists(manifestPath);
  if (text === null) {
    throw new NexusError("E_PLUGIN_NOT_FOUND", `No plugin manifest at ${manifestPath}.`, {
      exitCode: ExitCode.NOT_FOUND,
      hint:
        "A plugin is a manifest file (JSON) and, optionally, the one JavaScript file it names in `hooks`.",
      details: { file: manifestPath },
    });
  }
  return { manifestPath, manifestText: text, dir: dirname(manifestPath) };
}
