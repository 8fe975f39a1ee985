import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunConfig } from "../../src/config.js";
import { runBatch } from "../../src/run/index.js";
import { sandboxTarget, startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { validateManifest } from "../../src/validate.js";
import { checkPassword } from "../../src/zoom/rules.js";
import { startRedis } from ".././helpers/redis.js";
import { readResults } from ".././helpers/results.js";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

function password(i: number): string {
  for (let k = 0; ; k++) if (!checkPassword(`Dl-${i * 17 + k}-Qx`)) return `Dl-${i * 17 + k}-Qx`;
}

describe("daily limits", () => {
  it("a daily limit hit mid-run: exit 4 with the deferred rows and the next safe time; after midnight --resume finishes them, each operation ok exactly once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-daily-"));
    const rows = ["user,dept,password"];
    for (let i = 1; i <= 40; i++) rows.push(`user${i}@example.com,Daily ${i},${password(i)}`);
    writeFileSync(join(dir, "m.csv"), rows.join("\n") + "\n");
    // Medium (passwords) may be used 25 times a day; Light (profiles) has no daily cap here.
    // The sandbox's clock starts two hours before the real next UTC midnight: the job judges a
    // daily Retry-After against its own (real) clock, and never trusts one in the past.
    const midnight = new Date(Math.ceil((Date.now() + 1) / 86_400_000) * 86_400_000);
    const start = new Date(midnight.getTime() - 2 * 3_600_000);
    sandbox = await startSandbox({
      plan: "pro",
      users: 40,
      dailyLimits: { medium: 25 },
      startTime: start,
      limitsScale: 10,
    });
    const config: RunConfig = {
      manifest: join(dir, "m.csv"),
      results: join(dir, "r.csv"),
      plan: "pro",
      share: 0.8,
      // Two in flight, so that what the first daily 429 stops is visible.
      concurrency: 2,
      zoom: sandboxTarget(sandbox),
    };
    const first = await runBatch(config, { limitsScale: 10 });
    expect(first.exit_code).toBe(4);
    expect(first.next_safe_run_at).toBe(midnight.toISOString());
    expect(first.outcomes).toMatchObject({ ok: 40 + 25, deferred: 15, failed: 0 });
    // The 429s that stopped the label (those in flight at that moment); the rest were not sent.
    const daily429 = sandbox.state.log.filter((e) => e.status === 429).length;
    expect(first.labels.medium?.rate_limited.daily).toBe(daily429);
    expect(daily429).toBeGreaterThanOrEqual(1);
    expect(daily429).toBeLessThanOrEqual(2);
    const deferred = readResults(config.results).filter((l) => l.outcome === "deferred");
    expect(deferred).toHaveLength(15);
    expect(
      deferred.every(
        (l) =>
          l.op === "password" && l.message.includes(`--resume after ${midnight.toISOString().slice(0, 19)}`),
      ),
    ).toBe(true);

    sandbox.clock.set(new Date(midnight.getTime() + 1000));
    sandbox.state.reset();
    const second = await runBatch({ ...config, resume: true }, { limitsScale: 10 });
    expect(second.exit_code).toBe(0);
    expect(second.outcomes).toMatchObject({ ok: 80, deferred: 0 });
    // Only the deferred passwords went out again.
    expect(sandbox.state.log.filter((e) => e.path.startsWith("/v2/")).map((e) => e.method)).toEqual(
      Array(15).fill("PUT"),
    );
    const oks = new Map<string, number>();
    for (const l of readResults(config.results))
      if (l.outcome === "ok") oks.set(`${l.row}|${l.op}`, (oks.get(`${l.row}|${l.op}`) ?? 0) + 1);
    expect(oks.size).toBe(80);
    expect([...oks.values()].every((n) => n === 1)).toBe(true);
    for (let i = 1; i <= 40; i++)
      expect(sandbox.state.passwordMatches(`user${i}@example.com`, password(i))).toBe(true);
  });

  it("validate warns ahead of a run that would break a Free-plan daily cap", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-daily-"));
    const rows = ["user,password"];
    for (let i = 1; i <= 2001; i++) rows.push(`user${i}@example.com,${password(i)}`);
    writeFileSync(join(dir, "m.csv"), rows.join("\n") + "\n");
    const report = await validateManifest({ manifest: join(dir, "m.csv"), plan: "free", share: 0.8 });
    expect(report.warnings).toEqual([
      "Medium: 2001 requests exceed the free plan's daily limit of 2000; the run will stop that label when Zoom says so (exit 4) and a --resume after 00:00 UTC continues.",
    ]);
  });
});

describe("incremental sync shared through Redis", () => {
  it("--state with --redis keeps the fingerprints in Redis: a second process sends nothing", async () => {
    const redis = await startRedis();
    try {
      const dir = mkdtempSync(join(tmpdir(), "zb-rstate-"));
      const rows = ["user,dept"];
      for (let i = 1; i <= 50; i++) rows.push(`user${i}@example.com,Redis ${i}`);
      writeFileSync(join(dir, "m.csv"), rows.join("\n") + "\n");
      sandbox = await startSandbox({ plan: "business", users: 50, limitsScale: 10 });
      const config = (results: string): RunConfig => ({
        manifest: join(dir, "m.csv"),
        results: join(dir, results),
        plan: "business",
        share: 0.8,
        state: "hr-sync",
        redis: { url: redis.url, prefix: "zoom-bulk:test" },
        zoom: sandboxTarget(sandbox as Sandbox),
      });
      expect((await runBatch(config("r1.csv"), { limitsScale: 10 })).outcomes.ok).toBe(50);
      sandbox.state.reset();
      expect((await runBatch(config("r2.csv"), { limitsScale: 10 })).outcomes).toMatchObject({
        ok: 0,
        unchanged: 50,
      });
      expect(sandbox.state.log).toEqual([]);
    } finally {
      await redis.stop();
    }
  });
});
