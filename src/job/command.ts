import type { RunConfig } from "../config.js";
import { ConfigError } from "../errors.js";
import { openManifest } from "../read/index.js";
import { shardResultsPath } from "../shard.js";
import { canonicalColumn, type Job, type JobRun } from "./index.js";

/**
 * What `zoom-bulk job <file>` runs: one run config per manifest of a checked job. The command
 * itself (src/cli/job.ts) hands them to the same `executeRun` as `zoom-bulk run`.
 */
export interface JobTask {
  run: JobRun;
  /** Everything but the Zoom target, which the command decides (environment or sandbox). */
  config: Omit<RunConfig, "zoom">;
}

export interface JobTaskOptions {
  /** `job … --resume`: each manifest resumes its own results file (a fresh run when there is none yet). */
  resume?: boolean;
}

/** The job's runs as run configs (a shard's results get their own file); pure: nothing is created. */
export function jobTasks(job: Job, options: JobTaskOptions = {}): JobTask[] {
  return job.runs.map((run) => {
    const results = shardResultsPath(run.results, job.config.shard);
    return {
      run,
      config: {
        ...job.config,
        manifest: run.manifest,
        results,
        ...(options.resume ? { resume: true } : {}),
      },
    };
  });
}

/**
 * A strict job (the default) with a `columns` mapping: every column of the export must be mapped
 * or ignored. The reader resolves the export's header through the mapping; a canonical column the
 * mapping does not produce came from an unmapped header that happens to carry a manifest column's
 * name (`Type`, `Company`), and would reach Zoom. Stops the job (exit 2), naming the columns,
 * before anything is sent.
 */
export async function checkStrictColumns(job: Job, manifest: string): Promise<void> {
  const mapping = job.config.mapping;
  if (!job.strict || !mapping) return;
  const produced = new Set(
    Object.values(mapping).flatMap((target) => (target === null ? [] : [canonicalColumn(target)])),
  );
  const delimiter = job.config.delimiter;
  const opened = await openManifest(manifest, { mapping, ...(delimiter !== undefined ? { delimiter } : {}) });
  const unmapped = opened.columns.filter((column) => !produced.has(column));
  if (unmapped.length === 0) return;
  const list = unmapped.map((c) => `"${c}"`).join(", ");
  throw new ConfigError(
    `Job file ${job.path}: "columns": ${manifest} has ${unmapped.length === 1 ? "a column" : "columns"} ${list} (names compared without case) that the mapping does not name, and the job is strict, so ${unmapped.length === 1 ? "it" : "they"} would otherwise be sent to Zoom as they are. Map each one ("<export header>": "<manifest column>") or ignore it ("<export header>": null); "strict": false sends unmapped columns that carry a manifest column's name.`,
    "E_JOB_UNMAPPED_COLUMN",
  );
}
