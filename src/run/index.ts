import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Logger } from "pino";
import type { RunConfig } from "../config.js";
import { ConfigError, DependencyError, exitCodeFor, SafetyStopError } from "../errors.js";
import { DEFAULT_MAX_DELETES } from "../config/options.js";
import type { Operation } from "../types.js";
import { acquireLock, acquireRedisLock, runLockKey, runLockPath, type Lock } from "../lock.js";
import { silentLogger } from "../log.js";
import { plannerFor } from "../plan/index.js";
import { plainPasswordWarning } from "../plan/secrets.js";
import { createUserQueue, type UserQueue } from "../queue/index.js";
import { checkSource, openManifest, type Manifest } from "../read/index.js";
import { writeRetryFile } from "../report/retry-file.js";
import {
  countResults,
  emptySummary,
  labelSummaries,
  summaryPath,
  writeSummary,
  type Counts,
  type Summary,
} from "../report/summary.js";
import { createBreaker } from "../safety.js";
import { accountScope, fileSha256, lookup } from "../state/index.js";
import { PLAN_LIMITS } from "../zoom/labels.js";
import { RunController } from "./controller.js";
import { invalidResult, plannedRows, type FeedOptions, type RowSource } from "./feed.js";
import { Reporter } from "./reporter.js";
import { openResources, type Resources } from "./resources.js";
import { DoneBook, streamResults } from "./resume.js";
import { RowRunner } from "./row-runner.js";
import { labelOfOp } from "../report/read.js";
import type { CurrentUser } from "../desired/diff.js";
import { collectWanted, currentOf, readCurrent, readPaces } from "../desired/read.js";
import {
  collectNames,
  decidePrune,
  firstLeavers,
  leaverState,
  PruneIndex,
  pruneRow,
  type PrunePlan,
} from "../desired/prune.js";
import { createReadClient } from "../desired/client.js";
import type { RunDeps } from "./types.js";

export type { RunDeps, RunObserver } from "./types.js";

/** How long requests in flight may take to finish after a stop was asked for. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

/**
 * The main job: manifest -> plan -> queue -> limiter -> sender -> reporter.
 *
 * Returns the summary (also written beside the results); `summary.exit_code` is the process's,
 * interruptions included. Throws ManifestError / ConfigError before anything is sent; after the
 * summary is written, rethrows what ended the run early (AuthError, DependencyError,
 * InternalError), whose exit code is the summary's.
 *
 * Stages, each in its own module: feed (read, shard, plan, resume filter), queue (bounded, per-user
 * order), row runner (skip, unchanged, send), reporter (results, counts, breaker, observer),
 * controller (drain, hard stop, fatal), resources (opened and closed in one scope).
 *
 * `source` (`zoom-bulk undo`) supplies the rows instead of the manifest's; `config.manifest` then
 * names the file they come from (the lock and the summary's fingerprint are its), and no retry
 * file is written.
 */
export async function runBatch(config: RunConfig, deps: RunDeps = {}, source?: RowSource): Promise<Summary> {
  await checkSource(config.manifest); // a folder or FIFO is refused before it is hashed
  const manifestSha = `sha256:${await fileSha256(config.manifest)}`;
  const locks: Lock[] = [];
  try {
    // Two runs must not write one results file or one state, nor send one manifest to one account
    // at once (each would pace itself as if alone, and every change would go out twice).
    locks.push(acquireLock(`${config.results}.lock`, `the results file ${config.results}`));
    const account = accountScope(config.zoom);
    const what = `the manifest ${config.manifest} (by content) on this Zoom account`;
    locks.push(
      config.redis
        ? await acquireRedisLock(config.redis.url, runLockKey(manifestSha, account, config.shard), what)
        : acquireLock(runLockPath(manifestSha, account, config.shard), what),
    );
    if (config.state && !config.redis) {
      mkdirSync(dirname(resolve(config.state)), { recursive: true }); // LevelDB creates the folder itself
      locks.push(acquireLock(`${config.state}.lock`, `the state ${config.state}`));
    }
    return await runLocked(config, deps, manifestSha, source);
  } finally {
    for (const lock of locks) lock.release();
  }
}

