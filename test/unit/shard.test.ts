import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mergeResults } from "../../src/report/merge.js";
import { formatResult } from "../../src/report/results.js";
import { formatShard, inShard, shardOf, shardResultsPath } from "../../src/shard.js";
import type { ResultLine } from "../../src/types.js";

describe("formatShard", () => {
  it("writes i/n", () => {
    expect(formatShard({ index: 1, count: 4 })).toBe("1/4");
  });
});

describe("inShard", () => {
  const users = Array.from({ length: 3000 }, (_, i) => `user${i}@example.com`);

  it("puts every user in exactly one shard, about evenly", () => {
    const n = 3;
    const sizes = [0, 0, 0];
    for (const user of users) {
      const owners = [0, 1, 2].filter((index) => inShard(user, { index, count: n }));
      expect(owners).toHaveLength(1);
      sizes[owners[0] as number]!++;
    }
    for (const size of sizes) expect(Math.abs(size - 1000)).toBeLessThan(100);
  });

  it("is stable and case-insensitive, so all of a user's rows stay in one shard", () => {
    expect(shardOf("Alice@Example.com", 7)).toBe(shardOf("alice@example.com", 7));
    expect(shardOf(" alice@example.com", 7)).toBe(shardOf("alice@example.com", 7));
    // Pinned: changing the hash would split a resumed job differently from its first run.
    expect(users.slice(0, 12).map((u) => shardOf(u, 3))).toEqual([0, 2, 2, 0, 1, 1, 0, 1, 0, 1, 1, 1]);
    expect(inShard("anyone", undefined)).toBe(true);
    expect(inShard("anyone", { index: 0, count: 1 })).toBe(true);
  });
});

describe("shardResultsPath", () => {
  it("gives each shard its own file beside the results", () => {
    expect(shardResultsPath("out/results.csv", undefined)).toBe("out/results.csv");
    expect(shardResultsPath("out/results.csv", { index: 1, count: 3 })).toBe("out/results.shard-1-of-3.csv");
    expect(shardResultsPath("r.jsonl", { index: 0, count: 2 })).toBe("r.shard-0-of-2.jsonl");
  });
});

describe("mergeResults", () => {
  const line = (over: Partial<ResultLine>): ResultLine => ({
    row: 1,
    line: 2,
    user: "a@example.com",
    op: "profile",
    target: "",
    outcome: "ok",
    http_status: 204,
    zoom_code: "",
    message: "",
    attempts: 1,
    duration_ms: 10,
    tracking_id: "t",
    finished_at: "2026-01-01T00:00:01.000Z",
    ...over,
  });

  it("adds up shard files into one summary; inside a file the latest line wins", () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-merge-"));
    const a = join(dir, "r.shard-0-of-2.csv");
    const b = join(dir, "r.shard-1-of-2.jsonl");
    writeFileSync(
      a,
      "row,line,user,op,target,outcome,http_status,zoom_code,message,attempts,duration_ms,tracking_id,finished_at\n" +
        [
          line({ row: 1, outcome: "failed", http_status: 500, message: "boom" }),
          line({ row: 1, finished_at: "2026-01-01T00:00:05.000Z" }), // a resume fixed it
          line({
            row: 3,
            outcome: "failed",
            http_status: 404,
            zoom_code: 1001,
            message: "User does not exist",
          }),
        ]
          .map((l) => formatResult(l, "csv"))
          .join(""),
    );
    writeFileSync(
      b,
      [
        line({ row: 2, user: "b@example.com" }),
        line({ row: 4, op: "password", outcome: "deferred", attempts: 1 }),
      ]
        .map((l) => formatResult(l, "jsonl"))
        .join(""),
    );
    writeFileSync(
      `${a}.summary.json`,
      JSON.stringify({
        stopped: null,
        labels: {
          light: { requests: 3, rate_limited: { qps: 1, daily: 0, concurrency: 0 }, busiest_second: 2 },
        },
      }),
    );
    writeFileSync(
      `${b}.summary.json`,
      JSON.stringify({
        stopped: null,
        labels: {
          light: { requests: 1, rate_limited: { qps: 0, daily: 0, concurrency: 2 }, busiest_second: 1 },
        },
      }),
    );

    const merged = mergeResults([a, b]);
    expect(merged.operations).toBe(4);
    expect(merged.outcomes).toMatchObject({ ok: 2, failed: 1, deferred: 1 });
    expect(merged.by_op).toEqual({ profile: { ok: 2, failed: 1 }, password: { deferred: 1 } });
    expect(merged.zoom_codes).toEqual({ "1001": 1 });
    expect(merged.exit_code).toBe(4);
    expect(merged.overlapping).toBe(0);
    expect(merged.files.map((f) => [f.operations, f.summary])).toEqual([
      [2, true],
      [2, true],
    ]);
    expect(merged.labels.light).toEqual({
      requests: 4,
      rate_limited: { qps: 1, daily: 0, concurrency: 2 },
      busiest_second_sum: 3,
      pace_per_second_sum: 0,
    });

    // The same file twice: every operation overlaps, nothing is counted twice.
    const twice = mergeResults([a, a]);
    expect(twice.operations).toBe(2);
    expect(twice.overlapping).toBe(2);
  });
});
