import { afterEach, describe, expect, it } from "vitest";
import { createLimiters, rateLimitInfo, type Limiters } from "../../../src/limit/index.js";

/**
 * createLimiters as a whole, in real time but without wall-clock bounds: the pacing rule itself is
 * pinned with a fake clock in window.test.ts and adaptive.test.ts. Here the assertions are on the
 * recorded start log (what a request saw right after its start was granted) and on order.
 */

/** The most timestamps within any half-open window [t, t + windowMs). */
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
afterEach(async () => {
  await limiters?.stop();
  limiters = undefined;
});

describe("createLimiters", () => {
  it("derives each label's pace from the plan and the share", async () => {
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
    await free.stop();
    // limitsScale (tests and benchmarks only) multiplies the plan's limits.
    const scaled = createLimiters({ plan: "business", share: 1, limitsScale: 10 });
    expect(scaled.settings("light")).toMatchObject({ allowed: 800, ceiling: 800 });
    await scaled.stop();
  });

  it("refuses a share outside (0, 1]", () => {
    expect(() => createLimiters({ plan: "pro", share: 0 })).toThrow(/share/);
    expect(() => createLimiters({ plan: "pro", share: 1.5 })).toThrow(/share/);
  });

  it("never lets a sliding second of recorded starts hold more than the allowed requests", async () => {
    // Business Light is 80/s; a share of 0.625 allows exactly 50 in any second.
    limiters = createLimiters({ plan: "business", share: 0.625 });
    const l = limiters;
    const starts: number[] = [];
    const began = performance.now();
    await Promise.all(
      Array.from({ length: 60 }, () =>
        l.scheduleWithStart("light", async (start) => {
          (await start())(); // the request is on the wire
          starts.push(performance.now());
          await sleep(5);
        }),
      ),
    );
    expect(maxInSlidingWindow(starts, 1000)).toBeLessThanOrEqual(50);
    // A lower bound only (pacing cannot be faster than the window): the 51st start waits for the
    // first plus 1000 ms.
    expect(performance.now() - began).toBeGreaterThanOrEqual(1000);
    // The stats count the same starts (never more than the window allows; a busy machine may pace
    // them below it).
    expect(l.stats().light.requests).toBe(60);
    expect(l.stats().light.busiest_second).toBeLessThanOrEqual(50);
  });

  it("raises concurrency from the latency seen when requests are slow, and still keeps the window", async () => {
    limiters = createLimiters({ plan: "business", share: 0.625 });
    const l = limiters;
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 40 }, () =>
        l.scheduleWithStart("light", async (start) => {
          (await start())(); // the request is on the wire
          starts.push(performance.now());
          await sleep(150);
        }),
      ),
    );
    expect(maxInSlidingWindow(starts, 1000)).toBeLessThanOrEqual(50);
    // 50/s × ~0.15 s × 1.5 + 2 ≈ 14 in flight is what the pace needs.
    expect(l.settings("light").maxConcurrent).toBeGreaterThanOrEqual(12);
    expect(l.settings("light").maxConcurrent).toBeLessThanOrEqual(24);
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

  it("keeps labels independent: a waiting Heavy request holds no Light one back", async () => {
    limiters = createLimiters({ plan: "free", share: 1 });
    const l = limiters;
    const order: string[] = [];
    const run = (label: "heavy" | "light", name: string): Promise<void> =>
      l.schedule(label, async () => void order.push(name));
    // Free Heavy allows 1/s: the second waits a second. Light allows 4/s: 250 ms apart.
    await Promise.all([run("heavy", "h1"), run("heavy", "h2"), run("light", "l1"), run("light", "l2")]);
    expect(order.indexOf("l2")).toBeLessThan(order.indexOf("h2"));
  });

  it("counts nothing for a request whose sender never called start()", async () => {
    limiters = createLimiters({ plan: "pro", share: 0.8 });
    expect(await limiters.scheduleWithStart("light", async () => "not sent")).toBe("not sent");
    await sleep(5);
    expect(limiters.stats().light.requests).toBe(0);
  });

  it("drops a queued job whose signal is aborted without running it, and after stop() every waiting one", async () => {
    limiters = createLimiters({ plan: "free", share: 1 });
    const l = limiters;
    const ran: number[] = [];
    await l.schedule("heavy", async () => ran.push(1)); // Heavy: 1/s, so the next waits ~1 s
    const controller = new AbortController();
    const queued = l.schedule("heavy", async () => ran.push(2), controller.signal);
    const behind = l.schedule("heavy", async () => ran.push(3), controller.signal);
    setTimeout(() => controller.abort(new Error("stop")), 50);
    await expect(queued).rejects.toThrow("stop");
    await expect(behind).rejects.toThrow("stop");
    await expect(l.schedule("heavy", async () => 4, controller.signal)).rejects.toThrow("stop");

    const waiting = l.schedule("heavy", async () => ran.push(5));
    await sleep(20);
    await l.stop();
    await expect(waiting).rejects.toThrow("Heavy limiter stopped");
    await expect(l.schedule("light", async () => 6)).rejects.toThrow("Light limiter stopped");
    expect(ran).toEqual([1]);
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

  it("counts 429s per label and kind; a QPS one slows the label down, unless adaptive pacing is off", async () => {
    limiters = createLimiters({ plan: "pro", share: 0.8 });
    limiters.noteRateLimited("light", "qps");
    limiters.noteRateLimited("light", "qps");
    limiters.noteRateLimited("medium", "daily");
    expect(limiters.stats().light.rate_limited).toEqual({ qps: 2, daily: 0, concurrency: 0 });
    expect(limiters.stats().medium.rate_limited).toEqual({ qps: 0, daily: 1, concurrency: 0 });
    // One slow-down per window, to 24 × 0.7 (nothing was sent, so nothing "got through").
    expect(limiters.stats().light).toMatchObject({
      slowdowns: 1,
      pace_per_second: 16,
      min_pace_per_second: 16,
    });
    expect(limiters.settings("medium").allowed).toBe(16); // daily 429s leave the pace alone

    const fixed = createLimiters({ plan: "pro", share: 0.8, adaptive: false });
    fixed.noteRateLimited("light", "qps", rateLimitInfo({ "x-ratelimit-limit": "10" }));
    expect(fixed.settings("light")).toMatchObject({ allowed: 24, ceiling: 24 });
    expect(fixed.stats().light.rate_limited.qps).toBe(1);
    await fixed.stop();
  });

  it("lowers the ceiling to X-RateLimit-Limit × share of a QPS 429", () => {
    limiters = createLimiters({ plan: "business", share: 0.5 });
    limiters.noteRateLimited(
      "light",
      "qps",
      rateLimitInfo({ "x-ratelimit-type": "QPS", "x-ratelimit-limit": "30" }),
    );
    expect(limiters.settings("light").ceiling).toBe(15);
    expect(limiters.stats().light.ceiling_per_second).toBe(15);
  });

  it("records the starts per wall-clock second for the report", async () => {
    limiters = createLimiters({
      plan: "business",
      share: 1,
      clock: { now: () => Date.parse("2026-03-10T15:00:00.250Z") },
    });
    const l = limiters;
    await Promise.all(Array.from({ length: 3 }, () => l.schedule("light", async () => undefined)));
    await sleep(5);
    expect(l.stats().light.starts_per_second).toEqual({ "2026-03-10T15:00:00Z": 3 });
    expect(l.stats().medium.starts_per_second).toEqual({});
  });
});
