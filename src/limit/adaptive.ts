/**
 * Adaptive pacing, as a pure unit: the pace one label allows itself, moved by QPS 429s and by
 * quiet spells. Time comes in as `now` (monotonic ms), so the rule is tested with a fake clock
 * (test/unit/limit/adaptive.test.ts); the caller logs the events the methods return.
 *
 * Why: the per-label budget belongs to the whole account (zoom-api.md §3.2,
 * https://developers.zoom.us/docs/api/rate-limits/): when other apps spend part of it, Zoom
 * answers QPS 429s although the job keeps its own pace. So:
 *
 * - **Slow-down.** A QPS 429 lowers the pace, at most once per window (plus the latency seen: the
 *   429s of requests sent before the last slow-down say nothing about the new pace), to what got
 *   through in the last window (starts minus QPS 429s), but never below `pace × decrease` in one
 *   step, and always by at least `1 − MIN_STEP`.
 * - **Speed-up.** After `quietMs` without a QPS 429, the pace creeps back up by
 *   `increasePerSecond` of the ceiling per second, never above the ceiling.
 * - **Ceiling.** `X-RateLimit-Limit` on a QPS 429, when Zoom sends it, can only lower the ceiling
 *   (to `limit × share`: a plan set too high); nothing depends on it.
 */

export interface AdaptiveOptions {
  /** Multiplies the pace at most once per window after a QPS 429; the floor of one step. Default 0.7. */
  decrease: number;
  /** Milliseconds without a QPS 429 before the pace goes back up. Default 5000. */
  quietMs: number;
  /** Then: fraction of the ceiling added per second. Default 0.05. */
  increasePerSecond: number;
  /** The pace never goes below this fraction of the ceiling (and never below 1 per window). Default 0.05. */
  minFraction: number;
}

export const DEFAULT_ADAPTIVE: AdaptiveOptions = {
  decrease: 0.7,
  quietMs: 5000,
  increasePerSecond: 0.05,
  minFraction: 0.05,
};

/** A decrease always slows down at least this much, even when nearly everything got through. */
export const MIN_STEP = 0.95;

/** What a QPS 429 did to the pace; the caller logs it (`limit.ceiling`, `limit.slowdown`). */
export interface SlowdownEvents {
  /** The ceiling was lowered from X-RateLimit-Limit (to this many per window). */
  ceilingLowered?: number;
  /** The pace was lowered (to this `allowed` per window). */
  slowedDown?: number;
}

/** What one QPS 429 carries, besides the time it was noted. */
export interface Qps429 {
  /** `X-RateLimit-Limit` and `X-RateLimit-Type` of the 429, when Zoom sent them. */
  info?: { limit?: number; type?: string } | undefined;
  /**
   * This process's starts within the last window, when they are the whole picture (one process);
   * undefined with Redis, where the other processes' starts are not known here: the step is then
   * the plain multiplicative one, which every process computes alike from the same pace.
   */
  recentStarts?: number | undefined;
  /** The mean latency seen on the label, ms; lengthens the once-per-window rule. Default 0. */
  latencyMs?: number | undefined;
}

export class AdaptiveController {
  /** Allowed per window at limit × share (lowered only by a QPS 429's X-RateLimit-Limit). */
  ceiling: number;
  /** The current pace, allowed per window, fractional; `allowed` is its floor (at least 1). */
  rate: number;
  /** Times the pace was lowered after QPS 429s. */
  slowdowns = 0;
  /** The lowest `allowed` the pace went down to. */
  minAllowed: number;
  private floorRate: number;
  private readonly qps429s: number[] = [];
  private lastQps429: number | undefined;
  private lastDecrease: number | undefined;
  private lastIncrease = 0;

  /**
   * @param ceiling allowed per window at limit × share (≥ 1)
   * @param windowMs the label's window, ms
   * @param share the job's share of the budget, to turn X-RateLimit-Limit into a ceiling
   * @param options undefined keeps the pace fixed at the ceiling
   */
  constructor(
    ceiling: number,
    readonly windowMs: number,
    private readonly share: number,
    private readonly options: AdaptiveOptions | undefined,
  ) {
    this.ceiling = ceiling;
    this.rate = ceiling;
    this.minAllowed = ceiling;
    this.floorRate = Math.max(1, ceiling * (options?.minFraction ?? 1));
  }

  /** Starts allowed per window now. */
  get allowed(): number {
    return Math.max(1, Math.floor(this.rate));
  }

  /**
   * After `quietMs` without a QPS 429, creeps back towards the ceiling; call it as requests start.
   * Returns true when `allowed` changed (the caller logs `limit.speedup`).
   */
  creep(now: number): boolean {
    const o = this.options;
    if (!o || this.rate >= this.ceiling || this.lastQps429 === undefined) return false;
    const quietSince = this.lastQps429 + o.quietMs;
    if (now < quietSince) return false;
    const from = Math.max(quietSince, this.lastIncrease);
    const before = this.allowed;
    this.setRate(this.rate + this.ceiling * o.increasePerSecond * ((now - from) / 1000));
    this.lastIncrease = now;
    return this.allowed !== before;
  }

  /** A QPS 429 noted at `now`: maybe a lower ceiling, maybe a slower pace. */
  onQps429(now: number, qps: Qps429 = {}): SlowdownEvents {
    const o = this.options;
    if (!o) return {};
    const events: SlowdownEvents = {};
    this.lastQps429 = now;
    this.lastIncrease = now;
    this.qps429s.push(now);
    while (this.qps429s.length > 0 && (this.qps429s[0] as number) <= now - this.windowMs)
      this.qps429s.shift();

    const limit = qps.info?.limit;
    if (limit !== undefined && (qps.info?.type === undefined || /qps/i.test(qps.info.type))) {
      const ceiling = Math.max(1, Math.floor(limit * this.share));
      if (ceiling < this.ceiling) {
        this.ceiling = ceiling;
        this.floorRate = Math.min(this.floorRate, ceiling);
        this.setRate(this.rate);
        events.ceilingLowered = ceiling;
      }
    }
    if (this.lastDecrease !== undefined && now - this.lastDecrease < this.windowMs + (qps.latencyMs ?? 0))
      return events;
    this.lastDecrease = now;

    let target = this.rate * o.decrease;
    if (qps.recentStarts !== undefined) target = Math.max(target, qps.recentStarts - this.qps429s.length);
    this.setRate(Math.min(target, this.rate * MIN_STEP));
    this.slowdowns++;
    events.slowedDown = this.allowed;
    return events;
  }

  private setRate(rate: number): void {
    this.rate = Math.min(this.ceiling, Math.max(this.floorRate, rate));
    this.minAllowed = Math.min(this.minAllowed, this.allowed);
  }
}
