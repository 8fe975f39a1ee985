import { csvTokens, detectDelimiter, type Delimiter } from "./csv.js";
import { jsonElements } from "./json.js";
import { DEFAULT_CHUNK_BYTES } from "./source.js";

/**
 * Where each record of a manifest sits in the file, for copying records out verbatim (the retry
 * and invalid-rows files). Rows are numbered exactly as the reader numbers them, unreadable records
 * included; the lines are the file's own (CR, LF or CRLF each end a line; JSON Lines: LF).
 */
export interface RecordSpan {
  /** The record number the reader gives it; 0 for the CSV header row. */
  row: number;
  /** First and last source line of the record (a quoted CSV cell may hold line breaks). */
  firstLine: number;
  lastLine: number;
  /**
   * JSON array manifests only: the element's text (elements may share lines, so lines cannot be
   * copied). As decoded: bytes that were not UTF-8 read as U+FFFD.
   */
  text?: string;
}

export interface SpanOptions {
  /** CSV: the delimiter the run used; default detected from the header line, as the reader does. */
  delimiter?: Delimiter;
  chunkBytes?: number;
}

/** Streams the span of every record of a manifest of `format`, in order (the CSV header first). */
export async function* recordSpans(
  path: string,
  format: "csv" | "json" | "jsonl",
  options: SpanOptions = {},
): AsyncGenerator<RecordSpan> {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (format === "csv") {
    const delimiter = options.delimiter ?? (await detectDelimiter(path, chunkBytes));
    let row = 0;
    for await (const records of csvTokens(path, chunkBytes, delimiter))
      for (const record of records) yield { row: row++, firstLine: record.line, lastLine: record.endLine };
    return;
  }
  let row = 0;
  for await (const element of jsonElements(path, format, chunkBytes)) {
    row++;
    const span: RecordSpan = { row, firstLine: element.line, lastLine: element.line };
    if (format === "json" && !element.tooLarge) span.text = element.text;
    yield span;
  }
}
