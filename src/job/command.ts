import type { Logger } from "pino";
import { zoomTargetFromEnv, type ZoomTarget } from "../config.js";
import { startProgress, type ProgressMode, type ProgressStream } from "../progress/index.js";
import { writeReport } from "../report/html.js";
import { formatSummary } from "../report/summary.js";
import { runBatch } from "../run.js";
import { startSandbox, type Sandbox, sandboxTarget } from "../sandbox/index.js";
import { formatValidation, validateManifest } from "../validate.js";
import { EXIT } from "../errors.js";
import { loadJob } from "./index.js";
import { defaultRedisPrefix } from "../limit/index.js";
import { shardResultsPath } from "../shard.js";
import { ensureParent } from "./run.js";

export interface JobCommandOptions {
  file: string;
  sandbox: boolean;
  dryRun: boolean;
  logger: Logger;
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  progress: ProgressMode;
  progressIntervalMs: number;
  /** For `{date}` in file names; default now. */
  now?: Date;
  /** Where to send instead of the environment's Zoom or `--sandbox` (tests bring their own sandbox). */
  zoom?: ZoomTarget;
}

/**
 * `zoom-bulk job <file>`: loads and checks the job file (nothing is read or sent when it is wrong),
 * then runs each of its manifests in turn with runBatch, writes the report when the job names
 * one, and returns the worst exit code.
 */
export async function runJobCommand(o: JobCommandOptions): Promise<number> {
  const job = loadJob(o.file, o.now ? { now: o.now } : {});
  const sandbox: Sandbox | undefined = o.sandbox && !o.dryRun && !o.zoom ? await startSandbox() : undefined;
  let exit: number = EXIT.ok;
  try {
    const zoom: ZoomTarget | undefined = o.dryRun
      ? undefined
      : o.zoom
        ? o.zoom
        : sandbox
          ? sandboxTarget(sandbox)
          : zoomTargetFromEnv(o.env);
    if (sandbox) o.stderr.write(`zoom-bulk: running against the embedded sandbox at ${sandbox.apiUrl}\n`);
    for (const run of job.runs) {
      if (o.signal?.aborted) break;
      o.stderr.write(`zoom-bulk: job ${job.name}: ${run.manifest} -> ${run.results}\n`);
      const settings = {
        ...job.config,
        manifest: run.manifest,
        ...(job.transform ? { transform: job.transform } : {}),
        ...(job.redis
          ? { redis: { url: job.redis, prefix: defaultRedisPrefix(o.env.ZOOM_ACCOUNT_ID) } }
          : {}),
        ...(job.shard ? { shard: job.shard } : {}),
        ...(job.safety?.max_failure_rate !== undefined
          ? { maxFailureRate: job.safety.max_failure_rate }
          : {}),
        ...(job.safety?.max_operations !== undefined ? { maxOperations: job.safety.max_operations } : {}),
      };
      if (o.dryRun || !zoom) {
        const report = await validateManifest(settings, o.env);
        o.stdout.write(formatValidation(report));
        exit = Math.max(exit, report.invalid > 0 ? EXIT.someFailed : EXIT.ok);
        continue;
      }
      const results = shardResultsPath(run.results, job.shard);
      ensureParent(results);
      const progress = startProgress({
        stream: o.stderr,
        mode: o.progress,
        intervalMs: o.progressIntervalMs,
        logger: o.logger,
        manifest: run.manifest,
        ...(job.config.mapping ? { mapping: job.config.mapping } : {}),
      });
      try {
        const summary = await runBatch(
          {
            ...settings,
            results,
            zoom,
            ...(job.state ? { state: job.state } : {}),
          },
          { logger: o.logger, env: o.env, observer: progress, ...(o.signal ? { signal: o.signal } : {}) },
        );
        o.stdout.write(formatSummary(summary));
        exit = Math.max(exit, summary.exit_code);
      } finally {
        progress.close();
      }
      if (run.report) {
        writeReport(results, run.report);
        o.stdout.write(`  report: ${run.report}\n`);
      }
    }
  } finally {
    await sandbox?.close();
  }
  return exit;
}
