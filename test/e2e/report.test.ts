import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { explainCode, renderReport, requestSeries } from "../../src/report/html.js";
import { readResults, summarize } from "../../src/report/read.js";
import { formatResult } from "../../src/report/results.js";
import { RESULT_COLUMNS, type ResultLine } from "../../src/types.js";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t) },
      env: {},
    },
    stdout: () => out.join(""),
    stderr: () => err.join(""),
  };
}

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
  duration_ms: 100,
  tracking_id: "t",
  finished_at: "2026-01-01T00:00:00.500Z",
  ...over,
});

describe("reading results", () => {
  it("reads CSV and JSONL alike; the later line for an operation wins; a torn last line is dropped", () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-read-"));
    const lines = [
      line({ outcome: "failed", http_status: 429, zoom_code: 429, message: "=Too many" }),
      line({
        op: "password",
        http_status: 400,
        zoom_code: 300,
        outcome: "failed",
        message: 'Validation, "quoted"',
      }),
      line({}),
    ];
    for (const format of ["csv", "jsonl"] as const) {
      const path = join(dir, `r.${format}`);
      const header =
        format === "csv"
          ? "row,line,user,op,target,outcome,http_status,zoom_code,message,attempts,duration_ms,tracking_id,finished_at\n"
          : "";
      writeFileSync(path, header + lines.map((l) => formatResult(l, format)).join("") + '3,4,"cut off');
      expect(readResults(path)).toEqual([lines[2], lines[1]]);
    }
  });

  it("summarizes outcomes, codes and requests per label", () => {
    const s = summarize([
      line({}),
      line({ row: 2, op: "picture", outcome: "failed", http_status: 400, zoom_code: 120 }),
      line({ row: 3, op: "row", outcome: "invalid", zoom_code: "E_ROW_QUOTE", attempts: 0, http_status: "" }),
      line({ row: 4, op: "password", outcome: "skipped", attempts: 0, http_status: "" }),
    ]);
    expect(s).toMatchObject({
      operations: 4,
      outcomes: { ok: 1, failed: 1, invalid: 1, skipped: 1 },
      zoom_codes: { "120": 1, E_ROW_QUOTE: 1 },
      failure_codes: { "120": 1, E_ROW_QUOTE: 1, skipped: 1 },
      requests: { light: 1, medium: 1 },
      exit_code: 1,
    });
  });
});

