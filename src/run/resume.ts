import { createHash } from "node:crypto";
import { closeSync, createReadStream, existsSync, openSync, readFileSync, writeSync } from "node:fs";
import { createInterface } from "node:readline";
import { parse } from "csv-parse";
import { ConfigError } from "../errors.js";
import { toLine } from "../report/read.js";
import { repairTornTail, resultsFormat } from "../report/results.js";
import { summaryPath, type Summary } from "../report/summary.js";
import { canonicalJson } from "../state/index.js";
import type { ManifestRecord, ResultLine } from "../types.js";

/**
 * `--resume`, by row: the results file of the earlier runs says which operations are done (a final
 * `ok` or `unchanged`), and `<results>.rows` says what each row held when it ran (a hash of its
 * cells). An operation is skipped only when its row is unchanged and it is done; a row fixed since
 * (or any row of a manifest edited since) is sent again. So an admin fixes the three bad rows and
 * reruns with `--resume`: those rows go out, the done ones stay done.
 *
 * Results files written before row hashes existed have no `.rows` file: they resume only against
 * the same manifest (its SHA-256 is in the summary), as before.
 */
export function rowIndexPath(results: string): string {
  return `${results}.rows`;
}

/** What a row held: a short hash of its cells (as read, before mapping transforms). */
export function rowHash(record: Pick<ManifestRecord, "fields" | "error">): string {
  const content = record.fields ? canonicalJson(record.fields) : `error:${record.error?.code ?? ""}`;
  return createHash("sha256").update(content).digest("base64url").slice(0, 16);
}

/**
 * Appends `row<TAB>hash` for each row as it is planned; 0600 like the results.
 *
 * A new index (a run that is not a `--resume`) is written in chunks, not one write per row: every
 * `FLUSH_ROWS` rows, at the first row planned `FLUSH_MS` after a chunk began, and on close. A
 * crash may lose the last chunk, and that is safe: the index started empty with the results, so a
 * row without its line has no hash and a `--resume` sends it again (DoneBook.isDone).
 *
 * An index a `--resume` appends to is written through, line by line: it may hold an earlier run's
 * line for the row, which a lost line would leave standing, and a row edited back to those
 * earlier cells would then pass as done although this run sent other values.
 */
export class RowIndexWriter {
  static readonly FLUSH_ROWS = 500;
  static readonly FLUSH_MS = 200;
  readonly #fd: number;
  readonly #writeThrough: boolean;
  #chunk = "";
  #rows = 0;
  #chunkStarted = 0;

  constructor(path: string, append: boolean) {
    this.#fd = openSync(path, append ? "a" : "w", 0o600);
    this.#writeThrough = append;
  }

