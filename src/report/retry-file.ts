import { createReadStream, rmSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { manifestFormat, recordSpans, type Delimiter, type ManifestFormat } from "../read/index.js";
import type { ResultLine } from "../types.js";

/**
 * Files of manifest rows copied out of the manifest, in its own format, for the operator to fix and
 * run like any manifest: the failures-only file `<results>.retry.csv` after a run, and the invalid
 * rows `validate` found. CSV and JSON Lines rows are copied byte for byte, whole lines, quoted
 * multi-line cells and odd bytes included, after the CSV header line; elements of a JSON array
 * become one JSON Lines record each. Mode 0600: rows may hold passwords.
 */
export interface RowsFile {
  path: string;
  /** Rows written. */
  rows: number;
  /** Rows asked for that the manifest does not have (it changed since), or too large to copy. */
  missing: number[];
}

export interface RowsFileOptions {
  /** CSV: the delimiter the manifest was read with (`Manifest.delimiter`); default: detected again. */
  delimiter?: Delimiter;
}

/** The outcomes that put a row into the retry file. */
const RETRY_OUTCOMES: ReadonlySet<string> = new Set(["failed", "invalid", "deferred", "skipped"]);

/** Rows (record numbers, ascending) with an operation that failed, was invalid, deferred or skipped. */
export function retryRows(lines: Iterable<ResultLine>): number[] {
  const rows = new Set<number>();
  for (const line of lines) if (RETRY_OUTCOMES.has(line.outcome)) rows.add(line.row);
  return [...rows].sort((a, b) => a - b);
}

/** `<results>.retry.csv` for a CSV manifest, `<results>.retry.jsonl` for JSON and JSON Lines. */
export function retryPath(results: string, manifest: string): string {
  return `${results}.retry.${manifestFormat(manifest) === "csv" ? "csv" : "jsonl"}`;
}

/**
 * Writes the failures-only file beside the results (`retryPath`), or, when no row needs it,
 * removes one an earlier run left there and returns undefined. Call it once the run has written
 * its last result, with `retryRows` of the results file (all of it, earlier runs included).
 */
export async function writeRetryFile(options: {
  manifest: string;
  results: string;
  rows: Iterable<number>;
  delimiter?: Delimiter;
}): Promise<RowsFile | undefined> {
  const path = retryPath(options.results, options.manifest);
  const rows = [...options.rows];
  if (rows.length === 0) {
    rmSync(path, { force: true });
    return undefined;
  }
  return writeManifestRows(
    options.manifest,
    rows,
    path,
    options.delimiter ? { delimiter: options.delimiter } : {},
  );
}

/** Writes the given rows of `manifest` to `out` in the manifest's own format (see RowsFile). */
export async function writeManifestRows(
  manifest: string,
  rows: Iterable<number>,
  out: string,
  options: RowsFileOptions = {},
): Promise<RowsFile> {
  const format = manifestFormat(manifest);
  const wanted = new Set(rows);
  const found = await findRows(manifest, format, wanted, options);
  const missing = [...wanted].filter((row) => !found.rows.has(row)).sort((a, b) => a - b);
  const handle = await open(out, "w", 0o600);
  try {
    await handle.chmod(0o600); // a file that already existed keeps its mode otherwise
    if (format === "json") await writeElements(handle, found.texts, out.toLowerCase().endsWith(".json"));
    else await copyLines(manifest, found.lines, handle, format === "csv");
  } finally {
    await handle.close();
  }
  return { path: out, rows: found.rows.size, missing };
}

interface Found {
  rows: Set<number>;
  /** Line ranges to copy, ascending: the CSV header's first. */
  lines: [number, number][];
  /** JSON arrays: the wanted elements' text, in order. */
  texts: string[];
}

/** One pass over the manifest, as the reader numbers its records, to find the wanted rows. */
async function findRows(
  manifest: string,
  format: ManifestFormat,
  wanted: ReadonlySet<number>,
  options: RowsFileOptions,
): Promise<Found> {
  const found: Found = { rows: new Set(), lines: [], texts: [] };
  for await (const span of recordSpans(manifest, format, options)) {
    if (span.row === 0) found.lines.push([span.firstLine, span.lastLine]);
    if (!wanted.has(span.row)) continue;
    if (format === "json") {
      if (span.text === undefined) continue; // too large to have been kept
      found.texts.push(span.text);
    } else found.lines.push([span.firstLine, span.lastLine]);
    found.rows.add(span.row);
  }
  return found;
}

/** JSON array elements: one per line (JSON Lines), or a JSON array when the file is named .json. */
async function writeElements(handle: FileHandle, texts: readonly string[], asArray: boolean): Promise<void> {
  // Outside strings, line breaks in JSON are only spacing; inside, they are not allowed anyway.
  const oneLine = texts.map((t) => t.replace(/\r\n|\r|\n/g, " "));
  await handle.write(asArray ? `[\n${oneLine.join(",\n")}\n]\n` : oneLine.map((t) => `${t}\n`).join(""));
}

/**
 * Copies the lines in `ranges` (ascending, 1-based, inclusive) byte for byte, line breaks included.
 * CSV counts CR, LF and CRLF as line breaks, JSON Lines only LF, as the readers do. A last line
 * without a line break gets the file's own (CRLF when its first line break is one).
 */
async function copyLines(
  path: string,
  ranges: readonly [number, number][],
  handle: FileHandle,
  crBreaks: boolean,
): Promise<void> {
  const copier = new LineCopier(ranges, crBreaks);
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (const part of copier.take(chunk)) await handle.write(part);
  }
  const tail = copier.end();
  if (tail) await handle.write(tail);
}

