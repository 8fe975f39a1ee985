import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Logger } from "pino";
import type { RunConfig } from "./config.js";
import { AuthError, EXIT, exitCodeFor } from "./errors.js";
import { acquireLock, lockPath, type Lock } from "./lock.js";
import { createBreaker } from "./safety.js";
import { inShard } from "./shard.js";
import { createLimiters, type LabelStats } from "./limit/index.js";
import { silentLogger } from "./log.js";
import { plannerFor } from "./plan/index.js";
import { isPlainPassword, plainPasswordWarning } from "./plan/secrets.js";
import { createUserQueue } from "./queue/index.js";
import { openManifest } from "./read/index.js";
import { readResults, summarize } from "./report/read.js";
import { openResults } from "./report/results.js";
import {
  SummaryCounter,
  emptySummary,
  summaryPath,
  writeSummary,
  type LabelSummary,
  type Summary,
} from "./report/summary.js";
import { doneOperations, manifestFingerprint, resultKey } from "./resume.js";
import { createTokenProvider, staticToken } from "./send/auth.js";
import { createExecutor, type ExecResult } from "./send/execute.js";
import { createSender } from "./send/sender.js";
import { fingerprint, openLevelState, openRedisState, stateKey, type StateStore } from "./state/index.js";
import type { InvalidOperation, Operation, Outcome, PlannedRow, ResultLine } from "./types.js";
import { ENDPOINTS } from "./zoom/endpoints.js";
import { LABELS, PLAN_LIMITS, type Label } from "./zoom/labels.js";

