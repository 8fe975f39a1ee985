import { describe, expect, it } from "vitest";
import { ProgressModel, expectedTotal } from "../../../src/progress/model.js";
import type { PlannedRow, ResultLine } from "../../../src/types.js";

const op = (row: number, kind: "profile" | "password", index: number) => ({
  row,
  line: row + 1,
  user: `u${row}@example.com`,
  op: kind,
  index,
  endpoint: kind === "profile" ? ("updateUser" as const) : ("updatePassword" as const),
  target: "",
});
const planned = (row: number): PlannedRow => ({
  row,
  line: row + 1,
  user: `u${row}@example.com`,
  operations: [op(row, "profile", 0), op(row, "password", 1)],
  invalid: [],
});
const result = (row: number, outcome: ResultLine["outcome"], attempts = 1): ResultLine => ({
  row,
  line: row + 1,
  user: "",
  op: "profile",
  target: "",
  outcome,
  http_status: "",
  zoom_code: "",
  message: "",
  attempts,
  duration_ms: 0,
  tracking_id: "",
  finished_at: "",
});

describe("the progress model (fake clock)", () => {
  it("measures the rate over the window and the ETA from it", () => {
    let t = 0;
    const model = new ProgressModel({ now: () => t, rateWindowMs: 10_000 });
    model.start();
    for (let i = 1; i <= 10; i++) model.planned(planned(i));
    model.setTotal(100);
    for (let i = 1; i <= 5; i++) {
      t += 500;
      model.result(result(i, "ok"), "light");
    }
    const s = model.snapshot();
    expect(s.elapsed_ms).toBe(2500);
    expect(s.rows).toEqual({ planned: 10, total: 100 });
    expect(s.outcomes).toMatchObject({ ok: 5, failed: 0 });
    // 5 sends over 2.5 s = 2/s; 100 expected (10 planned of 10 rows, extrapolated to 100 rows).
    expect(s.labels.light).toEqual({
      done: 5,
      planned: 10,
      total: 100,
      estimated: true,
      rate: 2,
      rate_limited: 0,
      eta_seconds: 48,
    });
    expect(s.labels.medium).toMatchObject({ done: 0, total: 100, rate: 0, eta_seconds: null });
    expect(s.eta_seconds).toBeNull(); // a label without a pace yet
  });

  it("forgets sends older than the window, and counts none that never reached Zoom", () => {
    let t = 0;
    const model = new ProgressModel({ now: () => t, rateWindowMs: 2000 });
    model.start();
    model.planned(planned(1));
    model.result(result(1, "ok"), "light");
    model.result(result(2, "invalid", 0), "light");
    t = 5000;
    expect(model.snapshot().labels.light).toMatchObject({ done: 2, rate: 0 });
  });

  it("is exact once every record is planned, and done at the end", () => {
    let t = 0;
    const model = new ProgressModel({ now: () => t });
    model.start(() => ({ light: { rate_limited: { qps: 2, daily: 0, concurrency: 1 } } }) as never);
    model.planned(planned(1));
    model.setTotal(1);
    t = 1000;
    model.result(result(1, "ok"), "light");
    model.finish();
    const s = model.snapshot();
    expect(s.labels.light).toMatchObject({ total: 1, estimated: false, rate_limited: 3, eta_seconds: 0 });
    expect(s).toMatchObject({ done: true, eta_seconds: 0 });
  });

  it("expectedTotal extrapolates only while the count is partial", () => {
    expect(expectedTotal(10, 10, null)).toBe(10);
    expect(expectedTotal(10, 10, 100)).toBe(100);
    expect(expectedTotal(10, 100, 100)).toBe(10);
    expect(expectedTotal(0, 0, 100)).toBe(0);
    expect(expectedTotal(3, 2, 3)).toBe(5);
  });
});
