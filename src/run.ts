import { dirname, resolve } from "node:path";
import type { Logger } from "pino";
import type { RunConfig } from "./config.js";
import { AuthError, EXIT } from "./errors.js";
import { silentLogger } from "./log.js";
import { createPlanner } from "./plan/index.js";
import { createUserQueue } from "./queue/index.js";
import { openManifest } from "./read/index.js";
import { openResults } from "./report/results.js";
import {
  SummaryCounter,
  summaryPath,
  writeSummary,
  type LabelSummary,
  type Summary,
} from "./report/summary.js";
import { createLimiters, type LabelStats } from "./limit/index.js";
import { createExecutor, type ExecResult } from "./send/execute.js";
import { createSender } from "./send/sender.js";
import { createTokenProvider, staticToken } from "./send/auth.js";
import type { InvalidOperation, Operation, Outcome, PlannedRow, ResultLine } from "./types.js";
import { ENDPOINTS } from "./zoom/endpoints.js";
import { LABELS, PLAN_LIMITS, type Label } from "./zoom/labels.js";

/** Collaborators, each with a production default; tests override only what they need. */
export interface RunDeps {
  logger?: Logger;
  /** Stops the run: reading stops, in-flight requests are abandoned, results so far are kept. */
  signal?: AbortSignal;
  /** Wall clock for `finished_at` and durations. */
  now?: () => number;
  env?: NodeJS.ProcessEnv;
  /** Told about the run as it goes: progress displays, metrics. */
  observer?: RunObserver;
}

/** Hooks for progress displays; every one is optional and must not throw. */
export interface RunObserver {
  /** The run is about to send; `stats` gives the limiters' live per-label figures. */
  started?(run: { config: RunConfig; stats: () => Record<Label, LabelStats> }): void;
  /** A record was read and planned (its valid operations are about to be queued). */
  planned?(row: PlannedRow): void;
  /** An operation finished with its final outcome for this run. */
  result?(line: ResultLine, label: Label | undefined): void;
  /** The run is over (also after an interruption). */
  finished?(summary: Summary): void;
}

/**
 * The main job: manifest -> plan -> queue -> limiter -> sender -> reporter.
 * Returns the summary (also written beside the results); `summary.exit_code` is the process's.
 * Throws ManifestError / ConfigError (nothing sent) and AuthError (credentials refused).
 *
 * Row lifecycle: read -> planned -> queued -> sending (-> retry-wait -> sending) -> done.
 */
