import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runBatch } from "../../src/run/index.js";
import { startSandbox, type Sandbox, sandboxTarget } from "../../src/sandbox/index.js";
import type { RunConfig } from "../../src/config.js";
import type { Summary } from "../../src/report/summary.js";
import { mixedManifest, toCsv, toJsonl, type MixedManifest } from ".././helpers/manifest.js";
import { readResults, sortResults } from ".././helpers/results.js";
import { forkSandbox } from "../../bench/lib/sandbox.js";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

function configFor(s: Sandbox, manifest: string, results: string, over: Partial<RunConfig> = {}): RunConfig {
  return {
    manifest,
    results,
    plan: "business",
    share: 0.8,
    zoom: sandboxTarget(s),
    ...over,
  };
}

/** Every user the manifest touched holds exactly what its last valid rows asked for. */
function expectState(s: Sandbox, m: MixedManifest): void {
  for (const [email, want] of m.state) {
    const user = s.state.getUser(email);
    expect(user, email).toBeDefined();
    for (const [field, value] of Object.entries(want.profile))
      expect(user?.profile[field], `${email} ${field}`).toBe(value);
    if (want.password) expect(s.state.passwordMatches(email, want.password), `${email} password`).toBe(true);
    expect(user?.picture?.sha256, `${email} picture`).toBe(want.picture);
    expect(user?.backgrounds.map((b) => b.name).sort(), `${email} backgrounds`).toEqual(
      [...want.backgrounds].sort(),
    );
  }
}

describe("zoom-bulk run, end to end against the sandbox", () => {
  for (const format of ["csv", "jsonl"] as const) {
    it(`a 2,000-row ${format} manifest: one result per operation, the sandbox equals the manifest, nothing sent for invalid operations`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "zb-run-"));
      const m = mixedManifest(dir, 2000, 400);
      const manifest = join(dir, `manifest.${format}`);
      writeFileSync(manifest, format === "csv" ? toCsv(m.rows) : toJsonl(m.rows));
      // Limits scaled up 10× on both sides, so the test takes seconds, not minutes.
      sandbox = await startSandbox({ plan: "business", users: m.users, limitsScale: 10, seed: 1 });
      const results = join(dir, `results.${format === "csv" ? "csv" : "jsonl"}`);
      const summary = await runBatch(configFor(sandbox, manifest, results), { limitsScale: 10 });

      const lines = sortResults(readResults(results));
      expect(lines.map((l) => ({ row: l.row, op: l.op, outcome: l.outcome, target: l.target }))).toEqual(
        m.expected,
      );
      for (const l of lines.filter((x) => x.outcome === "failed")) {
        expect([l.http_status, l.zoom_code]).toEqual([404, 1001]);
        expect(l.message).toBe(`User does not exist: ${l.user}.`);
      }
      for (const l of lines.filter((x) => x.outcome === "invalid"))
        expect(String(l.zoom_code)).toMatch(/^E_/);
      expectState(sandbox, m);

      // The sandbox saw a write only for operations that were sent: ok ones, and the 404s; and
      // one look at a user's backgrounds per row that uploads any.
      const apiCalls = sandbox.state.log.filter((e) => e.path.startsWith("/v2/"));
      const writes = apiCalls.filter((e) => e.method !== "GET");
      const sent = lines.filter((l) => l.outcome === "ok" || l.outcome === "failed").length;
      expect(writes.filter((e) => e.status < 300 || e.status === 404)).toHaveLength(sent);
      const rowsWithBackgrounds = new Set(
        lines.filter((l) => l.op === "virtual_background" && l.attempts > 0).map((l) => l.row),
      );
      expect(apiCalls.filter((e) => e.endpoint === "getSettings")).toHaveLength(rowsWithBackgrounds.size);
      expect(apiCalls.some((e) => /\/users\/me\b/.test(e.path))).toBe(false);
      expect(apiCalls.filter((e) => e.status === 429)).toEqual([]);
      expect(summary.operations).toBe(m.expected.length);
      expect(summary.exit_code).toBe(1);
    });
  }
});

