/**
 * A 10,000-row mixed lifecycle manifest (issue 14): joiners created, movers with a new email and
 * title, leavers deactivated, returners activated, a few deleted, on a Business account at 150 ms
 * latency and share 0.8. Prints Light's pace as a fraction of its ceiling (limit × share),
 * measured on arrival at the sandbox, its busiest sliding second and 429s. The sandbox runs in a
 * process of its own (forkSandbox): the judge's arrival stamps are not held back by the job's
 * event loop.
 *
 *   npx tsx bench/lifecycle.ts   (BENCH_LIFECYCLE_ROWS=10000, BENCH_LIFECYCLE_SCALE=5 by default: limits five times Business's, so it takes a minute, not five;
 *                                 BENCH_LIFECYCLE_SCALE=1 runs at the real limits)
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBatch } from "../src/run/index.js";
import type { SeedUser } from "../src/sandbox/index.js";
import { PLAN_LIMITS } from "../src/zoom/labels.js";
import { forkSandbox } from "./lib/sandbox.js";

const ROWS = Number(process.env.BENCH_LIFECYCLE_ROWS ?? 10_000);
const SCALE = Number(process.env.BENCH_LIFECYCLE_SCALE ?? 5);
const SHARE = 0.8;

export interface LifecycleFigures {
  rows: number;
  light: { requests: number; perSecond: number; ceiling: number; fraction: number; busiestSecond: number };
  rate429: number;
  exitCode: number;
  elapsedMs: number;
}

/** Row i: 0-39 % joiners, 40-69 % movers, 70-89 % leavers, 90-97 % returners, 98-99 % deletes. */
function manifest(dir: string): { path: string; users: SeedUser[] } {
  const rows = ["user,action,first_name,last_name,job_title,new_email"];
  const users: SeedUser[] = [];
  for (let i = 1; i <= ROWS; i++) {
    const kind = i % 100;
    const existing = `user${i}@example.com`;
    if (kind < 40) rows.push(`new${i}@example.com,create,New,Hire${i},Engineer,`);
    else {
      users.push({ email: existing, ...(kind >= 90 && kind < 98 ? { status: "inactive" as const } : {}) });
      if (kind < 70) rows.push(`${existing},,,,Mover ${i},moved${i}@example.com`);
      else if (kind < 90) rows.push(`${existing},deactivate,,,Alumni,`);
      else if (kind < 98) rows.push(`${existing},activate,,,Returner,`);
      else rows.push(`${existing},delete,,,,`);
    }
  }
  const path = join(dir, "hr.csv");
  writeFileSync(path, rows.join("\n") + "\n");
  return { path, users };
}

export async function main(): Promise<LifecycleFigures> {
  const dir = mkdtempSync(join(tmpdir(), "zb-bench-lifecycle-"));
  const { path, users } = manifest(dir);
  const sandbox = await forkSandbox({
    plan: "business",
    users,
    latency: { minMs: 150, maxMs: 150 },
    limitsScale: SCALE,
    seed: 14,
  });
  try {
    const started = performance.now();
    const summary = await runBatch(
      {
        manifest: path,
        results: join(dir, "results.csv"),
        plan: "business",
        share: SHARE,
        allowDelete: true,
        maxDeletes: ROWS,
        zoom: sandbox.target,
      },
      { limitsScale: SCALE },
    );
    const elapsedMs = Math.round(performance.now() - started);
    const log = await sandbox.log();
    const calls = log.filter((e) => e.label === "light");
    const first = Math.min(...calls.map((e) => e.arrival));
    const last = Math.max(...calls.map((e) => e.arrival));
    const ceiling = PLAN_LIMITS.business.light.limit * SHARE * SCALE;
    const perSecond = ((calls.length - 1) * 1000) / (last - first);
    const figures: LifecycleFigures = {
      rows: ROWS,
      light: {
        requests: calls.length,
        perSecond: Math.round(perSecond * 100) / 100,
        ceiling,
        fraction: Math.round((perSecond / ceiling) * 1000) / 1000,
        busiestSecond: (await sandbox.busiestSecond()).light ?? 0,
      },
      rate429: log.filter((e) => e.status === 429).length,
      exitCode: summary.exit_code,
      elapsedMs,
    };
    console.log(
      `lifecycle: ${ROWS} rows (create, email, status, delete; Business, share ${SHARE}, 150 ms, limits ×${SCALE}): ` +
        `Light ${figures.light.perSecond}/s of ${ceiling}/s = ${figures.light.fraction} of the ceiling, ` +
        `busiest second ${figures.light.busiestSecond}, ${figures.rate429} 429s, exit ${figures.exitCode}, ${(elapsedMs / 1000).toFixed(1)} s`,
    );
    return figures;
  } finally {
    await sandbox.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
