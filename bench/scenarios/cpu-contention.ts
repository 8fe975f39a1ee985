/**
 * Issue 13, pacing under CPU contention: three job processes (`--shard i/3`) share one budget
 * through a real redis-server, against ONE sandbox running as its own process
 * (`zoom-bulk sandbox --plan business --port 0 --latency 140-160`), with a CPU-bound process (a busy
 * loop) on every core. The three jobs are pinned to one core (core 0, which also has a hog) when
 * taskset exists; the sandbox and redis-server are not pinned. A Light-only manifest of 1,600
 * profile changes (20 s at Business's 80/s), `--share 1`. Target: ≥ 0.95 of the ceiling with the
 * busiest sliding second ≤ the limit, as the server counts arrivals.
 *
 * Each job process runs the built job (bench/lib/job-child.ts imports dist/run/index.js).
 *
 *   npx tsx bench/scenarios/cpu-contention.ts [scale=1]     (needs npm run build)
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import type { Plan } from "../../src/zoom/labels.js";
import {
  addOutcomes,
  allOk,
  busiestWithinCeiling,
  finish,
  measure,
  printFigures,
  ratioAtLeast,
  type Figures,
} from "../lib/figures.js";
import { runInChild, type JobRun } from "../lib/job.js";
import { isMain, runAsMain } from "../lib/main.js";
import { lightManifest, tempDir } from "../lib/manifest.js";
import { hasTaskset, startHogs } from "../lib/processes.js";
import { startBenchRedis } from "../lib/redis.js";
import { startCliSandbox } from "../lib/sandbox.js";

const PLAN: Plan = "business";
const SHARE = 1;
const TARGET = 0.95;
const JOB_CORE = 0;

export interface CpuContentionOptions {
  /** Multiplies the manifest's size (1,600 users at 1); default 1. */
  scale?: number;
  /** Job processes sharing the budget; default 3. */
  processes?: number;
}

export async function cpuContention(options: CpuContentionOptions = {}): Promise<Figures> {
  const scale = options.scale ?? 1;
  const processes = options.processes ?? 3;
  const users = Math.max(processes * 2, Math.round(1600 * scale));
  const idealSeconds = users / 80;
  const deadlineMs = idealSeconds * 5000 + 60_000;
  const cores = availableParallelism();
  const pin = hasTaskset() ? [JOB_CORE] : undefined;
  const dir = tempDir("cpu");
  try {
    const manifest = lightManifest(dir.path, users);
    const redis = await startBenchRedis();
    try {
      const sandbox = await startCliSandbox({ plan: PLAN, latency: "140-160", users, dir: dir.path });
      try {
        const judge = sandbox.unaffected
          ? "sandbox at nice -10 (the judge unaffected, as Zoom is)"
          : "sandbox priority not raised (no permission): its arrival stamps may lag";
        const prefix = `zoom-bulk:bench-cpu-${process.pid}-${Date.now()}`;
        const job = (index: number): Promise<JobRun> =>
          runInChild(
            {
              config: {
                manifest: manifest.path,
                results: join(dir.path, `results-${index}.csv`),
                plan: PLAN,
                share: SHARE,
                zoom: sandbox.target,
                redis: { url: redis.url, prefix },
                shard: { index, count: processes },
              },
              deadlineMs,
            },
            { name: `job ${index}/${processes}`, ...(pin ? { cores: pin } : {}) },
          );
        // The hogs end by themselves after the jobs' deadline, should this process fail to stop them.
        const hogs = startHogs({ maxMs: deadlineMs + 60_000 });
        let runs: JobRun[];
        let elapsedMs: number;
        try {
          await delay(500); // let the hogs take their cores before the jobs start
          const started = performance.now();
          runs = await Promise.all(Array.from({ length: processes }, (_, index) => job(index)));
          elapsedMs = performance.now() - started;
        } finally {
          await hogs.stop();
        }
        const [log, stats, busiest] = await Promise.all([
          sandbox.log(),
          sandbox.stats(),
          sandbox.busiestSecond(),
        ]);
        const measured = measure(log, stats, busiest, { plan: PLAN, share: SHARE });
        const outcomes = addOutcomes(...runs.map((r) => r.summary.outcomes));
        const placement = pin
          ? `${processes} jobs pinned to core ${JOB_CORE} (taskset); a CPU hog pinned on each of ${cores} cores; sandbox and redis-server not pinned; ${judge}`
          : `taskset not found: nothing pinned; ${cores} CPU hogs (one per core) float with the jobs, sandbox and redis-server; ${judge}`;
        const figures = finish({
          scenario: "cpu-contention",
          setting:
            `${processes} processes through redis on ${users} profile changes · ${PLAN}, share ${SHARE} · ` +
            `latency 140–160 ms · a CPU hog on every core`,
          ...measured,
          elapsedMs: Math.round(elapsedMs),
          outcomes,
          extra: {
            placement,
            "per process": runs
              .map((r, i) => `#${i} ${r.summary.operations} ops in ${(r.elapsedMs / 1000).toFixed(1)} s`)
              .join(", "),
            "ideal at the ceiling": `${idealSeconds.toFixed(1)} s; elapsed includes process start-up`,
          },
          target: `≥ ${TARGET} of the ceiling with the busiest second ≤ limit × share`,
          checks: [
            ratioAtLeast(measured.labels, TARGET, ["light"]),
            busiestWithinCeiling(measured.labels),
            allOk(outcomes, manifest.operations),
          ],
        });
        printFigures(figures);
        return figures;
      } finally {
        await sandbox.stop();
      }
    } finally {
      await redis.stop();
    }
  } finally {
    dir.remove();
  }
}

if (isMain(import.meta.url)) await runAsMain(cpuContention);
