import { closeSync, fstatSync, openSync, writeSync } from "node:fs";
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

export function openResults(path: string): ResultsWriter {
  const format = resultsFormat(path);
  const fd = openSync(path, "a", 0o600);
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
