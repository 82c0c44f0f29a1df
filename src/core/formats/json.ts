/**
 * JSON and JSONC documents, edited in place.
 *
 * Parsing and locations come from jsonc-parser (`parseTree`, its scanner). The edits are our own
 * text edits, computed once per `toString()` by walking the parsed tree against the wanted data
 * and applied in one pass: jsonc-parser's `modify` re-parses the whole text for every edit, and
 * its re-formatting of the lines around an insertion or a removal moves and deletes comments:
 * removing `"a"` from `"x": 1, // about x⏎ "a": {…}` deletes `// about x`, adding after
 * `"b": 2 // about b` moves the comment behind the new entry, and a one-line `{"a": 1}` next to
 * the edit is reflowed (tests/formats_test.ts pins the cases it got wrong).
 *
 * What an edit changes, exactly (everything else is kept byte for byte):
 * - A changed scalar: the value's own text is replaced.
 * - A changed map/list: only its changed members are edited (recursively); members whose data is
 *   unchanged keep their text, their comments and their layout, whatever their key order.
 * - A removed member: its text from key to value end and its comma; if it was alone on its
 *   line(s), those whole lines, else the blanks after it. Comments outside that range (on the
 *   line above, or after the comma on the same line) are kept. If it was the last member, the
 *   comma before it goes too (unless the container uses trailing commas, JSONC). Removing every
 *   member of a multi-line map leaves its braces on their own lines (`{⏎  }`).
 * - An added member: appended after the last member (a list item may also go between two kept
 *   items): a comma right after that member's value, the new member after that line's trailing
 *   comment, on its own line with the indentation of its siblings; in a one-line container, on
 *   the same line. If no member is left, right after the `{` (before any leftover comments).
 *   Rendered like `JSON.stringify(value, null, indent)` with the file's indent unit (tabs or N
 *   spaces), `": "` (or `":"` in a minified file) and line ending. An empty `{}`/`[]` in a
 *   multi-line file is expanded over several lines; a one-line file stays on one line.
 * - Strict "json" never gets a trailing comma or a comment; "jsonc" containers that use trailing
 *   commas keep using them.
 * - A list is diffed by its common head and tail: removing or inserting an item touches only that
 *   item; other changes edit the differing items in place.
 */
import { createScanner, type JSONScanner, type Node, type ParseError, parseTree, visit } from "jsonc-parser";
import {
  applyTextEdits,
  DataModel,
  deepEqual,
  defineOwn,
  detectEol,
  hasOwn,
  isPlainObject,
  lineColumn,
  type PlainObject,
  type TextEdit,
  unparsable,
  unsafeEdit,
} from "./model.ts";

// jsonc-parser's SyntaxKind and ParseErrorCode are const enums (not importable as values).
const T_CLOSE_BRACE = 2;
const T_CLOSE_BRACKET = 4;
const T_COMMA = 5;
const T_LINE_COMMENT = 12;
const T_BLOCK_COMMENT = 13;
const T_LINE_BREAK = 14;
const T_TRIVIA = 15;

const ERROR_TEXT: Record<number, string> = {
  1: "unexpected character",
  2: "invalid number",
  3: "property name (a double-quoted string) expected",
  4: "value expected",
  5: "colon expected",
  6: "comma expected",
  7: "closing brace '}' expected",
  8: "closing bracket ']' expected",
  9: "unexpected text after the end of the document",
  10: "comments are not allowed in JSON",
  11: "unterminated comment",
  12: "unterminated string",
  13: "invalid number",
  14: "invalid unicode escape",
  15: "invalid escape character in string",
  16: "invalid character in string (control characters must be escaped)",
};

interface Parsed {
  root: Node | undefined;
  data: PlainObject;
}

