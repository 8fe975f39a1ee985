import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { createUserQueue } from "../../../src/queue/index.js";

describe("user queue", () => {
  it("runs one user's rows one at a time in push order, and different users in parallel", async () => {
    const queue = createUserQueue({ concurrency: 8, maxBacklog: 100 });
    const events: string[] = [];
    const running = new Set<string>();
    let maxParallel = 0;
    const row = (user: string, n: number) => async () => {
      expect(running.has(user)).toBe(false);
      running.add(user);
      maxParallel = Math.max(maxParallel, running.size);
      events.push(`${user}${n}`);
      await sleep(5 + ((n * 7) % 5));
      running.delete(user);
    };
    for (let n = 0; n < 5; n++) for (const user of ["a", "b", "c"]) await queue.push(user, row(user, n));
    await queue.onIdle();
    for (const user of ["a", "b", "c"])
      expect(events.filter((e) => e.startsWith(user))).toEqual([0, 1, 2, 3, 4].map((n) => `${user}${n}`));
    expect(maxParallel).toBe(3);
    expect(queue.backlog).toBe(0);
  });

  it("makes the producer wait while the backlog is full", async () => {
    const queue = createUserQueue({ concurrency: 2, maxBacklog: 4 });
    let highest = 0;
    for (let i = 0; i < 40; i++) {
      await queue.push(`u${i}`, async () => {
        await sleep(1);
      });
      highest = Math.max(highest, queue.backlog);
    }
    await queue.onIdle();
    expect(highest).toBeLessThanOrEqual(4);
  });

  it("clear drops rows that have not started", async () => {
    const queue = createUserQueue({ concurrency: 1, maxBacklog: 100 });
    const done: number[] = [];
    for (let i = 0; i < 5; i++)
      await queue.push("same", async () => {
        await sleep(10);
        done.push(i);
      });
    await sleep(2);
    expect(queue.clear()).toBe(4);
    await queue.onIdle();
    expect(done).toEqual([0]);
  });
});