  write(row: number, hash: string): void {
    const line = `${row}\t${hash}\n`;
    if (this.#writeThrough) {
      writeSync(this.#fd, line);
      return;
    }
    if (this.#rows === 0) this.#chunkStarted = Date.now();
    this.#chunk += line;
    this.#rows++;
    if (this.#rows >= RowIndexWriter.FLUSH_ROWS || Date.now() - this.#chunkStarted >= RowIndexWriter.FLUSH_MS)
      this.flush();
  }

  /** Writes the lines held back, if any. */
  flush(): void {
    if (this.#rows === 0) return;
    const chunk = this.#chunk;
    this.#chunk = "";
    this.#rows = 0;
    writeSync(this.#fd, chunk);
  }

  close(): void {
    try {
      this.flush();
    } finally {
      closeSync(this.#fd);
    }
  }
}

/**
 * The operations a `--resume` finds done, per row, with the row's hash when it ran; and the
 * `--prune` deactivations done, per user (a prune has no manifest row: row 0, target `prune`).
 */
export class DoneBook {
  readonly #rows = new Map<number, { hash: string | undefined; ops: Set<string> }>();
  /** Lower-cased users whose prune (op `status`, target `prune`, row 0) is done. */
  readonly #pruned = new Set<string>();
  #legacy = false;

  /** Whether the deactivation of this leaver by `--prune` is done. */
  isPruned(user: string): boolean {
    return this.#pruned.has(user.toLowerCase());
  }

  isDone(row: number, hash: string, op: string, target: string): boolean {
    const entry = this.#rows.get(row);
    if (!entry?.ops.has(opKey(op, target))) return false;
    return this.#legacy || entry.hash === hash;
  }

  get size(): number {
    return this.#rows.size;
  }

  /**
   * Reads the earlier runs' results (streamed, once) and row hashes. Refuses results of another
   * manifest only when they carry no row hashes. No results file yet: nothing is done (a cron job
   * can always pass --resume).
   */
  static async load(resultsPath: string, manifestSha: string, account: string): Promise<DoneBook> {
    const book = new DoneBook();
    if (!existsSync(resultsPath)) return book;
    checkSameAccount(resultsPath, account);
    repairTornTail(resultsPath);
    for await (const line of streamResults(resultsPath)) {
      const key = opKey(line.op, line.target);
      const done = line.outcome === "ok" || line.outcome === "unchanged";
      if (isPruneLine(line)) {
        if (done) book.#pruned.add(line.user.toLowerCase());
        else book.#pruned.delete(line.user.toLowerCase());
        continue;
      }
      let entry = book.#rows.get(line.row);
      if (done) {
        if (!entry) book.#rows.set(line.row, (entry = { hash: undefined, ops: new Set() }));
        entry.ops.add(key);
      } else entry?.ops.delete(key);
    }
    const index = rowIndexPath(resultsPath);
    if (existsSync(index)) await book.#readHashes(index);
    else if (book.size > 0) {
      checkSameManifest(resultsPath, manifestSha);
      book.#legacy = true;
    }
    return book;
  }

  async #readHashes(path: string): Promise<void> {
    const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
    for await (const text of lines) {
      const tab = text.indexOf("\t");
      const entry = this.#rows.get(Number(text.slice(0, tab)));
      if (entry && tab > 0) entry.hash = text.slice(tab + 1); // a later run's hash wins
    }
  }
}

/** A `--prune` deactivation: from Zoom, not from a manifest row (src/desired/prune.ts). */
function isPruneLine(line: ResultLine): boolean {
  return line.row === 0 && line.op === "status" && line.target === "prune";
}

function opKey(op: string, target: string): string {
  return `${op}\u0000${target}`;
}

/**
 * Done on another account is not done on this one: the results of a sandbox trial must not make
 * the real run skip anything. (Summaries written before the account was recorded pass.)
 */
function checkSameAccount(resultsPath: string, account: string): void {
  const earlier = earlierSummary(resultsPath);
  if (earlier.account !== undefined && earlier.account !== account)
    throw new ConfigError(
      `--resume: ${resultsPath} records a run on another Zoom account (${earlier.account}, this run: ${account}), such as a sandbox trial. What was done there is not done here: run without --resume, or name another --results.`,
    );
}

function earlierSummary(resultsPath: string): Partial<Summary> {
  try {
    return JSON.parse(readFileSync(summaryPath(resultsPath), "utf8")) as Partial<Summary>;
  } catch {
    throw new ConfigError(
      `--resume: ${summaryPath(resultsPath)} is missing or unreadable, so it cannot be told which manifest and account ${resultsPath} belongs to. Run without --resume to start over.`,
    );
  }
}

function checkSameManifest(resultsPath: string, manifestSha: string): void {
  const earlier = earlierSummary(resultsPath);
  if (earlier.manifest_sha256 !== manifestSha)
    throw new ConfigError(
      `--resume: ${resultsPath} was written by an older zoom-bulk without row hashes and belongs to a different manifest (${earlier.manifest ?? "unknown"}). Resume with the same manifest, or start a new run with another --results.`,
    );
}

/** The results file's lines, streamed (CSV with its header, or JSON Lines), torn tail ignored. */
export async function* streamResults(path: string): AsyncGenerator<ResultLine> {
  if (resultsFormat(path) === "jsonl") {
    const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
    let n = 0;
    for await (const text of lines) {
      n++;
      if (!text.trim()) continue;
      try {
        yield toLine(JSON.parse(text) as Record<string, unknown>);
      } catch {
        throw new ConfigError(`${path} line ${n}: not a JSON object; is this a zoom-bulk results file?`);
      }
    }
    return;
  }
  const parser = createReadStream(path).pipe(parse({ columns: true, skip_empty_lines: true }));
  try {
    for await (const record of parser) yield toLine(record as Record<string, unknown>);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${path}: not a readable CSV results file (${(error as Error).message}).`);
  }
}
