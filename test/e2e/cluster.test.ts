import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { createLimiters, type Limiters } from "../../src/limit/index.js";
import { startSandbox } from "../../src/sandbox/index.js";
import { shardResultsPath } from "../../src/shard.js";
import { readResults } from ".././helpers/results.js";
import { startRedis, type RedisServer } from ".././helpers/redis.js";

/**
 * The shared budget (issue 4.3): processes that name the same Redis together stay within
 * limit × share in every sliding second, and lose little pace to the sharing. Against a real
 * redis-server on a free port; it must be installed (CI: apt-get install redis-server).
 */
let redis: RedisServer;
const dir = mkdtempSync(join(tmpdir(), "zb-cluster-"));
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The most times that fall within any window [t, t + windowMs). */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while ((sorted[last] as number) - (sorted[first] as number) >= windowMs) first++;
    max = Math.max(max, last - first + 1);
  }
  return max;
}

describe("limiters sharing one budget through Redis", () => {
  it("three sets of limiters together keep one label's pace, and get nearly all of it", async () => {
    const sets: Limiters[] = [0, 1, 2].map(() =>
      createLimiters({ plan: "business", share: 0.5, redis: { url: redis.url, prefix: "zb-test-a" } }),
    );
    try {
      await Promise.all(sets.map((s) => s.ready()));
      const starts: number[] = [];
      const began = performance.now();
      await Promise.all(
        sets.flatMap((s) =>
          Array.from({ length: 120 }, () =>
            s.schedule("light", async () => {
              starts.push(performance.now());
              await new Promise((r) => setTimeout(r, 20));
            }),
          ),
        ),
      );
      const elapsed = performance.now() - began;
      // Business Light 80/s × 0.5 = 40 in any second, for all three together.
      expect(maxInWindow(starts, 1000)).toBeLessThanOrEqual(40);
      const rate = ((starts.length - 1) * 1000) / elapsed;
      console.log(`redis limiters: 360 starts at ${rate.toFixed(1)}/s of 40/s`);
      expect(rate).toBeGreaterThanOrEqual(0.9 * 40);
      for (const s of sets) expect(s.stats().light.requests).toBe(120);
    } finally {
      await Promise.all(sets.map((s) => s.stop()));
    }
  });

  it("refuses a Redis it cannot reach with a ConfigError naming --redis", async () => {
    const limiters = createLimiters({
      plan: "pro",
      share: 0.8,
      redis: { url: "redis://127.0.0.1:1", connectTimeoutMs: 1500 },
    });
    const error = await limiters.ready().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^--redis: could not use Redis at redis:\/\/127\.0\.0\.1:1/);
    await limiters.stop();
    expect(() => createLimiters({ plan: "pro", share: 0.8, redis: { url: "http://x" } })).toThrow(
      /--redis: expected a redis:\/\/ or rediss:\/\/ URL/,
    );
  });
});

describe("three zoom-bulk processes with --redis and --shard i/3 on one manifest", () => {
  it("never exceed limit × share in a sliding second, get no 429, and take about the time of one process at full budget", async () => {
    const cli = join(process.cwd(), "dist/cli.js");
    expect(existsSync(cli), "build first: npm run build").toBe(true);
    const rows = 480;
    const manifest = join(dir, "hr.csv");
    writeFileSync(
      manifest,
      "user,job_title\n" +
        Array.from({ length: rows }, (_, i) => `user${i + 1}@example.com,Engineer ${i}\n`).join(""),
    );
    const sandbox = await startSandbox({ plan: "business", users: rows, seed: 11 });
    try {
      const share = 0.5;
      const pace = Math.floor(80 * share); // Business Light: 40 in any second for the whole job
      const results = join(dir, "hr.results.csv");
      const env = {
        ...process.env,
        ZOOM_API_URL: sandbox.apiUrl,
        ZOOM_OAUTH_URL: sandbox.oauthUrl,
        ZOOM_ACCOUNT_ID: sandbox.credentials.accountId,
        ZOOM_CLIENT_ID: sandbox.credentials.clientId,
        ZOOM_CLIENT_SECRET: sandbox.credentials.clientSecret,
        ZOOM_ACCESS_TOKEN: "",
      };
      const began = performance.now();
      const runs = await Promise.all(
        [0, 1, 2].map((i) =>
          runCli(
            [
              cli,
              "run",
              manifest,
              "--plan",
              "business",
              "--share",
              String(share),
              "--redis",
              redis.url,
              "--shard",
              `${i}/3`,
              "--results",
              results,
            ],
            env,
          ),
        ),
      );
      const wall = performance.now() - began;
      for (const run of runs) expect(run.code, run.stderr).toBe(0);

      // Every row ran once, in exactly one shard's results file.
      const lines = [0, 1, 2].flatMap((i) => readResults(shardResultsPath(results, { index: i, count: 3 })));
      expect(lines).toHaveLength(rows);
      expect(new Set(lines.map((l) => l.row)).size).toBe(rows);
      expect(lines.every((l) => l.outcome === "ok")).toBe(true);

      const stats = sandbox.state.limits.stats.light;
      const calls = sandbox.state.log.filter((e) => e.label === "light");
      const span = Math.max(...calls.map((e) => e.time)) - Math.min(...calls.map((e) => e.time));
      const ideal = ((calls.length - 1) * 1000) / pace; // one process at the full budget
      console.log(
        `cluster: ${calls.length} requests from 3 processes in ${(span / 1000).toFixed(2)} s (ideal ${(ideal / 1000).toFixed(2)} s at ${pace}/s: ${(ideal / span).toFixed(3)} of the budget); busiest second ${stats.maxInSlidingSecond}; wall time with process start ${(wall / 1000).toFixed(2)} s`,
      );
      expect(stats.maxInSlidingSecond).toBeLessThanOrEqual(pace);
      expect(stats.rejected429).toEqual({ qps: 0, daily: 0, concurrency: 0 });
      expect(calls).toHaveLength(rows);
      expect(span).toBeLessThanOrEqual(ideal * 1.1);
    } finally {
      await sandbox.close();
    }
  });
});

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 55_000);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}
