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
  if (format === "jsonl") return JSON.stringify(line, RESULT_COLUMNS as unknown as string[]) + "\n";
  return RESULT_COLUMNS.map((column) => csvCell(line[column])).join(",") + "\n";
}

/** Cells a spreadsheet would run as a formula get a leading apostrophe (OWASP CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number): string {
  let text = String(value);
  if (typeof value === "string" && FORMULA_START.test(text)) text = "'" + text;
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
