/**
 * `plan` of a 100,000-row manifest against a 100,000-user sandbox account (Business limits,
 * 150 ms latency). The plan runs built (dist/) in a child process, bench/plan-child.mjs, so its peak
 * RSS is the planner's alone; the sandbox runs in a process of its own too. Prints
 * the read time, the fraction of the Medium budget the List users pages reach (their average
 * rate over the list phase, and the busiest sliding second, against Business' 60/s) and the
 * peak RSS. Targets (issue 15): ≥ 0.95 of Medium, < 15 s, ≤ 200 MB.
 *
 *   npx tsx bench/plan.ts                       # 100,000 rows and users
 *   BENCH_PLAN_ROWS=5000 npx tsx bench/plan.ts  # small scale
 *   BENCH_PLAN_PAGE_MAX=2000 …                  # an account that honours page_size 2000
 *   BENCH_PLAN_IGNORE_PAGE_NUMBER=1 …           # a Zoom that dropped page_number: token chain
 *
 * Pages 2..page_count are read by page_number side by side (src/desired/read.ts), so the Medium
 * limiter sets the pace; page 1 costs one round trip first, which the average counts.
 *
 * The manifest sets only fields List users carries (names, dept), so the plan needs no per-user
 * GET: one that sets others costs one GET user (Light) per user on top.
 *
 * Then `run --diff` of the same export sends the changing rows (every hundredth), and once more,
 * now unchanged, must send no write at all (the sandbox's record of writes that changed nothing
 * stays empty too).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { runBatch } from "../src/run/index.js";
import { PLAN_LIMITS } from "../src/zoom/labels.js";
import { forkSandbox } from "./lib/sandbox.js";

const ROWS = Number(process.env.BENCH_PLAN_ROWS ?? 100_000);
const USERS = Number(process.env.BENCH_PLAN_USERS ?? ROWS);
const PAGE_MAX = Number(process.env.BENCH_PLAN_PAGE_MAX ?? 300);
const LATENCY_MS = Number(process.env.BENCH_PLAN_LATENCY_MS ?? 150);
const IGNORE_PAGE_NUMBER = process.env.BENCH_PLAN_IGNORE_PAGE_NUMBER === "1";

export interface PlanFigures {
  rows: number;
  users: number;
  page_size: number;
  pages: number;
  read_seconds: number;
  total_seconds: number;
  medium_fraction_average: number;
  medium_fraction_busiest_second: number;
  /** 429s the sandbox answered to List users (0 is the target: the pace is Zoom's). */
  list_429s: number;
  peak_rss_mb: number;
  users_changing: number;
  /** `run --diff` of the export: writes sent (the changing rows), then again: writes (0 is the target) and seconds. */
  diff_writes: number;
  rerun_writes: number;
  rerun_noop_writes: number;
  rerun_seconds: number;
}

/** What bench/plan-child.mjs prints. */
interface PlanChildFigures {
  read_ms: number;
  page_size: number;
  pages: number;
  users_changing: number;
  total_seconds: number;
  peak_rss_mb: number;
}

const run = promisify(execFile);

export async function main(): Promise<PlanFigures> {
  const dir = mkdtempSync(join(tmpdir(), "zb-bench-plan-"));
  const lines = ["user,first_name,last_name,dept"];
  // every hundredth row changes its dept; the rest match what the sandbox seeds (no profile: empty)
  for (let i = 1; i <= ROWS; i++) lines.push(`user${i}@example.com,,,${i % 100 === 0 ? "Sales" : ""}`);
  writeFileSync(join(dir, "export.csv"), lines.join("\n") + "\n");
  const sandbox = await forkSandbox({
    plan: "business",
    users: USERS,
    latency: LATENCY_MS,
    listPageSizeMax: PAGE_MAX,
    listIgnoresPageNumber: IGNORE_PAGE_NUMBER,
    logRequests: true,
  });
  try {
    const { stdout } = await run(process.execPath, [
      join(import.meta.dirname, "plan-child.mjs"),
      join(dir, "export.csv"),
      JSON.stringify(sandbox.target),
    ]);
    const plan = JSON.parse(stdout.trim().split("\n").pop() as string) as PlanChildFigures;
    const lists = (await sandbox.log()).filter((e) => e.endpoint === "listUsers");
    const arrivals = lists.map((e) => e.arrival);
    const spanS = (Math.max(...arrivals) - Math.min(...arrivals)) / 1000;
    const medium = PLAN_LIMITS.business.medium.limit;
    const busiest = (await sandbox.busiestSecond()).medium ?? 0;
    // run --diff sends the changing rows; the same export again is unchanged: no write at all
    const writesOf = async (run: () => Promise<unknown>): Promise<{ writes: number; seconds: number }> => {
      const before = (await sandbox.log()).length;
      const began = performance.now();
      await run();
      const seconds = (performance.now() - began) / 1000;
      const writes = (await sandbox.log()).slice(before).filter((e) => e.method !== "GET" && e.label).length;
      return { writes, seconds };
    };
    const diffRun = (results: string) => () =>
      runBatch({
        manifest: join(dir, "export.csv"),
        results: join(dir, results),
        plan: "business",
        share: 1,
        diff: true,
        zoom: sandbox.target,
      });
    const first = await writesOf(diffRun("first.results.csv"));
    const again = await writesOf(diffRun("again.results.csv"));
    const noop = await sandbox.noopWrites();
    const figures: PlanFigures = {
      rows: ROWS,
      users: USERS,
      page_size: plan.page_size,
      pages: plan.pages,
      read_seconds: round(plan.read_ms / 1000),
      total_seconds: round(plan.total_seconds),
      medium_fraction_average: round(lists.length / Math.max(spanS, 1) / medium),
      medium_fraction_busiest_second: round(busiest / medium),
      list_429s: lists.filter((e) => e.status === 429).length,
      peak_rss_mb: plan.peak_rss_mb,
      users_changing: plan.users_changing,
      diff_writes: first.writes,
      rerun_writes: again.writes,
      rerun_noop_writes: noop.length,
      rerun_seconds: round(again.seconds),
    };
    console.log(
      `plan: ${ROWS} rows, ${USERS} account users, ${figures.pages} pages of ${figures.page_size}: ` +
        `read ${figures.read_seconds} s (total ${figures.total_seconds} s), Medium ${figures.medium_fraction_average} ` +
        `of 60/s on average (busiest second ${figures.medium_fraction_busiest_second}, ${figures.list_429s} 429s), peak RSS ${figures.peak_rss_mb} MB, ` +
        `${figures.users_changing} users change`,
    );
    console.log(
      `run --diff of that export: ${figures.diff_writes} writes; again (unchanged): ${figures.rerun_writes} writes ` +
        `(target 0; writes that changed nothing: ${figures.rerun_noop_writes}) in ${figures.rerun_seconds} s`,
    );
    return figures;
  } finally {
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const round = (n: number): number => Math.round(n * 100) / 100;

if (import.meta.url === `file://${process.argv[1]}`) await main();
