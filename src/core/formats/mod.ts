/**
 * Format-preserving editors for client config files (JSON, JSONC, TOML, YAML).
 *
 * `parseDocument` parses a file's text once (importing only the parser its format needs); `get`,
 * `set` and `delete` work on the data; `toString()` writes the changes into the original text as
 * the smallest edits it can, and parses its own output back to check it holds exactly the
 * intended data before returning it. Untouched, the text comes back byte for byte.
 *
 * Kept in every format, outside the edited entries: other keys and their order, comments, blank
 * lines, indentation, line endings (CRLF stays CRLF), a UTF-8 byte order mark, the final newline
 * or its absence. What exactly an edit rewrites is described at the top of json.ts, toml.ts and
 * yaml.ts (and pinned by tests/formats_test.ts).
 *
 * Errors: a file that does not parse, or whose top level is not a map, or (JSON) has a duplicate
 * key, throws E_FILE_UNPARSABLE with the line and column. `set` through something that is not a
 * map (or list, for a numeric index) throws E_FILE_SHAPE rather than overwrite it. `toString()`
 * throws E_EDIT_UNSAFE in the (unexpected) case that its edit would not read back right.
 */
import { load } from "../model/load.ts";
import type { ConfigFormat } from "../sync/clients.ts";
import { type DataModel, deepEqual, type DocPath, type PlainObject } from "./model.ts";

export type { DocPath } from "./model.ts";

export interface ConfigDocument {
  readonly format: ConfigFormat;
  /** Plain data at a path (undefined if absent). get([]) is the whole document's data. */
  get(path: DocPath): unknown;
  /** Sets the value at path, creating parent maps as needed, with a minimal textual edit. */
  set(path: DocPath, value: unknown): void;
  /** Removes the key / array element at path; no-op if absent. */
  delete(path: DocPath): void;
  /** The current text: byte-identical to the input if nothing was changed. */
  toString(): string;
}

interface Parsed {
  model: DataModel;
  /** The text (without BOM) holding `target`; checked to read back as `target`. */
  render(target: PlainObject): string;
}

const BOM = "\uFEFF";

class EditableDocument implements ConfigDocument {
  private cache: { data: PlainObject; text: string } | null = null;

  constructor(
    readonly format: ConfigFormat,
    private readonly text: string,
    private readonly bom: boolean,
    private readonly parsed: Parsed,
  ) {}

  get(path: DocPath): unknown {
    return this.parsed.model.get(path);
  }

  set(path: DocPath, value: unknown): void {
    this.parsed.model.set(path, value);
  }

  delete(path: DocPath): void {
    this.parsed.model.delete(path);
  }

  toString(): string {
    const { model } = this.parsed;
    const data = model.data;
    if (data === model.original || deepEqual(data, model.original)) return this.text;
    if (this.cache?.data !== data) {
      this.cache = { data, text: (this.bom ? BOM : "") + this.parsed.render(data) };
    }
    return this.cache.text;
  }
}

/** Parses text (lazily importing only the parser that format needs). Throws on invalid input. */
export async function parseDocument(
  format: ConfigFormat,
  text: string,
  file: string,
): Promise<ConfigDocument> {
  const bom = text.startsWith(BOM);
  const body = bom ? text.slice(1) : text;
  let parsed: Parsed;
  try {
    switch (format) {
      case "json":
      case "jsonc":
        parsed = (await load<typeof import("./json.ts")>(import.meta.url, "./json.ts"))
          .parseJson(body, file, format === "jsonc");
        break;
      case "toml":
        parsed = (await load<typeof import("./toml.ts")>(import.meta.url, "./toml.ts"))
          .parseToml(body, file);
        break;
      case "yaml":
        parsed = (await load<typeof import("./yaml.ts")>(import.meta.url, "./yaml.ts"))
          .parseYaml(body, file);
        break;
      default:
        throw new TypeError(`unknown config format ${JSON.stringify(format)}`);
    }
  } catch (err) {
    // a hostile file nested thousands deep overflows any recursive reader: unparsable, not a crash
    if (err instanceof RangeError) {
      const { unparsable } = await load<typeof import("./model.ts")>(import.meta.url, "./model.ts");
      throw unparsable(file, "it is nested too deeply to read", 1, 1);
    }
    throw err;
  }
  return new EditableDocument(format, text, bom, parsed);
}
