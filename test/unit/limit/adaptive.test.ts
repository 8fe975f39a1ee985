import { describe, expect, it } from "vitest";
import { AdaptiveController, DEFAULT_ADAPTIVE, MIN_STEP } from "../../../src/limit/adaptive.js";

/** Business Medium at share 1: 60 per 1000 ms window. */
const controller = (options: Partial<typeof DEFAULT_ADAPTIVE> = {}, share = 1): AdaptiveController =>
  new AdaptiveController(60, 1000, share, { ...DEFAULT_ADAPTIVE, ...options });

describe("AdaptiveController, with a fake clock", () => {
  it("slows down to what got through, but never below pace × decrease in one step", () => {
    const c = controller();
    // 30 starts within the window, 10 QPS 429s: the first one decides.
    expect(c.onQps429(1000, { recentStarts: 30 })).toEqual({ slowedDown: 42 }); // max(60 × 0.7, 30 − 1)
    expect(c.allowed).toBe(42);
    expect(c.slowdowns).toBe(1);
    expect(c.minAllowed).toBe(42);
  });

  it("slows down at most once per window plus the latency seen", () => {
    const c = controller();
    c.onQps429(1000, { recentStarts: 30, latencyMs: 200 });
    for (let t = 1001; t < 2200; t += 100)
      expect(c.onQps429(t, { recentStarts: 30, latencyMs: 200 })).toEqual({});
    expect(c.allowed).toBe(42);
    // 1,200 ms later the 429s say something about the new pace. 19 got through (20 − this 429,
    // the earlier ones left the window), 42 × 0.7 = 29.4 is the floor of the step.
    expect(c.onQps429(2200, { recentStarts: 20, latencyMs: 200 })).toEqual({ slowedDown: 29 });
    expect(c.slowdowns).toBe(2);
  });

  it("slows down by at least 1 − MIN_STEP even when nearly everything got through", () => {
    const c = controller();
    c.onQps429(1000, { recentStarts: 60 });
    expect(c.rate).toBeCloseTo(60 * MIN_STEP);
    expect(c.allowed).toBe(57);
  });

  it("takes the plain multiplicative step when the recent starts are not known (Redis)", () => {
    const c = controller();
    c.onQps429(1000);
    expect(c.allowed).toBe(42);
  });

  it("creeps back up after the quiet period, by increasePerSecond of the ceiling per second, never above it", () => {
    const c = controller({ quietMs: 2000, increasePerSecond: 0.5 });
    c.onQps429(0, { recentStarts: 0 });
    expect(c.allowed).toBe(42);
    expect(c.creep(1999)).toBe(false); // still within the quiet period
    expect(c.allowed).toBe(42);
    expect(c.creep(2500)).toBe(true); // 0.5 s × 30/s = +15
    expect(c.allowed).toBe(57);
    c.creep(2600); // +3
    expect(c.allowed).toBe(60);
    c.creep(10_000);
    expect(c.allowed).toBe(60);
    expect(c.rate).toBe(60);
  });

  it("never goes below minFraction of the ceiling, nor below 1", () => {
    const c = controller({ minFraction: 0.1 });
    for (let t = 0; t < 20_000; t += 1100) c.onQps429(t, { recentStarts: 0 });
    expect(c.allowed).toBe(6);
    const tiny = new AdaptiveController(2, 1000, 1, DEFAULT_ADAPTIVE);
    for (let t = 0; t < 20_000; t += 1100) tiny.onQps429(t, { recentStarts: 0 });
    expect(tiny.allowed).toBe(1);
  });

  it("lowers the ceiling to X-RateLimit-Limit × share, only for a QPS limit, only downwards", () => {
    const c = controller({}, 0.5); // ceiling given as 60 (what share 0.5 of 120 would be)
    expect(c.onQps429(1000, { info: { type: "QPS", limit: 80 } })).toEqual({
      ceilingLowered: 40,
      slowedDown: 28,
    });
    expect(c.ceiling).toBe(40);
    const other = controller({}, 0.5);
    other.onQps429(1000, { info: { type: "Daily-limit", limit: 2 } });
    expect(other.ceiling).toBe(60);
    other.onQps429(1000, { info: { type: "QPS", limit: 1000 } });
    expect(other.ceiling).toBe(60);
    // The quiet creep-up stops at the lowered ceiling.
    c.creep(60_000);
    expect(c.allowed).toBe(40);
  });

  it("keeps the pace fixed when adaptive pacing is off", () => {
    const c = new AdaptiveController(24, 1000, 0.8, undefined);
    expect(c.onQps429(0, { recentStarts: 0, info: { limit: 10 } })).toEqual({});
    expect(c.creep(60_000)).toBe(false);
    expect(c.allowed).toBe(24);
  });
});
