/**
 * The reader: manifest -> records. Opens a CSV, JSON array or JSON Lines manifest, checks
 * everything that must stop the run before anything is sent (unknown or duplicate columns, no user
 * column, encoding, broken JSON structure), then streams one ManifestRecord per record, in order.
 *
 * Format by extension: `.csv`, `.tsv` and `.txt` are CSV (a header row; the delimiter, comma,
 * semicolon or tab, is detected from the header line unless given); `.json` is an array of objects;
 * `.jsonl` and `.ndjson` are JSON Lines. A spreadsheet workbook (.xlsx, .xls, or those bytes under
 * another name) is refused with the fix. A record that cannot be read becomes a record with
 * `error` (code `E_ROW_…`) and reading goes on.
 */
import { extname } from "node:path";
import { ConfigError, ManifestError } from "../errors.js";
import type { ManifestRecord } from "../types.js";
import { ColumnResolver } from "./columns.js";
import { csvRecords, DELIMITERS, detectDelimiter, readCsvHeader, type Delimiter } from "./csv.js";
import { jsonRecords, scanJsonColumns } from "./json.js";
import { checkSource, DEFAULT_CHUNK_BYTES, SPREADSHEET_EXTENSIONS, spreadsheetError } from "./source.js";

export { KNOWN_COLUMNS, USER_ALIASES } from "./columns.js";
export { DELIMITERS, type Delimiter } from "./csv.js";
export { checkSource, MAX_RECORD_CHARS } from "./source.js";
export { recordSpans, type RecordSpan } from "./spans.js";

export interface ManifestOptions {
  /**
   * Extra accepted columns → canonical names or null to ignore (job mappings); optional. A Map
   * keeps every header as given; an object must hold them as own keys (JSON.parse does).
   */
  mapping?: Record<string, string | null> | ReadonlyMap<string, string | null>;
  /** Bytes per read; default 64 KiB. Tests use tiny values to split records across chunks. */
  chunkBytes?: number;
  /**
   * CSV cell separator (`--delimiter`): `,` `;` tab (also written `\t` or `tab`) or `|`. Default:
   * detected from the header line (comma, semicolon or tab). Refused for JSON manifests.
   */
  delimiter?: string;
}

export type ManifestFormat = "csv" | "json" | "jsonl";

export interface Manifest {
  format: ManifestFormat;
  /** CSV only: the cell separator in use (given, or detected from the header line). */
  delimiter?: Delimiter;
  /** Canonical columns found: the CSV header's order, or first-seen order across JSON records. */
  columns: string[];
  /** Streams the records, one per record, in order; each call reads the file again. */
  records(): AsyncIterable<ManifestRecord>;
}

const FORMATS = new Map<string, ManifestFormat>([
  [".csv", "csv"],
  [".tsv", "csv"],
  [".txt", "csv"],
  [".json", "json"],
  [".jsonl", "jsonl"],
  [".ndjson", "jsonl"],
]);

export function manifestFormat(path: string): ManifestFormat {
  const ext = extname(path).toLowerCase();
  if (SPREADSHEET_EXTENSIONS.has(ext)) throw spreadsheetError(path);
  const format = FORMATS.get(ext);
  if (!format)
    throw new ManifestError(
      `Cannot tell the format of manifest ${path} from its extension; name it .csv, .json (an array of objects) or .jsonl (one object per line).`,
      "E_MANIFEST_FORMAT",
    );
  return format;
}

/** Opens a manifest; throws ManifestError for problems that must stop the run before anything is sent. */
export async function openManifest(path: string, options: ManifestOptions = {}): Promise<Manifest> {
  const format = manifestFormat(path);
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const resolver = new ColumnResolver(options.mapping);
  const given = options.delimiter === undefined ? undefined : parseDelimiter(options.delimiter);
  await checkSource(path);
  if (format === "csv") {
    const delimiter = given ?? (await detectDelimiter(path, chunkBytes));
    const { columns } = await readCsvHeader(path, chunkBytes, resolver, delimiter);
    return {
      format,
      delimiter,
      columns: columns.filter((c): c is string => c !== null),
      records: () => csvRecords(path, chunkBytes, columns, delimiter),
    };
  }
  if (given !== undefined)
    throw new ConfigError(
      `--delimiter applies to CSV manifests; ${path} is ${format === "json" ? "a JSON" : "a JSON Lines"} file. Leave it out.`,
      "E_DELIMITER",
    );
  const columns = await scanJsonColumns(path, format, chunkBytes, resolver);
  return { format, columns, records: () => jsonRecords(path, format, chunkBytes, resolver) };
}

const DELIMITER_WORDS = new Map<string, Delimiter>([
  ["comma", ","],
  ["semicolon", ";"],
  ["tab", "\t"],
  ["\\t", "\t"],
  ["pipe", "|"],
]);

/**
 * The delimiter a `--delimiter` value names: one of `,` `;` `|` or a tab character, or the words
 * comma, semicolon, tab (or `\t`), pipe. ConfigError otherwise.
 */
export function parseDelimiter(text: string): Delimiter {
  if ((DELIMITERS as readonly string[]).includes(text)) return text as Delimiter;
  const named = DELIMITER_WORDS.get(text.trim().toLowerCase());
  if (named) return named;
  throw new ConfigError(
    `--delimiter: expected , ; | or tab (a tab character, \\t or the word tab), got ${JSON.stringify(text)}.`,
    "E_DELIMITER",
  );
}

/** Counts the records of a manifest (one fast pass, for progress and ETAs). */
export async function countRecords(path: string, options: ManifestOptions = {}): Promise<number> {
  const manifest = await openManifest(path, options);
  let count = 0;
  for await (const _record of manifest.records()) count++;
  return count;
}
