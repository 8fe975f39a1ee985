import { ManifestError } from "../errors.js";
import { isPlainObject } from "../zoom/rules.js";
import type { ManifestRecord } from "../types.js";
import { ColumnResolver, resolveNames, type ColumnName } from "./columns.js";
import { locateJsonError } from "./json-errors.js";
import { BAD_CHAR_MESSAGES, hasBadChars, MAX_RECORD_CHARS, readText, where } from "./source.js";

/**
 * One top-level element (JSON array) or line (JSON Lines): its text, or `tooLarge`; `line` and
 * `column` (1-based) are where it starts.
 */
export interface JsonElement {
  line: number;
  column?: number;
  text: string;
  tooLarge: boolean;
}

/** The file's structure is broken (not an array, not closed, junk between elements): stops the run. */
export class JsonStructureError extends Error {}

const enum Where {
  BeforeArray,
  BetweenElements,
  InElement,
  AfterArray,
}

/**
 * Splits a JSON array into the text of its elements without parsing the whole file: it tracks
 * nesting, strings and escapes across chunks. Each element is parsed on its own, so a broken
 * element becomes one unreadable record and the rest of the file still reads. An element over
 * MAX_RECORD_CHARS is reported as too large without being held in memory.
 */
export class JsonArraySplitter {
  private where = Where.BeforeArray;
  private needComma = false;
  private line = 1;
  /** Column of the character being looked at; 0 at the start of a line. */
  private column = 0;
  private afterCR = false;
  // the element being read
  private parts: string[] = [];
  private size = 0;
  private startLine = 1;
  private startColumn = 1;
  private depth = 0;
  private kind: "container" | "string" | "literal" = "literal";
  private inString = false;
  private escaped = false;

  constructor(private readonly maxChars = MAX_RECORD_CHARS) {}

  write(text: string, out: JsonElement[]): void {
    let seg = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i] as string;
      if (
        this.where === Where.InElement &&
        this.kind === "literal" &&
        (ch === "," || ch === "]" || isSpace(ch))
      )
        this.finish(text, seg, i, out); // a number, true, false or null ends here; look at ch between elements
      if (ch === "\n") {
        if (!this.afterCR) this.line++;
        this.column = 0;
      } else if (ch === "\r") {
        this.line++;
        this.column = 0;
      } else if (!isLowSurrogate(ch)) this.column++; // columns count characters, not UTF-16 units
      this.afterCR = ch === "\r";

      if (this.where === Where.InElement) {
        if (this.inString) {
          if (this.escaped) this.escaped = false;
          else if (ch === "\\") this.escaped = true;
          else if (ch === '"') {
            this.inString = false;
            if (this.kind === "string") this.finish(text, seg, i + 1, out);
          }
        } else if (ch === '"') this.inString = true;
        else if (ch === "{" || ch === "[") this.depth++;
        else if (ch === "}" || ch === "]") {
          this.depth--;
          if (this.depth === 0) this.finish(text, seg, i + 1, out);
        }
        continue;
      }
      if (isSpace(ch)) continue;
      if (this.where === Where.BeforeArray) {
        if (ch !== "[")
          throw new JsonStructureError(
            ch === "{"
              ? `the file starts with an object, not an array; wrap the records in [ ] or, for one object per line, name the file .jsonl`
              : `${this.at()}: the file must hold a JSON array of objects (it starts with "${ch}")`,
          );
        this.where = Where.BetweenElements;
      } else if (this.where === Where.AfterArray) {
        throw new JsonStructureError(`${this.at()}: text after the closing ] of the array ("${ch}")`);
      } else if (ch === ",") {
        if (!this.needComma) throw new JsonStructureError(`${this.at()}: a comma with no element before it`);
        this.needComma = false;
      } else if (ch === "]") {
        this.where = Where.AfterArray;
      } else if (this.needComma) {
        throw new JsonStructureError(
          `${this.at()}: expected , or ] after the element before it, found "${ch}"; check for a missing comma`,
        );
      } else if (ch === "}") {
        throw new JsonStructureError(`${this.at()}: unexpected "}" between array elements`);
      } else {
        this.where = Where.InElement;
        this.startLine = this.line;
        this.startColumn = this.column;
        this.parts = [];
        this.size = 0;
        seg = i;
        this.kind = ch === "{" || ch === "[" ? "container" : ch === '"' ? "string" : "literal";
        this.depth = this.kind === "container" ? 1 : 0;
        this.inString = this.kind === "string";
        this.escaped = false;
      }
    }
    if (this.where === Where.InElement) this.keep(text, seg, text.length);
  }

  end(out: JsonElement[]): void {
    if (this.where === Where.InElement && this.kind === "literal") this.finish("", 0, 0, out);
    if (this.where === Where.BeforeArray) throw new JsonStructureError("the file holds no JSON array");
    if (this.where !== Where.AfterArray)
      throw new JsonStructureError(
        `the array is never closed with ]` +
          (this.where === Where.InElement
            ? ` (the element that starts on line ${this.startLine}, column ${this.startColumn} never ends)`
            : "") +
          `; the file may be truncated`,
      );
  }

  /** `line L, column C` of the character being looked at. */
  private at(): string {
    return `line ${this.line}, column ${this.column}`;
  }

  private keep(text: string, from: number, to: number): void {
    if (this.size > this.maxChars) return;
    this.size += to - from;
    if (this.size > this.maxChars) this.parts = [];
    else if (to > from) this.parts.push(text.slice(from, to));
  }

  private finish(text: string, from: number, to: number, out: JsonElement[]): void {
    this.keep(text, from, to);
    const tooLarge = this.size > this.maxChars;
    const joined = tooLarge ? "" : this.parts.join("");
    out.push({ line: this.startLine, column: this.startColumn, text: joined, tooLarge });
    this.parts = [];
    this.where = Where.BetweenElements;
    this.needComma = true;
  }
}

