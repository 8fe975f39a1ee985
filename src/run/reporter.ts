import type { Logger } from "pino";
import { AuthError, DependencyError } from "../errors.js";
import type { ResultsWriter } from "../report/results.js";
import { SummaryCounter } from "../report/summary.js";
import type { Breaker } from "../safety.js";
import type { ResultLine } from "../types.js";
import type { Label } from "../zoom/labels.js";
import type { RunController } from "./controller.js";
import type { RunObserver } from "./types.js";

/**
 * The reporter: every result line goes through here, once. It writes the line to the results file
 * (appended and written through, so a crash loses nothing already reported), counts it for the
 * summary, feeds the breaker (which may stop the run) and tells the observer.
 *
 * A results file that can no longer be written (disk full, file made read-only) stops the run at
 * once with a DependencyError (exit 6): a run that cannot record what it sends must not send more.
 */
export interface ReporterOptions {
  results: ResultsWriter;
  breaker: Breaker;
  controller: RunController;
  observer: RunObserver;
  logger: Logger;
  /** Called for each line, after it is written: `--resume` bookkeeping. */
  onLine?: (line: ResultLine) => void;
}

export class Reporter {
  readonly counter = new SummaryCounter();
  readonly #o: ReporterOptions;
  #diskFailed = false;

  constructor(options: ReporterOptions) {
    this.#o = options;
  }

  report(line: ResultLine, label?: Label): void {
    if (!this.#write(line)) return;
    this.counter.add(line);
    this.#o.onLine?.(line);
    this.#judge(line);
    this.#o.observer.result?.(line, label);
  }

  #write(line: ResultLine): boolean {
    if (this.#diskFailed) {
      // Requests in flight when the disk failed still finish: their lines go to the log instead.
      this.#o.logger.error({ result: line }, "results.unwritten");
      return false;
    }
    try {
      this.#o.results.write(line);
      return true;
    } catch (error) {
      this.#diskFailed = true;
      this.#o.logger.error({ result: line }, "results.unwritten");
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      this.#o.controller.fail(
        new DependencyError(
          "disk",
          `Cannot write the results file ${this.#o.results.path} (${code}): the run stopped so that nothing is sent unrecorded. Free some space or fix the file's permissions, then rerun with --resume.`,
          { cause: error },
        ),
      );
      return false;
    }
  }

  #judge(line: ResultLine): void {
    const trip = this.#o.breaker.record(line);
    if (trip?.kind === "failure-rate") {
      this.#o.logger.error(
        { failed: trip.failed, window: trip.window, codes: trip.codes },
        "run.safety_stop",
      );
      // Zoom may disable an app with a high error rate: send nothing more. Requests already in
      // flight finish and are reported; a --resume sends the rest.
      this.#o.controller.drain("safety", trip.message);
    } else if (trip?.kind === "auth") this.authFailed(trip.message);
  }

  /** Zoom refused the app itself: stop at once, exit 3. */
  authFailed(message: string): void {
    this.#o.controller.fail(authError(message));
  }
}

function authError(message: string): AuthError {
  return new AuthError(`Zoom refused the app's access: ${message} Check the app's scopes and credentials.`);
}
