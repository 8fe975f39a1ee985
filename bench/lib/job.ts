/**
 * Running the job for a scenario: in this process through `runBatch` (src/run), or as a child
 * process (bench/lib/job-child.ts, which runs the built dist/run) for scenarios that need several
 * processes or need the job's CPU apart from the bench's. Either way the run has a deadline: past
 * it the run is stopped, so a hung run cannot hang the bench.
 */
import { join } from "node:path";
import type { RunConfig } from "../../src/config.js";
import type { Summary } from "../../src/report/summary.js";
import { runBatch } from "../../src/run/index.js";
import { pinned, spawnTracked, waitExit } from "./processes.js";

export interface JobRun {
  summary: Summary;
  elapsedMs: number;
}

/** runBatch in this process; `limitsScale` must match the sandbox's. */
export async function runInProcess(
  config: RunConfig,
  options: { limitsScale?: number; deadlineMs: number },
): Promise<JobRun> {
  const started = performance.now();
  const summary = await runBatch(config, {
    signal: AbortSignal.timeout(Math.ceil(options.deadlineMs)),
    ...(options.limitsScale !== undefined ? { limitsScale: options.limitsScale } : {}),
  });
  return { summary, elapsedMs: performance.now() - started };
}

/** What bench/lib/job-child.ts reads from its first argument (JSON). */
export interface JobChildInput {
  /** JSON-able RunConfig fields (no `only`, no `transform`). */
  config: Omit<RunConfig, "only" | "transform">;
  limitsScale?: number;
  deadlineMs: number;
}

/** The last line a job child prints on stdout. */
export interface JobChildOutput {
  summary: Summary;
  elapsedMs: number;
}

/**
 * The job in a child process (node --import tsx bench/lib/job-child.ts), pinned to `cores` when
 * taskset exists. Resolves when it exits 0 with its summary; rejects otherwise. The child is killed
 * `deadlineMs` + 30 s after it started if it has not exited by then.
 */
export async function runInChild(
  input: JobChildInput,
  options: { cores?: readonly number[]; name: string },
): Promise<JobRun> {
  const script = join(import.meta.dirname, "job-child.ts");
  const [command, args] = pinned(options.cores, process.execPath, [
    "--import",
    "tsx",
    script,
    JSON.stringify(input),
  ]);
  const child = spawnTracked(command, args, {
    cwd: join(import.meta.dirname, "../.."),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = await waitExit(child, input.deadlineMs + 30_000, options.name);
  const last = exited.stdout.trim().split("\n").pop() ?? "";
  if (exited.code !== 0 || !last.startsWith("{"))
    throw new Error(
      `${options.name} exited with ${exited.code ?? exited.signal}:\n${exited.stderr}${exited.stdout}`,
    );
  return JSON.parse(last) as JobChildOutput;
}