describe("how a run stops, and what it leaves", () => {
  const manifestOf = (dir: string, rows: number, extra = ""): string => {
    const path = join(dir, "m.csv");
    writeFileSync(
      path,
      `user,job_title${extra ? "," + extra : ""}\n` +
        Array.from({ length: rows }, (_, i) => `user${i + 1}@example.com,T${i}${extra ? ",x" : ""}\n`).join(
          "",
        ),
    );
    return path;
  };

  for (const [which, code] of [
    ["SIGTERM", 143],
    ["SIGINT", 130],
  ] as const)
    it(`after ${which} the summary's exit_code is the process's (${code}), and every request sent has its line`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "zb-sig-"));
      const manifest = manifestOf(dir, 200);
      sandbox = await startSandbox({ plan: "free", users: 200, seed: 4, latency: { minMs: 40, maxMs: 40 } });
      const results = join(dir, "r.csv");
      const stop = new AbortController();
      let seen = 0;
      const summary = await runBatch(configFor(sandbox, manifest, results, { plan: "free", share: 1 }), {
        signal: stop.signal,
        observer: {
          result: () => {
            if (++seen === 5) stop.abort(new Error(which));
          },
        },
      });
      expect(summary).toMatchObject({ exit_code: code, stop_reason: which.toLowerCase() });
      expect(summary.stopped).toMatch(new RegExp(`^interrupted \\(${which}\\)`));
      const written = JSON.parse(readFileSync(`${results}.summary.json`, "utf8")) as Summary;
      expect(written).toMatchObject({ exit_code: code, stop_reason: which.toLowerCase() });
      const patches = sandbox.state.log.filter((e) => e.method === "PATCH").length;
      expect(readResults(results)).toHaveLength(patches);
      expect(patches).toBeLessThan(200);
    });

  it("a second SIGTERM stops at once: requests in flight are abandoned and still reported, the summary says 143", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-sig2-"));
    const manifest = manifestOf(dir, 200);
    sandbox = await startSandbox({
      plan: "free",
      users: 200,
      seed: 5,
      latency: { minMs: 3000, maxMs: 3000 },
    });
    const results = join(dir, "r.csv");
    const first = new AbortController();
    const second = new AbortController();
    const started = Date.now();
    setTimeout(() => first.abort(new Error("SIGTERM")), 1500);
    setTimeout(() => second.abort(new Error("SIGTERM")), 1700);
    const summary = await runBatch(configFor(sandbox, manifest, results, { plan: "free", share: 1 }), {
      signal: first.signal,
      hardSignal: second.signal,
    });
    expect(Date.now() - started).toBeLessThan(2900); // it did not wait for the 3 s answers
    expect(summary).toMatchObject({ exit_code: 143, stop_reason: "sigterm" });
    const written = JSON.parse(readFileSync(`${results}.summary.json`, "utf8")) as Summary;
    expect(written).toMatchObject({ exit_code: 143, stop_reason: "sigterm" });
    const lines = readResults(results);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.outcome === "failed" && /Interrupted/.test(l.message))).toBe(true);
    // The sandbox logs a call when it answers: once the abandoned calls are done, each has its line.
    await new Promise((r) => setTimeout(r, 3500));
    expect(sandbox.state.log.filter((e) => e.method === "PATCH")).toHaveLength(lines.length);
  });

  it("per-label lanes: rows waiting for Medium do not hold back other users' Light work", async () => {
    // 300 users with a profile change and a password, then 300 with a profile change only. Pro at
    // 4× scale and share 1: Light 120/s, Medium 80/s. Without lanes, Light crawls at Medium's pace
    // until the passwords run out.
    const dir = mkdtempSync(join(tmpdir(), "zb-lanes-"));
    const manifest = join(dir, "m.csv");
    const password = (i: number): string => `Lane${i}x7Q`;
    writeFileSync(
      manifest,
      "user,job_title,password\n" +
        Array.from(
          { length: 600 },
          (_, i) => `user${i + 1}@example.com,T${i},${i < 300 ? password(i) : ""}\n`,
        ).join(""),
    );
    // The sandbox in its own process, as Zoom is: in this worker its arrival stamps would wait on
    // the job's event loop and bunch (one 429 seen in CI at Light's 8 ms spacing).
    const zoom = await forkSandbox({
      plan: "pro",
      users: 600,
      seed: 8,
      limitsScale: 4,
      latency: { minMs: 20, maxMs: 40 },
    });
    let summary: Summary;
    let log: Awaited<ReturnType<typeof zoom.log>>;
    try {
      summary = await runBatch(
        { manifest, results: join(dir, "r.csv"), plan: "pro", share: 1, zoom: zoom.target },
        { limitsScale: 4 },
      );
      log = (await zoom.log()).filter((e) => e.path.startsWith("/v2/"));
    } finally {
      await zoom.stop();
    }
    expect(summary.outcomes.ok).toBe(900);
    const light = log.filter((e) => e.method === "PATCH").map((e) => e.arrival);
    const medium = log.filter((e) => e.method === "PUT").map((e) => e.arrival);
    const start = Math.min(...light);
    const lastMedium = Math.max(...medium);
    const lightBeforeLastMedium = light.filter((t) => t <= lastMedium).length;
    // Lanes keep Light at its ceiling while Medium is busy: ≈120/s × the Medium span.
    const ceiling = (120 * (lastMedium - start)) / 1000;
    console.log(
      `lanes: ${lightBeforeLastMedium} Light requests while Medium ran (ceiling ${ceiling.toFixed(0)})`,
    );
    expect(lightBeforeLastMedium / ceiling).toBeGreaterThan(0.85);
    expect(summary.labels.light?.rate_limited.qps ?? 0).toBe(0);
  });

  it("--resume with no results file yet runs as a fresh run (cron can always pass it)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-resume0-"));
    const manifest = manifestOf(dir, 5);
    sandbox = await startSandbox({ plan: "pro", users: 5, seed: 9 });
    const results = join(dir, "never-written.csv");
    const summary = await runBatch(configFor(sandbox, manifest, results, { resume: true }));
    expect(summary).toMatchObject({ exit_code: 0, operations: 5 });
    expect(readResults(results)).toHaveLength(5);
  });

  it("--resume by row: a fixed row is sent again, done rows stay done, even though the manifest changed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-resume-row-"));
    const manifest = join(dir, "m.csv");
    const rows = (bad: string): string =>
      "user,job_title,type\n" +
      Array.from({ length: 6 }, (_, i) => `user${i + 1}@example.com,T${i},${i === 3 ? bad : "1"}\n`).join("");
    writeFileSync(manifest, rows("7")); // row 4: type 7 is not a Zoom user type
    sandbox = await startSandbox({ plan: "pro", users: 6, seed: 10 });
    const results = join(dir, "r.csv");
    const first = await runBatch(configFor(sandbox, manifest, results));
    expect(first.outcomes).toMatchObject({ ok: 5, invalid: 1 });
    // The rows to fix, in the manifest's own format.
    expect(readFileSync(`${results}.retry.csv`, "utf8")).toBe(
      "user,job_title,type\nuser4@example.com,T3,7\n",
    );
    writeFileSync(manifest, rows("2")); // fixed
    const patchesBefore = sandbox.state.log.filter((e) => e.method === "PATCH").length;
    const second = await runBatch(configFor(sandbox, manifest, results, { resume: true }));
    const patches = sandbox.state.log.filter((e) => e.method === "PATCH").slice(patchesBefore);
    expect(patches.map((e) => decodeURIComponent(e.path))).toEqual(["/v2/users/user4@example.com"]);
    expect(second).toMatchObject({ exit_code: 0, operations: 6 });
    expect(second.outcomes).toMatchObject({ ok: 6, invalid: 0 });
    expect(sandbox.state.getUser("user4@example.com")?.profile.type).toBe(2);
    expect(existsSync(`${results}.retry.csv`)).toBe(false); // nothing left to fix

    // A done row whose cells changed since is sent again too.
    writeFileSync(manifest, rows("2").replace("user2@example.com,T1", "user2@example.com,Changed"));
    const third = await runBatch(configFor(sandbox, manifest, results, { resume: true }));
    const more = sandbox.state.log.filter((e) => e.method === "PATCH").slice(patchesBefore + 1);
    expect(more.map((e) => decodeURIComponent(e.path))).toEqual(["/v2/users/user2@example.com"]);
    expect(third.exit_code).toBe(0);
  });
});
