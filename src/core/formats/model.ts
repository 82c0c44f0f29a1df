/**
 * The data side of a ConfigDocument, shared by every format: the document's plain data, edited
 * copy-on-write so that every subtree nobody touched keeps its identity (the format writers compare
 * identities first, which makes "what changed?" cheap even in a multi-megabyte `~/.claude.json`),
 * plus the helpers the writers need (deep equality, line/column, text edits, errors).
 *
 * A format module parses the text once into this model; `set`/`delete` only change the model; the
 * writer turns (original text, original data, current data) into new text once, in `toString()`.
 */
import { ExitCode, NexusError } from "../model/errors.ts";

export type DocPath = Array<string | number>;

/** Which values a format can hold besides strings, finite numbers, booleans, arrays and maps. */
export interface ValueRules {
  /** JSON and YAML have null; TOML has not. */
  allowNull: boolean;
  /** TOML dates/times (Date objects, as its parser returns them) and bigints (integers beyond 2^53). */
  allowTomlScalars: boolean;
}

export type PlainObject = Record<string, unknown>;

export function isPlainObject(v: unknown): v is PlainObject {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Own property check that also works on null-prototype objects. */
export function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/** Defines a property even when the key is `__proto__` (plain assignment would set the prototype). */
export function defineOwn(o: PlainObject, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Deep equality of plain data. Map key order does not matter; array order does; 0 equals -0. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.constructor === b.constructor &&
      String(a.toISOString()) === String(b.toISOString());
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!hasOwn(b, k) || !deepEqual(a[k], b[k])) return false;
  return true;
}

/** A deep copy of plain data (maps and arrays copied; scalars, dates and bigints shared). */
export function clonePlain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clonePlain);
  if (isPlainObject(v)) {
    const out: PlainObject = {};
    for (const k of Object.keys(v)) defineOwn(out, k, clonePlain(v[k]));
    return out;
  }
  return v;
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (isPlainObject(v)) return "a map";
  if (typeof v === "object") return `a ${(v as object).constructor?.name ?? "object"}`;
  return `a ${typeof v}`;
}

/**
 * Checks and copies a value given to `set`. Keys whose value is `undefined` are dropped (as
 * `JSON.stringify` does); anything that is not plain data is a programming error (TypeError).
 */
export function normalizeValue(v: unknown, rules: ValueRules, where = "value"): unknown {
  switch (typeof v) {
    case "string":
      // A lone UTF-16 surrogate has no UTF-8 form: it would be written as U+FFFD (or, in TOML, not at all).
      if (!v.isWellFormed()) {
        throw new TypeError(`${where}: a string with a lone surrogate cannot be written`);
      }
      return v;
    case "boolean":
      return v;
    case "number":
      if (!Number.isFinite(v)) throw new TypeError(`${where}: ${v} cannot be written to a config file`);
      return v;
    case "bigint":
      if (rules.allowTomlScalars) return v;
      break;
    case "object":
      if (v === null) {
        if (rules.allowNull) return null;
        break;
      }
      if (Array.isArray(v)) {
        return v.map((x, i) => {
          if (x === undefined) throw new TypeError(`${where}[${i}] is undefined`);
          return normalizeValue(x, rules, `${where}[${i}]`);
        });
      }
      if (v instanceof Date && rules.allowTomlScalars) {
        if (Number.isNaN(v.getTime())) throw new TypeError(`${where}: invalid date`);
        return v;
      }
      if (isPlainObject(v)) {
        const out: PlainObject = {};
        for (const k of Object.keys(v)) {
          if (!k.isWellFormed()) {
            throw new TypeError(`${where}: a key with a lone surrogate cannot be written`);
          }
          if (v[k] !== undefined) defineOwn(out, k, normalizeValue(v[k], rules, `${where}.${k}`));
        }
        return out;
      }
      break;
  }
  throw new TypeError(`${where}: ${describeValue(v)} cannot be written to this config file`);
}

/** `a.b[2]."c d"`: a path as people read it, for messages. */
export function formatPath(path: DocPath): string {
  if (path.length === 0) return "(the whole file)";
  let s = "";
  for (const seg of path) {
    if (typeof seg === "number") s += `[${seg}]`;
    else {
      const bare = /^[A-Za-z0-9_-]+$/.test(seg);
      s += (s ? "." : "") + (bare ? seg : JSON.stringify(seg));
    }
  }
  return s;
}

