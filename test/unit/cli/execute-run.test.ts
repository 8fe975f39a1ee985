import { describe, expect, it } from "vitest";
import { exitCodeForRuns, summaryFirst } from "../../../src/cli/execute-run.js";
import { runConfigFromArgs } from "../../../src/cli/run.js";
import type { Progress } from "../../../src/progress/index.js";
import type { Summary } from "../../../src/report/summary.js";

const summary = (over: Partial<Summary>): Summary =>
  ({
    outcomes: { ok: 1, failed: 0, invalid: 0, skipped: 0, deferred: 0, unchanged: 0 },
    stop_reason: null,
    exit_code: 0,
    ...over,
  }) as Summary;
const outcomes = (o: Partial<Summary["outcomes"]>): Summary["outcomes"] => ({
  ok: 0,
  failed: 0,
  invalid: 0,
  skipped: 0,
  deferred: 0,
  unchanged: 0,
  ...o,
});

describe("the exit code of one or several runs", () => {
  it("one run: its summary's exit code, whatever it is", () => {
    expect(exitCodeForRuns([summary({ exit_code: 143, stop_reason: "sigterm" })], null)).toBe(143);
    expect(exitCodeForRuns([summary({ exit_code: 4, outcomes: outcomes({ deferred: 1 }) })], null)).toBe(4);
  });

  it("several: a run that stopped early gives its code; else the outcomes of all", () => {
    const fine = summary({});
    const failed = summary({ exit_code: 1, outcomes: outcomes({ failed: 2 }) });
    const deferred = summary({ exit_code: 4, outcomes: outcomes({ deferred: 1 }) });
    const safety = summary({ exit_code: 5, stop_reason: "safety", outcomes: outcomes({ failed: 9 }) });
    expect(exitCodeForRuns([fine, fine], null)).toBe(0);
    expect(exitCodeForRuns([failed, fine], null)).toBe(1);
    expect(exitCodeForRuns([deferred, failed], null)).toBe(4);
    expect(exitCodeForRuns([fine, safety], null)).toBe(5);
  });

  it("runs left unstarted by a signal count as that signal", () => {
    expect(exitCodeForRuns([summary({})], "sigint")).toBe(130);
    expect(exitCodeForRuns([], "sigterm")).toBe(143);
    expect(exitCodeForRuns([], null)).toBe(0);
  });
});

describe("the human summary comes first", () => {
  it("is printed when the run finishes, after the display's last frame and once only", () => {
    const order: string[] = [];
    const progress = {
      finished: () => order.push("progress"),
      result: () => order.push("result"),
    } as unknown as Progress;
    const { observer, print } = summaryFirst(progress, () => order.push("summary"));
    observer.result?.({} as never, undefined);
    observer.finished?.(summary({}));
    order.push("run.finished log");
    print(summary({}));
    expect(order).toEqual(["result", "progress", "summary", "run.finished log"]);
  });

  it("is printed after the run when the run did not tell its observer", () => {
    const order: string[] = [];
    const { print } = summaryFirst({} as Progress, () => order.push("summary"));
    print(summary({}));
    expect(order).toEqual(["summary"]);
  });
});

describe("run flags to RunConfig", () => {
  it("defaults the results beside the manifest; a shard gets its own file; resume and new fields pass through", () => {
    expect(
      runConfigFromArgs(
        {
          manifest: "exports/hr.csv",
          resume: true,
          shard: "1/3",
          delimiter: "semicolon",
          "request-timeout": "20",
        },
        {},
      ),
    ).toEqual({
      manifest: "exports/hr.csv",
      results: "exports/hr.results.shard-1-of-3.csv",
      plan: "pro",
      share: 0.8,
      maxFailureRate: 0.5,
      diff: false,
      allowDelete: false,
      maxDeletes: 25,
      shard: { index: 1, count: 3 },
      delimiter: ";",
      requestTimeoutMs: 20_000,
      resume: true,
    });
  });
});
