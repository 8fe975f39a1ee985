/**
 * Issue 13, head-of-line blocking between labels: 1,600 users, each with a profile change (Light),
 * the first 1,200 also with a password (Medium), Business plan, `--share 1`, latency jittered
 * between 140 and 160 ms, no faults. At the ceiling both labels take 20 s (1,600 / 80 and
 * 1,200 / 60). Target: ≥ 0.97 of the ceiling on each label, 0 429s.
 *
 * The sandbox is `zoom-bulk sandbox` in its own process; the job runs here through runBatch.
 *
 *   npx tsx bench/scenarios/lanes.ts [scale=1]     (needs npm run build: dist/cli.js)
 */
import type { Plan } from "../../src/zoom/labels.js";
import { allOk, no429, ratioAtLeast, type Figures } from "../lib/figures.js";
import { isMain, runAsMain } from "../lib/main.js";
import { lanesManifest } from "../lib/manifest.js";
import { startCliSandbox } from "../lib/sandbox.js";
import { inProcessScenario } from "../lib/scenario.js";

const PLAN: Plan = "business";
const SHARE = 1;
const TARGET = 0.97;

export interface LanesOptions {
  /** Multiplies the manifest's size (1,600 / 1,200 users at 1); default 1. */
  scale?: number;
}

export async function lanes(options: LanesOptions = {}): Promise<Figures> {
  const scale = options.scale ?? 1;
  const users = Math.max(2, Math.round(1600 * scale));
  const withPassword = Math.max(2, Math.round(1200 * scale));
  const idealSeconds = Math.max(users / 80, withPassword / 60);
  return inProcessScenario({
    name: "lanes",
    plan: PLAN,
    share: SHARE,
    manifest: (dir) => lanesManifest(dir, users, withPassword),
    sandbox: (dir) => startCliSandbox({ plan: PLAN, latency: "140-160", users, dir }),
    deadlineMs: idealSeconds * 5000 + 60_000,
    report: ({ measured, run, manifest }) => ({
      setting:
        `${users} users with a profile change, the first ${withPassword} also a password · ` +
        `${PLAN}, share ${SHARE} · latency 140–160 ms · no faults`,
      extra: { "ideal at the ceiling": `${idealSeconds.toFixed(1)} s per label` },
      target: `≥ ${TARGET} of the ceiling per label, 0 429s`,
      checks: [
        ratioAtLeast(measured.labels, TARGET, ["light", "medium"]),
        no429(measured.labels, { concurrency: true }),
        allOk(run.summary.outcomes, manifest.operations),
      ],
    }),
  });
}

if (isMain(import.meta.url)) await runAsMain(lanes);