function isLowSurrogate(ch: string): boolean {
  const c = ch.charCodeAt(0);
  return c >= 0xdc00 && c <= 0xdfff;
}

function isSpace(ch: string): boolean {
  return ch === " " || ch === "\n" || ch === "\r" || ch === "\t";
}

/** Splits JSON Lines: one element per non-blank line (LF or CRLF). */
export class JsonLinesSplitter {
  private parts: string[] = [];
  private size = 0;
  private line = 1;

  constructor(private readonly maxChars = MAX_RECORD_CHARS) {}

  write(text: string, out: JsonElement[]): void {
    let from = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", from)) {
      this.keep(text, from, nl);
      this.flush(out);
      from = nl + 1;
    }
    this.keep(text, from, text.length);
  }

  end(out: JsonElement[]): void {
    this.flush(out);
  }

  private keep(text: string, from: number, to: number): void {
    if (this.size > this.maxChars) return;
    this.size += to - from;
    if (this.size > this.maxChars) this.parts = [];
    else if (to > from) this.parts.push(text.slice(from, to));
  }

  private flush(out: JsonElement[]): void {
    const tooLarge = this.size > this.maxChars;
    const text = tooLarge ? "" : this.parts.join("");
    if (tooLarge || text.trim() !== "") out.push({ line: this.line, column: 1, text, tooLarge });
    this.parts = [];
    this.size = 0;
    this.line++;
  }
}

export type JsonFormat = "json" | "jsonl";

/** Streams the elements of a JSON or JSON Lines file. */
export async function* jsonElements(
  path: string,
  format: JsonFormat,
  chunkBytes: number,
): AsyncGenerator<JsonElement> {
  const splitter = format === "json" ? new JsonArraySplitter() : new JsonLinesSplitter();
  const out: JsonElement[] = [];
  try {
    for await (const text of readText(path, chunkBytes)) {
      splitter.write(text, out);
      yield* out;
      out.length = 0;
    }
    splitter.end(out);
    yield* out;
  } catch (error) {
    if (error instanceof JsonStructureError)
      throw new ManifestError(
        `Manifest ${path} is not a usable JSON array: ${error.message}.`,
        "E_MANIFEST_JSON",
      );
    throw error;
  }
}

type Parsed = { object: Record<string, unknown> } | { problem: { code: string; message: string } };

