import { ManifestError } from "../errors.js";
import type { ManifestRecord } from "../types.js";
import { ColumnResolver, resolveNames, type ColumnName } from "./columns.js";
import { BAD_CHAR_MESSAGES, hasBadChars, MAX_RECORD_CHARS, readText, where } from "./source.js";

/**
 * A CSV record as the tokenizer sees it: its cells, or why it cannot be read. `line` is where it
 * starts and `endLine` where it ends (a quoted cell may hold line breaks), both 1-based source lines.
 */
export type CsvRecord =
  | { line: number; endLine: number; cells: string[]; problem?: undefined }
  | { line: number; endLine: number; problem: { code: string; message: string } };

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/** The cell separators a manifest may use; `detectDelimiter` picks one of the first three. */
export const DELIMITERS = [",", ";", "\t", "|"] as const;
export type Delimiter = (typeof DELIMITERS)[number];

/** How a message names the delimiter: "commas", "semicolons", … */
export const DELIMITER_NAMES: Readonly<Record<Delimiter, { one: string; many: string }>> = {
  ",": { one: "comma", many: "commas" },
  ";": { one: "semicolon", many: "semicolons" },
  "\t": { one: "tab", many: "tabs" },
  "|": { one: "pipe (|)", many: "pipes (|)" },
};

const enum State {
  /** Between records: blank lines are skipped here. */
  RecordStart,
  FieldStart,
  Unquoted,
  Quoted,
  /** Just saw a `"` inside a quoted field: an escaped quote, the field's end, or an error. */
  QuoteInQuoted,
}

/**
 * An incremental RFC 4180 tokenizer: feed it text chunks, get whole records with the line each
 * starts on. Written here rather than using csv-parse because csv-parse 6 counts a CRLF inside a
 * quoted cell as two lines and, after a stray character behind a closing quote, loses every later
 * record; here such a record becomes unreadable and reading resumes at the next line break.
 *
 * Line breaks are CRLF, LF or CR. A quote inside an unquoted cell is kept as text. A record longer
 * than MAX_RECORD_CHARS is dropped (reported unreadable) without being held in memory.
 */
export class CsvTokenizer {
  private state = State.RecordStart;
  private cells: string[] = [];
  private field = "";
  private line = 1;
  private recordLine = 1;
  private quoteLine = 1;
  private size = 0;
  private afterCR = false;
  /** Whether the current chunk is free of U+FFFD and NUL, so cells need no check. */
  private clean = true;
  private problem: { code: string; message: string } | undefined;
  private readonly delimiter: number;

  constructor(
    private readonly maxChars = MAX_RECORD_CHARS,
    delimiter: Delimiter = ",",
  ) {
    this.delimiter = delimiter.charCodeAt(0);
  }

