import { sleep } from "./abort.js";
import { StartLog, type WindowRule } from "./window.js";

/**
 * A pacer is the ONE mechanism that decides when a label's next request may start: locally the
 * sliding-window reservation in memory (`LocalPacer`), with Redis the same reservation on Redis'
 * clock for every process at once (limit/redis-pacer.ts). A label's lane (limit/lane.ts) calls
 * `acquire` for one request at a time, hands the request on to be sent as soon as it resolves, and
 * calls the `Confirm` it resolved with once the request has been written to its socket.
 *
 * `Confirm` tells the pacer when the request it let go was written to its socket (monotonic ms): locally its
 * start is recorded then (limit/window.ts `confirm`); with Redis, a start that left later than its
 * reservation allows is moved to when it left (limit/redis-pacer.ts).
 */
export type Confirm = (at: number) => void;

export interface Pacer {
  /**
   * Resolves when the next request may start, with its start reserved, and with the `Confirm` to
   * call once it has left. `ruleFor(now)` gives the pace at that moment (the adaptive controller
   * may change it while a request waits). Rejects with the reason of `signal` or `stop` when either
   * aborts while waiting.
   */
  acquire(ruleFor: (now: number) => WindowRule, signal?: AbortSignal, stop?: AbortSignal): Promise<Confirm>;
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
  ): Promise<Confirm> {
    for (;;) {
      const now = this.now();
      const waitMs = this.log.reserve(ruleFor(now), now);
      if (waitMs === 0) return this.confirm;
      await sleep(waitMs, signal, stop);
    }
  }

  private readonly confirm: Confirm = (at) => this.log.confirm(at);

  recentStarts(windowMs: number, now: number): number {
    return this.log.countSince(now - windowMs);
  }
}
