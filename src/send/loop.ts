import type { Logger } from "pino";
import { AuthError, DependencyError } from "../errors.js";
import { rateLimitInfo, type Limiters } from "../limit/index.js";
import type { Operation } from "../types.js";
import { ENDPOINTS } from "../zoom/endpoints.js";
import type { Label } from "../zoom/labels.js";
import { attemptOnce, type AttemptDeps, type AttemptResult } from "./attempt.js";
import type { TokenProvider } from "./auth.js";
import { capOf, type DailyCaps } from "./caps.js";
import { AnswerError, RequestTimeoutError, seconds } from "./failure.js";
import { meaningOf } from "./meaning.js";
import { OperationRecord, type Settled } from "./outcome.js";
import { reconcile as reconcileDefault, type Reconcile } from "./reconcile.js";
import { rateLimitKind, type Decision, type Failure, type RetryPolicy } from "./retry.js";

/** What the retry loop works with; send/execute.ts fills in the defaults. */
export interface LoopDeps extends AttemptDeps {
  limiters: Pick<Limiters, "schedule" | "noteRateLimited" | "stopLabel" | "isStopped"> &
    Partial<Pick<Limiters, "scheduleWithStart">>;
  tokens: Pick<TokenProvider, "invalidate">;
  /** Daily caps on one kind of operation (send/caps.ts); without them a create's cap stops Light. */
  caps?: DailyCaps;
  policy: RetryPolicy;
  /** Waits between attempts; must reject when `signal` aborts. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  random: () => number;
  /** Wall clock, epoch ms. */
  now: () => number;
  logger: Logger;
  /**
   * Looks at Zoom after a failure that may have been applied, or whose meaning needs a look
   * (send/reconcile.ts). Default: `reconcile`, without a row's cached background listing.
   */
  reconcile?: Reconcile;
}

/** A failed attempt, as the policy sees it, with the error behind a missing answer. */
interface Failed {
  failure: Failure;
  noAnswer?: Error;
}

/**
 * The retry loop: attempt -> what the answer means for this operation (send/meaning.ts) -> retry
 * policy -> (wait | renew the token | reconcile | give up), again until Zoom accepts the operation
 * or the policy gives up. Waits happen outside the limiter, so a sleeping retry holds no slot, and
 * every wait ends when `signal` aborts. `started`: when the operation began (a check before it
 * included), for its time budget and duration.
 */
export async function runOperation(
  deps: LoopDeps,
  op: Operation,
  signal: AbortSignal,
  started: number = deps.now(),
): Promise<Settled> {
  const label = ENDPOINTS[op.endpoint].label;
  const idempotent = ENDPOINTS[op.endpoint].idempotent;
  const record = new OperationRecord(op, started, deps.now, deps.logger);
  for (;;) {
    const stoppedUntil = deps.limiters.isStopped(label);
    if (stoppedUntil !== undefined) return record.deferred(label, stoppedUntil);
    const heldUntil = deps.caps?.heldUntil(op);
    if (heldUntil !== undefined) return record.deferred(capOf(op) ?? label, heldUntil);

    const attempt = await attemptOnce(deps, op, label, signal, record);
    const failed = judge(deps, attempt, record, label);
    if (!("failure" in failed)) return failed;

    const meant = await mean(deps, failed, record, signal);
    if (meant) return meant;
    if (failed.failure.kind === "network" ? failed.failure.maybeApplied : failed.failure.status >= 500)
      record.mayHaveApplied = true;

    const decision = deps.policy(
      failed.failure,
      { number: record.tries, renewals: record.renewals, idempotent, elapsedMs: record.elapsed() },
      deps.now(),
      deps.random,
    );
    const settled = await act(deps, decision, failed, record, label, signal);
    if (settled) return settled;
  }
}

/** An attempt's result: settled (success, final error, interrupted), or a failure for the policy. */
function judge(
  deps: LoopDeps,
  attempt: AttemptResult,
  record: OperationRecord,
  label: Label,
): Settled | Failed {
  switch (attempt.kind) {
    case "interrupted":
      return record.interrupted();
    case "label-stopped":
      return record.deferred(attempt.by, attempt.until);
    case "final": {
      const { error } = attempt;
      if (error instanceof AuthError) return record.settle("failed", error.message, { fatal: "auth" });
      const settled = record.settle("failed", error.message, { zoom_code: error.code });
      if (error instanceof AnswerError) {
        settled.result.http_status = error.status;
        settled.result.tracking_id = error.trackingId;
      }
      return settled;
    }
    case "no-answer": {
      const { error } = attempt;
      if (record.debug) record.log.debug({ attempt: record.attempts, error: error.message }, "op.sent");
      if (error.cause instanceof RequestTimeoutError)
        record.log.warn({ attempt: record.attempts, timeout_ms: error.cause.timeoutMs }, "op.timeout");
      const maybeApplied = "maybeApplied" in error ? error.maybeApplied : false;
      return { failure: { kind: "network", maybeApplied, message: error.message }, noAnswer: error };
    }
    case "answer": {
      const res = attempt.answer;
      if (record.debug)
        record.log.debug(
          { status: res.status, attempt: record.attempts, tracking_id: res.trackingId },
          "op.sent",
        );
      if (res.status >= 200 && res.status < 300) return record.ok(res.body);
      if (res.status === 429)
        deps.limiters.noteRateLimited(
          label,
          rateLimitKind(res.headers, res.message),
          rateLimitInfo(res.headers),
        );
      const { status, zoomCode, message, headers } = res;
      return { failure: { kind: "http", status, zoomCode, message, headers } };
    }
  }
}

