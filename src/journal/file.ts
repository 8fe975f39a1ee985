import { closeSync, createReadStream, existsSync, fchmodSync, openSync, writeSync } from "node:fs";
import { createInterface } from "node:readline";
import { ConfigError, DependencyError } from "../errors.js";
import type { JournalEntry } from "./entry.js";

/** `<results>.journal.jsonl`: beside the results, like the summary and the row index. */
export function journalPath(results: string): string {
  return `${results}.journal.jsonl`;
}

/**
 * The journal file: one JSON line per change, written through (writeSync) before the request
 * leaves, so a crash never loses the old value of a change that may have reached Zoom. Mode 0600:
 * it names users and their old values. A new run replaces it, `--resume` appends to it, as with
 * the results.
 */
export class JournalWriter {
  readonly path: string;
  readonly #fd: number;

  constructor(path: string, append: boolean) {
    this.path = path;
    this.#fd = openSync(path, append ? "a" : "w", 0o600);
    fchmodSync(this.#fd, 0o600); // a file that already existed keeps its mode otherwise
  }

  /** A disk that refuses stops the run before the change is sent (exit 6). */
  write(entry: JournalEntry): void {
    try {
      writeSync(this.#fd, JSON.stringify(entry) + "\n");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new DependencyError(
        "disk",
        `Cannot write the journal ${this.path} (${code}): the change was not sent. Free some space or fix the file's permissions, then rerun with --resume.`,
        { cause: error },
      );
    }
  }

  close(): void {
    closeSync(this.#fd);
  }
}

/** The journal's entries in the order they were written; a torn last line (a crash) is ignored. */
export async function readJournal(path: string): Promise<JournalEntry[]> {
  if (!existsSync(path)) throw new ConfigError(`The journal ${path} is not there.`);
  const entries: JournalEntry[] = [];
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let n = 0;
  let torn: number | undefined;
  for await (const text of lines) {
    n++;
    if (!text.trim()) continue;
    if (torn !== undefined) throw notJournal(path, torn);
    try {
      entries.push(checkEntry(JSON.parse(text)));
    } catch {
      torn = n; // only the last line may be cut off
    }
  }
  return entries;
}

function checkEntry(value: unknown): JournalEntry {
  const e = value as Partial<JournalEntry> | null;
  if (
    typeof e !== "object" ||
    e === null ||
    typeof e.row !== "number" ||
    typeof e.line !== "number" ||
    typeof e.user !== "string" ||
    typeof e.op !== "string" ||
    typeof e.target !== "string"
  )
    throw new Error("not a journal entry");
  return e as JournalEntry;
}

function notJournal(path: string, line: number): ConfigError {
  return new ConfigError(`${path} line ${line}: not a journal entry; is this a zoom-bulk journal?`);
}
