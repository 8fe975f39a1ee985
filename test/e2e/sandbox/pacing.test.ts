/**
 * What benchmarks measure pace with: the request log's arrival times, the busiest sliding second
 * computed from them, and latency as a seeded, jittered range.
 */
import { performance } from "node:perf_hooks";
import { afterEach, describe, expect, it } from "vitest";
import type { Sandbox, SandboxOptions } from "../../../src/sandbox/index.js";
import { busiestSecondByLabel, busiestWindow, startSandbox } from "../../../src/sandbox/index.js";
import { pickLatency } from "../../../src/sandbox/faults.js";
import { createRng } from "../../../src/sandbox/rng.js";
import { call, client, getToken } from "./helpers.js";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function open(options: SandboxOptions) {
  sandbox = await startSandbox({ unlimited: true, ...options });
  const api = client(sandbox, await getToken(sandbox));
  sandbox.state.reset();
  return { sandbox, api };
}

describe("busiestWindow", () => {
  it("counts the most arrivals within any window (t − 1000, t], in any order", () => {
    expect(busiestWindow([])).toBe(0);
    expect(busiestWindow([1999.5, 0, 500, 999, 1000])).toBe(3); // 0, 500, 999 or 500, 999, 1000
    expect(busiestWindow([0, 1000])).toBe(1); // 1000 ms apart: never in one window
    expect(busiestWindow([0, 0, 0.5])).toBe(3);
    expect(busiestWindow([0, 30_000, 59_999], 60_000)).toBe(3);
  });
});

describe("the request log", () => {
  it("records each call's arrival, before its latency, on the monotonic clock", async () => {
    const { sandbox, api } = await open({ latency: 200 });
    const sent = performance.now();
    await api("GET", "/users/bob@example.com");
    const answered = performance.now();
    const [entry] = sandbox.state.log;
    expect(entry?.arrival).toBeGreaterThanOrEqual(sent);
    expect((entry?.arrival ?? 0) - sent).toBeLessThan(100);
    expect(answered - (entry?.arrival ?? 0)).toBeGreaterThanOrEqual(195);
  });

  it("gives the busiest sliding second per label, as the live stats count it", async () => {
    const { sandbox, api } = await open({});
    await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => api("GET", `/users/user${i + 1}@example.com`)),
      api("GET", "/users/bob@example.com/settings"),
      api("GET", "/users?page_size=5"),
    ]);
    const busiest = busiestSecondByLabel(sandbox.state.log);
    expect(busiest).toEqual({ light: 5, medium: 2 });
    const stats = sandbox.state.stats();
    expect([stats.light.maxInSlidingSecond, stats.medium.maxInSlidingSecond]).toEqual([5, 2]);
    expect(busiestSecondByLabel(sandbox.state.log, { filter: (e) => e.operation === "listUsers" })).toEqual({
      medium: 1,
    });
    const served = await call(`${sandbox.apiUrl.slice(0, -3)}/_sandbox/busiest-second`);
    expect(served.body).toEqual({ light: 5, medium: 2 });
  });
});

describe("latency", () => {
  it("takes a fixed number of ms or a range, and can be changed at runtime (also over HTTP)", async () => {
    const { sandbox, api } = await open({ latency: 120 });
    expect(sandbox.state.latency).toEqual({ minMs: 120, maxMs: 120 });
    let started = performance.now();
    await api("GET", "/users/bob@example.com");
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
    const put = (body: unknown) =>
      call(`${sandbox.apiUrl.slice(0, -3)}/_sandbox/latency`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await put({ minMs: 10, maxMs: 30 })).status).toBe(204);
    expect(sandbox.state.latency).toEqual({ minMs: 10, maxMs: 30 });
    expect((await put(0)).status).toBe(204);
    started = performance.now();
    await api("GET", "/users/bob@example.com");
    expect(performance.now() - started).toBeLessThan(100);
    expect((await put({ minMs: 50, maxMs: 10 })).body).toEqual({
      code: 300,
      message: 'latency: expected 0 <= minMs <= maxMs, got {"minMs":50,"maxMs":10}',
    });
  });

  it("draws a range uniformly per call from the seeded RNG: the same seed gives the same latencies", () => {
    const draws = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 200 }, () => pickLatency({ minMs: 60, maxMs: 140 }, rng));
    };
    const first = draws(9);
    expect(draws(9)).toEqual(first);
    expect(draws(10)).not.toEqual(first);
    expect(Math.min(...first)).toBeGreaterThanOrEqual(60);
    expect(Math.max(...first)).toBeLessThanOrEqual(140);
    expect(first.filter((ms) => ms < 100).length).toBeGreaterThan(70); // about half below the middle
    expect(first.filter((ms) => ms >= 100).length).toBeGreaterThan(70);
  });
});
