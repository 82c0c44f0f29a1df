/**
 * The central registry: `registry.json` under the tool's home. Loaded and validated (zod, with
 * messages naming the path and the fix), changed under a lock, written atomically 0600 in a 0700 dir.
 * It holds references (`${keychain:NAME}`), never secret values.
 */
import { load } from "./load.ts";
import { dirname, join } from "../io/path.ts";
import { NexusError } from "./errors.ts";
import { allowWritesUnder, readTextIfExists, withLock, writeFileAtomic } from "../io/fs.ts";
import { nexusHome, registryPath } from "../io/paths.ts";
import type { RegistryData, ServerDef } from "./registry_schema.ts";
import { fastRegistry } from "./registry_fast.ts";

export type { RegistryData, ServerDef };

export function emptyRegistry(): RegistryData {
  return { version: 1, settings: {}, servers: {} };
}

/** Parses JSON and reports the line and column of a syntax error. */
export function parseJsonWithPosition(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    let where = "";
    if (pos) {
      const upto = text.slice(0, Number(pos[1]));
      const line = upto.split("\n").length;
      const col = Number(pos[1]) - upto.lastIndexOf("\n");
      where = ` at line ${line}, column ${col}`;
    }
    throw new NexusError(
      "E_REGISTRY_PARSE",
      `${file} is not valid JSON${where}: ${msg.replace(/ in JSON.*$/, "")}.`,
      {
        hint:
          `Fix the syntax in ${file} (a backup of it is kept at ${file}.bak if mcp-nexus wrote it before).`,
        details: { file },
      },
    );
  }
}

/**
 * zod's schema, loaded only for a registry the fast reader does not accept, and for saving. By a
 * computed specifier: a literal `import()` makes Deno build its module graph (zod, npm resolution)
 * whenever this module loads, `server list` and `run` included.
 */
function schema(): Promise<typeof import("./registry_schema.ts")> {
  return load<typeof import("./registry_schema.ts")>(import.meta.url, "./registry_schema.ts");
}

/** Reads and validates the registry (an absent file is an empty registry). */
export async function loadRegistry(path = registryPath()): Promise<RegistryData> {
  const text = await readTextIfExists(path);
  if (text === null || text.trim() === "") return emptyRegistry();
  const raw = parseJsonWithPosition(text, path);
  // a valid registry is read without zod (start-up time); anything else gets zod's verdict and messages
  const fast = fastRegistry(raw);
  if (fast) return fast;
  const { Registry, formatIssues } = await schema();
  const result = Registry.safeParse(raw);
  if (!result.success) {
    const lines = formatIssues(result.error);
    throw new NexusError(
      "E_REGISTRY_INVALID",
      `${path} is not a valid registry at ${lines[0]}${
        lines.length > 1 ? ` (and ${lines.length - 1} more problem${lines.length > 2 ? "s" : ""})` : ""
      }.`,
      {
        hint:
          `Fix those fields in ${path} (run 'mcp-nexus schema' for the schema), or use 'mcp-nexus server' commands.`,
        details: { file: path, issues: lines },
      },
    );
  }
  return result.data;
}

/** Writes the registry atomically, 0600 in a 0700 dir, keeping one .bak of the previous version. */
export async function saveRegistry(data: RegistryData, path = registryPath()): Promise<void> {
  allowWritesUnder(dirname(path));
  const previous = await readTextIfExists(path);
  const text = JSON.stringify(data, null, 2) + "\n";
  if (previous === text) return;
  if (previous !== null) await writeFileAtomic(`${path}.bak`, previous, { mode: 0o600, privateDir: true });
  await writeFileAtomic(path, text, { mode: 0o600, privateDir: true });
}

/**
 * Read-modify-write under the registry lock, so a scheduled sync and a user never interleave.
 * `change` returns the value to hand back; the registry is saved only if it changed.
 */
export async function updateRegistry<T>(
  change: (data: RegistryData) => T | Promise<T>,
  path = registryPath(),
): Promise<T> {
  allowWritesUnder(dirname(path));
  return await withLock(join(dirname(path), ".registry.lock"), async () => {
    const data = await loadRegistry(path);
    const result = await change(data);
    // never save what we could not load again: a bad change fails here, the file stays as it was
    const { Registry, formatIssues } = await schema();
    const check = Registry.safeParse(data);
    if (!check.success) {
      throw new NexusError(
        "E_REGISTRY_INVALID",
        `Refusing to save an invalid registry: ${formatIssues(check.error).join("; ")}.`,
        {
          hint: "Nothing was changed. This is a bug in mcp-nexus; please report it.",
          details: { file: path },
        },
      );
    }
    await saveRegistry(data, path);
    return result;
  }, { what: path });
}

/** The tool's home, as a root we may write under. */
export function allowNexusHome(): string {
  const home = nexusHome();
  allowWritesUnder(home);
  return home;
}

export function getServer(data: RegistryData, name: string): ServerDef {
  const s = Object.hasOwn(data.servers, name) ? data.servers[name] : undefined;
  if (!s) {
    const names = Object.keys(data.servers);
    throw new NexusError("E_SERVER_NOT_FOUND", `No server named '${name}' in the registry.`, {
      exitCode: 3,
      hint: names.length
        ? `Known servers: ${names.sort().join(", ")}.`
        : "Add one with: mcp-nexus server add NAME -- COMMAND ARGS…",
      details: { server: name },
    });
  }
  return s;
}

/** Whether a server is written to a client. */
export function isEnabledFor(server: ServerDef, clientId: string): boolean {
  if (!server.enabled) return false;
  if (server.disabledClients?.includes(clientId)) return false;
  return !server.clients || server.clients.includes(clientId);
}
