/**
 * The sliding-window reservation, as a pure unit: given the log of recent starts on one label, the
 * number allowed per window and `now`, either a request may start now or it must wait a given
 * number of milliseconds. No timers, no clock of its own: `now` is passed in, so the rule is
 * tested with plain numbers (test/unit/limit/window.test.ts).
 *
 * Zoom counts requests over any sliding window (https://developers.zoom.us/docs/api/rate-limits/),
 * not per clock second, and counts them when they arrive. So the rule is two conditions on each
 * start:
 *
 * - **Never more than `allowed` starts in any `windowMs + safetyMs`.** A request let go is
 *   *pending* until its start is *confirmed* at the time its request was written to the socket
 *   (`grant`, then `confirm(at)`); pending requests count as inside every window. A process that
 *   stalls between the two (a busy event loop, a CPU-starved process) thus moves the recorded
 *   start later, never earlier than the request left. `safetyMs` is left for the jitter between
 *   that moment and the arrival at Zoom (network transit); it costs a pace of `allowed` per
 *   `windowMs + safetyMs`, i.e. `safetyMs / windowMs` of the budget.
 * - **Even spacing**, `windowMs / allowed` apart, so the window's requests are spread over it
 *   instead of leaving in one burst at its start or after an idle spell. A start delayed by a late
 *   timer does not push every later start back: when a start is at most one spacing (at least
 *   `CATCH_UP_MS`) late, the next one is spaced from when this one was due, so the lateness is
 *   made up for at once. A start later than that found the label idle (or stalled for long), and
 *   the next is spaced from it. In a busy window the first condition is the one that holds starts
 *   back.
 *
 * The Redis script (limit/redis-pacer.ts) applies the same two conditions on Redis' clock.
 */

/** How a label is paced now. Units: milliseconds and requests. */
export interface WindowRule {
  /** Starts allowed per window, at least 1 (the adaptive controller's `allowed`). */
  allowed: number;
  /** The label's window: 1000 ms, or 60 000 ms for Resource-intensive. */
  windowMs: number;
  /** Added to every window against jitter between the recorded start and the arrival at Zoom. */
  safetyMs: number;
}

/** The minimum spacing between two starts, in ms (fractional: limits scaled up in tests need it). */
export function spacingMs(rule: Pick<WindowRule, "allowed" | "windowMs">): number {
  return rule.windowMs / rule.allowed;
}

/**
 * How much lateness is made up for at least, in ms: timers fire up to a few ms late, and at high
 * rates (limits scaled up in tests, spacing below 1 ms) one spacing would be less than that.
 */
export const CATCH_UP_MS = 5;

/**
 * How long to wait when every start the window allows is pending: a confirmation comes as soon as
 * a pending request is written to its socket, so the next look is soon.
 */
export const PENDING_RETRY_MS = 1;

/**
 * The recent starts of one label (monotonic ms, oldest first), in a ring of `capacity` entries:
 * the rule only ever looks `allowed` starts back, and `allowed` never exceeds the label's ceiling,
 * so the memory is fixed.
 */
export class StartLog {
  private readonly times: Float64Array;
  private count = 0;
  /** Granted, not yet confirmed: they count as inside every window. */
  private pendingStarts = 0;
  /** The earliest time (monotonic ms) the even spacing allows the next start. */
  private nextStart = -Infinity;

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 1))
      throw new RangeError(`capacity must be a whole number ≥ 1, got ${capacity}`);
    this.times = new Float64Array(capacity);
  }

  /** Starts confirmed so far. */
  get size(): number {
    return this.count;
  }

  /** Starts granted and not yet confirmed. */
  get pending(): number {
    return this.pendingStarts;
  }

  /** The `n`-th most recent confirmed start (1 = the last one), or undefined when there were fewer. */
  latest(n: number): number | undefined {
    if (n < 1 || n > this.count || n > this.capacity) return undefined;
    return this.times[(this.count - n) % this.capacity];
  }

  /** Starts confirmed after `since` (among the last `capacity`), plus the pending ones. */
  countSince(since: number): number {
    let n = this.pendingStarts;
    for (let i = 1; i <= Math.min(this.count, this.capacity); i++) {
      if ((this.latest(i) as number) <= since) break;
      n++;
    }
    return n;
  }

  /**
   * The earliest time (monotonic ms) the rule lets the next request start; it may lie in the past
   * (the label has been idle), is -Infinity before the first start, and Infinity while every start
   * the window allows is pending.
   */
  plannedStart(rule: WindowRule): number {
    const room = Math.min(rule.allowed, this.capacity) - this.pendingStarts;
    if (room < 1) return Infinity;
    const back = this.latest(room);
    const byWindow = back === undefined ? -Infinity : back + rule.windowMs + rule.safetyMs;
    return Math.max(byWindow, this.nextStart);
  }

  /**
   * The reservation: 0 when a request may start at `now` (it is then granted and pending until
   * `confirm`), or the milliseconds to wait before asking again.
   */
  reserve(rule: WindowRule, now: number): number {
    const planned = this.plannedStart(rule);
    if (planned > now) return planned === Infinity ? PENDING_RETRY_MS : planned - now;
    this.pendingStarts++;
    // A start at most one spacing (at least CATCH_UP_MS) late: the next is spaced from when this
    // one was due, making up the lateness. Later than that, the label was idle (or stalled for
    // long): spaced from now, so no burst follows.
    const spacing = spacingMs(rule);
    const late = planned >= now - Math.max(spacing, CATCH_UP_MS);
    this.nextStart = (late ? planned : now) + spacing;
    return 0;
  }

  /**
   * Confirms the oldest pending start at `at`, when a request was written to its socket; `at` must
   * not precede the last confirmed start. Without a pending start (a caller that records directly),
   * it is recorded all the same.
   */
  confirm(at: number): void {
    if (this.pendingStarts > 0) this.pendingStarts--;
    this.times[this.count % this.capacity] = at;
    this.count++;
  }
}
