/**
 * The reader: manifest -> records. Opens a CSV, JSON array or JSON Lines manifest, checks
 * everything that must stop the run before anything is sent (unknown or duplicate columns, no user
 * column, encoding, broken JSON structure), then streams one ManifestRecord per record, in order.
 *
 * Format by extension: `.csv` and `.txt` are CSV (comma-separated, header row); `.json` is an array
 * of objects; `.jsonl` and `.ndjson` are JSON Lines. A record that cannot be read becomes a
 * record with `error` (code `E_ROW_…`) and reading goes on.
 */
import { extname } from "node:path";
import { ManifestError } from "../errors.js";
import type { ManifestRecord } from "../types.js";
import { ColumnResolver } from "./columns.js";
import { csvRecords, readCsvHeader } from "./csv.js";
import { jsonRecords, scanJsonColumns } from "./json.js";
import { checkSource, DEFAULT_CHUNK_BYTES } from "./source.js";

export { KNOWN_COLUMNS, USER_ALIASES } from "./columns.js";
export { MAX_RECORD_CHARS } from "./source.js";

export interface ManifestOptions {
  /** Extra accepted columns → canonical names or null to ignore (job mappings); optional. */
  mapping?: Record<string, string | null>;
  /** Bytes per read; default 64 KiB. Tests use tiny values to split records across chunks. */
  chunkBytes?: number;
}

export type ManifestFormat = "csv" | "json" | "jsonl";

export interface Manifest {
  format: ManifestFormat;
  /** Canonical columns found: the CSV header's order, or first-seen order across JSON records. */
  columns: string[];
  /** Streams the records, one per record, in order; each call reads the file again. */
  records(): AsyncIterable<ManifestRecord>;
}

const FORMATS: Record<string, ManifestFormat> = {
  ".csv": "csv",
  ".txt": "csv",
  ".json": "json",
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
};

export function manifestFormat(path: string): ManifestFormat {
  const format = FORMATS[extname(path).toLowerCase()];
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
  await checkSource(path);
  if (format === "csv") {
    const { columns } = await readCsvHeader(path, chunkBytes, resolver);
    return {
      format,
      columns: columns.filter((c): c is string => c !== null),
      records: () => csvRecords(path, chunkBytes, columns),
    };
  }
  const columns = await scanJsonColumns(path, format, chunkBytes, resolver);
  return { format, columns, records: () => jsonRecords(path, format, chunkBytes, resolver) };
}

/** Counts the records of a manifest (one fast pass, for progress and ETAs). */
export async function countRecords(path: string, options: ManifestOptions = {}): Promise<number> {
  const manifest = await openManifest(path, options);
  let count = 0;
  for await (const _record of manifest.records()) count++;
  return count;
}