function checkPath(path: DocPath): void {
  if (!Array.isArray(path)) throw new TypeError("path must be an array");
  for (const seg of path) {
    if (typeof seg === "number") {
      if (!Number.isInteger(seg) || seg < 0) throw new TypeError(`invalid array index ${seg} in path`);
    } else if (typeof seg !== "string") throw new TypeError(`invalid path segment ${String(seg)}`);
  }
}

/** The document's data and its edits (copy-on-write). */
export class DataModel {
  /** The data as parsed; never mutated. */
  readonly original: PlainObject;
  private current: PlainObject;

  /**
   * @param implicit For TOML: whether a map at this path exists only because keys below it do (no
   *   `[header]` and no `key = {…}` of its own), so that it vanishes from the file when emptied.
   */
  constructor(
    original: PlainObject,
    private readonly rules: ValueRules,
    private readonly file: string,
    private readonly implicit: (path: DocPath) => boolean = () => false,
  ) {
    this.original = original;
    this.current = original;
  }

  /** The current data (shared: callers inside this module must not mutate it). */
  get data(): PlainObject {
    return this.current;
  }

  get(path: DocPath): unknown {
    checkPath(path);
    let node: unknown = this.current;
    for (const seg of path) {
      if (typeof seg === "number") {
        if (!Array.isArray(node) || seg >= node.length) return undefined;
        node = node[seg];
      } else {
        if (!isPlainObject(node) || !hasOwn(node, seg)) return undefined;
        node = node[seg];
      }
    }
    return clonePlain(node);
  }

  set(path: DocPath, value: unknown): void {
    checkPath(path);
    const v = normalizeValue(value, this.rules);
    if (path.length === 0 && !isPlainObject(v)) {
      throw new TypeError("the whole document can only be set to a map");
    }
    this.current = this.setIn(this.current, path, 0, v) as PlainObject;
  }

  delete(path: DocPath): void {
    checkPath(path);
    if (path.length === 0) throw new TypeError("cannot delete the whole document; set it to {} instead");
    this.current = this.deleteIn(this.current, path, 0) as PlainObject;
    // A map or list left empty goes too if `set` created it (it was not in the file), or if the
    // format cannot write it empty (TOML's implicit tables): set-then-delete leaves no trace.
    for (let i = path.length - 1; i >= 1; i--) {
      const parent = path.slice(0, i);
      const node = this.raw(this.current, parent);
      const empty = Array.isArray(node)
        ? node.length === 0
        : isPlainObject(node) && Object.keys(node).length === 0;
      if (!empty || (this.raw(this.original, parent) !== undefined && !this.implicit(parent))) break;
      this.current = this.deleteIn(this.current, parent, 0) as PlainObject;
    }
  }

  private raw(root: unknown, path: DocPath): unknown {
    let node = root;
    for (const seg of path) {
      if (typeof seg === "number") {
        if (!Array.isArray(node)) return undefined;
        node = node[seg];
      } else {
        if (!isPlainObject(node) || !hasOwn(node, seg)) return undefined;
        node = node[seg];
      }
    }
    return node;
  }

  private shapeError(path: DocPath, depth: number, found: unknown, wanted: string): NexusError {
    const where = formatPath(path.slice(0, depth));
    return new NexusError(
      "E_FILE_SHAPE",
      `${this.file}: cannot write ${formatPath(path)}: ${where} is ${describeValue(found)}, not ${wanted}`,
      {
        exitCode: ExitCode.CONFLICT,
        hint:
          "mcp-nexus does not overwrite it: fix or remove that entry by hand, then run the command again.",
        details: { file: this.file, path: path.map(String) },
      },
    );
  }

  private setIn(node: unknown, path: DocPath, i: number, value: unknown): unknown {
    if (i === path.length) return deepEqual(node, value) ? node : value;
    const seg = path[i];
    // A missing container is created; so is one that is null (`mcpServers:` with nothing under it
    // in YAML): null holds no data to lose.
    if (typeof seg === "number") {
      if (node === undefined || node === null) {
        if (seg !== 0) throw this.shapeError(path, i, node, `a list with an item ${seg - 1}`);
        node = [];
      }
      if (!Array.isArray(node)) throw this.shapeError(path, i, node, "a list");
      if (seg > node.length) {
        throw this.shapeError(path, i + 1, undefined, `an item of the list (it has ${node.length})`);
      }
      const child = this.setIn(node[seg], path, i + 1, value);
      if (child === node[seg]) return node;
      const copy = node.slice();
      copy[seg] = child;
      return copy;
    }
    if (node === undefined || node === null) node = {};
    if (!isPlainObject(node)) throw this.shapeError(path, i, node, "a map");
    const old = hasOwn(node, seg) ? node[seg] : undefined;
    const child = this.setIn(old, path, i + 1, value);
    if (child === old && hasOwn(node, seg)) return node;
    const copy: PlainObject = {};
    for (const k of Object.keys(node)) defineOwn(copy, k, node[k]);
    defineOwn(copy, seg, child);
    return copy;
  }