describe("the HTML report", () => {
  it("is self-contained, escapes what the manifest said, explains each code and lists the rows to fix", () => {
    const html = renderReport({
      source: "r.csv",
      lines: [
        line({}),
        line({
          row: 2,
          user: "<img src=x onerror=alert(1)>",
          outcome: "failed",
          http_status: 404,
          zoom_code: 1001,
          message: "User does not exist",
        }),
        line({
          row: 2,
          op: "password",
          outcome: "skipped",
          attempts: 0,
          http_status: "",
          message: "Skipped",
        }),
      ],
    });
    expect(html).not.toMatch(/<(script|link|img|iframe|object)\b|@import|url\(|\b(src|href)=["']/i);
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain(explainCode("1001").todo);
    expect(html).toMatch(/<svg[^>]*aria-label="Requests per second per rate label"/);
    expect(html).toMatch(/<polyline [^>]*data-label="light"/);
  });

  it("knows the FAQ codes", () => {
    for (const code of [
      "124",
      "1001",
      "120",
      "300",
      "429",
      "4711",
      "network",
      "E_FILE_MISSING",
      "E_ROW_QUOTE",
    ])
      expect(explainCode(code).todo.length).toBeGreaterThan(10);
  });

  it("buckets requests per second per label by each operation's start", () => {
    const series = requestSeries([
      line({ finished_at: "2026-01-01T00:00:00.100Z", duration_ms: 100 }),
      line({ finished_at: "2026-01-01T00:00:00.200Z", duration_ms: 100, attempts: 2 }),
      line({ op: "picture", finished_at: "2026-01-01T00:00:01.100Z", duration_ms: 50 }),
    ]);
    expect(series.bucketMs).toBe(250);
    expect(series.start).toBe(Date.parse("2026-01-01T00:00:00Z") - 250);
    expect(series.series.light?.slice(0, 3)).toEqual([0, 12, 0]); // 3 attempts in the first quarter second
    expect(series.series.medium?.reduce((a, b) => a + b, 0)).toBe(4);
  });
});

describe("zoom-bulk report and run --report", () => {
  it("the demo run's HTML report renders in headless Chromium with its chart (screenshot)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-report-"));
    cpSync("fixtures/demo", dir, { recursive: true });
    const results = join(dir, "results.csv");
    const html = join(dir, "report.html");
    const c = capture();
    const code = await main(
      [
        "run",
        join(dir, "manifest.csv"),
        "--sandbox",
        "--results",
        results,
        "--report",
        html,
        "--log-level",
        "silent",
        "--progress",
        "off",
      ],
      c.io,
    );
    expect(code).toBe(0);
    expect(c.stdout()).toContain(`report: ${html}`);
    const page = readFileSync(html, "utf8");
    expect(page).toMatch(/<polyline [^>]*data-label="light"/);
    expect(page).toMatch(/<polyline [^>]*data-label="medium"/);

    // `report` rebuilds it from the results file alone, and prints the summary.
    const again = capture();
    expect(await main(["report", results, "--html", join(dir, "again.html")], again.io)).toBe(0);
    expect(again.stdout()).toMatch(/19 operations in [\d.]+ s: ok 19/);
    expect(readFileSync(join(dir, "again.html"), "utf8")).toMatch(/<polyline [^>]*data-label="medium"/);

    // Chromium must be installed (CI installs Debian's chromium): a missing browser fails the test.
    const png = process.env.ZB_SCREENSHOT ?? join(dir, "report.png");
    execFileSync(
      "chromium",
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${join(dir, "chromium")}`,
        `--screenshot=${png}`,
        "--window-size=1200,1600",
        `file://${html}`,
      ],
      { stdio: "pipe", timeout: 60_000 },
    );
    expect(existsSync(png)).toBe(true);
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString()).toBe("PNG");
    expect(bytes.readUInt32BE(16)).toBe(1200); // width from the IHDR chunk
    // A blank page compresses to a few kB; text, cards, tables and the chart make far more.
    expect(statSync(png).size).toBeGreaterThan(40_000);
  }, 90_000);

  it("report a.csv b.csv: results of two unrelated manifests are 370 operations, not 340; --html and --json cover both", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-report-"));
    const write = (name: string, from: number, to: number, sha: string): string => {
      const path = join(dir, name);
      const rows = Array.from({ length: to - from + 1 }, (_, i) =>
        line({ row: from + i, line: from + i + 1 }),
      );
      writeFileSync(path, RESULT_COLUMNS.join(",") + "\n" + rows.map((l) => formatResult(l, "csv")).join(""));
      writeFileSync(
        `${path}.summary.json`,
        JSON.stringify({ manifest_sha256: sha, stopped: null, labels: {} }),
      );
      return path;
    };
    const a = write("a.csv", 1, 200, "sha256:aaaa");
    const b = write("b.csv", 171, 340, "sha256:bbbb");
    const c = capture();
    const html = join(dir, "both.html");
    const json = join(dir, "both.json");
    expect(await main(["report", a, b, "--html", html, "--json", json], c.io)).toBe(0);
    expect(c.stdout()).toMatch(
      /^zoom-bulk: 370 operations in 2 results files from 2 different manifests: ok 370\n/,
    );
    expect(JSON.parse(readFileSync(json, "utf8"))).toMatchObject({
      operations: 370,
      manifests: 2,
      overlapping: 0,
    });
    expect(readFileSync(html, "utf8")).toContain(`<div class="n">370</div><div class="k">operations</div>`);

    const one = capture();
    const single = join(dir, "a.json");
    expect(await main(["report", a, "--json", single], one.io)).toBe(0);
    expect(JSON.parse(readFileSync(single, "utf8"))).toMatchObject({ operations: 200 });
  });

  it("report exits 2 naming a file that is not a results file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-report-"));
    writeFileSync(join(dir, "x.csv"), "a,b\n1,2\n");
    const c = capture();
    expect(await main(["report", join(dir, "x.csv")], c.io)).toBe(2);
    expect(c.stderr()).toMatch(/missing results columns/);
  });
});