/** Walks a file's bytes chunk by chunk, handing out the bytes of the wanted lines. */
export class LineCopier {
  private line = 1;
  private range = 0;
  /** Whether the current line is wanted, and whether the line a CR just ended was. */
  private keep: boolean;
  private keptBefore = false;
  private afterCR = false;
  /** Whether the current line has any bytes yet (a last line without a break needs one added). */
  private lineHasBytes = false;
  private eol: string | undefined;

  constructor(
    private readonly ranges: readonly [number, number][],
    private readonly crBreaks: boolean,
  ) {
    this.keep = this.wanted();
  }

  private wanted(): boolean {
    while (this.range < this.ranges.length && (this.ranges[this.range]?.[1] ?? 0) < this.line) this.range++;
    const r = this.ranges[this.range];
    return r !== undefined && r[0] <= this.line;
  }

  take(chunk: Buffer): Buffer[] {
    const parts: Buffer[] = [];
    let runStart = -1;
    const emit = (i: number, on: boolean): void => {
      if (on && runStart < 0) runStart = i;
      else if (!on && runStart >= 0) {
        parts.push(chunk.subarray(runStart, i));
        runStart = -1;
      }
    };
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (this.afterCR) {
        this.afterCR = false;
        if (b === 0x0a) {
          this.eol ??= "\r\n";
          emit(i, this.keptBefore); // the LF of a CRLF belongs to the line the CR ended
          continue;
        }
      }
      emit(i, this.keep);
      if (b !== 0x0a && !(this.crBreaks && b === 0x0d)) {
        this.lineHasBytes = true;
        continue;
      }
      if (b === 0x0d) this.afterCR = true;
      else this.eol ??= "\n";
      this.keptBefore = this.keep;
      this.line++;
      this.lineHasBytes = false;
      this.keep = this.wanted();
    }
    if (runStart >= 0) parts.push(chunk.subarray(runStart));
    return parts;
  }

  /** At the end of the file: a line break for a wanted last line that had none. */
  end(): string | undefined {
    return this.keep && this.lineHasBytes ? (this.eol ?? "\n") : undefined;
  }
}
