import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { runBatch } from "../../src/run/index.js";
import { startSandbox, type Sandbox, sandboxTarget } from "../../src/sandbox/index.js";
import { Agent } from "undici";
import { createLimiters } from "../../src/limit/index.js";
import { onWire } from "../../src/send/wire.js";
import { tokenProviderFor } from "../../src/send/auth.js";
import { startCliSandbox } from "../../bench/lib/sandbox.js";

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

/**
 * Pacing holds where Zoom counts: at the server, on arrival. Real HTTP to the sandbox with jittered
 * latency (more requests in flight, connections reused unevenly), the start taken right before
 * the request is handed to the dispatcher, as the sender does. The rule itself is pinned with a
 * fake clock in test/unit/limit/window.test.ts; this checks the whole path.
 */
describe("pacing measured at the server", () => {
  it("Business Light at share 1: the busiest sliding second at the sandbox stays ≤ 80, with no 429, at nearly the ceiling", async () => {
    const rows = 480;
    // The sandbox in its own process (at a higher priority when allowed), as Zoom is: in this test
    // worker its arrival stamps would wait on the same event loop as the requests it judges.
    const s = await startCliSandbox({ plan: "business", users: rows, latency: "60-140", dir });
    const token = await tokenProviderFor(s.target).get();
    const limiters = createLimiters({ plan: "business", share: 1 });
    const agent = new Agent({ keepAliveTimeout: 30_000 });
    const api = new URL(s.target.apiUrl);
    try {
      const statuses = await Promise.all(
        Array.from({ length: rows }, (_, i) =>
          limiters.scheduleWithStart("light", async (start) => {
            const body = JSON.stringify({ job_title: `Title ${i}` });
            const sent = await start();
            const res = await onWire(sent, () =>
              agent.request({
                origin: api.origin,
                path: `${api.pathname}/users/user${i + 1}%40example.com`,
                method: "PATCH",
                headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
                body,
              }),
            );
            await res.body.dump();
            return res.statusCode;
          }),
        ),
      );
      const [log, server, busiestSecond] = await Promise.all([s.log(), s.stats(), s.busiestSecond()]);
      const calls = log.filter((e) => e.label === "light");
      const arrivals = calls.map((e) => e.arrival);
      const span = Math.max(...arrivals) - Math.min(...arrivals);
      const fraction = ((calls.length - 1) * 1000) / span / 80;
      const busiest = busiestSecond.light ?? 0;
      console.log(
        `pacing at arrival: ${calls.length} requests, ${fraction.toFixed(3)} of 80/s, busiest sliding second at the sandbox ${busiest}`,
      );
      expect(statuses.filter((st) => st !== 204)).toEqual([]);
      expect(server.light.rejected429).toEqual({ qps: 0, daily: 0, concurrency: 0 });
      expect(busiest).toBeLessThanOrEqual(80);
      // The pace is allowed / (window + 10 ms safety) = 0.99 of the ceiling less timer lateness:
      // 0.988 on a quiet machine (npm run bench measures the job's); this bound leaves room for a
      // machine shared with other work.
      expect(fraction).toBeGreaterThanOrEqual(0.9);
      await new Promise((r) => setTimeout(r, 5));
      const stats = limiters.stats().light;
      expect(stats.requests).toBe(rows);
      expect(Object.values(stats.starts_per_second).reduce((a, b) => a + b, 0)).toBe(rows);
      expect(Math.max(...Object.values(stats.starts_per_second))).toBeLessThanOrEqual(80);
    } finally {
      await limiters.stop();
      await agent.close();
      await s.stop();
    }
  });
});