async function runLocked(
  config: RunConfig,
  deps: RunDeps,
  manifestSha: string,
  source: RowSource | undefined,
): Promise<Summary> {
  const logger = deps.logger ?? silentLogger;
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const { feed, base, append } = await prepare(config, deps, manifestSha, logger, source);

  let queue: UserQueue | undefined;
  const controller = new RunController({
    drainTimeoutMs: config.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS,
    onStop: () => queue?.clear(), // rows not started: no result line, so a --resume sends them
    logger,
  });
  const stop = { drain: controller.drainSignal, hard: controller.signal };
  const res = await openResources(config, deps, { append, logger, stop });
  if (!append) {
    try {
      saveSummary(config.results, emptySummary(base, startedAt));
    } catch (error) {
      await res.close();
      throw error;
    }
  }
  const observer = deps.observer ?? {};
  const reporter = new Reporter({
    results: res.results,
    breaker: createBreaker(
      config.maxFailureRate !== undefined ? { maxFailureRate: config.maxFailureRate } : {},
    ),
    controller,
    observer,
    logger,
  });
  const onSignal = (): void => controller.interrupt(deps.signal?.reason);
  const onHardSignal = (): void => controller.interrupt(deps.hardSignal?.reason, { now: true });
  try {
    const zoom = config.diff ? await readZoom(config, feed, res, deps, logger) : undefined;
    if (zoom) feed.current = zoom.current;
    await preflight(config, feed, res, logger, zoom?.prune);
    queue = createUserQueue(queueBounds(config, deps));
    if (deps.signal?.aborted) onSignal();
    deps.signal?.addEventListener("abort", onSignal, { once: true });
    deps.hardSignal?.addEventListener("abort", onHardSignal, { once: true });
    observer.started?.({ config, stats: () => res.limiters.stats() });
    await feedQueue(feed, queue, { config, res, controller, reporter, now, observer, prune: zoom?.prune });
  } catch (error) {
    controller.fail(error);
  } finally {
    await queue?.onIdle(); // rows already running finish (or are aborted) and report
    deps.signal?.removeEventListener("abort", onSignal);
    deps.hardSignal?.removeEventListener("abort", onHardSignal);
    controller.dispose();
    await res.close();
  }
  return finish({ config, feed, base, append, res, reporter, controller, observer, logger, startedAt, now });
}

type SummaryBase = Pick<Summary, "manifest" | "manifest_sha256" | "results" | "account" | "plan" | "share">;

/** What a run reads before it opens anything: the manifest, what `--resume` finds done, the feed. */
async function prepare(
  config: RunConfig,
  deps: RunDeps,
  manifestSha: string,
  logger: Logger,
  source: RowSource | undefined,
): Promise<{ feed: FeedOptions; base: SummaryBase; append: boolean }> {
  const manifest =
    source?.manifest ??
    (await openManifest(config.manifest, {
      ...(config.mapping ? { mapping: config.mapping } : {}),
      ...(config.delimiter ? { delimiter: config.delimiter } : {}),
    }));
  const account = accountScope(config.zoom);
  const done = config.resume ? await DoneBook.load(config.results, manifestSha, account) : undefined;
  const feed: FeedOptions = {
    manifest,
    plan: plannerFor(config, deps.env ?? process.env),
    shard: config.shard,
    done,
    ...(source ? { rows: source.rows } : {}),
    onPlainPassword: () => {
      const warning = plainPasswordWarning(config.manifest, true);
      if (warning) logger.warn({ manifest: config.manifest }, warning);
    },
  };
  const base: SummaryBase = {
    manifest: config.manifest,
    manifest_sha256: manifestSha,
    results: config.results,
    account,
    plan: config.plan,
    share: config.share,
  };
  return { feed, base, append: config.resume === true && existsSync(config.results) };
}

