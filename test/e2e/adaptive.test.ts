import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { runBatch } from "../../src/run.js";
import { startSandbox, type Sandbox, sandboxTarget } from "../../src/sandbox/index.js";
import { createLimiters, rateLimitInfo } from "../../src/limit/index.js";

/**
 * Other apps on the account spend part of the budget (zoom-api.md §3.2): the sandbox then gives the
 * job only floor(limit × (1 − otherApps)) of every sliding window and answers QPS 429s past it.
 * The job's limiter must notice, slow down to what is left, and still use nearly all of it.
 */
const dir = mkdtempSync(join(tmpdir(), "zb-adaptive-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe("adaptive pacing against other apps", () => {
  it("other apps spend 40% of Light: few 429s, and the job gets at least 0.9 of what is left", async () => {
    const rows = 700;
    const manifest = join(dir, "light.csv");
    writeFileSync(
      manifest,
      "user,job_title\n" +
        Array.from({ length: rows }, (_, i) => `user${i + 1}@example.com,Title ${i}\n`).join(""),
    );
    // Business Light: 80/s for the account; other apps take 40%, so 48/s are left. The job's own
    // ceiling (share 0.8) is 64/s: without adapting it would hit 429s on every window.
    sandbox = await startSandbox({
      plan: "business",
      users: rows,
      seed: 3,
      faults: { otherApps: { light: 0.4 } },
    });
    const results = join(dir, "light.results.csv");
    const summary = await runBatch({
      manifest,
      results,
      plan: "business",
      share: 0.8,
      zoom: sandboxTarget(sandbox),
    });

    expect(summary.outcomes.ok).toBe(rows);
    const calls = sandbox.state.log.filter((e) => e.label === "light");
    const accepted = calls.filter((e) => e.status !== 429);
    const rejected = calls.length - accepted.length;
    const first = Math.min(...calls.map((e) => e.time));
    const last = Math.max(...calls.map((e) => e.time));
    const left = Math.floor(80 * (1 - 0.4));
    const throughput = ((accepted.length - 1) * 1000) / (last - first);
    const light = summary.labels.light as unknown as Record<string, unknown>;
    console.log(
      `adaptive: ${rows} ops in ${((last - first) / 1000).toFixed(2)} s: ${throughput.toFixed(1)}/s of ${left}/s left (${(throughput / left).toFixed(3)}), ${rejected} QPS 429s; limiter:`,
      JSON.stringify(light),
    );

    expect(rejected).toBe(sandbox.state.limits.stats.light.rejected429.qps);
    expect(rejected).toBeLessThanOrEqual(20);
    expect(throughput).toBeGreaterThanOrEqual(0.9 * left);
    expect(sandbox.state.limits.stats.light.maxInSlidingSecond).toBeLessThanOrEqual(64);
    expect(light).toMatchObject({ ceiling_per_second: 64, rate_limited: { qps: rejected } });
    expect(light.slowdowns).toBeGreaterThanOrEqual(1);
    expect(light.min_pace_per_second).toBeLessThanOrEqual(left);
    expect(light.busiest_second).toBeGreaterThanOrEqual(0.9 * left);
    expect(light.busiest_second).toBeLessThanOrEqual(64);
  });
});

describe("the adaptive rule", () => {
  it("slows down to what got through, at most once per window, and creeps back up after a quiet spell", async () => {
    const limiters = createLimiters({
      plan: "business",
      share: 1,
      adaptive: { quietMs: 2000, increasePerSecond: 0.5 },
    });
    try {
      expect(limiters.settings("medium")).toMatchObject({ allowed: 60, ceiling: 60 });
      // 30 starts within the window, then 10 QPS 429s: 20 got through.
      for (let i = 0; i < 30; i++) await limiters.schedule("medium", async () => undefined);
      for (let i = 0; i < 10; i++) limiters.noteRateLimited("medium", "qps");
      // The multiplicative floor (60 × 0.7 = 42) is above what got through: one step goes to 42.
      expect(limiters.settings("medium").allowed).toBe(42);
      expect(limiters.stats().medium).toMatchObject({
        slowdowns: 1,
        pace_per_second: 42,
        min_pace_per_second: 42,
      });
      // Daily and concurrency 429s do not change the pace.
      limiters.noteRateLimited("medium", "concurrency");
      limiters.noteRateLimited("medium", "daily");
      expect(limiters.settings("medium").allowed).toBe(42);

      await new Promise((r) => setTimeout(r, 1100)); // a window later, a new 429 counts again
      for (let i = 0; i < 20; i++) await limiters.schedule("medium", async () => undefined);
      limiters.noteRateLimited("medium", "qps");
      // 20 starts in the window, 1 refused: 19 got through; 42 × 0.7 = 29.4 is the floor of the step.
      expect(limiters.settings("medium").allowed).toBe(29);
      expect(limiters.settings("medium").minTime).toBe(Math.floor(1000 / 29));

      await new Promise((r) => setTimeout(r, 2500)); // 2 s quiet, then +30/s × 0.5 s ≈ +15
      await limiters.schedule("medium", async () => undefined);
      const after = limiters.settings("medium").allowed;
      expect(after).toBeGreaterThan(35);
      expect(after).toBeLessThanOrEqual(60);
      await new Promise((r) => setTimeout(r, 2000));
      await limiters.schedule("medium", async () => undefined);
      expect(limiters.settings("medium").allowed).toBe(60); // never above the ceiling
      expect(limiters.stats().medium.pace_per_second).toBe(60);
    } finally {
      await limiters.stop();
    }
  });

  it("lowers the ceiling to X-RateLimit-Limit × share when Zoom says the limit is lower (a plan set too high)", async () => {
    const limiters = createLimiters({ plan: "business", share: 0.5 });
    try {
      limiters.noteRateLimited(
        "light",
        "qps",
        rateLimitInfo({ "x-ratelimit-type": "QPS", "x-ratelimit-limit": "30" }),
      );
      expect(limiters.settings("light").ceiling).toBe(15);
      expect(limiters.settings("light").allowed).toBeLessThanOrEqual(15);
      expect(limiters.stats().light.ceiling_per_second).toBe(15);
      // A daily-limit header (or nonsense) never moves the per-second ceiling.
      limiters.noteRateLimited(
        "medium",
        "qps",
        rateLimitInfo({ "x-ratelimit-type": "Daily-limit", "x-ratelimit-limit": "2" }),
      );
      expect(limiters.settings("medium").ceiling).toBe(30);
      expect(rateLimitInfo({ "x-ratelimit-limit": "abc", "x-ratelimit-remaining": "-1" })).toEqual({});
      expect(rateLimitInfo({})).toEqual({});
      expect(limiters.settings("medium").allowed).toBe(21); // still slowed down by the 429 itself
    } finally {
      await limiters.stop();
    }
  });

  it("can be turned off", async () => {
    const limiters = createLimiters({ plan: "pro", share: 0.8, adaptive: false });
    limiters.noteRateLimited("light", "qps");
    expect(limiters.settings("light").allowed).toBe(24);
    expect(limiters.stats().light.rate_limited.qps).toBe(1);
    await limiters.stop();
  });
});
