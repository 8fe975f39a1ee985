import { closeSync, fchmodSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";
import { RESULT_COLUMNS, type ResultLine } from "../types.js";

/**
 * The results file: one line per operation, appended and written through to the OS as each
 * operation finishes (never held back to the end), so a crash loses nothing already reported.
 * `.jsonl` gets one JSON object per line; anything else is CSV with a header row.
 * Created with mode 0600: it names users and may be read by `--resume`.
 */
export interface ResultsWriter {
  readonly path: string;
  write(line: ResultLine): void;
  close(): void;
}

export type ResultsFormat = "csv" | "jsonl";

export function resultsFormat(path: string): ResultsFormat {
  return path.toLowerCase().endsWith(".jsonl") ? "jsonl" : "csv";
}

/**
 * Opens the results file: a new run replaces an earlier run's file; `append` (for `--resume`)
 * adds to it, so the latest line for an operation wins.
 */
export function openResults(path: string, options: { append?: boolean } = {}): ResultsWriter {
  const format = resultsFormat(path);
  const fd = openSync(path, options.append ? "a" : "w", 0o600);
  fchmodSync(fd, 0o600); // a file that already existed keeps its mode otherwise
  if (format === "csv" && fstatSync(fd).size === 0) writeSync(fd, RESULT_COLUMNS.join(",") + "\n");
  return {
    path,
    write(line) {
      writeSync(fd, formatResult(line, format));
    },
    close() {
      closeSync(fd);
    },
  };
}

export function formatResult(line: ResultLine, format: ResultsFormat): string {
  if (format === "jsonl")
    return escapeJsonControls(JSON.stringify(line, RESULT_COLUMNS as unknown as string[])) + "\n";
  return RESULT_COLUMNS.map((column) => csvCell(line[column])).join(",") + "\n";
}

/**
 * Characters a terminal or viewer would act on rather than show: C0 controls but tab and line
 * feed (ESC starts ANSI and OSC sequences, CR overwrites the line shown), DEL, C1 controls (U+009B
 * is CSI on its own), and the bidirectional overrides and isolates that make text display in
 * another order than it is stored ("Trojan Source"). A cell from a manifest or from Zoom's reply
 * may hold any of them; `cat results.csv` must not run them.
 */
const CONTROL =
  "[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]";
/** Every such character, for `replace`. */
export const CONTROL_CHARS = new RegExp(CONTROL, "g");
const IS_CONTROL = new RegExp(`^${CONTROL}$`);

/** A control character written visibly: `\x1B`, `\u202E`. */
export function showControl(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).toUpperCase().padStart(2, "0")}`
    : `\\u${code.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** `\x1B` / `\u202E` back to the character, for the escapes `showControl` writes only. */
export function unshowControls(text: string): string {
  if (!text.includes("\\")) return text;
  return text.replace(/\\x([0-9A-F]{2})|\\u([0-9A-F]{4})/g, (whole, x?: string, u?: string) => {
    const c = String.fromCharCode(parseInt(x ?? u ?? "", 16));
    return IS_CONTROL.test(c) && showControl(c) === whole ? c : whole;
  });
}

/** JSON.stringify escapes C0 controls; C1 controls and bidi marks become `\uXXXX` too (still the same JSON). */
function escapeJsonControls(json: string): string {
  return json.replace(CONTROL_CHARS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * Cells a spreadsheet would run as a formula get a leading apostrophe (OWASP CSV injection): `=`
 * `+` `-` `@`, tab and CR, their fullwidth and small forms (Excel and LibreOffice read `＝1+1` as
 * a formula), and `|` (DDE).
 */
export const FORMULA_START = /^[=+\-@\t\r\uff1d\ufe66\uff0b\ufe62\uff0d\ufe63\uff20\ufe6b|]/;

/** A cell as `csvCell` wrote it, given back as it was: controls shown visibly, formula apostrophe. */
export function unescapeCell(text: string): string {
  const plain = unshowControls(text);
  return plain.startsWith("'") && FORMULA_START.test(plain.slice(1)) ? plain.slice(1) : plain;
}

export function csvCell(value: string | number): string {
  let text = String(value);
  if (typeof value !== "string") return text;
  if (FORMULA_START.test(text)) text = "'" + text;
  text = text.replace(CONTROL_CHARS, showControl);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * A run killed mid-write can leave a torn last line. It is detected (the file does not end in a
 * newline) and cut off, so the file stays readable and the operation it described is done again.
 * Returns whether anything was cut.
 */
export function repairTornTail(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "r+");
  } catch {
    return false;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return false;
    const tail = Buffer.alloc(Math.min(size, 64 * 1024));
    let end = size;
    // Walk back to the last newline (a line is short; a torn one shorter still).
    while (end > 0) {
      const start = Math.max(0, end - tail.length);
      const n = readSync(fd, tail, 0, end - start, start);
      const nl = tail.subarray(0, n).lastIndexOf(0x0a);
      if (nl === n - 1 && end === size) return false; // ends with a newline: whole
      if (nl >= 0) {
        ftruncateSync(fd, start + nl + 1);
        return true;
      }
      end = start;
    }
    ftruncateSync(fd, 0);
    return true;
  } finally {
    closeSync(fd);
  }
}
