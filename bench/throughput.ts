/**
 * Throughput of the whole job against the sandbox at 150 ms latency, as a fraction of the plan's
 * ceiling (limit × share per label): a Light-only manifest, and a mixed Light + Medium one where
 * both labels are busy at once. Measured where Zoom measures, from the sandbox's own request log:
 * per label, each call's arrival (monotonic, fractional ms) over the time that label was sending,
 * the busiest sliding second the sandbox counted on arrival, and its 429s.
 *
 *   npx tsx bench/throughput.ts        (BENCH_SECONDS=20 by default; `npm run bench` runs it too)
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBatch } from "../src/run/index.js";
import { startSandbox, sandboxTarget } from "../src/sandbox/index.js";
import { PLAN_LIMITS, type Label, type Plan } from "../src/zoom/labels.js";
import { checkPassword } from "../src/zoom/rules.js";

const PLAN: Plan = "pro";
const SHARE = 0.8;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);

export interface ThroughputFigures {
  scenario: string;
  labels: Record<
    string,
    {
      requests: number;
      perSecond: number;
      ceiling: number;
      fraction: number;
      busiestSecond: number;
      rate429: number;
    }
  >;
  rate429: number;
  elapsedMs: number;
}

async function scenario(name: string, withPasswords: boolean): Promise<ThroughputFigures> {
  const ceiling = (label: Label): number => Math.floor(PLAN_LIMITS[PLAN][label].limit * SHARE);
  const rows = ceiling("light") * SECONDS;
  const dir = mkdtempSync(join(tmpdir(), "zb-bench-"));
  const manifest = join(dir, "manifest.csv");
  // Passwords on 2 of 3 rows keep Medium (16/s on Pro at 0.8) as busy as Light (24/s).
  const lines = ["user,job_title,password"];
  for (let i = 1; i <= rows; i++)
    lines.push(`user${i}@example.com,Title ${i},${withPasswords && i % 3 !== 0 ? password(i) : ""}`);
  writeFileSync(manifest, lines.join("\n") + "\n");

  const sandbox = await startSandbox({
    plan: PLAN,
    users: rows,
    latency: { minMs: 150, maxMs: 150 },
    seed: 1,
  });
  try {
    const started = performance.now();
    await runBatch({
      manifest,
      results: join(dir, "results.csv"),
      plan: PLAN,
      share: SHARE,
      zoom: sandboxTarget(sandbox),
    });
    const elapsedMs = performance.now() - started;
    const stats = sandbox.state.stats();
    const figures: ThroughputFigures = {
      scenario: name,
      labels: {},
      rate429: 0,
      elapsedMs: Math.round(elapsedMs),
    };
    for (const label of ["light", "medium"] as const) {
      const calls = sandbox.state.log.filter((e) => e.label === label);
      if (calls.length < 2) continue;
      const first = calls.reduce((m, e) => Math.min(m, e.arrival), Infinity);
      const last = calls.reduce((m, e) => Math.max(m, e.arrival), -Infinity);
      const perSecond = ((calls.length - 1) * 1000) / (last - first);
      const rate429 = calls.filter((e) => e.status === 429).length;
      figures.labels[label] = {
        requests: calls.length,
        perSecond: round(perSecond),
        ceiling: ceiling(label),
        fraction: round(perSecond / ceiling(label)),
        busiestSecond: stats[label].maxInSlidingSecond,
        rate429,
      };
      figures.rate429 += rate429;
    }
    return figures;
  } finally {
    await sandbox.close();
  }
}

function password(i: number): string {
  for (let k = 0; ; k++) if (!checkPassword(`Bench-${i * 7 + k}-Kz`)) return `Bench-${i * 7 + k}-Kz`;
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

export async function main(): Promise<ThroughputFigures[]> {
  const results = [await scenario("light-only", false), await scenario("light+medium", true)];
  for (const r of results) {
    const parts = Object.entries(r.labels).map(
      ([label, l]) =>
        `${label} ${l.perSecond}/s of ${l.ceiling}/s = ${l.fraction} (busiest second at the server ${l.busiestSecond}/${l.ceiling}, 429s ${l.rate429})`,
    );
    console.log(
      `throughput ${r.scenario} (${PLAN}, share ${SHARE}, 150 ms): ${parts.join("; ")}; 429s: ${r.rate429}`,
    );
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