  private deleteIn(node: unknown, path: DocPath, i: number): unknown {
    const seg = path[i];
    const last = i === path.length - 1;
    if (typeof seg === "number") {
      if (!Array.isArray(node) || seg >= node.length) return node;
      if (last) return [...node.slice(0, seg), ...node.slice(seg + 1)];
      const child = this.deleteIn(node[seg], path, i + 1);
      if (child === node[seg]) return node;
      const copy = node.slice();
      copy[seg] = child;
      return copy;
    }
    if (!isPlainObject(node) || !hasOwn(node, seg)) return node;
    if (last) {
      const copy: PlainObject = {};
      for (const k of Object.keys(node)) if (k !== seg) defineOwn(copy, k, node[k]);
      return copy;
    }
    const child = this.deleteIn(node[seg], path, i + 1);
    if (child === node[seg]) return node;
    const copy: PlainObject = {};
    for (const k of Object.keys(node)) defineOwn(copy, k, node[k]);
    defineOwn(copy, seg, child);
    return copy;
  }
}

// ---------------------------------------------------------------------------------------------
// Text helpers shared by the writers.

/** 1-based line and column (UTF-16 code units, as editors count them) of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      lineStart = i + 1;
    } else if (c === 13 && text.charCodeAt(i + 1) !== 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** The line ending the file uses (its first one), `\n` if it has none. */
export function detectEol(text: string): "\n" | "\r\n" {
  const i = text.indexOf("\n");
  return i > 0 && text[i - 1] === "\r" ? "\r\n" : "\n";
}

export interface TextEdit {
  offset: number;
  length: number;
  content: string;
}

/**
 * Applies edits made against the same text in one pass. Overlapping deletions are merged; any other
 * overlap is a bug in the caller and throws. Insertions at the same offset keep their order.
 */
export function applyTextEdits(text: string, edits: TextEdit[]): string {
  const sorted = edits.map((e, i) => ({ ...e, i })).sort((a, b) =>
    a.offset - b.offset || a.length - b.length || a.i - b.i
  );
  const merged: TextEdit[] = [];
  for (const e of sorted) {
    const prev = merged[merged.length - 1];
    if (prev && e.offset < prev.offset + prev.length) {
      if (prev.content === "" && e.content === "") {
        prev.length = Math.max(prev.length, e.offset + e.length - prev.offset);
        continue;
      }
      throw new Error(`internal: overlapping edits at ${prev.offset} and ${e.offset}`);
    }
    merged.push({ offset: e.offset, length: e.length, content: e.content });
  }
  const parts: string[] = [];
  let pos = 0;
  for (const e of merged) {
    parts.push(text.slice(pos, e.offset), e.content);
    pos = e.offset + e.length;
  }
  parts.push(text.slice(pos));
  return parts.join("");
}

// ---------------------------------------------------------------------------------------------
// Errors.

/** The syntax error every format reports: names the file, what is wrong, and where. */
export function unparsable(
  file: string,
  what: string,
  line: number,
  column: number,
  hintTail = "then run the command again.",
): NexusError {
  return new NexusError("E_FILE_UNPARSABLE", `${file}: ${what} at line ${line}, column ${column}`, {
    hint: `Fix the syntax (mcp-nexus left the file untouched), ${hintTail}`,
    details: { file, line, column },
  });
}

/** Raised by toString() if the edited text would not read back as the intended data. */
export function unsafeEdit(file: string, why: string): NexusError {
  return new NexusError("E_EDIT_UNSAFE", `${file}: mcp-nexus could not edit this file safely (${why})`, {
    hint:
      "The file was left untouched. Please report this as a bug, with the file's layout (not its secrets).",
    details: { file },
  });
}
