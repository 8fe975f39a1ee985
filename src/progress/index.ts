import type { Logger } from "pino";
import { PROGRESS_MODES, type ProgressMode } from "../config/options.js";
import { countRecords } from "../read/index.js";
import type { RunObserver } from "../run/index.js";
import { LogDisplay } from "./log-line.js";
import { ProgressModel, type ProgressSnapshot } from "./model.js";
import { TtyDisplay } from "./tty.js";
import type { ProgressStream } from "./types.js";

/**
 * Progress while a run goes, as a RunObserver: the model (model.ts: counts, rate, ETA) feeding
 * one display.
 *
 * - `tty` (tty.ts): a live block on the terminal, one line for the rows and one per rate label
 *   (done/total, rate, 429s, ETA from the label's own recent pace), redrawn in place.
 * - `log` (log-line.ts): one structured `run.progress` line every `intervalMs` and a last one
 *   when the run finishes.
 * - `auto` picks `tty` when the stream is a terminal, else `log`; `off` shows nothing.
 */
export { PROGRESS_MODES, type ProgressMode };
export type { ProgressStream } from "./types.js";
export type { LabelProgress, ProgressSnapshot } from "./model.js";
export { formatSeconds } from "./format.js";

export interface ProgressOptions {
  /** Where the display goes; the CLI passes stderr so stdout keeps only the summary. */
  stream: ProgressStream;
  mode?: ProgressMode;
  /** Log mode: milliseconds between lines; default 10,000. */
  intervalMs?: number;
  /** TTY mode: least milliseconds between redraws; default 200. */
  redrawMs?: number;
  /** Log mode: the run's logger; progress becomes its `run.progress` event. */
  logger?: Logger;
  now?: () => number;
  /** Pace window: the rate (and so the ETA) is measured over the last this many ms; default 10 s. */
  rateWindowMs?: number;
}

export interface Progress extends RunObserver {
  /** The manifest's record count, from a counting pass. */
  setTotal(records: number): void;
  /** Stops the timers (finished() does too); safe to call twice. */
  close(): void;
  /** The figures the display shows, for tests and logs. */
  snapshot(): ProgressSnapshot;
}

interface Display {
  start(): void;
  changed?(): void;
  finish(): void;
  stop(): void;
}

export function createProgress(options: ProgressOptions): Progress {
  const now = options.now ?? Date.now;
  const model = new ProgressModel({
    now,
    ...(options.rateWindowMs !== undefined ? { rateWindowMs: options.rateWindowMs } : {}),
  });
  const display = displayFor(options, () => model.snapshot(), now);
  return {
    started(run) {
      model.start(run.stats);
      display?.start();
    },
    planned(row) {
      model.planned(row);
      display?.changed?.();
    },
    result(line, label) {
      model.result(line, label);
      display?.changed?.();
    },
    finished() {
      model.finish();
      display?.finish();
    },
    setTotal(records) {
      model.setTotal(records);
      display?.changed?.();
    },
    close: () => display?.stop(),
    snapshot: () => model.snapshot(),
  };
}

function displayFor(
  options: ProgressOptions,
  snapshot: () => ProgressSnapshot,
  now: () => number,
): Display | undefined {
  const requested = options.mode ?? "auto";
  const mode = requested === "auto" ? (options.stream.isTTY ? "tty" : "log") : requested;
  if (mode === "tty")
    return new TtyDisplay({
      stream: options.stream,
      snapshot,
      now,
      ...(options.redrawMs !== undefined ? { redrawMs: options.redrawMs } : {}),
    });
  if (mode === "log")
    return new LogDisplay({
      stream: options.stream,
      snapshot,
      now,
      ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  return undefined;
}

/**
 * The CLI's progress: a display on `stream` plus the counting pass that gives it the total (run
 * alongside the job: a large manifest starts sending before it is counted).
 */
export function startProgress(
  options: ProgressOptions & {
    manifest: string;
    mapping?: Record<string, string | null>;
    delimiter?: string;
  },
): Progress {
  const progress = createProgress(options);
  const read = {
    ...(options.mapping ? { mapping: options.mapping } : {}),
    ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
  };
  if ((options.mode ?? "auto") !== "off")
    countRecords(options.manifest, read).then(
      (n) => progress.setTotal(n),
      () => undefined, // the run itself reports a manifest it cannot read
    );
  return progress;
}
