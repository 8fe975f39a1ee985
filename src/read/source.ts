import { constants, createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { ManifestError } from "../errors.js";

/**
 * The largest record (CSV row, JSON element, JSON line) the reader keeps, in characters. A larger
 * one becomes an unreadable record, so a stray 10 MB cell cannot blow up memory. A real manifest
 * row is a few hundred characters; 1 MiB leaves room for big JSON-valued columns.
 */
export const MAX_RECORD_CHARS = 1024 * 1024;

/** Default read size; tests pass a tiny one to split records across chunks. */
export const DEFAULT_CHUNK_BYTES = 64 * 1024;

/**
 * Streams the file as text. Invalid UTF-8 becomes U+FFFD (the readers turn a record holding it
 * into an unreadable record) and a UTF-8 byte order mark is dropped.
 */
export async function* readText(path: string, chunkBytes: number): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8");
  const stream = createReadStream(path, { highWaterMark: chunkBytes });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const text = decoder.decode(chunk, { stream: true });
      if (text) yield text;
    }
    const rest = decoder.decode();
    if (rest) yield rest;
  } finally {
    stream.destroy();
  }
}

/**
 * Checks the start of the file before anything is parsed: it must exist, hold something, and be
 * UTF-8 (Excel's "Unicode text" export is UTF-16, which would otherwise read as garbage).
 */
export async function checkSource(path: string): Promise<void> {
  let head: Buffer;
  try {
    // O_NONBLOCK: a FIFO given as the manifest would otherwise block here, waiting for a writer,
    // for ever; it is then refused as not a regular file.
    const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    try {
      const stat = await handle.stat();
      if (!stat.isFile())
        throw new ManifestError(`Manifest ${path} is not a regular file.`, "E_MANIFEST_OPEN");
      head = Buffer.alloc(4096);
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof ManifestError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new ManifestError(`Cannot read manifest ${path} (${code}); check the path.`, "E_MANIFEST_OPEN");
  }
  if (isSpreadsheet(head)) throw spreadsheetError(path);
  const utf16Bom =
    head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff));
  let zeros = 0;
  for (const byte of head) if (byte === 0) zeros++;
  // UTF-16 text without a byte order mark has a NUL in every other byte of ASCII text; a stray NUL
  // is left to the record that holds it.
  if (utf16Bom || (head.length > 0 && zeros * 4 >= head.length))
    throw new ManifestError(
      `Manifest ${path} is not UTF-8 (it looks like UTF-16 or a binary file); re-save it as UTF-8 (in Excel: "CSV UTF-8").`,
      "E_MANIFEST_ENCODING",
    );
  const text = head.toString("utf8").replace(/^\uFEFF/, "");
  if (text.trim() === "" && head.length < 4096)
    throw new ManifestError(
      `Manifest ${path} is empty; it needs a header row or records.`,
      "E_MANIFEST_EMPTY",
    );
}

/** A zip container (.xlsx, .ods, .numbers) or an OLE2 compound file (.xls), by its first bytes. */
export function isSpreadsheet(head: Uint8Array): boolean {
  const zip = head[0] === 0x50 && head[1] === 0x4b && [0x03, 0x05, 0x07].includes(head[2] ?? 0);
  const ole2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1].every((b, i) => head[i] === b);
  return zip || ole2;
}

/** Extensions of spreadsheet files: they get the "save it as CSV UTF-8" hint, not "unknown format". */
export const SPREADSHEET_EXTENSIONS: ReadonlySet<string> = new Set([
  ".xlsx",
  ".xlsm",
  ".xlsb",
  ".xls",
  ".ods",
  ".numbers",
]);

export function spreadsheetError(path: string): ManifestError {
  return new ManifestError(
    `Manifest ${path} is a spreadsheet workbook, not a CSV or JSON file; open it and save it as CSV UTF-8 ` +
      `(Excel: File > Save As > "CSV UTF-8 (Comma delimited) (*.csv)"), then run that .csv file.`,
    "E_MANIFEST_SPREADSHEET",
  );
}

/** Text after a record's `row N (line L):` prefix, shared by all readers. */
export function where(row: number, line: number): string {
  return `row ${row} (line ${line})`;
}

/** Whether text holds bytes that were not valid UTF-8 (decoded as U+FFFD) or a NUL character. */
export function hasBadChars(text: string): "utf8" | "nul" | undefined {
  if (text.includes("\uFFFD")) return "utf8";
  if (text.includes("\0")) return "nul";
  return undefined;
}

export const BAD_CHAR_MESSAGES = {
  utf8: "holds bytes that are not valid UTF-8; re-save the file as UTF-8",
  nul: "holds a NUL character; the file may be binary or UTF-16",
} as const;
