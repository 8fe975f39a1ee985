import { performance } from "node:perf_hooks";
import type { Label, LabelLimit, Plan } from "../zoom/labels.js";
import { LABEL_NAMES, LABELS, PLAN_LIMITS } from "../zoom/labels.js";
import type { SandboxClock } from "./clock.js";
import { DAY_MS, nextUtcMidnight } from "./clock.js";

/**
 * Zoom's rate limits as the sandbox enforces them (https://developers.zoom.us/docs/api/rate-limits/):
 * per label, per plan, over every sliding window (real monotonic time), daily caps per UTC day of
 * the sandbox clock, and one request at a time per user.
 */
export type RejectKind = "qps" | "daily" | "concurrency";

export interface LabelStats {
  /** Every API call that arrived for the label (with a known route), accepted or not. */
  requests: number;
  /** Calls that passed the rate limits (then answered, faulted or hung). */
  accepted: number;
  /** Most calls that arrived within any sliding 1000 ms, to check a client's pace. */
  maxInSlidingSecond: number;
  rejected429: Record<RejectKind, number>;
}

export const MESSAGES_429: Record<RejectKind, string> = {
  qps: "You have reached the maximum per-second rate limit for this API. Try again later.",
  daily:
    "You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request.",
  concurrency: "Too many concurrent requests.",
};

/** Timestamps in a sliding window: push at the back, expire from the front. */
class Window {
  private times: number[] = [];
  private head = 0;
  count(since: number): number {
    while (this.head < this.times.length && (this.times[this.head] ?? 0) <= since) this.head++;
    if (this.head > 4096 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }
  push(time: number): void {
    this.times.push(time);
  }
}

export type Verdict =
  | { ok: true; headers: Record<string, string> }
  | { ok: false; kind: RejectKind; headers: Record<string, string> };

export interface LimitsOptions {
  plan: Plan;
  clock: SandboxClock;
  /** Multiplies every per-window limit (not the daily caps). Infinity lifts them. */
  limitsScale: number;
  /** Lifts the per-window limits and the daily caps (the concurrency 429 stays). */
  unlimited: boolean;
  dailyLimits: Partial<Record<Label, number>>;
}

export class Limits {
  readonly stats = {} as Record<Label, LabelStats>;
  private readonly accepted = {} as Record<Label, Window>;
  private readonly arrivals = {} as Record<Label, Window>;
  private readonly daily = {} as Record<Label, { day: number; count: number }>;
  private readonly share = {} as Record<Label, number>;
  private readonly inFlight = new Set<string>();

  constructor(private readonly options: LimitsOptions) {
    for (const label of LABELS) {
      this.accepted[label] = new Window();
      this.share[label] = 0;
      this.daily[label] = { day: 0, count: 0 };
    }
    this.resetStats();
  }

  resetStats(): void {
    for (const label of LABELS) {
      this.arrivals[label] = new Window();
      this.stats[label] = {
        requests: 0,
        accepted: 0,
        maxInSlidingSecond: 0,
        rejected429: { qps: 0, daily: 0, concurrency: 0 },
      };
    }
  }

  /** Share 0..1 of `label`'s window budget spent by other apps on the account. */
  setOtherApps(label: Label, share: number): void {
    this.share[label] = share;
  }

  limitOf(label: Label): LabelLimit {
    return PLAN_LIMITS[this.options.plan][label];
  }

  /** The daily cap of `label`, if it has one: the plan's, or `dailyLimits`. */
  dailyCap(label: Label): number | undefined {
    if (this.options.unlimited) return undefined;
    return this.options.dailyLimits[label] ?? this.limitOf(label).daily;
  }

  /** Counts a call that arrived for `label` at `now` (monotonic ms; default: this moment). */
  arrive(label: Label, now = performance.now()): void {
    const stats = this.stats[label];
    const window = this.arrivals[label];
    stats.requests++;
    window.push(now);
    const inSecond = window.count(now - 1000);
    if (inSecond > stats.maxInSlidingSecond) stats.maxInSlidingSecond = inSecond;
  }

  /**
   * Decides whether a call may go ahead: daily cap, then the sliding window, then one call at a
   * time per user. An accepted call holds its user until `release(userKey)`.
   */
  admit(label: Label, userKey: string | undefined): Verdict {
    const category = LABEL_NAMES[label];
    const stats = this.stats[label];
    const cap = this.dailyCap(label);
    const today = this.daily[label];
    const day = Math.floor(this.options.clock.now() / DAY_MS);
    if (today.day !== day) {
      today.day = day;
      today.count = 0;
    }
    if (cap !== undefined && today.count >= cap) {
      stats.rejected429.daily++;
      return {
        ok: false,
        kind: "daily",
        headers: {
          "x-ratelimit-category": category,
          "x-ratelimit-type": "Daily-limit",
          "x-ratelimit-limit": String(cap),
          "x-ratelimit-remaining": "0",
          "retry-after": nextUtcMidnight(this.options.clock.now()),
        },
      };
    }
    const { limit, windowMs } = this.limitOf(label);
    const scale = this.options.unlimited ? Infinity : this.options.limitsScale;
    const now = performance.now();
    if (scale !== Infinity) {
      const accountLimit = Math.max(1, Math.floor(limit * scale));
      const ours = Math.floor(accountLimit * (1 - this.share[label]));
      const used = this.accepted[label].count(now - windowMs);
      if (used >= ours) {
        stats.rejected429.qps++;
        return {
          ok: false,
          kind: "qps",
          headers: {
            "x-ratelimit-category": category,
            "x-ratelimit-type": "QPS",
            "x-ratelimit-limit": String(accountLimit),
            "x-ratelimit-remaining": "0",
          },
        };
      }
    }
    if (userKey !== undefined) {
      if (this.inFlight.has(userKey)) {
        stats.rejected429.concurrency++;
        return { ok: false, kind: "concurrency", headers: { "x-ratelimit-category": category } };
      }
      this.inFlight.add(userKey);
    }
    if (scale !== Infinity) this.accepted[label].push(now);
    today.count++;
    stats.accepted++;
    const headers: Record<string, string> = { "x-ratelimit-category": category };
    if (cap !== undefined) {
      headers["x-ratelimit-limit"] = String(cap);
      headers["x-ratelimit-remaining"] = String(Math.max(0, cap - today.count));
    }
    return { ok: true, headers };
  }

  release(userKey: string): void {
    this.inFlight.delete(userKey);
  }

  /** Counts a 429 the sandbox was told to send (`failNext`), so stats show what the client saw. */
  countForced(label: Label, kind: RejectKind): void {
    this.stats[label].rejected429[kind]++;
  }

  /** Builds the headers of a 429 of `kind` for `label` (used for forced 429s). */
  headersFor(label: Label, kind: RejectKind): Record<string, string> {
    const category = LABEL_NAMES[label];
    if (kind === "concurrency") return { "x-ratelimit-category": category };
    if (kind === "qps")
      return {
        "x-ratelimit-category": category,
        "x-ratelimit-type": "QPS",
        "x-ratelimit-limit": String(this.limitOf(label).limit),
        "x-ratelimit-remaining": "0",
      };
    return {
      "x-ratelimit-category": category,
      "x-ratelimit-type": "Daily-limit",
      "x-ratelimit-limit": String(this.dailyCap(label) ?? 0),
      "x-ratelimit-remaining": "0",
      "retry-after": nextUtcMidnight(this.options.clock.now()),
    };
  }
}
