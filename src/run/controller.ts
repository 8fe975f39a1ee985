import type { Logger } from "pino";
import {
  AuthError,
  ConfigError,
  DependencyError,
  InternalError,
  ManifestError,
  SafetyStopError,
  ZoomBulkError,
  type StopReason,
} from "../errors.js";

/**
 * The run controller owns how a run stops. Four ways, one state:
 *
 * - **drain** (SIGINT/SIGTERM, the failure-rate breaker): no new row starts, rows not started are
 *   dropped (no result line, so a `--resume` sends them), requests in flight finish, for at most
 *   `drainTimeoutMs`, then they are abandoned as in a hard stop;
 * - **hard stop** (refused credentials, a dependency or internal failure):
 *   rows not started are dropped and requests in flight are aborted at once; each of them still
 *   gets its result line (outcome `failed`, "stopped while in flight"), so nothing sent goes
 *   unreported.
 *
 * The first stop wins: its reason is the summary's `stop_reason` and decides the exit code; a fatal
 * error (auth, dependency, internal) is also rethrown by `runBatch` after the summary is written.
 * The executor gets both signals once: `drainSignal` ends limiter waits and retry waits, `signal`
 * aborts requests in flight; row runners read `draining` before each operation.
 */
export interface ControllerOptions {
  /** How long requests in flight may take to finish after a drain was asked for (ms). */
  drainTimeoutMs: number;
  /** Called once, when the run starts to stop (drop the rows not started). */
  onStop: () => void;
  logger: Logger;
}

export class RunController {
  readonly #hard = new AbortController();
  readonly #drain = new AbortController();
  readonly #options: ControllerOptions;
  #drainTimer: NodeJS.Timeout | undefined;
  #reason: StopReason | null = null;
  #message: string | null = null;
  #fatal: ZoomBulkError | undefined;

  constructor(options: ControllerOptions) {
    this.#options = options;
  }

  /** Aborted when requests in flight must be abandoned. */
  get signal(): AbortSignal {
    return this.#hard.signal;
  }

  /**
   * Aborted at any stop: operations waiting for a limiter slot or in a retry wait end there, and
   * nothing new is sent; requests in flight go on until `signal`.
   */
  get drainSignal(): AbortSignal {
    return this.#drain.signal;
  }

  /** True once any stop was asked for: start nothing new. */
  get draining(): boolean {
    return this.#reason !== null;
  }

  get reason(): StopReason | null {
    return this.#reason;
  }

  /** Why the run stopped, for the summary's `stopped`; null when it ran to the end. */
  get message(): string | null {
    return this.#message;
  }

  /** The error `runBatch` rethrows after writing the summary (auth, dependency, internal). */
  get fatal(): ZoomBulkError | undefined {
    return this.#fatal;
  }

  /** Stop taking new rows and let requests in flight finish (up to the drain timeout). */
  drain(reason: StopReason, message: string): void {
    if (!this.#begin(reason, message)) return;
    this.#drainTimer = setTimeout(() => this.#abort(message), this.#options.drainTimeoutMs);
    this.#drainTimer.unref();
  }

  /** Stop now: requests in flight are aborted too. */
  halt(reason: StopReason, message: string): void {
    this.#begin(reason, message);
    this.#abort(message);
  }

  /**
   * A failure that ends the run (auth, dependency, or anything unplanned, which becomes an
   * InternalError). Halts and remembers the error for `runBatch` to throw.
   */
  fail(error: unknown): void {
    const known = error instanceof ZoomBulkError ? error : new InternalError(error);
    const reason = reasonOf(known);
    if (reason === "internal") this.#options.logger.error({ err: error }, "run.internal_error");
    if (!this.#fatal && this.#reason === null) this.#fatal = known;
    this.halt(reason, known.message);
  }

  /**
   * A SIGINT/SIGTERM through the run's signal: its reason names the signal. The first drains; a
   * second (`now`) abandons the requests in flight too.
   */
  interrupt(reason: unknown, options: { now?: boolean } = {}): void {
    const text = reason instanceof Error ? reason.message : String(reason ?? "");
    const which: StopReason = /SIGINT/.test(text) ? "sigint" : "sigterm";
    const message = `interrupted (${/SIG(INT|TERM)/.test(text) ? text : "stop requested"})`;
    if (options.now) this.halt(which, message);
    else this.drain(which, message);
  }

  dispose(): void {
    clearTimeout(this.#drainTimer);
  }

  #begin(reason: StopReason, message: string): boolean {
    if (this.#reason !== null) return false;
    this.#reason = reason;
    this.#message = message;
    this.#drain.abort(new Error(message));
    this.#options.onStop();
    return true;
  }

  #abort(message: string): void {
    if (!this.#hard.signal.aborted) this.#hard.abort(new Error(message));
  }
}

function reasonOf(error: ZoomBulkError): StopReason {
  if (error instanceof AuthError) return "auth";
  if (error instanceof DependencyError) return "dependency";
  if (error instanceof ConfigError || error instanceof ManifestError) return "usage";
  if (error instanceof SafetyStopError) return "safety";
  return "internal";
}
