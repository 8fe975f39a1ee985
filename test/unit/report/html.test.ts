/**
 * The HTML report takes nothing from its input on trust (issue 12) and draws the chart from the
 * limiter's own per-second record when the summary has one (issue 11).
 */
import { describe, expect, it } from "vitest";
import {
  esc,
  explainCode,
  parseStarts,
  renderReport,
  reportLabels,
  startsSeries,
} from "../../../src/report/html.js";
import { summarize } from "../../../src/report/read.js";
import type { Summary } from "../../../src/report/summary.js";
import type { ResultLine } from "../../../src/types.js";

const line = (over: Partial<ResultLine> = {}): ResultLine => ({
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
  duration_ms: 100,
  tracking_id: "t",
  finished_at: "2026-01-01T00:00:00.500Z",
  ...over,
});

const XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">';

/** A summary as a hostile or broken file could hold it: strings where numbers belong. */
function hostileSummary(): Summary {
  return {
    manifest: "m.csv",
    manifest_sha256: "x",
    results: "r.csv",
    plan: XSS,
    share: XSS,
    started_at: "2026-01-01T00:00:00.000Z",
    finished_at: "2026-01-01T00:00:01.000Z",
    elapsed_ms: 1000,
    operations: 1,
    labels: {
      light: {
        requests: XSS,
        pace_per_second: XSS,
        rate_limited: { qps: XSS, daily: 1, concurrency: null },
        busiest_second: XSS,
        starts_per_second: { "2026-01-01T00:00:00Z": XSS, [XSS]: 3 },
      },
      __proto__: { pace_per_second: 5 },
    },
    stopped: XSS,
    next_safe_run_at: XSS,
  } as unknown as Summary;
}

/** The page may hold no markup that did not come from the report itself. */
function expectInert(html: string): void {
  expect(html).not.toMatch(/<(script|img|iframe|object|embed|link)\b/i);
  expect(html).not.toMatch(/<[^>]*\son\w+=/i); // an event handler inside a tag
  expect(html).not.toContain("\u001b");
  expect(html).not.toContain("\u202e");
}

describe("the HTML report escapes every value", () => {
  it("from the summary: share, pace_per_second, plan, stop reason, 429 counts, starts", () => {
    const html = renderReport({ source: "r.csv", lines: [line()], summary: hostileSummary() });
    expectInert(html);
    expect(html).toContain("share &lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("plan &lt;script&gt;");
    expect(html).toContain("Stopped early: &lt;script&gt;");
  });

  it("from the results: user, target, message, code, op; control and bidi characters shown visibly", () => {
    const html = renderReport({
      source: `<b>${XSS}</b>`,
      lines: [
        line({
          user: XSS,
          op: "__proto__" as ResultLine["op"],
          target: "\u202egnp.exe",
          outcome: "failed",
          zoom_code: "constructor",
          message: "\u001b]0;pwned\u0007",
        }),
      ],
    });
    expectInert(html);
    expect(html).toContain("\\u202Egnp.exe");
    expect(html).toContain("\\x1B]0;pwned\\x07");
    expect(esc(5)).toBe("5");
    expect(esc(undefined)).toBe("");
  });

  it("explains codes named like Object's members as any unknown Zoom code, without crashing", () => {
    for (const code of ["constructor", "__proto__", "toString", "hasOwnProperty"])
      expect(explainCode(code)).toEqual({
        meaning: "Zoom refused the operation.",
        todo: "Read Zoom's message in the results file.",
      });
    expect(explainCode("E_FIELD_TIMEZONE").todo).toBe("Fix the cell named in the message.");
    expect(explainCode("E_MANIFEST_SPREADSHEET").todo).toMatch(/CSV UTF-8/);
  });

  it("counts a results file whose op or code is `__proto__` without touching Object.prototype", () => {
    const counts = summarize([
      line({ op: "__proto__" as ResultLine["op"], outcome: "failed", zoom_code: "__proto__" }),
    ]);
    expect(({} as Record<string, unknown>).failed).toBeUndefined();
    expect(Object.keys(counts.by_op)).toEqual(["__proto__"]);
    expect(counts.zoom_codes["__proto__"]).toBe(1);
  });
});

describe("the chart", () => {
  const at = (iso: string) => Date.parse(iso) / 1000;

  it("reads the limiter's starts per second (ISO or epoch-second keys) and skips junk", () => {
    expect(
      parseStarts({
        "2026-01-01T00:00:01Z": 3,
        [String(at("2026-01-01T00:00:02Z"))]: 2,
        junk: 1,
        "2026-01-01T00:00:03Z": -1,
      }),
    ).toEqual(
      new Map([
        [at("2026-01-01T00:00:01Z"), 3],
        [at("2026-01-01T00:00:02Z"), 2],
      ]),
    );
    expect(parseStarts(undefined)).toBeUndefined();
    expect(reportLabels(hostileSummary())).toEqual({
      light: { pace_per_second: 0, rate_limited: 1, starts: new Map() },
    });
  });

  it("draws real send times from starts_per_second, in whole seconds", () => {
    const series = startsSeries({
      light: new Map([
        [at("2026-01-01T00:00:00Z"), 19],
        [at("2026-01-01T00:00:01Z"), 18],
      ]),
    });
    expect(series).toEqual({
      start: Date.parse("2026-01-01T00:00:00Z") - 1000,
      bucketMs: 1000,
      series: { light: [0, 19, 18, 0] },
    });
  });

  it("prefers the record to the estimate, and labels the estimate as one", () => {
    // 53 operations finished in one second after waiting in the limiter: the estimate shows 53/s,
    // while the limiter started at most 19 in any second.
    const lines = Array.from({ length: 53 }, (_, i) =>
      line({ row: i + 1, finished_at: "2026-01-01T00:00:03.000Z", duration_ms: 500 + i }),
    );
    const starts = { "2026-01-01T00:00:00Z": 19, "2026-01-01T00:00:01Z": 19, "2026-01-01T00:00:02Z": 15 };
    const summary = {
      ...hostileSummary(),
      plan: "pro",
      share: 0.8,
      stopped: null,
      next_safe_run_at: null,
      labels: {
        light: {
          requests: 53,
          pace_per_second: 24,
          rate_limited: { qps: 0, daily: 0, concurrency: 0 },
          starts_per_second: starts,
        },
      },
    } as unknown as Summary;
    const measured = renderReport({ source: "r.csv", lines, summary });
    expect(measured).toContain('data-source="limiter"');
    expect(measured).toContain("Requests started per second, as the limiter recorded them.");
    expect(measured).toContain("Light: 53 requests, pace 24.0/s (dashed), 0 × 429");
    const points = /<polyline points="([^"]+)"[^>]*data-label="light"/.exec(measured)?.[1] ?? "";
    expect(points.split(" ")).toHaveLength(5);

    const estimated = renderReport({ source: "r.csv", lines });
    expect(estimated).toContain('data-source="estimate"');
    expect(estimated).toMatch(
      /Estimate: .*finished_at − duration_ms, which includes time spent waiting in the limiter/,
    );
  });
});
