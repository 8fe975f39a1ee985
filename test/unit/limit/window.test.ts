import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PENDING_RETRY_MS, StartLog, type WindowRule } from "../../../src/limit/window.js";

/**
 * The most times within any half-open window [t, t + windowMs). Two times a whole window apart up
 * to floating-point rounding count as a window apart: with a fractional spacing (50 ms / 6),
 * `(t + 50) - t` can come out as 49.99999999999999 (fast-check found it: [6, 50, 0, [0], [0]]).
 */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while ((sorted[last] as number) - (sorted[first] as number) >= windowMs - 1e-9) first++;
    max = Math.max(max, last - first + 1);
  }
  return max;
}

/**
 * Drives a StartLog with a fake clock the way a lane does: ask, sleep as told (the timer firing
 * `late(i)` ms late), and confirm each granted start `confirmDelay(i)` ms after it was let go, in
 * order. Returns the grant and confirm times.
 */
function simulate(
  rule: WindowRule,
  n: number,
  late: (i: number) => number = () => 0,
  confirmDelay: (i: number) => number = () => 0,
): { granted: number[]; confirmed: number[] } {
  const log = new StartLog(rule.allowed);
  const granted: number[] = [];
  const confirmed: number[] = [];
  const due: number[] = []; // confirm times of pending starts, in order
  let now = 0;
  let asks = 0;
  const settle = (until: number): void => {
    while (due.length > 0 && (due[0] as number) <= until) {
      const at = due.shift() as number;
      log.confirm(at);
      confirmed.push(at);
    }
  };
  while (granted.length < n) {
    settle(now);
    const wait = log.reserve(rule, now);
    if (wait > 0) {
      now += wait + late(asks++);
      continue;
    }
    granted.push(now);
    due.push(Math.max(due.at(-1) ?? confirmed.at(-1) ?? 0, now + confirmDelay(granted.length - 1)));
  }
  settle(Infinity);
  return { granted, confirmed };
}

describe("StartLog, the sliding-window reservation", () => {
  const rule: WindowRule = { allowed: 10, windowMs: 1000, safetyMs: 10 };

  it("spaces starts windowMs / allowed apart, and holds `allowed` per windowMs + safetyMs", () => {
    const { granted } = simulate(rule, 25);
    // 0, 100, …, 900; then the first start of the next window waits for the one 10 places back
    // plus the window and the safety margin: 1010, 1110, …; then 2020, ….
    const expected = Array.from({ length: 25 }, (_, k) => Math.floor(k / 10) * 1010 + (k % 10) * 100);
    expect(granted).toEqual(expected);
    expect(maxInWindow(granted, 1010)).toBe(10);
  });

  it("answers how long to wait, and lets a request go only when that time has come", () => {
    const log = new StartLog(2);
    const r: WindowRule = { allowed: 2, windowMs: 1000, safetyMs: 10 };
    expect(log.reserve(r, 0)).toBe(0);
    log.confirm(0);
    expect(log.reserve(r, 200)).toBe(300); // spacing: 500 ms after the first
    expect(log.reserve(r, 500)).toBe(0);
    log.confirm(500);
    expect(log.reserve(r, 600)).toBe(410); // the window: 1010 ms after the start 2 back
    expect(log.reserve(r, 1009.5)).toBeCloseTo(0.5);
    expect(log.reserve(r, 1010)).toBe(0);
    expect(log.size).toBe(2);
    expect(log.pending).toBe(1);
  });

  it("counts a granted start as inside every window until it is confirmed, at its real time", () => {
    const log = new StartLog(2);
    const r: WindowRule = { allowed: 2, windowMs: 1000, safetyMs: 0 };
    expect(log.reserve(r, 0)).toBe(0);
    expect(log.reserve(r, 500)).toBe(0);
    // Both pending: nothing more may start, however long ago they were let go.
    expect(log.reserve(r, 5000)).toBe(PENDING_RETRY_MS);
    // The first really left at 4000 (the process stalled), the second at 4001.
    log.confirm(4000);
    log.confirm(4001);
    expect(log.reserve(r, 4500)).toBe(500); // a window after the real start, not the grant
    expect(log.countSince(4500 - 1000)).toBe(2);
  });

  it("makes up for a late timer of up to one spacing instead of slowing every later start", () => {
    // The 3rd start's timer fires 60 ms late; the 4th still goes at 300.
    const { granted } = simulate({ allowed: 10, windowMs: 1000, safetyMs: 0 }, 5, (i) => (i === 1 ? 60 : 0));
    expect(granted).toEqual([0, 100, 260, 300, 400]);
  });

  it("keeps a pace above one start per millisecond although every timer fires a millisecond late", () => {
    // Limits scaled up 50× (tests and benchmarks): 4,000 per second, 0.25 ms apart.
    const r = { allowed: 4000, windowMs: 1000, safetyMs: 10 };
    const { granted } = simulate(r, 12_000, () => 1);
    const perSecond = ((granted.length - 1) * 1000) / ((granted.at(-1) as number) - (granted[0] as number));
    expect(perSecond).toBeGreaterThanOrEqual(0.97 * 4000);
    expect(maxInWindow(granted, 1010)).toBeLessThanOrEqual(4000);
  });

  it("lets no burst go after an idle spell", () => {
    const log = new StartLog(10);
    for (let t = 0; t < 1000; t += 100) {
      expect(log.reserve(rule, t)).toBe(0);
      log.confirm(t);
    }
    expect(log.reserve(rule, 60_000)).toBe(0);
    expect(log.reserve(rule, 60_000)).toBe(100);
  });

  it("follows a lower `allowed` at once", () => {
    const log = new StartLog(10);
    for (let t = 0; t < 500; t += 100) {
      expect(log.reserve(rule, t)).toBe(0);
      log.confirm(t);
    }
    const slower = { ...rule, allowed: 4 };
    // 4 back is the start at 100: the next may start at 100 + 1010.
    expect(log.reserve(slower, 500)).toBe(610);
    expect(log.countSince(0)).toBe(4);
  });

  it("refuses a capacity below 1", () => {
    expect(() => new StartLog(0)).toThrow(/capacity/);
  });

  it("never puts more than `allowed` real starts in a window of windowMs + safetyMs, whatever timers and confirmations do", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 50, max: 2000 }),
        fc.integer({ min: 0, max: 30 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 50 }),
        fc.array(fc.integer({ min: 0, max: 80 }), { minLength: 1, maxLength: 50 }),
        (allowed, windowMs, safetyMs, lates, delays) => {
          const r = { allowed, windowMs, safetyMs };
          const n = allowed * 4 + 3;
          const { confirmed } = simulate(
            r,
            n,
            (i) => lates[i % lates.length] as number,
            (i) => delays[i % delays.length] as number,
          );
          expect(confirmed).toHaveLength(n);
          expect(maxInWindow(confirmed, windowMs + safetyMs)).toBeLessThanOrEqual(allowed);
        },
      ),
    );
  });

  it("reaches the pace allowed / (windowMs + safetyMs) when timers are punctual", () => {
    const r = { allowed: 64, windowMs: 1000, safetyMs: 10 };
    const { granted } = simulate(
      r,
      64 * 20,
      () => 0,
      () => 0,
    );
    const perSecond = ((granted.length - 1) * 1000) / ((granted.at(-1) as number) - (granted[0] as number));
    expect(perSecond / 64).toBeGreaterThanOrEqual(1000 / 1010 - 0.001);
    expect(maxInWindow(granted, 1000)).toBe(64);
  });
});