/**
 * The end of every run, however it stopped: the retry file, the summary (the whole job's counts
 * after a `--resume`), the `run.finished` event; then what ended the run early is rethrown.
 */
async function finish(run: {
  config: RunConfig;
  feed: FeedOptions;
  base: SummaryBase;
  append: boolean;
  res: Resources;
  reporter: Reporter;
  controller: RunController;
  observer: NonNullable<RunDeps["observer"]>;
  logger: Logger;
  startedAt: number;
  now: () => number;
}): Promise<Summary> {
  const { config, controller, logger } = run;
  const tally = run.append ? await countResults(streamResults(config.results)) : run.reporter.counter;
  if (!run.feed.rows) await writeRetry(config, run.feed.manifest, tally.retryRows, logger);
  const summary = buildSummary(run.base, tally.counts(), { ...run, finishedAt: run.now() });
  try {
    saveSummary(config.results, summary);
  } catch (error) {
    logger.error({ summary, err: error }, "summary.unwritten"); // the log keeps it
    controller.fail(error);
  }
  run.observer.finished?.(summary);
  const { outcomes, elapsed_ms, labels, stopped } = summary;
  logger.info({ summary: { outcomes, elapsed_ms, labels, stopped } }, "run.finished");
  if (controller.fatal && !(controller.fatal instanceof SafetyStopError)) throw controller.fatal;
  return summary;
}

/**
 * `<results>.retry.csv` (or `.jsonl`): the rows with an operation failed, invalid, deferred or
 * skipped, copied from the manifest in its own format, to fix and run like any manifest. Written
 * at the end of every run (removed when no row needs it); a failure to write it is only logged.
 */
async function writeRetry(
  config: RunConfig,
  manifest: Manifest,
  rows: Set<number>,
  logger: Logger,
): Promise<void> {
  try {
    const file = await writeRetryFile({
      manifest: config.manifest,
      results: config.results,
      rows: [...rows].filter((row) => row > 0).sort((a, b) => a - b), // row 0: --prune, no manifest row
      ...(manifest.delimiter ? { delimiter: manifest.delimiter } : {}),
    });
    if (file) logger.info({ retry: { path: file.path, rows: file.rows } }, "run.retry_file");
  } catch (error) {
    logger.warn({ err: error }, "run.retry_file_failed");
  }
}

/** Writes `<results>.summary.json`; a disk that refuses is a DependencyError (exit 6). */
function saveSummary(results: string, summary: Summary): void {
  const path = summaryPath(results);
  try {
    writeSummary(path, summary);
  } catch (error) {
    throw new DependencyError(
      "disk",
      `Cannot write the summary ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}). Free some space or fix the folder's permissions, then rerun with --resume.`,
      { cause: error },
    );
  }
}

interface FeedContext {
  config: RunConfig;
  res: Resources;
  controller: RunController;
  reporter: Reporter;
  now: () => number;
  observer: NonNullable<RunDeps["observer"]>;
  /** `--prune`: this shard's leavers, deactivated after the manifest's rows. */
  prune?: PrunePlan | undefined;
}

/**
 * `--diff`: what Zoom holds for the manifest's users, read once before anything is sent, through
 * the run's own limiters, retries and tokens (List users pages, Medium; per-user reads only where
 * the list lacks a field the rows set). Only the manifest's users are kept; with `--prune`, also
 * the scope's active users that no row (of any shard) names, the leavers (src/desired/prune.ts).
 */
