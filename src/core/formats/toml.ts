/**
 * TOML documents (Codex's `config.toml`), edited in place.
 *
 * Parsing: smol-toml checks the syntax first (its error positions are the more precise), then
 * @decimalturn/toml-patch builds the concrete syntax tree whose line positions drive the edits.
 *
 * Edits are computed once per `toString()` against the original text:
 * - Keys and tables that are added or removed are our own line edits. toml-patch's `patch()` adds
 *   a new table as a dotted inline key above the first table (`mcp_servers.x = {…}`), and when it
 *   removes a table it also removes the comment lines that follow it (which describe the next
 *   table) and comments directly above it (tests/formats_test.ts pins both).
 * - Changed values of keys that stay (a string, an `args` array, an inline table), and anything
 *   inside an array of tables (`[[x]]`), are left to toml-patch's `patch()`, which edits just that
 *   value (items of a multi-line array keep their comments).
 * - The result is parsed again (smol-toml and toml-patch) and must equal the intended data, else
 *   toString() throws E_EDIT_UNSAFE and the file is left alone.
 *
 * What an edit changes, exactly (everything else is kept byte for byte):
 * - Removing a table (`[mcp_servers.x]`, and every `[mcp_servers.x.*]` sub-table wherever it
 *   is): its header line through its last key's line (comments between its keys go with it);
 *   plus the blank lines right above the header if a blank line or the end of the file follows
 *   (so that its neighbours stay one blank line apart); at the very top of the file, the blank
 *   lines right below. Comment lines above the header or after its last key are kept.
 * - Removing a key (`x = …`, `a.b = …`): its line(s), trailing comment included. Comments above
 *   it are kept. A table that only existed through the removed keys or tables (no `[header]` of
 *   its own, e.g. `mcp_servers` when its last server goes) disappears from the data as well.
 * - Adding a table: after the last table of its parent (after the last `[mcp_servers.*]` and the
 *   comment lines glued under it, unless they are glued to the next header too), where the
 *   removed ones were if all of them went (a rename), else at the end of the file; preceded by
 *   one blank line: `[mcp_servers.x]`, its keys, then a sub-table per nested map
 *   (`[mcp_servers.x.env]`). A map holding only maps gets no header of its own.
 * - Adding a key to an existing table: a line after the table's last key, with its indentation
 *   (`a.k = v` after the last `a.…` line when the table is defined by dotted keys). Top-level
 *   keys go after the last top-level key (or above the first table).
 * - Keys are bare when they can be (`A-Za-z0-9_-`), else quoted basic strings; strings are basic
 *   strings with escapes; lists and maps inside lists are inline (`["-y", "pkg"]`, `{ a = 1 }`).
 * - The line ending is the file's (CRLF stays CRLF); a missing final newline stays missing.
 */
import { parse as tpParse, patch as tpPatch, TomlDocument } from "@decimalturn/toml-patch";
import { parse as smolParse, TomlError } from "smol-toml";
import {
  applyTextEdits,
  DataModel,
  deepEqual,
  detectEol,
  hasOwn,
  isPlainObject,
  type PlainObject,
  type TextEdit,
  unparsable,
  unsafeEdit,
} from "./model.ts";

type Key = string[];

interface Row {
  /** Full key path (section path + the dotted key). */
  path: Key;
  startLine: number;
  endLine: number;
  section: Section | null;
}

interface Section {
  kind: "table" | "array";
  path: Key;
  headerLine: number;
  rows: Row[];
}

function startsWith(path: Key, prefix: Key): boolean {
  if (prefix.length > path.length) return false;
  for (let i = 0; i < prefix.length; i++) if (path[i] !== prefix[i]) return false;
  return true;
}

const sameKey = (a: Key, b: Key) => a.length === b.length && startsWith(a, b);

function firstLine(message: string): string {
  return message.split("\n").map((l) => l.trim()).filter(Boolean)[0] ?? "syntax error";
}

function validate(text: string, file: string): void {
  try {
    smolParse(text);
  } catch (err) {
    if (err instanceof TomlError) {
      const what = firstLine(err.message.replace(/^Invalid TOML document:\s*/, ""));
      throw unparsable(file, what, err.line, err.column);
    }
    throw err;
  }
}

