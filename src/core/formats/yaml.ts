/**
 * YAML documents (Continue's `config.yaml`, Goose's `config.yaml`), edited in place.
 *
 * The `yaml` library's Document API does the edit (its nodes keep comments, scalar styles, flow
 * or block layout), but it can only print the whole document, and that printing normalises lines
 * nobody edited: `a: 1   # note` becomes `a: 1 # note`, long strings may be re-folded, padding in
 * `[a, b]` changes. So toString() prints the unedited and the edited document with the same
 * options and replays only their difference onto the original text (linemerge.ts).
 *
 * What an edit changes, exactly (everything else is kept byte for byte, each line with its own
 * line ending):
 * - The lines of the edited entries, as the library prints them: a changed scalar keeps its
 *   quoting style; a changed map/list is edited member by member (unchanged members keep their
 *   lines; a list by its common head and tail, so removing item 2 of 5 touches only item 2); new
 *   members are printed with the file's indentation (detected: the most common indent step, and
 *   whether `- ` items are indented under their key) at the end of their map or list; new
 *   strings among siblings that are all quoted the same way get those quotes.
 * - A value replaced by one of another type takes over its comments; a null value with a
 *   same-line comment (`mcpServers: # none yet`) filled with a list or map gets that comment on
 *   a line of its own above the new items (as the library prints it).
 * - If the edit touches a line the library would print differently from the original (a
 *   different comment spacing, a folded string…), that line is written as the library prints it.
 * - A removed entry's lines go; comment lines right above it or right below its last line are
 *   kept (a comment inside it, between two of its lines, goes with it).
 * - New lines use the file's line ending; the final newline, or its absence, is kept.
 * - A new multi-line string is a block scalar; one ending in a newline (`|+`) absorbs the blank
 *   lines right after it, so those blank lines are removed to keep the value exact.
 * - An edit through an anchor that aliases elsewhere (`b: *d`) would change those too: toString()
 *   throws E_EDIT_UNSAFE (see below) rather than write it.
 * The result is parsed again and must equal the intended data, else toString() throws
 * E_EDIT_UNSAFE and the file is left alone.
 */
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  Scalar,
  type ToStringOptions,
  visit,
} from "yaml";
import { merge3, splitLines } from "./linemerge.ts";
import {
  DataModel,
  deepEqual,
  detectEol,
  hasOwn,
  isPlainObject,
  lineColumn,
  type PlainObject,
  unparsable,
  unsafeEdit,
} from "./model.ts";

const PARSE_OPTIONS = { prettyErrors: true, uniqueKeys: true, keepSourceTokens: false } as const;

function parseText(text: string, file: string): { doc: Document; data: PlainObject } {
  const doc = parseDocument(text, PARSE_OPTIONS);
  if (doc.errors.length) {
    const e = doc.errors[0];
    const at = e.linePos?.[0] ?? (() => {
      const lc = lineColumn(text, e.pos[0]);
      return { line: lc.line, col: lc.column };
    })();
    const what = e.message.replace(/ at line \d+, column \d+[\s\S]*$/, "").replace(/:$/, "");
    throw unparsable(file, what, at.line, at.col);
  }
  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && contents.value === null)) return { doc, data: {} };
  if (!isMap(contents)) {
    const { line, column } = lineColumn(text, contents.range?.[0] ?? 0);
    const kind = isSeq(contents) ? "a list" : "a single value";
    throw unparsable(
      file,
      `the top level is ${kind}, not a map of settings`,
      line,
      column,
      "so that it holds a map (key: value lines), then run the command again.",
    );
  }
  return { doc, data: doc.toJS() as PlainObject };
}