  write(text: string, out: CsvRecord[]): void {
    this.clean = hasBadChars(text) === undefined;
    let seg = 0; // start of the current field's text not yet copied into `field`
    const SEP = this.delimiter; // the cell separator: a comma unless told otherwise
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.afterCR) {
        this.afterCR = false;
        if (c === LF) continue; // second half of a CRLF, already counted
      }
      if (this.state === State.RecordStart) {
        if (c === CR || c === LF) {
          this.newline(c); // a blank line
          continue;
        }
        this.recordLine = this.line;
        this.size = 0;
        this.state = State.FieldStart;
      }
      switch (this.state) {
        case State.FieldStart:
          if (c === QUOTE) {
            this.state = State.Quoted;
            this.quoteLine = this.line;
            seg = i + 1;
          } else if (c === SEP) {
            this.endField();
          } else if (c === CR || c === LF) {
            this.endField();
            this.endRecord(out);
            this.newline(c);
          } else {
            this.state = State.Unquoted;
            seg = i;
          }
          break;
        case State.Unquoted:
          if (c === SEP || c === CR || c === LF) {
            this.append(text, seg, i);
            this.endField();
            this.state = State.FieldStart;
            if (c !== SEP) {
              this.endRecord(out);
              this.newline(c);
            }
          }
          break;
        case State.Quoted:
          if (c === QUOTE) {
            this.append(text, seg, i);
            this.state = State.QuoteInQuoted;
          } else if (c === CR || c === LF) {
            this.newline(c);
          }
          break;
        case State.QuoteInQuoted:
          if (c === QUOTE) {
            this.append(text, i, i + 1); // "" is an escaped quote
            this.state = State.Quoted;
            seg = i + 1;
          } else if (c === SEP || c === CR || c === LF) {
            this.endField();
            this.state = State.FieldStart;
            if (c !== SEP) {
              this.endRecord(out);
              this.newline(c);
            }
          } else {
            this.problem ??= {
              code: "E_ROW_QUOTE",
              message: `column ${this.cells.length + 1} has text after its closing quote; a quote inside a quoted cell must be doubled ("")`,
            };
            this.state = State.Unquoted;
            seg = i;
          }
          break;
      }
    }
    if (this.state === State.Unquoted || this.state === State.Quoted) this.append(text, seg, text.length);
  }

  /** Input is over: flushes the last record (a file need not end with a line break). */
  end(out: CsvRecord[]): void {
    if (this.state === State.Quoted) {
      this.problem ??= {
        code: "E_ROW_QUOTE",
        message: `the quote opened on line ${this.quoteLine} is never closed, so the rest of the file could not be read; close or double the quote`,
      };
      this.endRecord(out);
    } else if (this.state !== State.RecordStart) {
      this.endField();
      this.endRecord(out);
    }
    this.state = State.RecordStart;
  }

  private newline(c: number): void {
    this.line++;
    this.afterCR = c === CR;
    if (this.state !== State.Quoted) this.state = State.RecordStart;
  }

  private append(text: string, from: number, to: number): void {
    if (to <= from || this.size > this.maxChars) return;
    this.size += to - from;
    if (this.size > this.maxChars) {
      this.field = "";
      this.cells = [];
      return;
    }
    const part = text.slice(from, to);
    if (!this.clean && !this.problem) {
      const bad = hasBadChars(part);
      if (bad)
        this.problem = {
          code: "E_ROW_ENCODING",
          message: `column ${this.cells.length + 1} ${BAD_CHAR_MESSAGES[bad]}`,
        };
    }
    this.field += part;
  }

  private endField(): void {
    this.size++;
    if (this.size <= this.maxChars) this.cells.push(this.field);
    this.field = "";
  }

  private endRecord(out: CsvRecord[]): void {
    const line = this.recordLine;
    const endLine = this.line;
    if (this.size > this.maxChars) {
      out.push({
        line,
        endLine,
        problem: {
          code: "E_ROW_TOO_LARGE",
          message: `the record is larger than ${this.maxChars} characters; check for an unclosed quote or a runaway cell`,
        },
      });
    } else if (this.problem) {
      out.push({ line, endLine, problem: this.problem });
    } else if (!(this.cells.length === 1 && this.cells[0]?.trim() === "")) {
      out.push({ line, endLine, cells: this.cells }); // a line of only spaces counts as blank
    }
    this.cells = [];
    this.problem = undefined;
  }
}

/**
 * Streams tokenized records a chunk's worth at a time (one yield per chunk, not per record: an
 * async generator's step allocates, and a million-row manifest pays it per yield). The batch is
 * reused: read it before asking for the next.
 */
export async function* csvTokens(
  path: string,
  chunkBytes: number,
  delimiter: Delimiter = ",",
): AsyncGenerator<readonly CsvRecord[]> {
  const tokenizer = new CsvTokenizer(MAX_RECORD_CHARS, delimiter);
  const out: CsvRecord[] = [];
  for await (const text of readText(path, chunkBytes)) {
    tokenizer.write(text, out);
    if (out.length > 0) yield out;
    out.length = 0;
  }
  tokenizer.end(out);
  if (out.length > 0) yield out;
}