/**
 * What Zoom's refusal means for this operation, given its earlier attempts (send/meaning.ts):
 * settled, or undefined for the retry policy to decide.
 */
async function mean(
  deps: LoopDeps,
  failed: Failed,
  record: OperationRecord,
  signal: AbortSignal,
): Promise<Settled | undefined> {
  const meaning = meaningOf(record.op, failed.failure, { mayHaveApplied: record.mayHaveApplied }, deps.now());
  if (!meaning) return undefined;
  switch (meaning.outcome) {
    case "ok":
    case "unchanged":
      return record.settle(meaning.outcome, meaning.message);
    case "deferred":
      return record.settle("deferred", meaning.message, { until: new Date(meaning.until).toISOString() });
    case "look": {
      record.log.info({ attempt: record.attempts, failure: failed.failure.message }, "op.reconcile");
      const looked = await (deps.reconcile ?? reconcileDefault)(runner(deps), record, failed.failure, signal);
      return looked ?? record.settle("failed", failed.failure.message);
    }
  }
}

/** `runOperation` bound to `deps`, for the lookups of a reconciliation. */
function runner(deps: LoopDeps) {
  return (op: Operation, s: AbortSignal, started?: number) => runOperation(deps, op, s, started);
}

/** Carries out the policy's decision: undefined to attempt again, or how the operation ended. */
async function act(
  deps: LoopDeps,
  decision: Decision,
  failed: Failed,
  record: OperationRecord,
  label: Label,
  signal: AbortSignal,
): Promise<Settled | undefined> {
  switch (decision.action) {
    case "retry": {
      const { failure } = failed;
      record.log.info(
        {
          attempt: record.attempts,
          reason: decision.reason,
          wait_ms: decision.waitMs,
          ...(failure.kind === "http" ? { status: failure.status } : { error: failure.message }),
        },
        "op.retry",
      );
      try {
        await deps.sleep(decision.waitMs, signal);
      } catch {
        return record.interrupted();
      }
      return undefined;
    }
    case "renew-token":
      record.renewals++;
      record.log.info({ attempt: record.attempts }, "auth.renew");
      if (record.last) deps.tokens.invalidate(record.last.token);
      return undefined;
    case "reconcile": {
      record.log.info({ attempt: record.attempts, failure: failed.failure.message }, "op.reconcile");
      const looked = await (deps.reconcile ?? reconcileDefault)(runner(deps), record, failed.failure, signal);
      if (looked || !decision.last) return looked;
      // Not there, and no attempt left: it was not applied.
      const settled = giveUp(deps, { action: "give-up", outcome: "failed" }, failed, record, label);
      settled.result.message += " A lookup found it was not applied.";
      return settled;
    }
    case "give-up":
      return giveUp(deps, decision, failed, record, label);
  }
}

function giveUp(
  deps: LoopDeps,
  decision: Extract<Decision, { action: "give-up" }>,
  failed: Failed,
  record: OperationRecord,
  label: Label,
): Settled {
  if (decision.outcome === "deferred") {
    const untilMs = decision.until ?? deps.now();
    // The daily cap on creates stops the creates, not the label (send/caps.ts).
    const cap = deps.caps ? capOf(record.op) : undefined;
    if (cap && deps.caps) deps.caps.hold(cap, untilMs);
    else deps.limiters.stopLabel(label, untilMs);
    const settled = record.deferred(cap ?? label, untilMs);
    record.log.warn(
      { label, ...(cap ? { cap } : {}), until: settled.result.until, tracking_id: record.last?.trackingId },
      "limit.daily",
    );
    return settled;
  }
  const message =
    decision.reason === "time"
      ? `${failed.failure.message} Gave up after ${seconds(Math.round(record.elapsed() / 100) * 100)} of attempts and waits.`
      : failed.failure.message;
  if (failed.noAnswer instanceof DependencyError)
    return record.settle("failed", message, { zoom_code: failed.noAnswer.code, fatal: "dependency" });
  return record.settle("failed", message, decision.fatal ? { fatal: decision.fatal } : {});
}