function buildDocument(text: string, file: string): TomlDocument {
  try {
    return new TomlDocument(text);
  } catch (err) {
    const e = err as { message?: string; line?: number; column?: number };
    const lines = String(e.message ?? err).split("\n");
    throw unparsable(file, lines[lines.length - 1] || "syntax error", e.line ?? 1, (e.column ?? 0) + 1);
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering.

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

function basicString(s: string): string {
  // deno-lint-ignore no-control-regex
  return '"' + s.replace(/[\\"\u0000-\u001f\u007f]/g, (c) => {
    switch (c) {
      case "\\":
        return "\\\\";
      case '"':
        return '\\"';
      case "\b":
        return "\\b";
      case "\t":
        return "\\t";
      case "\n":
        return "\\n";
      case "\f":
        return "\\f";
      case "\r":
        return "\\r";
      default:
        return "\\u" + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
    }
  }) + '"';
}

export function tomlKey(k: string): string {
  return BARE_KEY.test(k) ? k : basicString(k);
}

const dottedKey = (path: Key) => path.map(tomlKey).join(".");

function inlineValue(v: unknown): string {
  if (typeof v === "string") return basicString(v);
  if (typeof v === "boolean") return String(v);
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") {
    if (Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER) return String(v === 0 ? 0 : v);
    const s = String(v);
    return /[.eE]/.test(s) ? s : s + ".0";
  }
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return "[" + v.map(inlineValue).join(", ") + "]";
  if (isPlainObject(v)) {
    const keys = Object.keys(v);
    return keys.length
      ? "{ " + keys.map((k) => `${tomlKey(k)} = ${inlineValue(v[k])}`).join(", ") + " }"
      : "{}";
  }
  throw new TypeError(`cannot write ${String(v)} to TOML`);
}

/** `[path]` with its keys, then its sub-tables; lines without line endings. */
function sectionLines(path: Key, table: PlainObject, out: string[]): void {
  const keys = Object.keys(table);
  const rows = keys.filter((k) => !isPlainObject(table[k]));
  const subs = keys.filter((k) => isPlainObject(table[k]));
  const header = rows.length > 0 || subs.length === 0;
  if (header) {
    if (out.length) out.push("");
    out.push(`[${dottedKey(path)}]`);
    for (const k of rows) out.push(`${tomlKey(k)} = ${inlineValue(table[k])}`);
  }
  for (const k of subs) sectionLines([...path, k], table[k] as PlainObject, out);
}

// ---------------------------------------------------------------------------------------------
// The document's layout.

class Layout {
  readonly lines: string[];
  /** Offset of each line's start (index 1-based: starts[1] = 0). */
  readonly starts: number[] = [0];
  readonly rootRows: Row[] = [];
  readonly sections: Section[] = [];
  readonly allRows: Row[] = [];

  constructor(readonly text: string, doc: TomlDocument) {
    const raw = text.split("\n");
    if (raw[raw.length - 1] === "") raw.pop(); // after the final newline: not a line
    this.lines = raw.map((l) => l.replace(/\r$/, ""));
    let off = 0;
    for (const l of raw) {
      this.starts.push(off);
      off += l.length + 1;
    }
    this.starts.push(text.length);
    // deno-lint-ignore no-explicit-any
    for (const block of doc.cst as any[]) {
      if (block.type === "KeyValue") {
        const row: Row = {
          path: [...block.key.value],
          startLine: block.loc.start.line,
          endLine: block.loc.end.line,
          section: null,
        };
        this.rootRows.push(row);
        this.allRows.push(row);
      } else if (block.type === "Table" || block.type === "TableArray") {
        const s: Section = {
          kind: block.type === "Table" ? "table" : "array",
          path: [...block.key.item.value],
          headerLine: block.loc.start.line,
          rows: [],
        };
        for (const item of block.items) {
          if (item.type !== "KeyValue") continue;
          const row: Row = {
            path: [...s.path, ...item.key.value],
            startLine: item.loc.start.line,
            endLine: item.loc.end.line,
            section: s,
          };
          s.rows.push(row);
          this.allRows.push(row);
        }
        this.sections.push(s);
      }
    }
  }

  get lineCount(): number {
    return this.lines.length;
  }

  isBlank(line: number): boolean {
    return /^[ \t]*$/.test(this.lines[line - 1] ?? "");
  }

  isComment(line: number): boolean {
    return /^[ \t]*#/.test(this.lines[line - 1] ?? "");
  }

  isHeader(line: number): boolean {
    return this.sections.some((s) => s.headerLine === line);
  }

  /** Offset just before the line's ending. */
  contentEnd(line: number): number {
    return this.starts[line] + (this.lines[line - 1]?.length ?? 0);
  }
}

/** Computes the edits from the original data to `target`. */
class TomlWriter {
  private readonly deleted: boolean[];
  private readonly deletedSections = new Set<Section>();
  private readonly deletedRows = new Set<Row>();
  private readonly adds = new Map<string, { path: Key; entries: Array<[string, unknown]> }>();

  constructor(private readonly L: Layout, private readonly eol: string) {
    this.deleted = new Array(L.lineCount + 2).fill(false);
  }

  private rowAt(path: Key): Row | undefined {
    return this.L.allRows.find((r) => sameKey(r.path, path));
  }

  /** Inside an inline value (`x = { … }`) or an array-of-tables element: toml-patch's business. */
  private delegated(path: Key): boolean {
    return this.L.allRows.some((r) => r.path.length < path.length && startsWith(path, r.path)) ||
      this.L.sections.some((s) =>
        s.kind === "array" && s.path.length < path.length && startsWith(path, s.path)
      );
  }

  private isArrayOfTables(path: Key): boolean {
    return this.L.sections.some((s) => s.kind === "array" && sameKey(s.path, path));
  }

  diff(path: Key, o: unknown, t: unknown): void {
    if (deepEqual(o, t)) return;
    // A key = value line (its value may be an inline table), something inside one, or an array
    // of tables: removed here if it goes, else its new value is left to toml-patch.
    const row = this.rowAt(path);
    if (row || this.delegated(path)) {
      if (row && t === undefined) this.deleteUnder(path);
      return;
    }
    if (this.isArrayOfTables(path)) {
      if (t === undefined) this.deleteUnder(path);
      return;
    }
    if (t === undefined) {
      this.deleteUnder(path);
      return;
    }
    if (!isPlainObject(t) || !isPlainObject(o)) {
      this.deleteUnder(path);
      this.add(path.slice(0, -1), path[path.length - 1], t);
      return;
    }
    for (const k of Object.keys(o)) this.diff([...path, k], o[k], hasOwn(t, k) ? t[k] : undefined);
    for (const k of Object.keys(t)) if (!hasOwn(o, k)) this.add(path, k, t[k]);
  }

  private add(parent: Key, key: string, value: unknown): void {
    const id = JSON.stringify(parent);
    const group = this.adds.get(id) ?? { path: parent, entries: [] };
    group.entries.push([key, value]);
    this.adds.set(id, group);
  }

  private deleteUnder(path: Key): void {
    for (const s of this.L.sections) if (startsWith(s.path, path)) this.deletedSections.add(s);
    for (const r of this.L.allRows) if (startsWith(r.path, path)) this.deletedRows.add(r);
  }

  private markLines(from: number, to: number): void {
    for (let l = from; l <= to; l++) this.deleted[l] = true;
  }

  private lastRowLine(s: Section): number {
    let last = s.headerLine;
    for (const r of s.rows) if (!this.deletedRows.has(r)) last = Math.max(last, r.endLine);
    return last;
  }

  /** The last line of a kept section, extended over comment lines glued under it. */
  private sectionEnd(s: Section): number {
    const last = this.lastRowLine(s);
    let l = last;
    while (l + 1 <= this.L.lineCount && this.L.isComment(l + 1) && !this.deleted[l + 1]) l++;
    // A comment block glued to both this table and the next header describes the next one.
    if (l > last && this.L.isHeader(l + 1)) return last;
    return l;
  }

  /** The last line of a section as written (header, or its last key's last line). */
  private fullEnd(s: Section): number {
    let last = s.headerLine;
    for (const r of s.rows) last = Math.max(last, r.endLine);
    return last;
  }

  private lastContentLine(): number {
    let l = this.L.lineCount;
    while (l >= 1 && (this.deleted[l] || this.L.isBlank(l))) l--;
    return l;
  }

  edits(): TextEdit[] {
    const L = this.L;
    // 1. Removals, as whole lines.
    for (const s of this.deletedSections) {
      const last = this.fullEnd(s);
      let first = s.headerLine;
      this.markLines(first, last);
      if (first > 1 && L.isBlank(first - 1)) {
        // The blank lines above go too, unless they are all that separates what comes before
        // from what comes right after.
        if (last === L.lineCount || L.isBlank(last + 1)) {
          while (first > 1 && L.isBlank(first - 1)) first--;
          this.markLines(first, last);
        }
      } else if (first === 1) {
        let l = last;
        while (l + 1 <= L.lineCount && L.isBlank(l + 1)) l++;
        this.markLines(last + 1, l);
      }
    }
    for (const r of this.deletedRows) {
      if (r.section && this.deletedSections.has(r.section)) continue;
      this.markLines(r.startLine, r.endLine);
    }
    const edits: TextEdit[] = [];
    const text = L.text;
    const endsWithEol = text.endsWith("\n");
    for (let l = 1; l <= L.lineCount; l++) {
      if (!this.deleted[l]) continue;
      let e = l;
      while (e + 1 <= L.lineCount && this.deleted[e + 1]) e++;
      let start = L.starts[l];
      const end = L.starts[e + 1];
      // The run reaches the end of a file without a final newline: drop the newline before it
      // instead, so that the file still ends without one.
      if (e === L.lineCount && !endsWithEol && l > 1) start = L.contentEnd(l - 1);
      edits.push({ offset: start, length: end - start, content: "" });
      l = e;
    }
    // 2. Additions.
    for (const { path, entries } of this.adds.values()) edits.push(...this.additions(path, entries));
    return edits;
  }

  private insertAfter(line: number, lines: string[]): TextEdit {
    if (line <= 0) {
      return {
        offset: 0,
        length: 0,
        content: lines.filter((l, i) => i > 0 || l !== "").map((l) => l + this.eol).join("") +
          (this.L.text.trim() ? this.eol : ""),
      };
    }
    return { offset: this.L.contentEnd(line), length: 0, content: lines.map((l) => this.eol + l).join("") };
  }

  private additions(parent: Key, entries: Array<[string, unknown]>): TextEdit[] {
    const L = this.L;
    const rows = entries.filter(([, v]) => !isPlainObject(v));
    const tables = entries.filter(([, v]) => isPlainObject(v));
    const edits: TextEdit[] = [];
    const keptSections = L.sections.filter((s) => !this.deletedSections.has(s));
    const header = keptSections.find((s) => s.kind === "table" && sameKey(s.path, parent));
    const family = L.sections.filter((s) => startsWith(s.path, parent) && parent.length > 0);
    const keptFamily = family.filter((s) => !this.deletedSections.has(s));

    // Where new tables of this parent go: after its family, else at the end of the file.
    const tablesAnchor = (): number => {
      if (keptFamily.length) {
        const lastSection = keptFamily.reduce((a, b) => (b.headerLine > a.headerLine ? b : a));
        return this.sectionEnd(lastSection);
      }
      if (family.length) {
        // All of them removed (a rename): where the last one was.
        const lastSection = family.reduce((a, b) => (b.headerLine > a.headerLine ? b : a));
        return this.keptAtOrAboveNonBlank(this.fullEnd(lastSection));
      }
      return this.lastContentLine();
    };

    const tableLines: string[] = [];
    for (const [k, v] of tables) {
      const lines: string[] = [];
      sectionLines([...parent, k], v as PlainObject, lines);
      tableLines.push("", ...lines);
    }

    if (rows.length) {
      const rowText = (prefix: Key, indent: string) =>
        rows.map(([k, v]) => `${indent}${dottedKey([...prefix, k])} = ${inlineValue(v)}`);
      if (parent.length === 0) {
        const kept = L.rootRows.filter((r) => !this.deletedRows.has(r));
        if (kept.length) {
          const last = kept.reduce((a, b) => (b.endLine > a.endLine ? b : a));
          edits.push(this.insertAfter(last.endLine, rowText([], this.indentOf(last.startLine))));
        } else if (keptSections.length) {
          const first = keptSections.reduce((a, b) => (b.headerLine < a.headerLine ? b : a));
          let line = first.headerLine;
          while (line > 1 && L.isComment(line - 1) && !this.deleted[line - 1]) line--;
          edits.push({
            offset: L.starts[line],
            length: 0,
            content: rowText([], "").map((l) => l + this.eol).join("") + this.eol,
          });
        } else {
          edits.push(this.insertAfter(this.lastContentLine(), rowText([], "")));
        }
      } else if (header) {
        const kept = header.rows.filter((r) => !this.deletedRows.has(r));
        const last = kept.length ? kept.reduce((a, b) => (b.endLine > a.endLine ? b : a)) : null;
        edits.push(
          this.insertAfter(
            last ? last.endLine : header.headerLine,
            rowText([], last ? this.indentOf(last.startLine) : ""),
          ),
        );
      } else {
        const dotted = L.allRows.filter((r) =>
          !this.deletedRows.has(r) && r.path.length > parent.length && startsWith(r.path, parent)
        );
        if (dotted.length) {
          const last = dotted.reduce((a, b) => (b.endLine > a.endLine ? b : a));
          const base = last.section?.path ?? [];
          edits.push(
            this.insertAfter(last.endLine, rowText(parent.slice(base.length), this.indentOf(last.startLine))),
          );
        } else {
          // Only sub-tables define the parent: give it a header of its own, after them.
          tableLines.unshift("", `[${dottedKey(parent)}]`, ...rowText([], ""));
        }
      }
    }
    if (tableLines.length) edits.push(this.insertAfter(tablesAnchor(), tableLines));
    return edits;
  }

  private keptAtOrAboveNonBlank(line: number): number {
    let l = line;
    while (l >= 1 && (this.deleted[l] || this.L.isBlank(l))) l--;
    return l;
  }

  private indentOf(line: number): string {
    return /^[ \t]*/.exec(this.L.lines[line - 1] ?? "")?.[0] ?? "";
  }
}

export function parseToml(text: string, file: string): {
  model: DataModel;
  render(target: PlainObject): string;
} {
  validate(text, file);
  const doc = buildDocument(text, file);
  const data = doc.toJsObject as PlainObject;
  const layout = new Layout(text, doc);
  const implicit = (path: Array<string | number>) =>
    path.every((p) => typeof p === "string") &&
    !layout.sections.some((s) => sameKey(s.path, path as Key)) &&
    !layout.allRows.some((r) => sameKey(r.path, path as Key));
  const model = new DataModel(data, { allowNull: false, allowTomlScalars: true }, file, implicit);
  const render = (target: PlainObject): string => {
    const writer = new TomlWriter(layout, detectEol(text));
    writer.diff([], data, target);
    let out = applyTextEdits(text, writer.edits());
    let check = readBack(out, file);
    if (!deepEqual(check, target)) {
      try {
        out = tpPatch(out, target);
      } catch (err) {
        throw unsafeEdit(file, `toml-patch: ${firstLine((err as Error).message)}`);
      }
      check = readBack(out, file);
    }
    if (!deepEqual(check, target)) {
      throw unsafeEdit(file, "the edited text does not read back as the intended data");
    }
    return out;
  };
  return { model, render };
}

function readBack(out: string, file: string): unknown {
  try {
    smolParse(out);
    return tpParse(out);
  } catch (err) {
    throw unsafeEdit(file, `the edited text does not parse: ${firstLine((err as Error).message)}`);
  }
}
