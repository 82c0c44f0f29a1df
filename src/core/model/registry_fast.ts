/**
 * A fast accept path for the registry's schema (src/core/model/registry_schema.ts), so that reading a valid
 * registry does not load zod (~95 modules, ~40 ms of start-up on every `server list` and `sync`).
 *
 * `fastRegistry` checks every rule of the zod schema by hand and returns exactly what zod would (same
 * fields, same defaults, same key order), or `null` as soon as anything is unusual: then the caller
 * runs zod, which accepts or rejects it with its own messages. So it can only say "valid" for input the
 * schema accepts, never change an error; tests/registry_fast_test.ts compares both on random and
 * mutated registries. It takes only what `JSON.parse` gives (no `undefined`, no functions).
 */
import { ENV_KEY_RE, HEADER_NAME_RE, SERVER_NAME_RE } from "./names.ts";
import { parseValue } from "./references.ts";
import type { RegistryData, ServerDef } from "./registry_schema.ts";

// The same rules as registry_schema.ts (kept in step by tests/registry_fast_test.ts).
// deno-lint-ignore no-control-regex
const CONTROL_CHAR_RE = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;
const CLIENT_ID_RE = /^[a-z0-9][a-z0-9-]*$/;
const SOURCE_TYPES = new Set(["npm", "pypi", "oci", "nuget", "remote", "local", "manual"]);

type Obj = Record<string, unknown>;

/** Thrown inside to give up: the caller then asks zod. */
const NO = Symbol("not for the fast path");

function obj(v: unknown): Obj {
  if (
    typeof v !== "object" || v === null || Array.isArray(v) || Object.getPrototypeOf(v) !== Object.prototype
  ) {
    throw NO;
  }
  // `__proto__` (an own key from JSON.parse) and friends: left to zod
  if (Object.hasOwn(v, "__proto__")) throw NO;
  return v as Obj;
}

function onlyKeys(o: Obj, allowed: ReadonlySet<string>): void {
  for (const k of Object.keys(o)) if (!allowed.has(k)) throw NO;
}

function str(v: unknown): string {
  if (typeof v !== "string") throw NO;
  return v;
}

function refStr(v: unknown): string {
  const s = str(v);
  try {
    parseValue(s);
  } catch {
    throw NO;
  }
  return s;
}

function plainLine(v: unknown): string {
  const s = refStr(v);
  if (CONTROL_CHAR_RE.test(s)) throw NO;
  return s;
}

function strArray(v: unknown, each: (x: unknown) => string): string[] {
  if (!Array.isArray(v)) throw NO;
  return v.map(each);
}

function clientList(v: unknown): string[] {
  return strArray(v, (x) => {
    const s = str(x);
    if (!CLIENT_ID_RE.test(s)) throw NO;
    return s;
  });
}

function record(v: unknown, key: RegExp, value: (x: unknown) => string): Record<string, string> {
  const o = obj(v);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(o)) {
    if (!key.test(k)) throw NO;
    out[k] = value(x);
  }
  return out;
}

const SOURCE_KEYS = new Set(["type", "package", "version", "registry", "id"]);
const COMMON_KEYS = [
  "description",
  "enabled",
  "clients",
  "disabledClients",
  "source",
  "createdAt",
  "updatedAt",
];
const STDIO_KEYS = new Set(["transport", "command", "args", "env", "cwd", ...COMMON_KEYS]);
const REMOTE_KEYS = new Set(["transport", "url", "headers", ...COMMON_KEYS]);

