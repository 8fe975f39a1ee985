import type { Logger } from "pino";
import { silentLogger } from "../log.js";
import type { Limiters } from "../limit/index.js";
import type { Operation } from "../types.js";
import type { TokenProvider } from "./auth.js";
import { NEVER, sleep } from "./flight.js";
import { runOperation, type LoopDeps } from "./loop.js";
import type { ExecResult } from "./outcome.js";
import { checkThenUpload } from "./reconcile.js";
import { decideRetry, type RetryPolicy } from "./retry.js";
import type { Sender } from "./sender.js";

export type { ExecResult } from "./outcome.js";

/**
 * The executor runs one operation to its end: (check first, after a crash mid-upload) -> the
 * retry loop (send/loop.ts: limiter slot -> one attempt -> retry policy -> wait | renew the
 * token | reconcile | give up). It owns no state across operations beyond its collaborators.
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
  /** Wall clock, epoch ms. */
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
  /** Runs `op` to its end. `signal` (default: the options' signal) stops it; see `ExecutorOptions.signal`. */
  execute(op: Operation, signal?: AbortSignal): Promise<ExecResult>;
}

export function createExecutor(options: ExecutorOptions): Executor {
  const deps: LoopDeps = {
    sender: options.sender,
    limiters: options.limiters,
    tokens: options.tokens,
    policy: options.policy ?? decideRetry,
    sleep: options.sleep ?? sleep,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
    logger: options.logger ?? silentLogger,
    ...(options.requestSignal ? { requestSignal: options.requestSignal } : {}),
  };
  const run = (op: Operation, signal: AbortSignal, started?: number) =>
    runOperation(deps, op, signal, started);

  return {
    async execute(op, stop = options.signal ?? NEVER) {
      if (op.checkFirst && op.file) return checkThenUpload(run, op, stop, deps.now());
      return (await runOperation(deps, op, stop)).result;
    },
  };
}