/** Reads the header row: the first record. Throws ManifestError when there is none or it is wrong. */
export async function readCsvHeader(
  path: string,
  chunkBytes: number,
  resolver: ColumnResolver,
  delimiter: Delimiter = ",",
): Promise<{ columns: ColumnName[] }> {
  let header: CsvRecord | undefined;
  for await (const records of csvTokens(path, chunkBytes, delimiter)) {
    header = records[0];
    break;
  }
  if (!header)
    throw new ManifestError(`Manifest ${path} is empty; it needs a header row.`, "E_MANIFEST_EMPTY");
  if (header.problem)
    throw new ManifestError(
      `The header row (line ${header.line}) of ${path} cannot be read: ${header.problem.message}.`,
      "E_MANIFEST_HEADER",
    );
  header.cells.forEach((name, i) => {
    if (name.trim() === "")
      throw new ManifestError(
        `Column ${i + 1} of the header (line ${header.line}) has no name; name it or delete the column (a trailing ${DELIMITER_NAMES[delimiter].one} makes an empty column).`,
        "E_MANIFEST_HEADER",
      );
  });
  const columns = resolveNames(resolver, header.cells, `header, line ${header.line}`);
  if (!columns.includes("user"))
    throw new ManifestError(
      `The header (line ${header.line}) has no user column; add one named user (or email, user_id, userId, id).`,
      "E_MANIFEST_NO_USER",
    );
  return { columns };
}

/** Data records after the header, one ManifestRecord each, numbered from row 1. */
export async function* csvRecords(
  path: string,
  chunkBytes: number,
  columns: readonly ColumnName[],
  delimiter: Delimiter = ",",
): AsyncGenerator<ManifestRecord> {
  let row = 0;
  let header = true;
  for await (const records of csvTokens(path, chunkBytes, delimiter))
    for (const record of records) {
      if (header) {
        header = false;
        continue;
      }
      row++;
      const { line } = record;
      if (record.problem) {
        yield {
          row,
          line,
          error: { code: record.problem.code, message: `${where(row, line)}: ${record.problem.message}.` },
        };
      } else if (record.cells.length !== columns.length) {
        yield {
          row,
          line,
          error: {
            code: "E_ROW_COLUMNS",
            message: `${where(row, line)}: has ${record.cells.length} cells but the header has ${columns.length} columns; quote cells that contain ${DELIMITER_NAMES[delimiter].many}.`,
          },
        };
      } else {
        const fields: Record<string, unknown> = {}; // keys are canonical column names only
        for (let i = 0; i < columns.length; i++) {
          const column = columns[i];
          const cell = record.cells[i];
          if (column && cell !== undefined && cell.trim() !== "") fields[column] = cell;
        }
        yield { row, line, fields };
      }
    }
}

/**
 * Which delimiter the header line uses: the one of `,` `;` and tab that occurs most often outside
 * quotes in the first non-blank line (a comma on a tie or when none occurs). European Excel saves
 * "CSV" with semicolons, and many HR exports are tab-separated.
 */
export async function detectDelimiter(path: string, chunkBytes: number): Promise<Delimiter> {
  const counts = { comma: 0, semicolon: 0, tab: 0 };
  let quoted = false;
  let seen = 0;
  scan: for await (const text of readText(path, chunkBytes)) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) quoted = !quoted;
      else if (!quoted && (c === CR || c === LF)) {
        if (seen > 0) break scan;
        continue; // blank lines before the header
      } else if (!quoted && c === 0x2c) counts.comma++;
      else if (!quoted && c === 0x3b) counts.semicolon++;
      else if (!quoted && c === 0x09) counts.tab++;
      if (++seen > MAX_RECORD_CHARS) break scan;
    }
  }
  const best = Math.max(counts.semicolon, counts.tab);
  if (counts.comma >= best) return ",";
  return counts.semicolon >= counts.tab ? ";" : "\t";
}