/** The common fields, in the schema's order (zod's output order), `enabled` defaulting to true. */
function common(o: Obj, out: Obj): void {
  if (o.description !== undefined) {
    const d = str(o.description);
    if (d.length > 1000) throw NO;
    out.description = d;
  }
  if (o.enabled === undefined) out.enabled = true;
  else if (typeof o.enabled === "boolean") out.enabled = o.enabled;
  else throw NO;
  if (o.clients !== undefined) out.clients = clientList(o.clients);
  if (o.disabledClients !== undefined) out.disabledClients = clientList(o.disabledClients);
  if (o.source !== undefined) {
    const s = obj(o.source);
    onlyKeys(s, SOURCE_KEYS);
    if (!SOURCE_TYPES.has(s.type as string)) throw NO;
    const src: Obj = { type: s.type };
    for (const k of ["package", "version", "registry", "id"]) if (s[k] !== undefined) src[k] = str(s[k]);
    out.source = src;
  }
  if (o.createdAt !== undefined) out.createdAt = str(o.createdAt);
  if (o.updatedAt !== undefined) out.updatedAt = str(o.updatedAt);
}

function server(v: unknown): ServerDef {
  const o = obj(v);
  const out: Obj = { transport: o.transport };
  if (o.transport === "stdio") {
    onlyKeys(o, STDIO_KEYS);
    const command = str(o.command);
    if (command.length < 1 || /\$\{keychain:|^keychain:/.test(command)) throw NO;
    out.command = command;
    out.args = o.args === undefined ? [] : strArray(o.args, refStr);
    out.env = o.env === undefined ? {} : record(o.env, ENV_KEY_RE, plainLine);
    if (o.cwd !== undefined) out.cwd = str(o.cwd);
  } else if (o.transport === "http" || o.transport === "sse") {
    onlyKeys(o, REMOTE_KEYS);
    const url = plainLine(o.url);
    let parsed: URL;
    try {
      parsed = new URL(url.replace(/\$\{keychain:[^}]*\}|^keychain:.*/g, "x"));
    } catch {
      throw NO;
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw NO;
    out.url = url;
    out.headers = o.headers === undefined ? {} : record(o.headers, HEADER_NAME_RE, plainLine);
  } else throw NO;
  common(o, out);
  return out as ServerDef;
}

const TOP_KEYS = new Set(["$schema", "version", "settings", "servers", "projects"]);
const SETTINGS_KEYS = new Set(["secretBackend", "interpolateClients", "plugins"]);

/** The registry zod would return for `raw` (parsed JSON), or null: then ask zod. */
export function fastRegistry(raw: unknown): RegistryData | null {
  try {
    const o = obj(raw);
    onlyKeys(o, TOP_KEYS);
    const out: Obj = {};
    if (o.$schema !== undefined) out.$schema = str(o.$schema);
    if (o.version !== 1) throw NO;
    out.version = 1;
    const settings: Obj = {};
    if (o.settings !== undefined) {
      const s = obj(o.settings);
      onlyKeys(s, SETTINGS_KEYS);
      if (s.secretBackend !== undefined) settings.secretBackend = str(s.secretBackend);
      if (s.interpolateClients !== undefined) settings.interpolateClients = clientList(s.interpolateClients);
      if (s.plugins !== undefined) {
        settings.plugins = strArray(s.plugins, (x) => {
          if (str(x).length < 1) throw NO;
          return x as string;
        });
      }
    }
    out.settings = settings;
    const servers: Record<string, ServerDef> = {};
    if (o.servers !== undefined) {
      for (const [name, def] of Object.entries(obj(o.servers))) {
        if (!SERVER_NAME_RE.test(name)) throw NO;
        servers[name] = server(def);
      }
    }
    out.servers = servers;
    if (o.projects !== undefined) {
      const projects: Record<string, { servers: string[] }> = {};
      for (const [dir, p] of Object.entries(obj(o.projects))) {
        if (dir.length < 1) throw NO;
        const po = obj(p);
        onlyKeys(po, new Set(["servers"]));
        projects[dir] = {
          servers: strArray(po.servers, (x) => {
            if (!SERVER_NAME_RE.test(str(x))) throw NO;
            return x as string;
          }),
        };
      }
      out.projects = projects;
    }
    return out as RegistryData;
  } catch (err) {
    if (err === NO) return null;
    throw err;
  }
}