/** Parses one element; anything but a JSON object is a problem for that record only. */
export function parseElement(element: JsonElement): Parsed {
  if (element.tooLarge)
    return {
      problem: {
        code: "E_ROW_TOO_LARGE",
        message: `the record is larger than ${MAX_RECORD_CHARS} characters`,
      },
    };
  const bad = hasBadChars(element.text);
  if (bad) return { problem: { code: "E_ROW_ENCODING", message: `the record ${BAD_CHAR_MESSAGES[bad]}` } };
  let value: unknown;
  try {
    value = JSON.parse(element.text);
  } catch (error) {
    return {
      problem: { code: "E_ROW_JSON", message: `not valid JSON: ${describeJsonError(element, error)}` },
    };
  }
  if (!isPlainObject(value))
    return {
      problem: {
        code: "E_ROW_NOT_OBJECT",
        message: `expected a JSON object, got ${value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`}`,
      },
    };
  return { object: value };
}

/**
 * What is wrong with an element's JSON and where, as `problem (line L, column C)` in the file's
 * own lines and columns; never a piece of the text (it may be a password).
 */
export function describeJsonError(element: JsonElement, error: unknown): string {
  const found = locateJsonError(element.text);
  if (!found) return jsonSyntaxProblem(error);
  const before = element.text.slice(0, found.offset);
  const lastBreak = Math.max(before.lastIndexOf("\n"), before.lastIndexOf("\r"));
  const breaks = before.match(/\r\n|\r|\n/g)?.length ?? 0;
  const onLine = [...before.slice(lastBreak + 1)].length;
  const column = (breaks === 0 ? (element.column ?? 1) : 1) + onLine;
  return `${found.problem} (line ${element.line + breaks}, column ${column})`;
}

/**
 * What JSON.parse found wrong, without the record's text: V8 quotes a piece of the input in some
 * messages (`Unexpected token 'S', ..."password":Secret12"... is not valid JSON`), and that piece
 * may be a password, which must never reach a results file or a log.
 */
export function jsonSyntaxProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/ is not valid JSON$/.test(message))
    return "unexpected text where a JSON value belongs (a text value without double quotes, a trailing comma or a stray character)";
  return /at position \d+/.test(message)
    ? `${message} (positions count from the record's first character)`
    : message;
}

/**
 * The pre-pass: reads every element once to learn the keys, so an unknown key stops the run before
 * anything is sent. Returns the canonical columns in first-seen order.
 */
export async function scanJsonColumns(
  path: string,
  format: JsonFormat,
  chunkBytes: number,
  resolver: ColumnResolver,
): Promise<string[]> {
  let anyKeys = false;
  const columns = new Set<string>();
  for await (const element of jsonElements(path, format, chunkBytes)) {
    const parsed = parseElement(element);
    if (!("object" in parsed)) continue; // reported as an unreadable record when the records are read
    const keys = Object.keys(parsed.object);
    const names = resolveNames(resolver, keys, `line ${element.line}`);
    anyKeys ||= keys.length > 0;
    for (const name of names) if (name !== null) columns.add(name);
  }
  if (anyKeys && !columns.has("user"))
    throw new ManifestError(
      `No record of ${path} has a user key; add "user" (or email, user_id, userId, id) to every record.`,
      "E_MANIFEST_NO_USER",
    );
  return [...columns];
}

/** Records of a JSON or JSON Lines manifest. Values stay JSON values; null and "" are left out, like empty CSV cells. */
export async function* jsonRecords(
  path: string,
  format: JsonFormat,
  chunkBytes: number,
  resolver: ColumnResolver,
): AsyncGenerator<ManifestRecord> {
  let row = 0;
  for await (const element of jsonElements(path, format, chunkBytes)) {
    row++;
    const { line } = element;
    const parsed = parseElement(element);
    if ("problem" in parsed) {
      yield {
        row,
        line,
        error: { code: parsed.problem.code, message: `${where(row, line)}: ${parsed.problem.message}.` },
      };
      continue;
    }
    let names: ColumnName[];
    const keys = Object.keys(parsed.object);
    try {
      names = resolveNames(resolver, keys, `line ${line}`);
    } catch (error) {
      // only when the file changed after openManifest checked it
      yield {
        row,
        line,
        error: { code: "E_ROW_COLUMNS", message: `${where(row, line)}: ${(error as Error).message}` },
      };
      continue;
    }
    const fields: Record<string, unknown> = {};
    keys.forEach((key, i) => {
      const name = names[i];
      const value = parsed.object[key];
      if (name && value !== null && value !== "") fields[name] = value;
    });
    yield { row, line, fields };
  }
}
