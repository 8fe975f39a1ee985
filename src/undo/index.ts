/**
 * `zoom-bulk undo <results>`: puts back what a `run --diff` changed, from its journal
 * (`<results>.journal.jsonl`) and its results.
 *
 * journal + results -> the changes that may have reached Zoom -> (GET settings for uploaded
 * backgrounds) -> undo rows (src/undo/plan.ts) -> runBatch with those rows instead of a manifest:
 * the same limiters, retries, queue, row runner, reporter, controller, summary and `--resume` as
 * a run. Results go to `<results>.undo.csv` (`.undo.jsonl` for a `.jsonl` run); what cannot be
 * undone is a `skipped` line with `E_CANNOT_UNDO` there, and is returned for the command to list.
 */
import { existsSync, readFileSync } from "node:fs";
import type { RunConfig } from "../config.js";
import { ConfigError } from "../errors.js";
import type { JournalEntry } from "../journal/entry.js";
import { journalPath, readJournal } from "../journal/file.js";
import { acquireLock } from "../lock.js";
import { resultsFormat } from "../report/results.js";
import { summaryPath, type Summary } from "../report/summary.js";
import type { RowSource } from "../run/feed.js";
import { runBatch, type RunDeps } from "../run/index.js";
import { streamResults } from "../run/resume.js";
import { accountScope } from "../state/index.js";
import type { Outcome, ResultLine } from "../types.js";
import { readListings } from "./backgrounds.js";
import { backgroundUsers, changeKey, changesToUndo, planUndo } from "./plan.js";

/** What undo needs: the run's results file, and a run's settings for pacing and safety. */
export type UndoConfig = Omit<RunConfig, "manifest" | "results" | "diff" | "allowDelete"> & {
  /** The results file of the `run --diff` to undo. */
  runResults: string;
};

export interface UndoResult {
  summary: Summary;
  /** What cannot be undone (`skipped`, `E_CANNOT_UNDO`), latest row first. */
  cannot: ResultLine[];
}

/** `<results>.undo.csv`, or `.undo.jsonl` beside a JSON Lines results file. */
export function undoResultsPath(results: string): string {
  return `${results}.undo.${resultsFormat(results)}`;
}

export async function undoBatch(config: UndoConfig, deps: RunDeps = {}): Promise<UndoResult> {
  const results = config.runResults;
  const journal = journalPath(results);
  if (!existsSync(results))
    throw new ConfigError(
      `undo: the results file ${results} is not there; name the results of a run made with --diff.`,
    );
  if (!existsSync(journal))
    throw new ConfigError(
      `undo needs a run made with --diff: ${results} has no journal (${journal}), so the values its changes replaced are not known. Nothing was sent.`,
    );
  checkAccount(results, accountScope(config.zoom));
  // the run and its undo never overlap: a run still writing these results is refused here
  const lock = acquireLock(`${results}.lock`, `the results file ${results}`);
  try {
    const entries = await readJournal(journal);
    const changes = changesToUndo(entries, await latestOutcomes(results, entries));
    const listings = await readListings(backgroundUsers(changes), config, {
      ...(deps.logger ? { logger: deps.logger } : {}),
      ...(deps.limitsScale ? { limitsScale: deps.limitsScale } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    const plan = planUndo(changes, listings, (deps.now ?? Date.now)());
    const deletes = plan.rows.some((r) => r.operations.some((op) => op.op === "delete"));
    const source: RowSource = {
      // the rows' source: an `action` column tells the checks before sending that users may go
      manifest: { format: "jsonl", columns: deletes ? ["action"] : [], records: async function* () {} },
      rows: async function* () {
        yield* plan.rows;
      },
    };
    const { runResults: _run, ...settings } = config;
    const summary = await runBatch(
      // undoing a create deletes the user the run made: the consent is the undo itself, and
      // --max-deletes still bounds it
      { ...settings, manifest: journal, results: undoResultsPath(results), allowDelete: true },
      deps,
      source,
    );
    return { summary, cannot: plan.cannot };
  } finally {
    lock.release();
  }
}

/** The latest outcome of each journaled change (results streamed; only the journal's keys kept). */
async function latestOutcomes(
  results: string,
  entries: readonly JournalEntry[],
): Promise<Map<string, Outcome>> {
  const keys = new Set(entries.map(changeKey));
  const latest = new Map<string, Outcome>();
  for await (const line of streamResults(results)) {
    const key = changeKey(line);
    if (keys.has(key)) latest.set(key, line.outcome);
  }
  return latest;
}

/** A run on one account is undone on that account only (a sandbox trial's results stay there). */
function checkAccount(results: string, account: string): void {
  let earlier: Partial<Summary> = {};
  try {
    earlier = JSON.parse(readFileSync(summaryPath(results), "utf8")) as Partial<Summary>;
  } catch {
    return; // no summary (a killed run): the journal alone is the record
  }
  if (earlier.account !== undefined && earlier.account !== account)
    throw new ConfigError(
      `undo: ${results} records a run on another Zoom account (${earlier.account}; this one: ${account}). Undo it with that account's credentials. Nothing was sent.`,
    );
}