async function readZoom(
  config: RunConfig,
  feed: FeedOptions,
  res: Resources,
  deps: RunDeps,
  logger: Logger,
): Promise<{ current: (user: string) => CurrentUser | undefined; prune?: PrunePlan }> {
  const wanted = await collectWanted(
    (async function* () {
      for await (const { planned } of plannedRows({ ...feed, onPlainPassword: () => {} })) yield planned;
    })(),
  );
  const client = createReadClient({
    sender: res.sender,
    limiters: res.limiters,
    tokens: res.tokens,
    logger: logger.child({ stage: "read-zoom" }),
  });
  const index =
    config.prune && config.scope
      ? new PruneIndex(config.scope, await collectNames(feed.manifest, config.transform))
      : undefined;
  const report = await readCurrent(wanted, client, {
    ...readPaces(config.plan, config.share, deps.limitsScale),
    logger: logger.child({ stage: "read-zoom" }),
    ...(index ? { prune: index } : {}),
  });
  const current = (user: string): CurrentUser | undefined => currentOf(report, user);
  if (!index) return { current };
  const done = feed.done;
  const prune = decidePrune(index, {
    maxPrune: config.maxPrune,
    shard: config.shard,
    done: done ? (user) => done.isPruned(user) : undefined,
  });
  const { scope, scopeActive, count, limit, targets, kept } = prune;
  logger.info(
    {
      prune: {
        scope,
        scope_active: scopeActive,
        leavers: count,
        max_prune: limit,
        to_send: targets.length,
        kept,
      },
    },
    "prune.planned",
  );
  return { current, prune };
}

/** Reads, plans and queues rows until the manifest ends or a stop is asked for. */
async function feedQueue(feed: FeedOptions, queue: UserQueue, ctx: FeedContext): Promise<void> {
  const runner = new RowRunner({
    executor: ctx.res.executor,
    controller: ctx.controller,
    reporter: ctx.reporter,
    ...(ctx.res.state ? { state: ctx.res.state } : {}),
    resume: ctx.config.resume === true,
    now: ctx.now,
    ...(ctx.res.journal ? { journal: ctx.res.journal } : {}),
  });
  for await (const { planned, hash, operations, unchanged, current } of plannedRows(feed)) {
    if (ctx.controller.draining) break;
    ctx.observer.planned?.(planned);
    for (const invalid of planned.invalid) ctx.reporter.report(invalidResult(invalid, ctx.now()));
    for (const line of unchanged) ctx.reporter.report(line, labelOfOp(line.op));
    if (operations.length === 0) continue;
    ctx.res.rowIndex.write(planned.row, hash);
    await queue.push(userKey(planned.user), () =>
      runner.run({ ...planned, operations }, current).catch((error: unknown) => ctx.controller.fail(error)),
    );
  }
  // --prune: the leavers after the manifest's rows, through the same queue, runner and limiters
  for (const leaver of ctx.prune?.targets ?? []) {
    if (ctx.controller.draining) break;
    const row = pruneRow(leaver);
    ctx.observer.planned?.(row); // the progress display counts it as planned work
    await queue.push(userKey(row.user), () =>
      runner.run(row, leaverState(leaver)).catch((error: unknown) => ctx.controller.fail(error)),
    );
  }
}

/**
 * Checks made before the first request, from the plan (the rows are planned once more, sending
 * nothing), only when they are asked for: rows that delete or disassociate users need
 * `--allow-delete` (exit 2 naming them) and stay within `--max-deletes` (exit 5); the operations to
 * send stay within `--max-operations` (exit 5). Operations a `--resume` finds done, or `--state`
 * finds unchanged, do not count.
 */