function parseText(text: string, file: string, jsonc: boolean): Parsed {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, {
    disallowComments: !jsonc,
    allowTrailingComma: jsonc,
    allowEmptyContent: true,
  });
  if (errors.length) {
    const e = errors[0];
    let offset = e.offset;
    let what = ERROR_TEXT[e.error] ?? "syntax error";
    if (!jsonc && (e.error === 3 || e.error === 4) && /[}\]]/.test(text[e.offset] ?? "")) {
      // `{"a": 1,}`: point at the comma, the real culprit.
      let i = e.offset - 1;
      while (i >= 0 && /\s/.test(text[i])) i--;
      if (text[i] === ",") {
        offset = i;
        what = "trailing comma is not allowed in JSON";
      }
    }
    const { line, column } = lineColumn(text, offset);
    throw unparsable(file, what, line, column);
  }
  if (!root) return { root, data: {} };
  if (root.type !== "object") {
    const { line, column } = lineColumn(text, root.offset);
    const kind = root.type === "array" ? "a list" : `a ${root.type}`;
    throw unparsable(
      file,
      `the top level is ${kind}, not a map of settings`,
      line,
      column,
      "so that it holds a map ({…}), then run the command again.",
    );
  }
  // The data, built from the tree (never with JSON.parse: Deno 2.9.6's V8 can misread an escaped
  // key, see readBack). A duplicate key is refused: which of the two an edit should touch, and
  // which one a client reads, is anybody's guess.
  const walk = (node: Node): unknown => {
    switch (node.type) {
      case "object": {
        const o: PlainObject = {};
        for (const prop of node.children ?? []) {
          const [k, v] = prop.children ?? [];
          const key = k.value as string;
          if (hasOwn(o, key)) {
            const { line, column } = lineColumn(text, k.offset);
            throw unparsable(
              file,
              `duplicate key ${JSON.stringify(key)}`,
              line,
              column,
              "keep only one of the entries with that key, then run the command again.",
            );
          }
          const value = v ? walk(v) : null;
          if (key === "__proto__") defineOwn(o, key, value);
          else o[key] = value;
        }
        return o;
      }
      case "array":
        return (node.children ?? []).map(walk);
      case "null":
        return null;
      default:
        return node.value;
    }
  };
  return { root, data: walk(root) as PlainObject };
}

/**
 * Reads an edited text back, to check it. Not JSON.parse: in Deno 2.9.6 (V8 15.0),
 * `JSON.parse('{"x":1,"a\\\\":1}')` then `JSON.parse('{"x":1,"a\\"":1}')` returns the key `a\`
 * for the second (tests/formats_test.ts keeps this from coming back).
 */
function readBack(text: string, jsonc: boolean): unknown {
  const stack: Array<PlainObject | unknown[]> = [];
  const keys: Array<string | undefined> = [];
  let key: string | undefined;
  let root: unknown;
  let bad = "";
  const put = (v: unknown) => {
    const top = stack[stack.length - 1];
    if (!top) root = v;
    else if (Array.isArray(top)) top.push(v);
    else if (hasOwn(top, key!)) bad ||= `duplicate key ${JSON.stringify(key)}`;
    else if (key === "__proto__") defineOwn(top, key, v);
    else top[key!] = v;
  };
  visit(text, {
    onObjectBegin: () => {
      const o: PlainObject = {};
      put(o);
      stack.push(o);
      keys.push(key);
    },
    onObjectProperty: (p: string) => {
      key = p;
    },
    onObjectEnd: () => {
      stack.pop();
      key = keys.pop();
    },
    onArrayBegin: () => {
      const a: unknown[] = [];
      put(a);
      stack.push(a);
      keys.push(key);
    },
    onArrayEnd: () => {
      stack.pop();
      key = keys.pop();
    },
    onLiteralValue: (v: unknown) => put(v),
    onError: (code: number) => {
      bad ||= ERROR_TEXT[code] ?? "syntax error";
    },
  }, { disallowComments: !jsonc, allowTrailingComma: jsonc, allowEmptyContent: true });
  if (bad) throw new Error(bad);
  return root ?? {};
}

interface Style {
  eol: string;
  unit: string;
  /** `": "` and `", "` (true) or the minified `":"` and `","`. */
  spaced: boolean;
  /** The root object spans several lines. */
  multiline: boolean;
}

function detectStyle(text: string, root: Node | undefined): Style {
  const eol = detectEol(text);
  if (!root) return { eol, unit: "  ", spaced: true, multiline: true };
  // An empty `{}` is pretty-printed when filled; a minified file stays on one line.
  const multiline = !root.children?.length ||
    /[\r\n]/.test(text.slice(root.offset, root.offset + root.length));
  let unit = "";
  let spaced = true;
  const first = root.children?.[0];
  if (first) {
    const ls = lineStartOf(text, first.offset);
    const prefix = text.slice(ls, first.offset);
    const rootPrefix = leadingWs(text, lineStartOf(text, root.offset));
    if (/^[ \t]+$/.test(prefix) && prefix.startsWith(rootPrefix) && prefix.length > rootPrefix.length) {
      unit = prefix.slice(rootPrefix.length);
    }
    if (first.colonOffset !== undefined) spaced = text[first.colonOffset + 1] === " ";
  }
  if (!unit) unit = /^([ \t]+)\S/m.exec(text)?.[1] ?? "  ";
  if (unit.includes("\t")) unit = "\t";
  return { eol, unit, spaced, multiline };
}

