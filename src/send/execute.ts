import type { Logger } from "pino";
import { silentLogger } from "../log.js";
import type { Limiters } from "../limit/index.js";
import type { Operation } from "../types.js";
import type { TokenProvider } from "./auth.js";
import { BackgroundListings } from "./backgrounds.js";
import { DailyCaps } from "./caps.js";
import { NEVER, sleep } from "./flight.js";
import type { LoopDeps } from "./loop.js";
import type { ExecResult } from "./outcome.js";
import { decideRetry, type RetryPolicy } from "./retry.js";
import { RowSession } from "./row.js";
import type { Sender } from "./sender.js";

export type { ExecResult } from "./outcome.js";

/**
 * The executor runs one operation to its end: (a look first: send/row.ts) -> the retry loop
 * (send/loop.ts: limiter slot -> one attempt -> what the answer means -> retry policy -> wait |
 * renew the token | reconcile | give up). Across operations it keeps only the daily caps on one
 * kind of operation (send/caps.ts: creates) beside its collaborators; a row's background listing
 * lives in that row's session (`row()`).
 *
 * Operation states while here: sending -> (retry-wait -> sending)* -> done.
 *
 * Stopping: the run's one signal reaches the limiter's queue, every request and every retry wait,
 * none of which adds a listener to it per request (send/flight.ts; the limiter does the same).
 */
export interface ExecutorOptions {
  sender: Pick<Sender, "send">;
  /** With `scheduleWithStart` (src/limit), a request's start is taken right before it is dispatched. */
  limiters: Pick<Limiters, "schedule" | "noteRateLimited" | "stopLabel" | "isStopped"> &
    Partial<Pick<Limiters, "scheduleWithStart">>;
  tokens: Pick<TokenProvider, "invalidate">;
  /** The retry decision (send/retry.ts); `createRetryPolicy({...})` tunes it. Default `decideRetry`. */
  policy?: RetryPolicy;
  /** Waits between attempts; must reject when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
  /**
   * Wall clock, epoch ms: durations, the end of a deferral of the creates' daily cap
   * (send/caps.ts) and of an email change's 24 hours (send/meaning.ts).
   */
  now?: () => number;
  logger?: Logger;
  /**
   * The run's stop signal, for `execute` calls that pass none. When it aborts, every operation in
   * flight is interrupted (waits, limiter queue, requests).
   */
  signal?: AbortSignal;
  /**
   * Aborts requests already sent, where it differs from the stop signal (a drain lets them
   * finish); see `AttemptDeps.requestSignal`. Default: the stop signal.
   */
  requestSignal?: AbortSignal;
}

export interface Executor {
  /**
   * Runs `op` to its end, on its own: a background upload with `checkFirst` reads the user's
   * files itself (one GET settings each). `signal` (default: the options' signal) stops it; see
   * `ExecutorOptions.signal`.
   */
  execute(op: Operation, signal?: AbortSignal): Promise<ExecResult>;
  /**
   * A session for ONE row: run the row's operations through its `execute`, one after another, and
   * drop it when the row ends (nothing to close). Its operations share what they learn of the
   * user's virtual backgrounds: the first background operation of the row reads them (GET
   * settings, Medium), the later ones use that listing, kept up to date by the session's own
   * uploads and deletes. So a row costs one GET settings per user, not one per upload.
   */
  row(): RowExecutor;
}

/** One row's view of the executor (`Executor.row()`). */
export interface RowExecutor {
  execute(op: Operation, signal?: AbortSignal): Promise<ExecResult>;
}

export function createExecutor(options: ExecutorOptions): Executor {
  const now = options.now ?? Date.now;
  const deps: LoopDeps = {
    sender: options.sender,
    limiters: options.limiters,
    tokens: options.tokens,
    policy: options.policy ?? decideRetry,
    sleep: options.sleep ?? sleep,
    random: options.random ?? Math.random,
    now,
    logger: options.logger ?? silentLogger,
    caps: new DailyCaps(now),
    ...(options.requestSignal ? { requestSignal: options.requestSignal } : {}),
  };
  const single = new RowSession(deps);
  const stopOf = (signal: AbortSignal | undefined): AbortSignal => signal ?? options.signal ?? NEVER;

  return {
    execute: (op, signal) => single.execute(op, stopOf(signal)),
    row() {
      const session = new RowSession(deps, new BackgroundListings());
      return { execute: (op, signal) => session.execute(op, stopOf(signal)) };
    },
  };
}