async function preflight(
  config: RunConfig,
  feed: FeedOptions,
  res: Resources,
  logger: Logger,
  prune?: PrunePlan,
): Promise<void> {
  if (prune?.over) {
    logger.error({ max_prune: prune.limit, leavers: prune.count, scope: prune.scope }, "run.safety_stop");
    throw new SafetyStopError(
      `${prune.count} users of ${prune.scope} (${prune.scopeActive} active) would be pruned, more than --max-prune ${prune.maxPrune} allows (${prune.limit}): ${firstLeavers(prune)}. Nothing was sent. Check that the manifest holds the whole scope; if these leavers are meant, rerun with a higher --max-prune.`,
    );
  }
  const deletesPossible = feed.manifest.columns.includes("action");
  if (config.maxOperations === undefined && !deletesPossible) return;
  let count = prune?.targets.length ?? 0; // the leavers' deactivations are operations too
  const deletes: Operation[] = [];
  for await (const { operations } of plannedRows({ ...feed, onPlainPassword: () => {} }))
    for (const op of operations) {
      if (op.op === "delete") deletes.push(op);
      if (!res.state || !(await lookup(res.state, op)).unchanged) count++;
    }
  if (deletes.length > 0 && !config.allowDelete)
    throw new ConfigError(
      `${deletes.length} row${deletes.length === 1 ? "" : "s"} would delete or disassociate users (${named(deletes)}); nothing was sent. Removing users needs --allow-delete ("allow_delete": true in a job file); to switch leavers off and keep their data, use action deactivate.`,
    );
  const maxDeletes = config.maxDeletes ?? DEFAULT_MAX_DELETES;
  if (deletes.length > maxDeletes) {
    logger.error({ max_deletes: maxDeletes, deletes: deletes.length }, "run.safety_stop");
    throw new SafetyStopError(
      `${deletes.length} users to delete or disassociate, more than --max-deletes ${maxDeletes} (${named(deletes)}): nothing was sent. Check the manifest; if the removals are meant, rerun with a higher --max-deletes.`,
    );
  }
  const max = config.maxOperations;
  if (max === undefined || count <= max) return;
  logger.error({ max_operations: max, operations: count }, "run.safety_stop");
  throw new SafetyStopError(
    `${count} operations to send, more than --max-operations ${max} (the mass-change limit): nothing was sent. Check the manifest; if the change is meant, rerun with a higher --max-operations.`,
  );
}

/** The first few rows of a list, as a person reads them: `row 4 (line 5) a@x.com, …`. */
function named(ops: Operation[]): string {
  const first = ops.slice(0, 5).map((op) => `row ${op.row} (line ${op.line}) ${op.user}`);
  return first.join(", ") + (ops.length > 5 ? `, and ${ops.length - 5} more` : "");
}

function buildSummary(
  base: SummaryBase,
  counts: Counts,
  run: {
    startedAt: number;
    finishedAt: number;
    res: Resources;
    reporter: Reporter;
    controller: RunController;
  },
): Summary {
  const elapsed = run.finishedAt - run.startedAt;
  const stopReason = run.controller.reason;
  return {
    ...base,
    started_at: new Date(run.startedAt).toISOString(),
    finished_at: new Date(run.finishedAt).toISOString(),
    elapsed_ms: elapsed,
    operations: counts.operations,
    outcomes: counts.outcomes,
    by_op: counts.by_op,
    zoom_codes: counts.zoom_codes,
    labels: labelSummaries(run.res.limiters.stats()),
    throughput_per_second: Math.round((run.reporter.counter.sent * 100_000) / Math.max(1, elapsed)) / 100,
    next_safe_run_at: run.reporter.counter.nextSafeRunAt,
    stopped: run.controller.message,
    stop_reason: stopReason,
    exit_code: exitCodeFor({ outcomes: counts.outcomes, stop_reason: stopReason }),
  };
}

/** Emails are case-insensitive in Zoom, so one user's rows serialize whatever the case. */
export function userKey(user: string): string {
  return user.toLowerCase();
}

/**
 * Per-label lanes: a row waiting for one label's limiter holds no slot that another label's work
 * needs (rows wait in their label's limiter queue, where in-flight requests per label are bounded
 * by `--concurrency`), so Medium work never holds Light back. What bounds the run is memory: at
 * most `maxBacklog` rows are held at once (read ahead, waiting or sending); about two minutes of
 * every label's pace, between 2,000 and 20,000 rows (a few KB each, so at most ~100 MB).
 */
export function queueBounds(config: RunConfig, deps: RunDeps): { concurrency: number; maxBacklog: number } {
  const limits = PLAN_LIMITS[config.plan];
  const perSecond = (limits.light.limit + limits.medium.limit) * config.share * (deps.limitsScale ?? 1);
  const rows = Math.min(20_000, Math.max(2_000, Math.ceil(perSecond * 120)));
  return { concurrency: rows, maxBacklog: rows };
}
