import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/errors.js";
import { runBatch } from "../../src/run/index.js";
import { startSandbox, sandboxTarget } from "../../src/sandbox/index.js";
import { readResults } from ".././helpers/results.js";
import { createBreaker } from "../../src/safety.js";
import type { Summary } from "../../src/report/summary.js";
import type { ResultLine } from "../../src/types.js";

let row = 0;
const line = (over: Partial<ResultLine> = {}): ResultLine => ({
  row: ++row,
  line: row + 1,
  user: `u${row}@example.com`,
  op: "profile",
  target: "",
  outcome: "ok",
  http_status: 204,
  zoom_code: "",
  message: "",
  attempts: 1,
  duration_ms: 5,
  tracking_id: "",
  finished_at: "2026-01-01T00:00:00.000Z",
  ...over,
});
const missing = (): ResultLine =>
  line({ outcome: "failed", http_status: 404, zoom_code: 1001, message: "User does not exist: x." });

describe("createBreaker", () => {
  it("trips once more than half of the last 200 operations failed, after enough samples", () => {
    const breaker = createBreaker();
    const trips = [];
    for (let i = 0; i < 99; i++) trips.push(breaker.record(missing()));
    expect(trips.every((t) => t === undefined)).toBe(true); // 99 samples: no verdict yet
    const trip = breaker.record(missing());
    expect(trip).toMatchObject({ kind: "failure-rate", failed: 100, window: 100, codes: { "1001": 100 } });
    expect(trip?.message).toBe(
      "Stopped by the failure-rate breaker: 100 of the last 100 operations that reached Zoom failed (100%, above --max-failure-rate 0.5); most common: 1001 ×100. Look at the results file, fix the manifest or the account, then run again with --resume.",
    );
    expect(breaker.tripped).toBe(trip);
    expect(breaker.record(missing())).toBeUndefined(); // reported once
  });

  it("judges a sliding window: old failures age out", () => {
    const breaker = createBreaker({ window: 10, minSamples: 10, maxFailureRate: 0.5 });
    for (let i = 0; i < 5; i++) expect(breaker.record(missing())).toBeUndefined();
    for (let i = 0; i < 50; i++) expect(breaker.record(line())).toBeUndefined();
    // 5 failures in the last 10 is exactly 0.5: not above.
    for (let i = 0; i < 5; i++) expect(breaker.record(missing())).toBeUndefined();
    expect(breaker.record(line({ outcome: "failed", http_status: 500, message: "x" }))).toMatchObject({
      kind: "failure-rate",
      failed: 6,
      codes: { "1001": 5, "http 500": 1 },
    });
  });

  it("counts only operations that reached Zoom", () => {
    const breaker = createBreaker({ window: 4, minSamples: 4 });
    for (const outcome of ["invalid", "skipped", "deferred", "unchanged"] as const)
      for (let i = 0; i < 10; i++) expect(breaker.record(line({ outcome, attempts: 0 }))).toBeUndefined();
    for (let i = 0; i < 10; i++)
      expect(breaker.record(line({ outcome: "deferred", attempts: 1 }))).toBeUndefined();
    // A failure refused locally (attempts 0) is not Zoom's answer either.
    for (let i = 0; i < 10; i++)
      expect(breaker.record(line({ outcome: "failed", attempts: 0, zoom_code: "E_FILE" }))).toBeUndefined();
    expect(breaker.record(line())).toBeUndefined();
    expect(breaker.record(missing())).toBeUndefined();
    expect(breaker.record(missing())).toBeUndefined();
    expect(breaker.record(missing())).toMatchObject({ kind: "failure-rate", failed: 3, window: 4 });
  });

  it("stops at once when Zoom refuses the app itself (missing scope, renewed token refused)", () => {
    for (const over of [
      { http_status: 400, zoom_code: 4711, message: "Invalid access token, does not contain scopes." },
      { http_status: 401, zoom_code: 124, message: "Invalid access token." },
    ] as const) {
      const breaker = createBreaker();
      expect(breaker.record(line())).toBeUndefined();
      const trip = breaker.record(line({ outcome: "failed", ...over }));
      expect(trip?.kind).toBe("auth");
      expect(trip?.message).toContain(`code ${over.zoom_code}`);
    }
    const flagged = createBreaker().record(line({ outcome: "failed", http_status: 401, message: "no" }), {
      fatal: "auth",
    });
    expect(flagged).toMatchObject({ kind: "auth" });
    expect(flagged?.message).toMatch(/^Zoom refused the app itself \(HTTP 401: no\)/);
  });

  it("never trips at --max-failure-rate 1", () => {
    const breaker = createBreaker({ maxFailureRate: 1, window: 10, minSamples: 1 });
    for (let i = 0; i < 100; i++) expect(breaker.record(missing())).toBeUndefined();
  });

  it("refuses nonsense options", () => {
    expect(() => createBreaker({ maxFailureRate: 0 })).toThrow(RangeError);
    expect(() => createBreaker({ window: 0 })).toThrow(RangeError);
  });
});

