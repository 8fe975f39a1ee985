import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { follow, sleep, unfollow } from "../../../src/limit/abort.js";
import { concurrencyFor, initialConcurrency, meanLatency } from "../../../src/limit/concurrency.js";
import { rateLimitInfo } from "../../../src/limit/headers.js";
import { Semaphore } from "../../../src/limit/semaphore.js";
import { secondKey, StartStats } from "../../../src/limit/stats.js";

describe("StartStats", () => {
  it("keeps the busiest sliding second and the starts per wall-clock second", () => {
    const s = new StartStats();
    const epoch = Date.parse("2026-03-10T15:00:00.500Z");
    // Monotonic times 0, 100, …, 900 (10 in one sliding second), then 1000…1400 (5 more).
    for (let i = 0; i < 15; i++) s.record(i * 100, epoch + i * 100);
    expect(s.requests).toBe(15);
    expect(s.busiestSecond).toBe(10);
    expect(s.perSecond).toEqual({ "2026-03-10T15:00:00Z": 5, "2026-03-10T15:00:01Z": 10 });
    expect(secondKey(Date.parse("2026-03-10T15:00:59.999Z"))).toBe("2026-03-10T15:00:59Z");
  });

  it("holds one key per second with starts, whatever the run's length", () => {
    const s = new StartStats();
    const epoch = Date.parse("2026-03-10T00:00:00Z");
    for (let i = 0; i < 3600 * 80; i++) s.record(i * 12.5, epoch + i * 12.5); // an hour at 80/s
    expect(Object.keys(s.perSecond)).toHaveLength(3600);
    expect(s.busiestSecond).toBe(80);
  });
});

describe("Semaphore", () => {
  it("lets `size` in, the rest in order as permits come back", async () => {
    const sem = new Semaphore(2);
    const order: number[] = [];
    const take = (n: number): Promise<void> => sem.acquire().then(() => void order.push(n));
    await Promise.all([take(1), take(2)]);
    const waiting = [take(3), take(4)];
    await Promise.resolve();
    expect(order).toEqual([1, 2]);
    sem.release();
    await waiting[0];
    expect(order).toEqual([1, 2, 3]);
    sem.resize(3); // growing lets the next one in at once
    await waiting[1];
    expect(order).toEqual([1, 2, 3, 4]);
    expect(sem.inUse).toBe(3);
  });

  it("gives up the place of a waiter whose signal aborts, and rejects everyone on rejectAll", async () => {
    const sem = new Semaphore(1);
    await sem.acquire();
    const controller = new AbortController();
    const aborted = sem.acquire(controller.signal);
    const next = sem.acquire();
    controller.abort(new Error("stop"));
    await expect(aborted).rejects.toThrow("stop");
    sem.release();
    await next; // the aborted waiter did not take the permit
    expect(sem.inUse).toBe(1);
    const last = sem.acquire();
    sem.rejectAll(new Error("limiter stopped"));
    await expect(last).rejects.toThrow("limiter stopped");
    await expect(sem.acquire(controller.signal)).rejects.toThrow("stop");
  });

  it("lets a waiter in when every waiter ahead of it was aborted", async () => {
    const sem = new Semaphore(1);
    await sem.acquire();
    const controller = new AbortController();
    const gone = sem.acquire(controller.signal);
    controller.abort(new Error("stop"));
    await expect(gone).rejects.toThrow("stop");
    sem.release();
    await sem.acquire(); // would hang if the aborted waiter still blocked the line
  });
});

describe("abort registry", () => {
  it("adds ONE listener to a signal however many waits use it", async () => {
    const controller = new AbortController();
    const waits = Array.from({ length: 50 }, () => sleep(60_000, controller.signal));
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    const forgotten = (): void => {
      throw new Error("forgotten, never called");
    };
    follow(controller.signal, forgotten);
    unfollow(controller.signal, forgotten);
    controller.abort(new Error("stop"));
    for (const w of waits) await expect(w).rejects.toThrow("stop");
    await sleep(1, new AbortController().signal); // an unaborted signal lets the sleep end
    await expect(sleep(1, controller.signal)).rejects.toThrow("stop");
  });
});

describe("concurrency from pace and latency", () => {
  it("starts at half a second's worth, then follows rate × latency × 1.5 + 2", () => {
    expect(initialConcurrency(24)).toBe(12);
    expect(initialConcurrency(0.13)).toBe(1);
    expect(concurrencyFor(50, 150)).toBe(14); // ceil(11.25) + 2
    expect(concurrencyFor(24, 0)).toBe(2);
    expect(meanLatency(undefined, 100)).toBe(100);
    expect(meanLatency(100, 200)).toBe(120);
  });
});

describe("rateLimitInfo", () => {
  it("reads X-RateLimit-* and leaves out what is missing or malformed", () => {
    expect(
      rateLimitInfo({ "x-ratelimit-type": "QPS", "x-ratelimit-limit": "30", "x-ratelimit-remaining": "0" }),
    ).toEqual({ type: "QPS", limit: 30, remaining: 0 });
    expect(rateLimitInfo({ "x-ratelimit-limit": "abc", "x-ratelimit-remaining": "-1" })).toEqual({});
    expect(rateLimitInfo({})).toEqual({});
  });
});
