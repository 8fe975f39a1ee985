/**
 * Issue 13, throughput and pacing under faults: about 2,200 operations of every kind (profile on
 * Light; password, picture and virtual background on Medium, mixed so both labels take the same
 * time at the ceiling), Business plan, `--share 1`, latency jittered between 60 and 140 ms, 1.5% 5xx,
 * 1% connection resets and 2% of uploads whose answer is lost after the upload was stored. Target:
 * ≥ 0.95 of the ceiling on each label, 0 self-caused QPS 429s.
 *
 * The sandbox is `zoom-bulk sandbox` in its own process (no other apps, no forced 429s: every QPS
 * 429 is the job's own); the job runs here through runBatch.
 *
 *   npx tsx bench/scenarios/faults.ts [scale=1]     (needs npm run build: dist/cli.js)
 */
import type { Plan } from "../../src/zoom/labels.js";
import { allOk, no429, ratioAtLeast, type Figures } from "../lib/figures.js";
import { isMain, runAsMain } from "../lib/main.js";
import { mixedManifest } from "../lib/manifest.js";
import { startCliSandbox } from "../lib/sandbox.js";
import { inProcessScenario } from "../lib/scenario.js";

const PLAN: Plan = "business";
const SHARE = 1;
const TARGET = 0.95;
const FAULTS = "5xx=0.015,reset=0.01,lost-upload=0.02";

export interface FaultsOptions {
  /** Multiplies the number of operations (about 2,200 at 1); default 1. */
  scale?: number;
}

export async function faults(options: FaultsOptions = {}): Promise<Figures> {
  const operations = Math.max(20, Math.round(2200 * (options.scale ?? 1)));
  const idealSeconds = (users: number): number => users / 80; // 1 Light per user at 80/s, 0.75 Medium at 60/s
  return inProcessScenario({
    name: "faults",
    plan: PLAN,
    share: SHARE,
    manifest: (dir) => mixedManifest(dir, operations),
    sandbox: (dir, manifest) =>
      startCliSandbox({ plan: PLAN, latency: "60-140", faults: FAULTS, users: manifest.users, dir }),
    deadlineMs: idealSeconds(operations) * 5000 + 60_000,
    report: ({ measured, run, manifest }) => ({
      setting:
        `${manifest.operations} operations (profile, password, picture, background) for ${manifest.users} users · ` +
        `${PLAN}, share ${SHARE} · latency 60–140 ms · faults ${FAULTS}`,
      extra: {
        "ideal at the ceiling": `${idealSeconds(manifest.users).toFixed(1)} s per label, before retries`,
      },
      target: `≥ ${TARGET} of the ceiling per label, 0 self-caused 429s`,
      checks: [
        ratioAtLeast(measured.labels, TARGET, ["light", "medium"]),
        no429(measured.labels, { concurrency: false }),
        allOk(run.summary.outcomes, manifest.operations),
      ],
    }),
  });
}

if (isMain(import.meta.url)) await runAsMain(faults);