describe("the failure-rate breaker in a run", () => {
  const dir = mkdtempSync(join(tmpdir(), "zb-safety-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("stops a manifest of users that do not exist after a bounded number of requests, with exit 5", async () => {
    const rows = 1000;
    const manifest = join(dir, "ghosts.csv");
    writeFileSync(
      manifest,
      "user,job_title\n" + Array.from({ length: rows }, (_, i) => `ghost${i}@example.com,T\n`).join(""),
    );
    const sandbox = await startSandbox({ plan: "pro", users: 5, seed: 5, limitsScale: 10 });
    try {
      const results = join(dir, "ghosts.results.csv");
      const summary = await runBatch(
        {
          manifest,
          results,
          plan: "pro",
          share: 0.8,
          zoom: sandboxTarget(sandbox),
        },
        { limitsScale: 10 },
      );
      const sent = sandbox.state.log.filter((e) => e.path.startsWith("/v2/")).length;
      console.log(`breaker: stopped after ${sent} requests of ${rows} rows; ${summary.operations} results`);
      expect(summary.exit_code).toBe(EXIT.safetyStop);
      expect(summary.stopped).toMatch(/^Stopped by the failure-rate breaker: \d+ of the last \d+ operations/);
      // 100 samples to judge, plus the requests already in flight when it tripped; operations still
      // waiting for a slot are not sent.
      expect(sent).toBeGreaterThanOrEqual(100);
      expect(sent).toBeLessThanOrEqual(250);
      // Every request that reached Zoom has its line (the ones in flight when it tripped too);
      // operations not started have none, so a --resume sends them.
      const lines = readResults(results);
      expect(lines).toHaveLength(sent);
      expect(lines.every((l) => l.outcome === "failed" && l.zoom_code === 1001)).toBe(true);
      const written = JSON.parse(readFileSync(`${results}.summary.json`, "utf8")) as Summary;
      expect(written).toMatchObject({ exit_code: EXIT.safetyStop, stop_reason: "safety", operations: sent });
    } finally {
      await sandbox.close();
    }
  });

  it("the mass-change limit is judged from the plan before the first request: exit 5, nothing sent, and --resume with a higher limit goes on", async () => {
    const manifest = join(dir, "many.csv");
    writeFileSync(
      manifest,
      "user,dept\n" + Array.from({ length: 60 }, (_, i) => `user${i + 1}@example.com,D\n`).join(""),
    );
    const sandbox = await startSandbox({ plan: "pro", users: 60, seed: 6, limitsScale: 10 });
    try {
      const config = {
        manifest,
        results: join(dir, "many.results.csv"),
        plan: "pro" as const,
        share: 0.8,
        maxOperations: 20,
        zoom: sandboxTarget(sandbox),
      };
      const first = await runBatch(config, { limitsScale: 10 });
      expect(first.exit_code).toBe(EXIT.safetyStop);
      expect(first.stopped).toBe(
        "60 operations to send, more than --max-operations 20 (the mass-change limit): nothing was sent. Check the manifest; if the change is meant, rerun with a higher --max-operations.",
      );
      expect(first.operations).toBe(0);
      expect(sandbox.state.log.filter((e) => e.path.startsWith("/v2/"))).toEqual([]);
      const second = await runBatch({ ...config, maxOperations: 100, resume: true }, { limitsScale: 10 });
      expect(second.exit_code).toBe(EXIT.ok);
      expect(second.outcomes.ok).toBe(60);
      expect(sandbox.state.log.filter((e) => e.method === "PATCH")).toHaveLength(60);
    } finally {
      await sandbox.close();
    }
  });
});
