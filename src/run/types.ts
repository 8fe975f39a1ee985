import type { Logger } from "pino";
import type { RunConfig } from "../config.js";
import type { LabelStats } from "../limit/index.js";
import type { openResults } from "../report/results.js";
import type { Summary } from "../report/summary.js";
import type { StateStore } from "../state/index.js";
import type { PlannedRow, ResultLine } from "../types.js";
import type { Label } from "../zoom/labels.js";

/** Collaborators, each with a production default; tests override only what they need. */
export interface RunDeps {
  logger?: Logger;
  /**
   * Asks the run to stop (SIGINT/SIGTERM): reading stops, rows not started are left for
   * `--resume`, requests in flight finish (up to `config.drainTimeoutMs`), results and summary
   * are written. An abort reason whose message names SIGINT or SIGTERM sets the exit code
   * (130 / 143).
   */
  signal?: AbortSignal;
  /**
   * A second SIGINT/SIGTERM: stop at once. Requests in flight are abandoned (and reported), the
   * summary is written with the signal's exit code.
   */
  hardSignal?: AbortSignal;
  /** Wall clock for `finished_at` and durations. */
  now?: () => number;
  env?: NodeJS.ProcessEnv;
  /** Told about the run as it goes: progress displays, metrics. */
  observer?: RunObserver;
  /** Where `--state` keeps its fingerprints; default a LevelDB folder at `config.state`. */
  openState?: (path: string) => Promise<StateStore>;
  /** Opens the results file (the results sink); default `openResults` from report/results.ts. */
  openResults?: typeof openResults;
  /**
   * Multiplies the plan's per-window limits. Only for tests and benchmarks against a sandbox
   * started with the same `limitsScale`, so they take seconds instead of minutes; never a flag.
   */
  limitsScale?: number;
}

/** Hooks for progress displays; every one is optional and must not throw. */
export interface RunObserver {
  /** The run is about to send; `stats` gives the limiters' live per-label figures. */
  started?(run: { config: RunConfig; stats: () => Record<Label, LabelStats> }): void;
  /** A record was read and planned (its valid operations are about to be queued). */
  planned?(row: PlannedRow): void;
  /** An operation finished with its final outcome for this run. */
  result?(line: ResultLine, label: Label | undefined): void;
  /** The run is over (also after an interruption). */
  finished?(summary: Summary): void;
}
