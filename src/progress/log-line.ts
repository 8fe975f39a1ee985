import type { Logger } from "pino";
import type { ProgressSnapshot } from "./model.js";
import type { ProgressStream } from "./types.js";

/**
 * The log display, for cron, CI and pods where carriage returns are noise: the snapshot as the
 * structured `run.progress` event every `intervalMs` and once more at the end, through the run's
 * logger, or as a JSON line on the stream when there is no logger.
 */
export const PROGRESS_EVENT = "run.progress";

/** The JSON line written when no logger is given. */
export function progressLine(progress: ProgressSnapshot, time: number): string {
  return JSON.stringify({ time: new Date(time).toISOString(), msg: PROGRESS_EVENT, progress }) + "\n";
}

export interface LogDisplayOptions {
  stream: ProgressStream;
  snapshot: () => ProgressSnapshot;
  now: () => number;
  /** Milliseconds between lines; default 10,000. */
  intervalMs?: number;
  logger?: Logger;
}

export class LogDisplay {
  readonly #o: LogDisplayOptions;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: LogDisplayOptions) {
    this.#o = options;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.emit(), this.#o.intervalMs ?? 10_000);
    this.#timer.unref();
  }

  emit(): void {
    const progress = this.#o.snapshot();
    if (this.#o.logger) this.#o.logger.info({ progress }, PROGRESS_EVENT);
    else this.#o.stream.write(progressLine(progress, this.#o.now()));
  }

  /** The last line, then no more timers. */
  finish(): void {
    this.stop();
    this.emit();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
