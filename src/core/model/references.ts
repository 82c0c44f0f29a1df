/**
 * Secret references: the one parser and the one resolver.
 *
 * Syntax (a value in args, env, url or headers):
 * - `keychain:NAME` as the whole value (the desktop app's syntax),
 * - `${keychain:NAME}` as the whole value or inside a longer string (`Bearer ${keychain:gh-token}`).
 * Other `${...}` forms (a client's own interpolation such as `${HOME}`) are left as text.
 * A malformed reference (bad name, missing `}`) is an error, never silently kept as text.
 */
import { NexusError, usageError } from "./errors.ts";
import { SECRET_NAME_RE } from "./names.ts";

export type Segment = { kind: "text"; text: string } | { kind: "ref"; name: string };

const WHOLE = /^keychain:(.*)$/s;
const OPEN = "${keychain:";

/** Parses a value into text and reference segments. `where` names the field for errors. */
export function parseValue(value: string, where = "value"): Segment[] {
  const whole = WHOLE.exec(value);
  if (whole) return [{ kind: "ref", name: checkName(whole[1], value, where) }];
  const out: Segment[] = [];
  let i = 0;
  while (i < value.length) {
    const start = value.indexOf(OPEN, i);
    if (start < 0) break;
    const end = value.indexOf("}", start + OPEN.length);
    if (end < 0) {
      throw usageError("E_REFERENCE_INVALID", `${where}: unterminated secret reference (missing '}').`, {
        hint: "Write references as ${keychain:NAME}.",
        details: { field: where },
      });
    }
    if (start > i) out.push({ kind: "text", text: value.slice(i, start) });
    out.push({ kind: "ref", name: checkName(value.slice(start + OPEN.length, end), value, where) });
    i = end + 1;
  }
  if (i < value.length) out.push({ kind: "text", text: value.slice(i) });
  return out;
}

function checkName(name: string, _value: string, where: string): string {
  if (!SECRET_NAME_RE.test(name)) {
    throw usageError(
      "E_REFERENCE_INVALID",
      `${where}: invalid secret name in reference: ${JSON.stringify(name.slice(0, 80))}`,
      {
        hint: "Secret names are 1–256 letters, digits, '.', '_' or '-': keychain:NAME or ${keychain:NAME}.",
        details: { field: where },
      },
    );
  }
  return name;
}

/** True if the value holds at least one reference (throws on malformed ones). */
export function hasReference(value: string, where?: string): boolean {
  return parseValue(value, where).some((s) => s.kind === "ref");
}

/** The secret names a value refers to. */
export function referencedNames(value: string, where?: string): string[] {
  return parseValue(value, where).flatMap((s) => s.kind === "ref" ? [s.name] : []);
}

/** Joins segments back, looking each secret up in `secrets`. */
export function renderValue(segments: Segment[], lookup: (name: string) => string): string {
  return segments.map((s) => s.kind === "text" ? s.text : lookup(s.name)).join("");
}

/** A place in a server definition that holds a reference. */
export interface ReferenceSite {
  /** e.g. `env.API_KEY`, `args[2]`, `headers.Authorization`, `url`. */
  field: string;
  name: string;
}

/** The string-valued fields of a server where references are allowed. */
export interface ReferenceFields {
  args?: string[];
  env?: Record<string, string>;
  url?: string;
  headers?: Record<string, string>;
}

/** Every field of a server that can hold references, with its field path. */
export function referenceFields(server: ReferenceFields): Array<[field: string, value: string]> {
  const out: Array<[string, string]> = [];
  server.args?.forEach((a, i) => out.push([`args[${i}]`, a]));
  for (const [k, v] of Object.entries(server.env ?? {})) out.push([`env.${k}`, v]);
  if (server.url !== undefined) out.push(["url", server.url]);
  for (const [k, v] of Object.entries(server.headers ?? {})) out.push([`headers.${k}`, v]);
  return out;
}

/** Every reference in a server definition. */
export function collectReferences(server: ReferenceFields, serverName = "server"): ReferenceSite[] {
  return referenceFields(server).flatMap(([field, value]) =>
    referencedNames(value, `server '${serverName}' ${field}`).map((name) => ({ field, name }))
  );
}

/**
 * Resolves every reference in a server definition with one batch lookup. A reference to a missing
 * secret is an error naming the server, the field and the secret.
 */
export async function resolveServer<T extends ReferenceFields>(
  server: T,
  serverName: string,
  fetchMany: (names: string[]) => Promise<Map<string, string | null>>,
  /** How to store a missing secret (a read-only backend has its own way). */
  storeHint: (secret: string) => string = (secret) => `Store it with: mcp-nexus secret set ${secret}`,
): Promise<T> {
  const sites = collectReferences(server, serverName);
  if (sites.length === 0) return structuredClone(server);
  const values = await fetchMany([...new Set(sites.map((s) => s.name))]);
  const missing = sites.filter((s) => values.get(s.name) == null);
  if (missing.length > 0) {
    const list = missing.map((m) => `${m.field} → ${m.name}`).join(", ");
    throw new NexusError(
      "E_REFERENCE_MISSING",
      `Server '${serverName}' refers to secret${missing.length > 1 ? "s" : ""} that ${
        missing.length > 1 ? "are" : "is"
      } not stored: ${list}.`,
      {
        exitCode: 3,
        hint: storeHint(missing[0].name),
        details: { server: serverName, missing: missing.map((m) => ({ field: m.field, secret: m.name })) },
      },
    );
  }
  const lookup = (name: string) => values.get(name)!;
  const sub = (v: string, where: string) => renderValue(parseValue(v, where), lookup);
  const out = structuredClone(server);
  if (out.args) out.args = out.args.map((a, i) => sub(a, `args[${i}]`));
  if (out.env) out.env = Object.fromEntries(Object.entries(out.env).map(([k, v]) => [k, sub(v, `env.${k}`)]));
  if (out.url !== undefined) out.url = sub(out.url, "url");
  if (out.headers) {
    out.headers = Object.fromEntries(
      Object.entries(out.headers).map(([k, v]) => [k, sub(v, `headers.${k}`)]),
    );
  }
  return out;
}
