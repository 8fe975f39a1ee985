import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunConfig } from "../../src/config.js";
import { runBatch } from "../../src/run/index.js";
import { sandboxTarget, startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { checkPassword } from "../../src/zoom/rules.js";
import { readResults } from "../helpers/results.js";

/**
 * Issue 12 §7: a daily 429 whose Retry-After is absurd, garbage or in the past. The run does not
 * throw; the label is stopped until a sane time (next 00:00 UTC, at most 48 h ahead), and the
 * label's later operations are deferred without being sent.
 */

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

function password(i: number): string {
  for (let k = 0; ; k++) if (!checkPassword(`Ra-${i * 19 + k}-Tq`)) return `Ra-${i * 19 + k}-Tq`;
}

const nextUtcMidnight = (ms: number): string =>
  new Date((Math.floor(ms / 86_400_000) + 1) * 86_400_000).toISOString();

function manifest(rows: number): string {
  const dir = mkdtempSync(join(tmpdir(), "zb-retry-after-"));
  const lines = ["user,password"];
  for (let i = 1; i <= rows; i++) lines.push(`user${i}@example.com,${password(i)}`);
  writeFileSync(join(dir, "m.csv"), lines.join("\n") + "\n", { mode: 0o600 });
  return dir;
}

async function run(s: Sandbox, dir: string): Promise<Awaited<ReturnType<typeof runBatch>>> {
  const config: RunConfig = {
    manifest: join(dir, "m.csv"),
    results: join(dir, "r.csv"),
    plan: "pro",
    share: 0.8,
    concurrency: 1, // one in flight: exactly one operation meets the 429
    zoom: sandboxTarget(s),
  };
  return runBatch(config);
}

describe("a daily 429 with a broken Retry-After", () => {
  it.each([["99999999999999"], ["garbage"], ["-1"]])(
    "Retry-After: %s stops the label until the next 00:00 UTC, without a RangeError",
    async (retryAfter) => {
      sandbox = await startSandbox({ users: 10, plan: "pro" });
      sandbox.state.failNext({
        endpoint: "updatePassword",
        status: 429,
        rateLimit: "daily",
        headers: { "retry-after": retryAfter },
      });
      const dir = manifest(10);
      const before = Date.now();
      const summary = await run(sandbox, dir);
      const midnight = nextUtcMidnight(before);
      expect(summary.exit_code).toBe(4);
      expect(summary.next_safe_run_at).toBe(midnight);
      const lines = readResults(join(dir, "r.csv"));
      expect(lines.map((l) => l.outcome)).toEqual(Array(10).fill("deferred"));
      expect(lines.every((l) => l.message.includes(`--resume after ${midnight}`))).toBe(true);
      // One PUT met the 429; the nine after it were not sent.
      expect(sandbox.state.log.filter((e) => e.path.startsWith("/v2/"))).toHaveLength(1);
    },
  );

  it("a Retry-After in the past (the server's clock days behind) still stops the label", async () => {
    // The sandbox's day is 8 days ago: its own daily cap answers with Retry-After = its next
    // midnight, which is long past here.
    sandbox = await startSandbox({
      users: 10,
      plan: "pro",
      dailyLimits: { medium: 3 },
      startTime: Date.now() - 8 * 86_400_000,
    });
    const dir = manifest(10);
    const before = Date.now();
    const summary = await run(sandbox, dir);
    expect(summary.exit_code).toBe(4);
    expect(summary.outcomes).toMatchObject({ ok: 3, deferred: 7 });
    expect(summary.next_safe_run_at).toBe(nextUtcMidnight(before));
    // Three accepted, one daily 429, then nothing more: the label stayed stopped.
    expect(sandbox.state.log.filter((e) => e.path.startsWith("/v2/")).map((e) => e.status)).toEqual([
      204, 204, 204, 429,
    ]);
  });
});
