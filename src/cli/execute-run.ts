import type { Logger } from "pino";
import { zoomTargetFromEnv, type ProgressMode, type RunConfig, type ZoomTarget } from "../config.js";
import { exitCodeFor, type StopReason } from "../errors.js";
import { startProgress, type Progress } from "../progress/index.js";
import { writeReport } from "../report/html.js";
import { formatSummary, type Summary } from "../report/summary.js";
import { runBatch, type RunObserver } from "../run/index.js";
import { sandboxTarget, startSandbox, type Sandbox } from "../sandbox/index.js";
import { runDepsFor, type CliIO } from "./io.js";
import { trialUsers } from "./sandbox-seed.js";

/**
 * The one way the command line runs manifests, for `run` (one) and `job` (one per manifest):
 * the Zoom target (environment, or an embedded sandbox started once) -> progress -> runBatch ->
 * the human summary -> the HTML report.
 */
export interface RunTask {
  config: Omit<RunConfig, "zoom">;
  /** Write the HTML report here when the run is over. */
  report?: string;
  /** A line on stderr before the run starts (the job names its manifest and results). */
  announce?: string;
}

export interface ExecuteRunOptions {
  tasks: readonly RunTask[];
  /** Run against an embedded simulated account instead of the environment's Zoom. */
  sandbox: boolean;
  io: CliIO;
  logger: Logger;
  progress: { mode: ProgressMode; intervalMs: number };
}

/**
 * Runs the tasks in turn and returns the process's exit code: the run's own `summary.exit_code`;
 * for several runs, the first that stopped early stops the rest and gives its code, else the
 * outcomes of all of them decide (`exitCodeFor`).
 */
export async function executeRun(o: ExecuteRunOptions): Promise<number> {
  // Credentials are checked before anything is read or started: a missing one costs nothing.
  const fromEnv = o.sandbox ? undefined : zoomTargetFromEnv(o.io.env);
  const sandbox = o.sandbox
    ? await startSandbox({ users: await trialUsers(o.tasks.map((t) => t.config)) })
    : undefined;
  const summaries: Summary[] = [];
  let skipped = false;
  try {
    const zoom = fromEnv ?? sandboxTarget(sandbox as Sandbox);
    if (sandbox) o.io.stderr.write(`zoom-bulk: running against the embedded sandbox at ${sandbox.apiUrl}\n`);
    for (const task of o.tasks) {
      if (o.io.signal?.aborted || summaries.at(-1)?.stop_reason) {
        skipped = true;
        break;
      }
      if (task.announce) o.io.stderr.write(`zoom-bulk: ${task.announce}\n`);
      summaries.push(await runOne(task, zoom, o));
    }
  } finally {
    await sandbox?.close();
  }
  return exitCodeForRuns(summaries, skipped ? signalReason(o.io.signal) : null);
}

async function runOne(task: RunTask, zoom: ZoomTarget, o: ExecuteRunOptions): Promise<Summary> {
  const { io } = o;
  const progress = startProgress({
    stream: io.stderr,
    mode: o.progress.mode,
    intervalMs: o.progress.intervalMs,
    logger: o.logger,
    manifest: task.config.manifest,
    ...(task.config.mapping ? { mapping: task.config.mapping } : {}),
    ...(task.config.delimiter !== undefined ? { delimiter: task.config.delimiter } : {}),
  });
  const printer = summaryFirst(progress, (summary) => io.stdout.write(formatSummary(summary)));
  const summary = await runBatch(
    { ...task.config, zoom },
    runDepsFor(io, o.logger, printer.observer),
  ).finally(() => progress.close());
  printer.print(summary);
  if (task.report) {
    writeReport(task.config.results, task.report);
    io.stdout.write(`  report: ${task.report}\n`);
  }
  return summary;
}

/**
 * The progress display as the run's observer, plus the human summary printed the moment the run
 * finishes: after the display's last frame and before the run's closing log events, so on a
 * terminal the person reads the summary first and the JSON detail after it. `print` covers a run
 * that returns without telling its observer; the summary is printed once either way.
 */
export function summaryFirst(
  progress: Progress,
  write: (summary: Summary) => void,
): { observer: RunObserver; print: (summary: Summary) => void } {
  let printed = false;
  const print = (summary: Summary): void => {
    if (printed) return;
    printed = true;
    write(summary);
  };
  const observer: RunObserver = {
    started: (run) => progress.started?.(run),
    planned: (row) => progress.planned?.(row),
    result: (line, label) => progress.result?.(line, label),
    finished: (summary) => {
      progress.finished?.(summary);
      print(summary);
    },
  };
  return { observer, print };
}

/**
 * The exit code of one or several runs. One run: its summary's. Several: the last one that
 * stopped early (the rest were not started) gives its code; else the outcomes of all decide, and
 * tasks left unstarted by a signal count as that stop.
 */
export function exitCodeForRuns(summaries: readonly Summary[], unstartedBy: StopReason | null): number {
  const last = summaries.at(-1);
  if (summaries.length === 1 && last && !unstartedBy) return last.exit_code;
  if (last?.stop_reason) return last.exit_code;
  const outcomes = { ok: 0, failed: 0, invalid: 0, skipped: 0, deferred: 0 };
  for (const s of summaries)
    for (const key of Object.keys(outcomes) as (keyof typeof outcomes)[]) outcomes[key] += s.outcomes[key];
  return exitCodeFor({ outcomes, stop_reason: unstartedBy });
}

/** "sigint" / "sigterm" from the abort reason the binary gives (`new Error("SIGINT")`). */
function signalReason(signal: AbortSignal | undefined): StopReason | null {
  if (!signal?.aborted) return null;
  const reason: unknown = signal.reason;
  const name = reason instanceof Error ? reason.message : String(reason);
  return name === "SIGTERM" ? "sigterm" : "sigint";
}