function lineStartOf(text: string, pos: number): number {
  let i = pos;
  while (i > 0 && text[i - 1] !== "\n" && text[i - 1] !== "\r") i--;
  return i;
}

function lineEndOf(text: string, pos: number): number {
  let i = pos;
  while (i < text.length && text[i] !== "\n" && text[i] !== "\r") i++;
  return i;
}

function leadingWs(text: string, lineStart: number): string {
  let i = lineStart;
  while (text[i] === " " || text[i] === "\t") i++;
  return text.slice(lineStart, i);
}

const isBlank = (s: string) => /^[ \t]*$/.test(s);

interface Insertion {
  /** Index of the original item the new ones follow (-1: at the start). */
  after: number;
  /** The new items' text, given the indentation of their line. */
  items(indent: string): string[];
}

/** Computes the text edits that turn the parsed document into `target`. */
class JsonWriter {
  readonly edits: TextEdit[] = [];
  private readonly scanner: JSONScanner;

  constructor(private readonly text: string, private readonly style: Style) {
    this.scanner = createScanner(text, false);
  }

  /** `orig` is the data `node` holds. */
  diffValue(node: Node, orig: unknown, target: unknown, parentCompact: boolean): void {
    if (deepEqual(orig, target)) return;
    if (node.type === "object" && isPlainObject(target) && isPlainObject(orig)) {
      this.diffObject(node, orig, target, parentCompact);
    } else if (node.type === "array" && Array.isArray(target) && Array.isArray(orig)) {
      this.diffArray(node, orig, target, parentCompact);
    } else {
      const compact = parentCompact || !this.style.multiline;
      this.edits.push({
        offset: node.offset,
        length: node.length,
        content: this.render(target, this.indentOfLine(node.offset), compact),
      });
    }
  }

  diffObject(node: Node, orig: PlainObject, target: PlainObject, parentCompact: boolean): void {
    const props = node.children ?? [];
    const compact = parentCompact || (props.length > 0 && this.isSingleLine(node));
    const deleted = new Set<number>();
    const origKeys = new Set<string>();
    props.forEach((p, i) => {
      const [k, v] = p.children ?? [];
      const key = k.value as string;
      origKeys.add(key);
      if (!hasOwn(target, key)) deleted.add(i);
      else if (v) this.diffValue(v, orig[key], target[key], compact);
    });
    const added = Object.keys(target).filter((k) => !origKeys.has(k));
    let lastKept = -1;
    for (let i = 0; i < props.length; i++) if (!deleted.has(i)) lastKept = i;
    const colon = this.style.spaced ? ": " : ":";
    const insertion: Insertion | null = added.length
      ? {
        after: lastKept,
        items: (indent) =>
          added.map((k) => JSON.stringify(k) + colon + this.render(target[k], indent, compact)),
      }
      : null;
    this.layout(node, props, deleted, insertion, compact, parentCompact);
  }

  diffArray(node: Node, orig: unknown[], target: unknown[], parentCompact: boolean): void {
    const items = node.children ?? [];
    const compact = parentCompact || (items.length > 0 && this.isSingleLine(node));
    const n = items.length;
    const m = target.length;
    let p = 0;
    while (p < n && p < m && deepEqual(orig[p], target[p])) p++;
    let s = 0;
    while (s < n - p && s < m - p && deepEqual(orig[n - 1 - s], target[m - 1 - s])) s++;
    const midO = n - p - s;
    const midT = m - p - s;
    const pairs = Math.min(midO, midT);
    for (let i = 0; i < pairs; i++) this.diffValue(items[p + i], orig[p + i], target[p + i], compact);
    const deleted = new Set<number>();
    for (let i = p + pairs; i < p + midO; i++) deleted.add(i);
    const added = target.slice(p + pairs, p + midT);
    const insertion: Insertion | null = added.length
      ? { after: p + pairs - 1, items: (indent) => added.map((v) => this.render(v, indent, compact)) }
      : null;
    this.layout(node, items, deleted, insertion, compact, parentCompact);
  }

