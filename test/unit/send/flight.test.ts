import { describe, expect, it } from "vitest";
import { follow, followers, sleep, unfollow } from "../../../src/send/flight.js";

/** A signal that counts the listeners added to it. */
function countingSignal(): { signal: AbortSignal; controller: AbortController; added: () => number } {
  const controller = new AbortController();
  const signal = controller.signal;
  let added = 0;
  const add = signal.addEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<AbortSignal["addEventListener"]>) => {
    added++;
    add(...args);
  }) as AbortSignal["addEventListener"];
  return { signal, controller, added: () => added };
}

describe("follow", () => {
  it("adds one listener to the run's signal however many requests follow it, and aborts them all", () => {
    const run = countingSignal();
    const requests = Array.from({ length: 1000 }, () => new AbortController());
    for (const r of requests) follow(run.signal, r);
    expect(run.added()).toBe(1);
    expect(followers(run.signal)).toBe(1000);
    for (const r of requests.slice(0, 400)) unfollow(run.signal, r);
    expect(followers(run.signal)).toBe(600);
    run.controller.abort(new Error("SIGTERM"));
    expect(
      requests.slice(400).every((r) => r.signal.aborted && (r.signal.reason as Error).message === "SIGTERM"),
    ).toBe(true);
    expect(requests.slice(0, 400).some((r) => r.signal.aborted)).toBe(false);
    expect(followers(run.signal)).toBe(0);
  });

  it("a follower that joins after the stop is aborted at once; other signals' followers are untouched", () => {
    const a = new AbortController();
    const b = new AbortController();
    a.abort(new Error("stopped"));
    const late = new AbortController();
    follow(a.signal, late);
    expect(late.signal.aborted).toBe(true);
    const other = new AbortController();
    follow(b.signal, other);
    expect(other.signal.aborted).toBe(false);
  });
});

describe("sleep", () => {
  it("waits, and leaves nothing behind", async () => {
    const run = new AbortController();
    const began = performance.now();
    await sleep(30, run.signal);
    expect(performance.now() - began).toBeGreaterThanOrEqual(25);
    expect(followers(run.signal)).toBe(0);
  });

  it("ends at once with the reason when the run stops", async () => {
    const run = new AbortController();
    const waiting = sleep(60_000, run.signal);
    setTimeout(() => run.abort(new Error("SIGINT")), 10);
    await expect(waiting).rejects.toThrow("SIGINT");
    await expect(sleep(10, run.signal)).rejects.toThrow("SIGINT");
  });
});
