import type { Plan } from "../zoom/labels.js";
import { LABEL_NAMES } from "../zoom/labels.js";
import type { SandboxClock } from "./clock.js";
import { DAY_MS, nextUtcMidnight } from "./clock.js";

/**
 * Zoom's per-endpoint quotas that are not per-label rate limits, on the sandbox clock:
 *
 * - POST /users with `action: "create"`: 50 a day on Free, 1,500 on Pro, 10,000 on Business+
 *   (the endpoint's description in the spec; zoom-api.md §2, §3.3), counted per UTC day like the
 *   label daily caps. Every valid create-action request counts, also one answered 409/1005: the
 *   spec counts "requests per day". Past the cap: a daily-limit 429 with the same headers as the
 *   label daily caps (X-RateLimit-Type: Daily-limit, Retry-After: next 00:00 UTC).
 * - PUT /users/{userId}/email: "up to 3 times in any 24 hour period" per user: a rolling 24 h.
 */
export const DAILY_CREATE_CAPS: Record<Plan, number> = { free: 50, pro: 1_500, business: 10_000 };
export const EMAIL_CHANGES_PER_DAY = 3;

export interface QuotaOptions {
  plan: Plan;
  clock: SandboxClock;
  /** Replaces the plan's create cap (always applies, also with `unlimited`). */
  dailyCreateLimit: number | undefined;
  /** Lifts the plan's create cap (not an explicit `dailyCreateLimit`). */
  unlimited: boolean;
}

export class Quotas {
  private creates = { day: 0, count: 0 };
  private readonly emailChanges = new Map<string, number[]>();

  constructor(private readonly options: QuotaOptions) {}

  /** Today's create cap, if any. */
  createCap(): number | undefined {
    if (this.options.dailyCreateLimit !== undefined) return this.options.dailyCreateLimit;
    return this.options.unlimited ? undefined : DAILY_CREATE_CAPS[this.options.plan];
  }

  /**
   * Counts one create-action request; returns the 429 headers instead when today's cap is spent.
   */
  takeCreate(): { ok: true } | { ok: false; headers: Record<string, string> } {
    const now = this.options.clock.now();
    const day = Math.floor(now / DAY_MS);
    if (this.creates.day !== day) this.creates = { day, count: 0 };
    const cap = this.createCap();
    if (cap !== undefined && this.creates.count >= cap)
      return {
        ok: false,
        headers: {
          "x-ratelimit-category": LABEL_NAMES.light,
          "x-ratelimit-type": "Daily-limit",
          "x-ratelimit-limit": String(cap),
          "x-ratelimit-remaining": "0",
          "retry-after": nextUtcMidnight(now),
        },
      };
    this.creates.count++;
    return { ok: true };
  }

  /** When the user may change email again (ms on the sandbox clock), or undefined if now. */
  emailBlockedUntil(userId: string): number | undefined {
    const since = this.options.clock.now() - DAY_MS;
    const times = (this.emailChanges.get(userId) ?? []).filter((t) => t > since);
    this.emailChanges.set(userId, times);
    return times.length >= EMAIL_CHANGES_PER_DAY ? (times[0] ?? 0) + DAY_MS : undefined;
  }

  recordEmailChange(userId: string): void {
    const times = this.emailChanges.get(userId) ?? [];
    times.push(this.options.clock.now());
    this.emailChanges.set(userId, times);
  }

  /** Email changes per user id within the last 24 h, for the state snapshot. */
  snapshot(): {
    createsToday: number;
    createCap: number | undefined;
    emailChanges: Record<string, string[]>;
  } {
    const since = this.options.clock.now() - DAY_MS;
    const emailChanges: Record<string, string[]> = {};
    for (const [id, times] of this.emailChanges) {
      const recent = times.filter((t) => t > since);
      if (recent.length > 0) emailChanges[id] = recent.map((t) => new Date(t).toISOString());
    }
    const today = Math.floor(this.options.clock.now() / DAY_MS);
    return {
      createsToday: this.creates.day === today ? this.creates.count : 0,
      createCap: this.createCap(),
      emailChanges,
    };
  }
}