  /** Removes, and inserts, items of one container, keeping its commas right. */
  private layout(
    container: Node,
    items: Node[],
    deleted: Set<number>,
    insertion: Insertion | null,
    compact: boolean,
    parentCompact: boolean,
  ): void {
    const { text, style } = this;
    const n = items.length;
    const open = container.offset;
    const close = container.offset + container.length - 1;
    const commas = items.map((it) => this.commaAfter(it));
    const trailing = n > 0 && commas[n - 1] >= 0;
    let lastKept = -1;
    for (let i = 0; i < n; i++) if (!deleted.has(i)) lastKept = i;
    for (const i of deleted) this.deleteItem(items[i], commas[i]);
    const endInsertion = insertion !== null && lastKept <= insertion.after;
    if (!endInsertion && lastKept >= 0 && lastKept < n - 1 && !trailing) {
      // Everything after the last kept item went: its comma would now dangle.
      this.edits.push({ offset: commas[lastKept], length: 1, content: "" });
    }
    if (!insertion) return;
    const sep = style.spaced ? ", " : ",";
    const sp = style.spaced ? " " : "";
    const indent = this.itemIndent(container, items);
    const texts = insertion.items(indent);
    const tail = trailing ? "," : "";
    if (endInsertion) {
      if (lastKept >= 0) {
        const k = items[lastKept];
        const end = k.offset + k.length;
        const comma = commas[lastKept];
        if (comma < 0) this.edits.push({ offset: end, length: 0, content: "," });
        const after = comma >= 0 ? comma + 1 : end;
        const at = compact ? -1 : this.endOfLineTrivia(after);
        if (at >= 0) {
          this.edits.push({
            offset: at,
            length: 0,
            content: texts.map((t) => style.eol + indent + t).join(",") + tail,
          });
        } else this.edits.push({ offset: after, length: 0, content: sp + texts.join(sep) + tail });
        return;
      }
      if (n === 0 && isBlank(text.slice(open + 1, close).replace(/[\r\n]/g, ""))) {
        // An empty {} or []: expanded over several lines in a multi-line file.
        const expand = !parentCompact && style.multiline;
        const content = expand
          ? style.eol + indent + texts.join("," + style.eol + indent) + style.eol + this.indentOfLine(open)
          : texts.join(sep);
        this.edits.push({ offset: open + 1, length: close - open - 1, content });
        return;
      }
      const at = compact ? -1 : this.endOfLineTrivia(open + 1);
      if (at >= 0) {
        this.edits.push({
          offset: at,
          length: 0,
          content: texts.map((t) => style.eol + indent + t).join(",") + tail,
        });
      } else this.edits.push({ offset: open + 1, length: 0, content: texts.join(sep) + tail });
      return;
    }
    // Between two kept items (lists only): the item before it has a comma.
    const a = insertion.after;
    const pos = a >= 0 ? commas[a] + 1 : open + 1;
    const at = compact ? -1 : this.endOfLineTrivia(pos);
    if (at >= 0) {
      this.edits.push({
        offset: at,
        length: 0,
        content: texts.map((t) => style.eol + indent + t + ",").join(""),
      });
    } else {
      const content = a >= 0 ? sp + texts.map((t) => t + ",").join(sp) : texts.map((t) => t + sep).join("");
      this.edits.push({ offset: pos, length: 0, content });
    }
  }

  private deleteItem(item: Node, comma: number): void {
    const { text } = this;
    let start = item.offset;
    let end = comma >= 0 ? comma + 1 : item.offset + item.length;
    const ls = lineStartOf(text, start);
    const le = lineEndOf(text, end);
    if (isBlank(text.slice(ls, start)) && isBlank(text.slice(end, le))) {
      start = ls;
      end = le + (text.startsWith("\r\n", le) ? 2 : le < text.length ? 1 : 0);
    } else if (comma >= 0 || isBlank(text.slice(ls, start))) {
      // Something else shares the line (a comment after it, or the next item): take the item and
      // the blanks after it, leave the rest.
      while (text[end] === " " || text[end] === "\t") end++;
    } else {
      while (start > 0 && (text[start - 1] === " " || text[start - 1] === "\t")) start--;
    }
    this.edits.push({ offset: start, length: end - start, content: "" });
  }

