/**
 * The scenarios of issue 13, one after the other (never at once: each measures pacing at the
 * server, and cpu-contention loads every core). Each prints its block of figures ending in PASS or
 * FAIL; this prints one line per scenario at the end. Needs `npm run build` (dist/cli.js, dist/run),
 * redis-server on the PATH, and taskset for the pinning (without it, cpu-contention says so).
 *
 *   npx tsx bench/scenarios/index.ts [scale=1]     (0.25 for a quick check; tokens takes 60 s × scale)
 */
import type { Figures } from "../lib/figures.js";
import { isMain, scaleFromArgs } from "../lib/main.js";
import { cpuContention } from "./cpu-contention.js";
import { faults } from "./faults.js";
import { lanes } from "./lanes.js";
import { tokens } from "./tokens.js";

export { cpuContention, faults, lanes, tokens };

export const SCENARIOS = { lanes, faults, "cpu-contention": cpuContention, tokens } as const;

/** Runs every scenario in turn at `scale` (default 1) and returns their figures. */
export async function scenarios(options: { scale?: number } = {}): Promise<Figures[]> {
  const all: Figures[] = [];
  for (const run of Object.values(SCENARIOS)) all.push(await run(options));
  console.log(all.map((f) => `${f.scenario} ${f.pass ? "PASS" : "FAIL"}`).join(" · "));
  return all;
}

if (isMain(import.meta.url)) {
  const all = await scenarios({ scale: scaleFromArgs() });
  if (!all.every((f) => f.pass)) process.exitCode = 1;
}