/** Collaborators, each with a production default; tests override only what they need. */
export interface RunDeps {
  logger?: Logger;
  /**
   * Asks the run to stop (SIGINT/SIGTERM): reading stops, rows not started are left for
   * `--resume`, requests in flight finish (up to `config.drainTimeoutMs`), results and summary
   * are written.
   */
  signal?: AbortSignal;
  /** Wall clock for `finished_at` and durations. */
  now?: () => number;
  env?: NodeJS.ProcessEnv;
  /** Told about the run as it goes: progress displays, metrics. */
  observer?: RunObserver;
  /** Where `--state` keeps its fingerprints; default a LevelDB folder at `config.state`. */
  openState?: (path: string) => Promise<StateStore>;
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

/** How long requests in flight may take to finish after a stop was asked for. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

/**
 * The main job: manifest -> plan -> queue -> limiter -> sender -> reporter.
 * Returns the summary (also written beside the results); `summary.exit_code` is the process's.
 * Throws ManifestError / ConfigError (nothing sent) and AuthError (credentials refused).
 *
 * Row lifecycle: read -> planned -> queued -> sending (-> retry-wait -> sending) -> done.
 */
export async function runBatch(config: RunConfig, deps: RunDeps = {}): Promise<Summary> {
  const locks: Lock[] = [];
  try {
    // Two runs must not write one results file or one state. Without --redis, two runs of one
    // manifest would each pace themselves as if alone, together at twice the budget: refuse that too.
    locks.push(acquireLock(`${config.results}.lock`, `the results file ${config.results}`));
    if (!config.redis) locks.push(acquireLock(lockPath(config.manifest), `the manifest ${config.manifest}`));
    if (config.state && !config.redis) {
      mkdirSync(dirname(resolve(config.state)), { recursive: true }); // LevelDB creates the folder itself
      locks.push(acquireLock(`${config.state}.lock`, `the state ${config.state}`));
    }
    return await runLocked(config, deps);
  } finally {
    for (const lock of locks) lock.release();
  }
}

async function runLocked(config: RunConfig, deps: RunDeps): Promise<Summary> {
  const logger = deps.logger ?? silentLogger;
  const now = deps.now ?? Date.now;
  const startedAt = now();

  const manifest = await openManifest(config.manifest, config.mapping ? { mapping: config.mapping } : {});
  const plan = plannerFor(config, deps.env ?? process.env);
  const manifestSha = await manifestFingerprint(config.manifest);
  const done = config.resume ? doneOperations(config.results, manifestSha) : new Set<string>();

  const { zoom } = config;
  const tokens =
    zoom.auth.kind === "token"
      ? staticToken(zoom.auth.token)
      : createTokenProvider({ oauthUrl: zoom.oauthUrl, ...zoom.auth });
  // Wrong credentials stop the run here, before anything is sent. An incremental sync may have
  // nothing to send at all, so it asks for a token only when it first needs one.
  if (!config.state) await tokens.get();

  const openState =
    deps.openState ??
    (config.redis
      ? (name: string) => openRedisState((config.redis as { url: string }).url, name)
      : openLevelState);
  const state = config.state ? await openState(config.state) : undefined;
  const stateSecret = await state?.secret();
  const limiters = createLimiters({
    plan: config.plan,
    share: config.share,
    ...(config.concurrency ? { concurrency: config.concurrency } : {}),
    ...(config.limitsScale ? { limitsScale: config.limitsScale } : {}),
    ...(config.redis ? { redis: config.redis } : {}),
    logger: logger.child({ stage: "limit" }),
  });
  await limiters.ready(); // an unreachable --redis stops the run here, before sending
  const breaker = createBreaker(
    config.maxFailureRate !== undefined ? { maxFailureRate: config.maxFailureRate } : {},
  );
  let safetyStop: string | undefined;
  const sender = createSender({ apiUrl: zoom.apiUrl, tokens });
  const executor = createExecutor({ sender, limiters, tokens, logger: logger.child({ stage: "send" }) });
  const results = openResults(config.results, { append: config.resume === true });
  const counter = new SummaryCounter();
  const base = {
    manifest: config.manifest,
    manifest_sha256: manifestSha,
    results: config.results,
    plan: config.plan,
    share: config.share,
  };
  if (!config.resume) writeSummary(summaryPath(config.results), emptySummary(base, startedAt));

  const rowConcurrency = config.concurrency ?? defaultRowConcurrency(config);
  const queue = createUserQueue({ concurrency: rowConcurrency, maxBacklog: rowConcurrency * 4 });

  // `draining`: no new rows start; `hard`: requests in flight are abandoned too.
  let draining = false;
  const hard = new AbortController();
  let drainTimer: NodeJS.Timeout | undefined;
  let stopped: string | null = null;
  let fatal: Error | undefined;
  const stopRun = (why: string, abandonInFlight: boolean): void => {
    stopped ??= why;
    draining = true;
    queue.clear(); // rows not started: no result line, so a --resume sends them
    if (abandonInFlight) hard.abort(new Error(why));
    else
      drainTimer ??= setTimeout(
        () => hard.abort(new Error(why)),
        config.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS,
      );
  };
  const stopForAuth = (message: string): void => {
    if (fatal) return;
    fatal = new AuthError(
      `Zoom refused the app's access: ${message} Check the app's scopes and credentials.`,
    );
    stopRun(fatal.message, true);
  };
  const onSignal = (): void => {
    const reason: unknown = deps.signal?.reason;
    stopRun(`interrupted (${reason instanceof Error ? reason.message : "stop requested"})`, false);
  };
  deps.signal?.addEventListener("abort", onSignal, { once: true });

  const observer = deps.observer ?? {};
  const report = (line: ResultLine, label?: Label): void => {
    results.write(line);
    counter.add(line);
    const trip = breaker.record(line);
    if (trip?.kind === "failure-rate" && !safetyStop) {
      safetyStop = trip.message;
      logger.error({ failed: trip.failed, window: trip.window, codes: trip.codes }, "run.safety_stop");
      // Zoom may disable an app with a high error rate: stop now; a --resume sends the rest.
      stopRun(trip.message, true);
    } else if (trip?.kind === "auth") stopForAuth(trip.message);
    observer.result?.(line, label);
  };

  const sendOne = async (op: Operation): Promise<ExecResult> => {
    const result = await executor.execute(op, hard.signal);
    // On resume an interrupted password change may have been applied already: Zoom then answers
    // that the new password matches the current one, which is what the manifest asks for.
    if (
      config.resume &&
      op.op === "password" &&
      result.zoom_code === 300 &&
      /match the old password/i.test(result.message)
    )
      return { ...result, outcome: "ok", message: "Already set: Zoom says the password is the current one." };
    return result;
  };

  let sending = 0;
  const overMassChangeLimit = (): boolean => {
    if (config.maxOperations === undefined || ++sending <= config.maxOperations) return false;
    if (!safetyStop) {
      safetyStop = `More than ${config.maxOperations} operations to send (the mass-change limit): stopped. Check the manifest, then rerun with --resume (and a higher limit if the change is meant).`;
      logger.error({ max_operations: config.maxOperations }, "run.safety_stop");
      stopRun(safetyStop, false);
    }
    return true;
  };

  const runRow = async (row: PlannedRow): Promise<void> => {
    let skipReason: string | undefined;
    for (const op of row.operations) {
      if (draining) return; // not reported: a --resume sends it
      if (skipReason) {
        report(resultOf(op, { outcome: "skipped", message: skipReason }, now()), labelOf(op));
        continue;
      }
      // Incremental sync: what was applied with the same fingerprint is not sent again.
      const applied = state && stateSecret ? await fingerprint(op, stateSecret) : undefined;
      if (applied !== undefined && (await state?.get(stateKey(op))) === applied) {
        report(
          resultOf(op, { outcome: "unchanged", message: "Unchanged since the last successful sync." }, now()),
          labelOf(op),
        );
        continue;
      }
      if (overMassChangeLimit()) return;
      const result = await sendOne(op);
      if (hard.signal.aborted && result.outcome === "failed") return; // abandoned in flight: not known
      report(resultOf(op, result, now()), labelOf(op));
      if (result.until) counter.deferUntil(result.until);
      if (result.outcome === "ok" && applied !== undefined) await state?.put(stateKey(op), applied);
      if (result.fatal === "auth") stopForAuth(result.message);
      if (op === row.operations[0] && result.http_status === 404 && result.zoom_code === 1001)
        skipReason = `Skipped: the user does not exist (${op.op} answered 404/1001).`;
    }
  };

  /** Drops what a --resume finds done; a background upload cut off by a crash is checked first. */
  const toSend = (row: PlannedRow): Operation[] =>
    row.operations
      .filter((op) => !done.has(resultKey(op.row, op.op, op.target)))
      .map((op) => (config.resume && op.op === "virtual_background" ? { ...op, checkFirst: true } : op));

  const readLog = logger.child({ stage: "read" });
  let warnedPlain = false;
  observer.started?.({ config, stats: () => limiters.stats() });
  try {
    for await (const record of manifest.records()) {
      if (draining) break;
      if (!warnedPlain && isPlainPassword(record.fields?.password)) {
        warnedPlain = true;
        const warning = plainPasswordWarning(config.manifest, true);
        if (warning) logger.warn({ manifest: config.manifest }, warning);
      }
      const planned = await plan(record);
      if (!inShard(planned.user, config.shard)) continue; // another process's user
      observer.planned?.(planned);
      for (const invalid of planned.invalid) {
        readLog.debug({ row: { row: invalid.row, line: invalid.line, code: invalid.code } }, "row.invalid");
        report(invalidResult(invalid, now()));
      }
      const operations = toSend(planned);
      if (operations.length > 0)
        await queue.push(userKey(planned.user), () => runRow({ ...planned, operations }));
    }
    await queue.onIdle();
  } finally {
    deps.signal?.removeEventListener("abort", onSignal);
    clearTimeout(drainTimer);
    results.close();
    await limiters.stop(); // with --redis this closes the connections, so the process can exit
    await state?.close();
  }
  if (fatal) throw fatal;

  // The summary counts the whole job: after a --resume, the earlier runs' lines too.
  const counts = config.resume ? summarize(readResults(config.results)) : counter.counts();
  const finishedAt = now();
  const labelStats = limiters.stats();
  const labels: Record<string, LabelSummary> = {};
  for (const label of LABELS) {
    const s = labelStats[label];
    if (s && s.requests > 0) labels[label] = s;
  }
  const summary: Summary = {
    ...base,
    started_at: new Date(startedAt).toISOString(),
    finished_at: new Date(finishedAt).toISOString(),
    elapsed_ms: finishedAt - startedAt,
    operations: counts.operations,
    outcomes: counts.outcomes,
    by_op: counts.by_op,
    zoom_codes: counts.zoom_codes,
    labels,
    throughput_per_second: round((counter.sent * 1000) / Math.max(1, finishedAt - startedAt)),
    next_safe_run_at: counter.nextSafeRunAt,
    stopped,
    exit_code: safetyStop ? EXIT.safetyStop : exitCodeFor({ outcomes: counts.outcomes }),
  };
  writeSummary(summaryPath(config.results), summary);
  observer.finished?.(summary);
  logger.info(
    { summary: { outcomes: summary.outcomes, elapsed_ms: summary.elapsed_ms, labels, stopped } },
    "run.finished",
  );
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
