/**
 * The multi-process figure: N zoom-bulk processes (`--redis`, `--shard i/N`) on one manifest against
 * one sandbox at 150 ms latency, sharing one budget through a real redis-server. The sandbox is
 * `zoom-bulk sandbox` in its own process, as Zoom is: in this process its arrival stamps would wait
 * on this process's event loop (a 73/64 second was once counted that way on Node 26). Prints their
 * combined throughput as a fraction of the ceiling (limit × share), from the sandbox's request log
 * (arrival times), with the busiest sliding second the sandbox counted on arrival and the 429s.
 * The processes share one sliding window per label through one Lua reservation per request
 * (src/limit/redis-pacer.ts). Needs `npm run build` (dist/cli.js) and redis-server on the PATH.
 *
 *   npx tsx bench/cluster.ts     (BENCH_PROCESSES=3, BENCH_SECONDS=20 by default)
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCliSandbox } from "./lib/sandbox.js";
import { PLAN_LIMITS, type Plan } from "../src/zoom/labels.js";
import { startRedis } from "../test/helpers/redis.js";

const PLAN: Plan = "business";
const SHARE = 0.8;
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);

export interface ClusterFigures {
  processes: number;
  requests: number;
  perSecond: number;
  ceiling: number;
  fraction: number;
  busiestSecond: number;
  rate429: number;
  wallMs: number;
}

export async function main(): Promise<ClusterFigures> {
  const ceiling = Math.floor(PLAN_LIMITS[PLAN].light.limit * SHARE);
  const rows = ceiling * SECONDS;
  const dir = mkdtempSync(join(tmpdir(), "zb-bench-cluster-"));
  const manifest = join(dir, "manifest.csv");
  const lines = ["user,job_title"];
  for (let i = 1; i <= rows; i++) lines.push(`user${i}@example.com,Title ${i}`);
  writeFileSync(manifest, lines.join("\n") + "\n");

  const redis = await startRedis();
  const sandbox = await startCliSandbox({ plan: PLAN, users: rows, latency: "150", dir });
  try {
    const env = { ...process.env, ...sandbox.env, ZOOM_ACCESS_TOKEN: "" };
    const cli = join(import.meta.dirname, "../dist/cli.js");
    const began = performance.now();
    const codes = await Promise.all(
      Array.from({ length: PROCESSES }, (_, i) =>
        run(
          [
            cli,
            "run",
            manifest,
            ...[
              "--plan",
              PLAN,
              "--share",
              String(SHARE),
              "--redis",
              redis.url,
              "--shard",
              `${i}/${PROCESSES}`,
            ],
            ...["--results", join(dir, "results.csv"), "--log-level", "warn", "--progress", "off"],
          ],
          env,
        ),
      ),
    );
    const wallMs = performance.now() - began;
    const failed = codes.filter((c) => c.code !== 0);
    if (failed.length > 0) throw new Error(`a process failed:\n${failed.map((f) => f.stderr).join("\n")}`);

    const [log, busiest] = await Promise.all([sandbox.log(), sandbox.busiestSecond()]);
    const calls = log.filter((e) => e.label === "light");
    const first = calls.reduce((m, e) => Math.min(m, e.arrival), Infinity);
    const last = calls.reduce((m, e) => Math.max(m, e.arrival), -Infinity);
    const perSecond = ((calls.length - 1) * 1000) / (last - first);
    const figures: ClusterFigures = {
      processes: PROCESSES,
      requests: calls.length,
      perSecond: round(perSecond),
      ceiling,
      fraction: round(perSecond / ceiling),
      busiestSecond: busiest.light ?? 0,
      rate429: calls.filter((e) => e.status === 429).length,
      wallMs: Math.round(wallMs),
    };
    console.log(
      `cluster ${PROCESSES} processes --redis --shard i/${PROCESSES} (${PLAN} Light, share ${SHARE}, 150 ms): ${figures.perSecond}/s of ${ceiling}/s together = ${figures.fraction} (busiest second at the server ${figures.busiestSecond}/${ceiling}, 429s: ${figures.rate429}, ${figures.requests} requests, wall ${(wallMs / 1000).toFixed(1)} s with process start)`,
    );
    return figures;
  } finally {
    await sandbox.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stderr }));
  });
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

if (import.meta.url === `file://${process.argv[1]}`) await main();