export async function runBatch(config: RunConfig, deps: RunDeps = {}): Promise<Summary> {
  const logger = deps.logger ?? silentLogger;
  const now = deps.now ?? Date.now;
  const startedAt = now();

  const manifest = await openManifest(config.manifest, config.mapping ? { mapping: config.mapping } : {});
  const plan = createPlanner({
    manifestDir: dirname(resolve(config.manifest)),
    ...(config.assetsDir ? { assetsDir: resolve(config.assetsDir) } : {}),
    ...(config.only ? { only: config.only } : {}),
    env: deps.env ?? process.env,
  });

  const { zoom } = config;
  const tokens =
    zoom.auth.kind === "token"
      ? staticToken(zoom.auth.token)
      : createTokenProvider({ oauthUrl: zoom.oauthUrl, ...zoom.auth });
  await tokens.get(); // wrong credentials stop the run here, before anything is sent

  const limiters = createLimiters({
    plan: config.plan,
    share: config.share,
    ...(config.concurrency ? { concurrency: config.concurrency } : {}),
    ...(config.limitsScale ? { limitsScale: config.limitsScale } : {}),
  });
  const sender = createSender({ apiUrl: zoom.apiUrl, tokens });
  const executor = createExecutor({ sender, limiters, tokens, logger: logger.child({ stage: "send" }) });
  const results = openResults(config.results);
  const counter = new SummaryCounter();
  const stop = new AbortController();
  const onAbort = (): void => stop.abort(deps.signal?.reason);
  deps.signal?.addEventListener("abort", onAbort, { once: true });
  let stopped: string | null = null;
  let fatal: Error | undefined;

  const observer = deps.observer ?? {};
  const report = (line: ResultLine, label?: Label): void => {
    results.write(line);
    counter.add(line);
    observer.result?.(line, label);
  };

  const runRow = async (row: PlannedRow): Promise<void> => {
    let skipReason: string | undefined;
    for (const op of row.operations) {
      if (stop.signal.aborted) return; // not reported: a --resume sends it
      if (skipReason) {
        report(resultOf(op, { outcome: "skipped", message: skipReason }, now()), labelOf(op));
        continue;
      }
      const result = await executor.execute(op, stop.signal);
      if (stop.signal.aborted && result.outcome === "failed") return;
      report(resultOf(op, result, now()), labelOf(op));
      if (result.until) counter.deferUntil(result.until);
      if (result.fatal === "auth" && !fatal) {
        fatal = new AuthError(
          `Zoom refused the app's access: ${result.message} Check the app's scopes and credentials.`,
        );
        stopped = fatal.message;
        stop.abort(fatal);
      }
      if (op === row.operations[0] && result.http_status === 404 && result.zoom_code === 1001)
        skipReason = `Skipped: the user does not exist (${op.op} answered 404/1001).`;
    }
  };

  const rowConcurrency = config.concurrency ?? defaultRowConcurrency(config);
  const queue = createUserQueue({ concurrency: rowConcurrency, maxBacklog: rowConcurrency * 4 });
  const readLog = logger.child({ stage: "read" });
  observer.started?.({ config, stats: () => limiters.stats() });
  try {
    for await (const record of manifest.records()) {
      if (stop.signal.aborted) break;
      const planned = await plan(record);
      observer.planned?.(planned);
      for (const invalid of planned.invalid) {
        readLog.debug({ row: { row: invalid.row, line: invalid.line, code: invalid.code } }, "row.invalid");
        report(invalidResult(invalid, now()));
      }
      if (planned.operations.length > 0) await queue.push(userKey(planned.user), () => runRow(planned));
    }
    await queue.onIdle();
  } finally {
    deps.signal?.removeEventListener("abort", onAbort);
    results.close();
    limiters.stop();
  }
  if (fatal) throw fatal;
  if (deps.signal?.aborted) stopped ??= "interrupted";

  const finishedAt = now();
  const labelStats = limiters.stats();
  const labels: Record<string, LabelSummary> = {};
  for (const label of LABELS) {
    const s = labelStats[label];
    if (s && s.requests > 0) labels[label] = s;
  }
  const summary: Summary = {
    manifest: config.manifest,
    results: config.results,
    plan: config.plan,
    share: config.share,
    started_at: new Date(startedAt).toISOString(),
    finished_at: new Date(finishedAt).toISOString(),
    elapsed_ms: finishedAt - startedAt,
    operations: counter.operations,
    outcomes: counter.outcomes,
    by_op: counter.byOp,
    zoom_codes: counter.zoomCodes,
    labels,
    throughput_per_second: round((counter.sent * 1000) / Math.max(1, finishedAt - startedAt)),
    next_safe_run_at: counter.nextSafeRunAt,
    stopped,
    exit_code: counter.exitCode(),
  };
  writeSummary(summaryPath(config.results), summary);
  observer.finished?.(summary);
  logger.info({ summary: { outcomes: summary.outcomes, elapsed_ms: summary.elapsed_ms } }, "run.finished");
  return summary;
}

/** Emails are case-insensitive in Zoom, so one user's rows serialize whatever the case. */
export function userKey(user: string): string {
  return user.toLowerCase();
}

/** Enough rows in flight to keep every label busy for about a second at its pace. */
function defaultRowConcurrency(config: RunConfig): number {
  const limits = PLAN_LIMITS[config.plan];
  const perSecond = (limits.light.limit + limits.medium.limit) * config.share * (config.limitsScale ?? 1);
  return Math.max(8, Math.ceil(perSecond));
}

function resultOf(
  op: Operation,
  r: Partial<Omit<ExecResult, "outcome">> & { outcome: Outcome; message: string },
  finishedAt: number,
): ResultLine {
  return {
    row: op.row,
    line: op.line,
    user: op.user,
    op: op.op,
    target: op.target,
    outcome: r.outcome,
    http_status: r.http_status ?? "",
    zoom_code: r.zoom_code ?? "",
    message: r.message,
    attempts: r.attempts ?? 0,
    duration_ms: r.duration_ms ?? 0,
    tracking_id: r.tracking_id ?? "",
    finished_at: new Date(finishedAt).toISOString(),
  };
}

function invalidResult(invalid: InvalidOperation, finishedAt: number): ResultLine {
  return {
    row: invalid.row,
    line: invalid.line,
    user: invalid.user,
    op: invalid.op,
    target: invalid.target,
    outcome: "invalid",
    http_status: "",
    zoom_code: invalid.code,
    message: invalid.message,
    attempts: 0,
    duration_ms: 0,
    tracking_id: "",
    finished_at: new Date(finishedAt).toISOString(),
  };
}

const round = (n: number): number => Math.round(n * 100) / 100;

/** Which label each operation spends (stated once, in the endpoint table). */
export function labelOf(op: Operation): Label {
  return ENDPOINTS[op.endpoint].label;
}

export { EXIT };
