/**
 * The course every in-process scenario follows: a temporary folder and its manifest, a sandbox in
 * its own process, the job here through runBatch (with a deadline), then the figures measured from
 * the sandbox's record (bench/lib/figures.ts), printed with PASS or FAIL. A scenario states only
 * what differs: its manifest, its sandbox, and what it reports and checks.
 */
import { join } from "node:path";
import type { LogEntry } from "../../src/sandbox/index.js";
import type { Plan } from "../../src/zoom/labels.js";
import {
  addOutcomes,
  finish,
  measure,
  printFigures,
  type Check,
  type Figures,
  type Measured,
} from "./figures.js";
import { runInProcess, type JobRun } from "./job.js";
import { tempDir, type Manifest } from "./manifest.js";
import type { SandboxProcess } from "./sandbox.js";

export interface ScenarioSpec<M extends Manifest> {
  name: string;
  plan: Plan;
  share: number;
  /** The sandbox's and the job's limitsScale; default 1. */
  limitsScale?: number;
  manifest(dir: string): M;
  sandbox(dir: string, manifest: M): Promise<SandboxProcess>;
  deadlineMs: number;
  /** What the scenario prints and checks, from the server's figures and the run. */
  report(seen: { measured: Measured; log: LogEntry[]; run: JobRun; manifest: M }): {
    setting: string;
    extra: Record<string, string>;
    target: string;
    checks: (Check | Check[])[];
  };
}

export async function inProcessScenario<M extends Manifest>(spec: ScenarioSpec<M>): Promise<Figures> {
  const dir = tempDir(spec.name);
  try {
    const manifest = spec.manifest(dir.path);
    const sandbox = await spec.sandbox(dir.path, manifest);
    try {
      const run = await runInProcess(
        {
          manifest: manifest.path,
          results: join(dir.path, "results.csv"),
          plan: spec.plan,
          share: spec.share,
          zoom: sandbox.target,
        },
        {
          deadlineMs: spec.deadlineMs,
          ...(spec.limitsScale !== undefined ? { limitsScale: spec.limitsScale } : {}),
        },
      );
      const [log, stats, busiest] = await Promise.all([
        sandbox.log(),
        sandbox.stats(),
        sandbox.busiestSecond(),
      ]);
      const measured = measure(log, stats, busiest, {
        plan: spec.plan,
        share: spec.share,
        ...(spec.limitsScale !== undefined ? { limitsScale: spec.limitsScale } : {}),
      });
      const figures = finish({
        scenario: spec.name,
        ...measured,
        elapsedMs: Math.round(run.elapsedMs),
        outcomes: addOutcomes(run.summary.outcomes),
        ...spec.report({ measured, log, run, manifest }),
      });
      printFigures(figures);
      return figures;
    } finally {
      await sandbox.stop();
    }
  } finally {
    dir.remove();
  }
}
