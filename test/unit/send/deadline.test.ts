import { describe, expect, it } from "vitest";
import {
  INITIAL_TIMEOUT_MS,
  MAX_ADAPTIVE_TIMEOUT_MS,
  MIN_ADAPTIVE_TIMEOUT_MS,
  RequestDeadline,
  percentile,
} from "../../../src/send/deadline.js";

describe("RequestDeadline", () => {
  it("uses 30 s until 20 answers are known", () => {
    const d = new RequestDeadline();
    for (let i = 0; i < 19; i++) d.observe(5);
    expect(d.timeoutMs()).toBe(INITIAL_TIMEOUT_MS);
    d.observe(5);
    expect(d.timeoutMs()).toBe(MIN_ADAPTIVE_TIMEOUT_MS);
  });

  it("follows 10 x p95 of the latency seen, within 10..60 s", () => {
    const d = new RequestDeadline();
    for (let i = 0; i < 300; i++) d.observe(i % 10 === 0 ? 2_000 : 300); // p95 = 2 s
    expect(d.timeoutMs()).toBe(20_000);
    for (let i = 0; i < 300; i++) d.observe(9_000);
    expect(d.timeoutMs()).toBe(MAX_ADAPTIVE_TIMEOUT_MS);
    for (let i = 0; i < 300; i++) d.observe(1);
    expect(d.timeoutMs()).toBe(MIN_ADAPTIVE_TIMEOUT_MS);
  });

  it("gives uploads time for their bytes at 256 KiB/s", () => {
    const d = new RequestDeadline();
    expect(d.timeoutMs(256 * 1024)).toBe(INITIAL_TIMEOUT_MS + 1000);
    expect(d.timeoutMs(15 * 1024 * 1024)).toBe(INITIAL_TIMEOUT_MS + 60_000);
  });

  it("keeps a chosen timeout (--request-timeout) whatever the latency", () => {
    const d = new RequestDeadline(2_500);
    for (let i = 0; i < 100; i++) d.observe(9_000);
    expect(d.timeoutMs()).toBe(2_500);
    expect(() => new RequestDeadline(0)).toThrow(/requestTimeoutMs/);
    expect(() => new RequestDeadline(Number.NaN)).toThrow(/requestTimeoutMs/);
  });
});

describe("percentile", () => {
  it("is the nearest rank", () => {
    expect(percentile([], 0.95)).toBe(0);
    expect(percentile([3, 1, 2], 0.5)).toBe(2);
    expect(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        0.95,
      ),
    ).toBe(95);
  });
});
