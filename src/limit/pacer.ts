import { sleep } from "./abort.js";
import { StartLog, type WindowRule } from "./window.js";

/**
 * A pacer is the ONE mechanism that decides when a label's next request may start: locally the
 * sliding-window reservation in memory (`LocalPacer`), with Redis the same reservation on Redis'
 * clock for every process at once (limit/redis-pacer.ts). A label's lane (limit/lane.ts) calls
 * `acquire` for one request at a time, hands the request on to be sent as soon as it resolves, and
 * calls `confirm` once it has been written to its socket.
 */
export interface Pacer {
  /**
   * Resolves when the next request may start, with its start recorded. `ruleFor(now)` gives the
   * pace at that moment (the adaptive controller may change it while a request waits). Rejects
   * with the reason of `signal` or `stop` when either aborts while waiting.
   */
  acquire(ruleFor: (now: number) => WindowRule, signal?: AbortSignal, stop?: AbortSignal): Promise<void>;
  /**
   * A request let go by `acquire` was written to its socket at `at` (monotonic ms):
   * locally, its start is recorded then (limit/window.ts `confirm`); with Redis the start was
   * recorded at its reservation.
   */
  confirm(at: number): void;
  /**
   * This process's starts within the last `windowMs` when they are all there is (locally), for
   * the adaptive slow-down; undefined when other processes share the window.
   */
  recentStarts(windowMs: number, now: number): number | undefined;
}

/** The local pacer: a `StartLog` per label, woken by one timer at a time. */
export class LocalPacer implements Pacer {
  private readonly log: StartLog;

  /**
   * @param capacity the most starts a window can ever allow (the label's ceiling)
   * @param now monotonic clock, ms (default `performance.now`)
   */
  constructor(
    capacity: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.log = new StartLog(capacity);
  }

  async acquire(
    ruleFor: (now: number) => WindowRule,
    signal?: AbortSignal,
    stop?: AbortSignal,
  ): Promise<void> {
    for (;;) {
      const now = this.now();
      const waitMs = this.log.reserve(ruleFor(now), now);
      if (waitMs === 0) return;
      await sleep(waitMs, signal, stop);
    }
  }

  confirm(at: number): void {
    this.log.confirm(at);
  }

  recentStarts(windowMs: number, now: number): number {
    return this.log.countSince(now - windowMs);
  }
}