/** Printing options that match the file, so that few lines print differently from it. */
function detectOptions(text: string): ToStringOptions {
  // Content lines (no blanks, no comments) with their indentation.
  const lines = text.split(/\r?\n/).filter((l) => !/^\s*(#|$)/.test(l)).map((l) => ({
    indent: /^ */.exec(l)![0].length,
    text: l.trimStart(),
  }));
  const steps = new Map<number, number>();
  let indentSeq: boolean | undefined;
  for (let i = 0; i + 1 < lines.length; i++) {
    const { indent, text: l } = lines[i];
    // `key:` (or `- key:`) opening a block: how far in is what follows?
    if (!/^(- +)?[^\s#-][^#]*:\s*(#.*)?$/.test(l) && !/^(- +)?[^\s#-][^#]*:\s*[|>]/.test(l)) continue;
    const child = lines[i + 1];
    const keyIndent = indent + (/^- +/.exec(l)?.[0].length ?? 0);
    if (child.text.startsWith("- ") || child.text === "-") {
      indentSeq ??= child.indent > keyIndent;
    } else if (child.indent > keyIndent && !/[|>]/.test(l.slice(-3))) {
      const step = child.indent - keyIndent;
      steps.set(step, (steps.get(step) ?? 0) + 1);
    }
  }
  let indent = 2;
  let best = 0;
  for (const [step, n] of steps) {
    if (step <= 8 && (n > best || (n === best && step < indent))) [indent, best] = [step, n];
  }
  const flow = /[:-]\s+[[{](.)/.exec(text);
  return {
    indent,
    indentSeq: indentSeq ?? true,
    lineWidth: 0,
    minContentWidth: 0,
    flowCollectionPadding: flow ? flow[1] === " " : false,
  };
}

function keyOf(key: unknown): string {
  if (isScalar(key)) return key.value === null || key.value === undefined ? "" : String(key.value);
  return String(key);
}

// deno-lint-ignore no-explicit-any
type AnyNode = any;

/** The quoting all string siblings share (`["-y", "pkg"]`), for new strings beside them. */
function siblingQuote(nodes: AnyNode[]): Scalar.Type | undefined {
  let quote: Scalar.Type | undefined;
  for (const n of nodes) {
    if (!isScalar(n) || typeof n.value !== "string") continue;
    if (n.type !== Scalar.QUOTE_DOUBLE && n.type !== Scalar.QUOTE_SINGLE) return undefined;
    if (quote && quote !== n.type) return undefined;
    quote = n.type;
  }
  return quote;
}

/** Edits `node` (whose data is `o`) into `t`, member by member; returns the node to keep. */
function patchNode(doc: Document, node: AnyNode, o: unknown, t: unknown): AnyNode {
  if (deepEqual(o, t)) return node;
  if (isMap(node) && isPlainObject(o) && isPlainObject(t)) {
    // deno-lint-ignore no-explicit-any
    node.items = node.items.filter((p: any) => hasOwn(t, keyOf(p.key)));
    for (const p of node.items) {
      const k = keyOf(p.key);
      if (!deepEqual(o[k], t[k])) p.value = patchNode(doc, p.value, o[k], t[k]);
    }
    // deno-lint-ignore no-explicit-any
    const quote = siblingQuote(node.items.map((p: any) => p.value));
    for (const k of Object.keys(t)) {
      if (hasOwn(o, k)) continue;
      const pair: AnyNode = doc.createPair(k, t[k]);
      if (quote && isScalar(pair.value) && typeof pair.value.value === "string") pair.value.type = quote;
      node.items.push(pair);
    }
    return node;
  }
  if (isSeq(node) && Array.isArray(o) && Array.isArray(t)) {
    const n = o.length;
    const m = t.length;
    let p = 0;
    while (p < n && p < m && deepEqual(o[p], t[p])) p++;
    let s = 0;
    while (s < n - p && s < m - p && deepEqual(o[n - 1 - s], t[m - 1 - s])) s++;
    const pairs = Math.min(n - p - s, m - p - s);
    for (let i = p; i < p + pairs; i++) node.items[i] = patchNode(doc, node.items[i], o[i], t[i]);
    const quote = siblingQuote(node.items);
    const added = t.slice(p + pairs, m - s).map((v) => {
      const item: AnyNode = doc.createNode(v);
      if (quote && isScalar(item) && typeof item.value === "string") item.type = quote;
      return item;
    });
    node.items.splice(p + pairs, n - p - s - pairs, ...added);
    return node;
  }
  if (
    isScalar(node) && !isAlias(node) && t !== null && typeof t !== "object" && node.value !== null &&
    typeof node.value === typeof t
  ) {
    node.value = t;
    return node;
  }
  // Replaced wholesale (another type): the node's comments move to the new one. A scalar's
  // same-line comment (`key: # none yet`) goes above a block collection that replaces it.
  const fresh: AnyNode = doc.createNode(t);
  if (node && typeof node === "object") {
    if (isScalar(node) && (isMap(fresh) || isSeq(fresh))) {
      const before = [node.commentBefore, node.comment].filter(Boolean).join("\n");
      if (before) fresh.commentBefore = before;
    } else {
      if (node.commentBefore) fresh.commentBefore = node.commentBefore;
      if (node.comment) fresh.comment = node.comment;
    }
    if (node.spaceBefore) fresh.spaceBefore = true;
  }
  return fresh;
}

/**
 * Characters libyaml-based readers (Goose, PyYAML) reject, or read as line breaks (NEL, LS, PS):
 * C0 controls but tab and newlines, DEL, C1 controls, a BOM inside the text, noncharacters.
 */
const UNSAFE_FOR_LIBYAML =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  if (code === 0x85) return "\\N";
  if (code === 0x2028) return "\\L";
  if (code === 0x2029) return "\\P";
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * Any multi-line string. The yaml library prints it as a block scalar (`|`, `|-`, `|+`), which does not
 * come back reliably: `" \n"` reads back as `"\n"` (its first line taken as indentation), and for
 * `"\n#"` the library prints the empty line indented, which the line merge then cannot match, so a
 * later removal of that entry left two stray lines behind (yaml 2.9.1, found by the property test in
 * tests/formats_test.ts). Double quotes print every such string on one line, the same each time.
 */
const MULTILINE = /\n/;

/**
 * Strings holding such characters are printed double-quoted (the one style that can escape them), and
 * so are strings a block scalar would not give back as they are.
 */
function quoteUnsafe(doc: Document): void {
  const unsafe = new RegExp(UNSAFE_FOR_LIBYAML.source);
  visit(doc, {
    Scalar(_key, node) {
      if (
        typeof node.value === "string" &&
        (unsafe.test(node.value) || MULTILINE.test(node.value))
      ) {
        node.type = Scalar.QUOTE_DOUBLE;
      }
    },
  });
}

/** The printed text with those characters escaped (they can only be inside double quotes, see above). */
function escapeUnsafe(printed: string): string {
  return printed.replace(UNSAFE_FOR_LIBYAML, escapeChar);
}

export function parseYaml(text: string, file: string): {
  model: DataModel;
  render(target: PlainObject): string;
} {
  const { doc, data } = parseText(text, file);
  const model = new DataModel(data, { allowNull: true, allowTomlScalars: false }, file);
  let options: ToStringOptions | undefined;
  let base: string[] | undefined;
  const readsBack = (out: string, target: PlainObject): boolean => {
    const d = parseDocument(out, PARSE_OPTIONS);
    if (d.errors.length) return false;
    const c = d.contents;
    const got = c === null || (isScalar(c) && c.value === null) ? {} : d.toJS();
    return deepEqual(got, target);
  };
  const render = (target: PlainObject): string => {
    options ??= detectOptions(text);
    if (!base) {
      // the unedited document printed the same way as the edited one, so only edits differ
      const unedited = doc.clone();
      quoteUnsafe(unedited);
      base = splitLines(escapeUnsafe(unedited.toString(options))).map((l) => l.text);
    }
    const work = doc.clone();
    if (work.contents === null || (isScalar(work.contents) && work.contents.value === null)) {
      work.contents = work.createNode(target) as AnyNode;
    } else {
      work.contents = patchNode(work, work.contents, data, target);
    }
    quoteUnsafe(work);
    const printed = escapeUnsafe(work.toString(options));
    const eol = detectEol(text);
    const merged = merge3(splitLines(text), base, splitLines(printed).map((l) => l.text), eol);
    if (readsBack(merged, target)) return merged;
    // Never seen in testing; reformatting the whole file instead would be data-safe but would
    // break the promise above, so the file is left alone.
    throw unsafeEdit(file, "the edited text does not read back as the intended data");
  };
  return { model, render };
}
