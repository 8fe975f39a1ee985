import { afterEach, describe, expect, it } from "vitest";
import { createLimiters, type Limiters } from "../../../src/limit/index.js";

/** The most timestamps that fall in any window [t, t + windowMs). */
function maxInSlidingWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while ((sorted[last] as number) - (sorted[first] as number) >= windowMs) first++;
    max = Math.max(max, last - first + 1);
  }
  return max;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let limiters: Limiters | undefined;
afterEach(() => {
  limiters?.stop();
  limiters = undefined;
});

describe("createLimiters", () => {
  it("derives each label's pace from the plan and the share", () => {
    limiters = createLimiters({ plan: "pro", share: 0.8 });
    expect(limiters.settings("light")).toMatchObject({ allowed: 24, windowMs: 1000, minTime: 41 });
    expect(limiters.settings("medium")).toMatchObject({ allowed: 16, windowMs: 1000, minTime: 62 });
    expect(limiters.settings("resource_intensive")).toMatchObject({
      allowed: 8,
      windowMs: 60_000,
      minTime: 7500,
    });
    expect(limiters.stats().light.pace_per_second).toBe(24);
    expect(limiters.stats().medium.pace_per_second).toBe(16);
    // Starting concurrency: ceil(rate × 0.5 s).
    expect(limiters.settings("light").maxConcurrent).toBe(12);

    const free = createLimiters({ plan: "free", share: 0.8 });
    expect(free.settings("medium")).toMatchObject({ allowed: 1, minTime: 1000 });
    free.stop();
  });

  it("refuses a share outside (0, 1]", () => {
    expect(() => createLimiters({ plan: "pro", share: 0 })).toThrow(/share/);
    expect(() => createLimiters({ plan: "pro", share: 1.5 })).toThrow(/share/);
  });

  it("never lets a sliding second hold more than the allowed requests, and keeps close to the rate", async () => {
    // Business Light is 80/s; a share of 0.625 allows exactly 50 in any second.
    limiters = createLimiters({ plan: "business", share: 0.625 });
    const l = limiters;
    const starts: number[] = [];
    const began = performance.now();
    await Promise.all(
      Array.from({ length: 75 }, () =>
        l.schedule("light", async () => {
          starts.push(performance.now());
          await sleep(5);
        }),
      ),
    );
    const elapsed = performance.now() - began;
    expect(maxInSlidingWindow(starts, 1000)).toBeLessThanOrEqual(50);
    // 75 starts at 50/s take about 74 × 21 ms ≈ 1.55 s; allow for a busy machine.
    expect(elapsed).toBeGreaterThan(1400);
    expect(elapsed).toBeLessThan(2600);
    expect(l.stats().light.requests).toBe(75);
  });

  it("keeps the window even when requests are slow, by raising concurrency from the latency seen", async () => {
    limiters = createLimiters({ plan: "business", share: 0.625 });
    const l = limiters;
    const starts: number[] = [];
    let running = 0;
    let maxRunning = 0;
    const began = performance.now();
    await Promise.all(
      Array.from({ length: 60 }, () =>
        l.schedule("light", async () => {
          starts.push(performance.now());
          maxRunning = Math.max(maxRunning, ++running);
          await sleep(150);
          running--;
        }),
      ),
    );
    const elapsed = performance.now() - began;
    expect(maxInSlidingWindow(starts, 1000)).toBeLessThanOrEqual(50);
    expect(elapsed).toBeLessThan(2600);
    // 50/s × 0.15 s × 1.5 + 2 ≈ 14 in flight is what the pace needs.
    expect(maxRunning).toBeGreaterThanOrEqual(6);
    expect(l.settings("light").maxConcurrent).toBeGreaterThanOrEqual(12);
    expect(l.settings("light").maxConcurrent).toBeLessThanOrEqual(20);
  });

  it("honours a fixed --concurrency", async () => {
    limiters = createLimiters({ plan: "business", share: 1, concurrency: 2 });
    const l = limiters;
    let running = 0;
    let maxRunning = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        l.schedule("medium", async () => {
          maxRunning = Math.max(maxRunning, ++running);
          await sleep(40);
          running--;
        }),
      ),
    );
    expect(maxRunning).toBe(2);
    expect(l.settings("medium").maxConcurrent).toBe(2);
  });

  it("keeps labels independent", async () => {
    limiters = createLimiters({ plan: "free", share: 1 });
    const l = limiters;
    const began = performance.now();
    // Free Medium allows 2/s; Light 4/s. One Medium request does not hold Light back.
    await l.schedule("medium", async () => undefined);
    await Promise.all([1, 2, 3].map(() => l.schedule("light", async () => undefined)));
    expect(performance.now() - began).toBeLessThan(900);
  });

  it("drops a queued job whose signal is aborted without running it", async () => {
    limiters = createLimiters({ plan: "free", share: 1 });
    const l = limiters;
    const ran: number[] = [];
    await l.schedule("heavy", async () => ran.push(1)); // Heavy: 1/s, so the next waits ~1 s
    const controller = new AbortController();
    const queued = l.schedule("heavy", async () => ran.push(2), controller.signal);
    setTimeout(() => controller.abort(new Error("stop")), 50);
    await expect(queued).rejects.toThrow("stop");
    await sleep(1100);
    expect(ran).toEqual([1]);
    await expect(l.schedule("heavy", async () => 3, controller.signal)).rejects.toThrow("stop");
  });

  it("remembers a label stopped by a daily limit until the time given", () => {
    let now = Date.parse("2026-03-10T15:00:00Z");
    limiters = createLimiters({ plan: "pro", share: 0.8, clock: { now: () => now } });
    const until = Date.parse("2026-03-11T00:00:00Z");
    expect(limiters.isStopped("medium")).toBeUndefined();
    limiters.stopLabel("medium", until);
    limiters.stopLabel("medium", until - 1000); // an earlier time never shortens the stop
    expect(limiters.isStopped("medium")).toBe(until);
    expect(limiters.isStopped("light")).toBeUndefined();
    now = until;
    expect(limiters.isStopped("medium")).toBeUndefined();
  });

  it("counts 429s per label and kind", () => {
    limiters = createLimiters({ plan: "pro", share: 0.8 });
    limiters.noteRateLimited("light", "qps");
    limiters.noteRateLimited("light", "qps");
    limiters.noteRateLimited("medium", "daily");
    expect(limiters.stats().light.rate_limited).toEqual({ qps: 2, daily: 0, concurrency: 0 });
    expect(limiters.stats().medium.rate_limited).toEqual({ qps: 0, daily: 1, concurrency: 0 });
  });
});
