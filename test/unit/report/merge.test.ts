/**
 * `report a.csv b.csv` (issue 11): results of unrelated manifests are not duplicates of each other;
 * shards of one manifest add up; the merged HTML report covers every file.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  mergeReports,
  mergeResults,
  renderMergedReport,
  writeMergedReport,
} from "../../../src/report/merge.js";
import { formatResult } from "../../../src/report/results.js";
import { RESULT_COLUMNS, type ResultLine } from "../../../src/types.js";

const dir = mkdtempSync(join(tmpdir(), "zb-merge-"));

const line = (row: number, over: Partial<ResultLine> = {}): ResultLine => ({
  row,
  line: row + 1,
  user: `u${row}@example.com`,
  op: "profile",
  target: "",
  outcome: "ok",
  http_status: 204,
  zoom_code: "",
  message: "",
  attempts: 1,
  duration_ms: 10,
  tracking_id: "t",
  finished_at: `2026-01-01T00:00:0${row % 10}.000Z`,
  ...over,
});

/** A results file with rows `from`..`to` and, unless `sha` is null, a summary naming its manifest. */
function results(
  name: string,
  from: number,
  to: number,
  sha: string | null,
  starts?: Record<string, number>,
): string {
  const path = join(dir, name);
  const lines = Array.from({ length: to - from + 1 }, (_, i) => line(from + i));
  writeFileSync(path, RESULT_COLUMNS.join(",") + "\n" + lines.map((l) => formatResult(l, "csv")).join(""));
  if (sha !== null)
    writeFileSync(
      `${path}.summary.json`,
      JSON.stringify({
        manifest_sha256: sha,
        stopped: null,
        labels: {
          light: {
            requests: lines.length,
            pace_per_second: 24,
            rate_limited: { qps: 1, daily: 0, concurrency: 0 },
            busiest_second: 19,
            ...(starts ? { starts_per_second: starts } : {}),
          },
        },
      }),
    );
  return path;
}

describe("report over several results files", () => {
  it("keeps results of unrelated manifests apart: 200 + 170 operations with 30 shared row numbers are 370", () => {
    const a = results("a.csv", 1, 200, "sha-of-manifest-a");
    const b = results("b.csv", 171, 340, "sha-of-manifest-b");
    const merged = mergeResults([a, b]);
    expect(merged.operations).toBe(370);
    expect(merged.manifests).toBe(2);
    expect(merged.overlapping).toBe(0);
    expect(merged.files.map((f) => f.manifest_sha256)).toEqual(["sha-of-manifest-a", "sha-of-manifest-b"]);
  });

  it("treats the same rows in two files of one manifest as one operation, the latest line winning", () => {
    const a = results("s0.csv", 1, 200, "same");
    const b = results("s1.csv", 171, 340, "same");
    const merged = mergeResults([a, b]);
    expect(merged.operations).toBe(340);
    expect(merged.manifests).toBe(1);
    expect(merged.overlapping).toBe(30);
  });

  it("counts a file without a summary on its own, and a file named twice once", () => {
    const a = results("n0.csv", 1, 10, null);
    const b = results("n1.csv", 1, 10, null);
    const merged = mergeReports([a, b, a]);
    expect(merged.summary.operations).toBe(20);
    expect(merged.summary.repeated).toEqual([a]);
    expect(merged.summary.overlapping).toBe(10);
    expect(merged.summary.files.map((f) => f.summary)).toEqual([false, false]);
  });

  it("sums the limiter's starts per second across shards and draws the merged report from them", () => {
    const a = results("c0.csv", 1, 3, "job", { "2026-01-01T00:00:00Z": 10, "2026-01-01T00:00:01Z": 5 });
    const b = results("c1.csv", 4, 6, "job", { "2026-01-01T00:00:01Z": 7 });
    const merged = mergeReports([a, b]);
    expect(merged.summary.labels.light).toEqual({
      requests: 6,
      rate_limited: { qps: 2, daily: 0, concurrency: 0 },
      busiest_second_sum: 38,
      pace_per_second_sum: 48,
      starts_per_second: { "2026-01-01T00:00:00Z": 10, "2026-01-01T00:00:01Z": 12 },
    });
    const html = renderMergedReport(merged);
    expect(html).toContain('data-source="limiter"');
    expect(html).toContain(`<code>${a}</code>`);
    expect(html).toContain(`<code>${b}</code>`);
    expect(html).toMatch(/<polyline points="[^"]+" [^>]*data-label="light"/);
    const out = join(dir, "merged.html");
    expect(writeMergedReport([a, b], out).summary.operations).toBe(6);
  });
});