  /** Offset of the comma that follows an item (comments allowed in between), or -1. */
  private commaAfter(item: Node): number {
    const sc = this.scanner;
    sc.setPosition(item.offset + item.length);
    for (;;) {
      const t = sc.scan();
      if (t === T_TRIVIA || t === T_LINE_BREAK || t === T_LINE_COMMENT || t === T_BLOCK_COMMENT) continue;
      if (t === T_COMMA) return sc.getTokenOffset();
      if (t === T_CLOSE_BRACE || t === T_CLOSE_BRACKET) return -1;
      return -1;
    }
  }

  /**
   * Where text can be appended to the line holding `pos`: after blanks and same-line comments, at
   * the end of the line; -1 if something else (another item, a bracket) follows on that line.
   */
  private endOfLineTrivia(pos: number): number {
    const { text } = this;
    let i = pos;
    for (;;) {
      while (text[i] === " " || text[i] === "\t") i++;
      if (i >= text.length || text[i] === "\n" || text[i] === "\r") return i;
      if (text.startsWith("//", i)) return lineEndOf(text, i);
      if (text.startsWith("/*", i)) {
        const e = text.indexOf("*/", i + 2);
        if (e < 0 || /[\r\n]/.test(text.slice(i, e))) return -1;
        i = e + 2;
        continue;
      }
      return -1;
    }
  }

  private isSingleLine(node: Node): boolean {
    return !/[\r\n]/.test(this.text.slice(node.offset, node.offset + node.length));
  }

  private indentOfLine(pos: number): string {
    return leadingWs(this.text, lineStartOf(this.text, pos));
  }

  /** The indentation of the container's items: that of the first one alone at a line start. */
  private itemIndent(container: Node, items: Node[]): string {
    for (const it of items) {
      const ls = lineStartOf(this.text, it.offset);
      if (isBlank(this.text.slice(ls, it.offset))) return this.text.slice(ls, it.offset);
    }
    return this.indentOfLine(container.offset) + this.style.unit;
  }

  /** A value as JSON: multi-line (like JSON.stringify with the file's indent) or on one line. */
  render(v: unknown, indent: string, compact: boolean): string {
    const { style } = this;
    if (Array.isArray(v)) {
      if (v.length === 0) return "[]";
      if (compact) {
        return "[" + v.map((x) => this.render(x, indent, true)).join(style.spaced ? ", " : ",") + "]";
      }
      const inner = indent + style.unit;
      return "[" + style.eol + v.map((x) => inner + this.render(x, inner, false)).join("," + style.eol) +
        style.eol + indent + "]";
    }
    if (isPlainObject(v)) {
      const keys = Object.keys(v);
      if (keys.length === 0) return "{}";
      const colon = style.spaced ? ": " : ":";
      if (compact) {
        return "{" + keys.map((k) => JSON.stringify(k) + colon + this.render(v[k], indent, true))
          .join(style.spaced ? ", " : ",") +
          "}";
      }
      const inner = indent + style.unit;
      return "{" + style.eol +
        keys.map((k) => inner + JSON.stringify(k) + colon + this.render(v[k], inner, false)).join(
          "," + style.eol,
        ) +
        style.eol + indent + "}";
    }
    return JSON.stringify(v);
  }
}

export function parseJson(text: string, file: string, jsonc: boolean): {
  model: DataModel;
  render(target: PlainObject): string;
} {
  const parsed = parseText(text, file, jsonc);
  const model = new DataModel(parsed.data, { allowNull: true, allowTomlScalars: false }, file);
  const render = (target: PlainObject): string => {
    const style = detectStyle(text, parsed.root);
    const w = new JsonWriter(text, style);
    let out: string;
    if (!parsed.root) {
      // Empty, or only whitespace and comments (JSONC): the map goes after what is there.
      const body = w.render(target, "", false);
      out = text.trim() === ""
        ? body + style.eol
        : (/[\r\n]$/.test(text) ? text : text + style.eol) + body + style.eol;
    } else {
      w.diffObject(parsed.root, parsed.data, target, !style.multiline);
      out = applyTextEdits(text, w.edits);
    }
    let check: unknown;
    try {
      check = readBack(out, jsonc);
    } catch (err) {
      throw unsafeEdit(file, `the edited text does not parse: ${(err as Error).message}`);
    }
    if (!deepEqual(check, target)) {
      throw unsafeEdit(file, "the edited text does not read back as the intended data");
    }
    return out;
  };
  return { model, render };
}
