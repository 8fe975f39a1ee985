import { getMaxListeners, setMaxListeners } from "node:events";
import { setTimeout as sleepFor } from "node:timers/promises";
import { pino, type Logger } from "pino";
import { AuthError, NetworkError, ZoomBulkError } from "../errors.js";
import { rateLimitInfo, type Limiters } from "../limit/index.js";
import type { Operation } from "../types.js";
import { ENDPOINTS } from "../zoom/endpoints.js";
import { LABEL_NAMES, type Label } from "../zoom/labels.js";
import type { TokenProvider } from "./auth.js";
import { decideRetry, rateLimitKind, type Failure, type RetryPolicy } from "./retry.js";
import type { SendOutcome, Sender } from "./sender.js";

/**
 * Runs one operation to its end: limiter slot -> one attempt -> retry policy -> (wait | renew the
 * token | reconcile | give up), again until Zoom accepts it or the policy gives up. Waits happen
 * outside the limiter, so a sleeping retry holds no slot, and every wait ends when `signal` aborts.
 *
 * Operation states while here: sending -> (retry-wait -> sending)* -> done.
 */
export interface ExecResult {
  outcome: "ok" | "failed" | "deferred";
  /** The last HTTP status Zoom answered, "" when none came. */
  http_status: number | "";
  zoom_code: number | string | "";
  message: string;
  /** HTTP requests sent for this operation (reconciliation checks included). */
  attempts: number;
  duration_ms: number;
  tracking_id: string;
  /** For `deferred`: when the label can be used again (ISO date). */
  until?: string;
  /** Set when the app itself is refused (bad token, missing scope): the job stops with exit 3. */
  fatal?: "auth";
}

export interface ExecutorOptions {
  sender: Pick<Sender, "send">;
  limiters: Pick<Limiters, "schedule" | "noteRateLimited" | "stopLabel" | "isStopped">;
  tokens: Pick<TokenProvider, "invalidate">;
  policy?: RetryPolicy;
  /** Waits between attempts; must reject when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Wall clock, epoch ms. */
  now?: () => number;
  logger?: Logger;
}

export interface Executor {
  execute(op: Operation, signal: AbortSignal): Promise<ExecResult>;
}

type Settled = { result: ExecResult; body?: unknown };

export function createExecutor(options: ExecutorOptions): Executor {
  const { sender, limiters, tokens } = options;
  const policy = options.policy ?? decideRetry;
  const sleep = options.sleep ?? ((ms: number, signal: AbortSignal) => sleepFor(ms, undefined, { signal }));
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const logger = options.logger ?? pino({ level: "silent" });

  async function run(op: Operation, signal: AbortSignal): Promise<Settled> {
    const endpoint = ENDPOINTS[op.endpoint];
    const label = endpoint.label;
    const log = logger.child({
      row: { row: op.row, line: op.line, user: op.user, op: op.op, endpoint: op.endpoint },
    });
    const started = now();
    let attempts = 0;
    let renewals = 0;
    let last: SendOutcome | undefined;

    const result = (
      outcome: ExecResult["outcome"],
      message: string,
      extra: Partial<Pick<ExecResult, "until" | "fatal">> = {},
    ): Settled => ({
      result: {
        outcome,
        http_status: last?.status ?? "",
        zoom_code: last?.zoomCode ?? "",
        message,
        attempts,
        duration_ms: Math.max(0, now() - started),
        tracking_id: last?.trackingId ?? "",
        ...extra,
      },
    });
    const interrupted = (): Settled => result("failed", "Interrupted before Zoom's answer was known.");

    for (;;) {
      const stoppedUntil = limiters.isStopped(label);
      if (stoppedUntil !== undefined) {
        const until = new Date(stoppedUntil).toISOString();
        return result("deferred", dailyMessage(label, until), { until });
      }

      attempts++;
      let failure: Failure;
      try {
        const res = await limiters.schedule(label, () => sender.send(op, signal), signal);
        last = res;
        log.debug({ status: res.status, attempt: attempts, tracking_id: res.trackingId }, "op.sent");
        if (res.status >= 200 && res.status < 300) return { ...result("ok", ""), body: res.body };
        failure = {
          kind: "http",
          status: res.status,
          zoomCode: res.zoomCode,
          message: res.message,
          headers: res.headers,
        };
      } catch (error) {
        if (signal.aborted) return interrupted();
        if (error instanceof AuthError) return result("failed", error.message, { fatal: "auth" });
        if (error instanceof ZoomBulkError && !(error instanceof NetworkError))
          return { result: { ...result("failed", error.message).result, zoom_code: error.code } };
        if (!(error instanceof NetworkError)) throw error;
        last = undefined; // no answer: the result reports the network error, not an older status
        log.debug({ attempt: attempts, error: error.message }, "op.sent");
        failure = { kind: "network", maybeApplied: error.maybeApplied, message: error.message };
      }

      if (failure.kind === "http" && failure.status === 429)
        limiters.noteRateLimited(
          label,
          rateLimitKind(failure.headers, failure.message),
          rateLimitInfo(failure.headers),
        );
      const decision = policy(
        failure,
        { number: attempts, renewals, idempotent: endpoint.idempotent },
        now(),
        random,
      );

      switch (decision.action) {
        case "retry":
          log.info(
            { attempt: attempts, reason: decision.reason, wait_ms: decision.waitMs, status: last?.status },
            "op.retry",
          );
          try {
            await sleep(decision.waitMs, signal);
          } catch {
            return interrupted();
          }
          break;

        case "renew-token":
          renewals++;
          log.info({ attempt: attempts }, "auth.renew");
          if (last) tokens.invalidate(last.token);
          break;

        case "reconcile": {
          log.info({ attempt: attempts, failure: failure.message }, "op.reconcile");
          const check = await findUploaded(op, signal);
          attempts += check.result.attempts;
          const after =
            failure.kind === "network" ? "its answer was lost" : `Zoom answered HTTP ${failure.status}`;
          if (check.found || check.result.outcome !== "ok") {
            // The check's answer is the last word Zoom said about this operation.
            const message = check.found
              ? `Already uploaded: ${op.target} was found among the user's virtual backgrounds after ${after}.`
              : `The upload could not be checked after ${after}: ${check.result.message}`;
            return {
              result: { ...check.result, message, attempts, duration_ms: Math.max(0, now() - started) },
            };
          }
          break; // not there: upload again
        }

        case "give-up": {
          if (decision.outcome === "deferred") {
            const untilMs = decision.until ?? now();
            const until = new Date(untilMs).toISOString();
            limiters.stopLabel(label, untilMs);
            log.warn({ label, until, tracking_id: last?.trackingId }, "limit.daily");
            return result("deferred", dailyMessage(label, until), { until });
          }
          return result("failed", failure.message, decision.fatal ? { fatal: decision.fatal } : {});
        }
      }
    }
  }

  /** After a lost upload answer: is a file of the same name and size among the user's virtual backgrounds? */
  async function findUploaded(
    op: Operation,
    signal: AbortSignal,
  ): Promise<{ found: boolean; result: ExecResult }> {
    const { body: _body, query: _query, file, ...rest } = op;
    const settled = await run({ ...rest, endpoint: "getSettings" }, signal);
    const files = virtualBackgrounds(settled.body);
    const found = file !== undefined && files.some((f) => f.name === file.name && f.size === file.size);
    return { found: settled.result.outcome === "ok" && found, result: settled.result };
  }

  return {
    async execute(op, signal) {
      // One run-wide signal reaches every queued job, request and wait at once (each adds and
      // removes its own abort listener), so Node's default warning at 11 listeners does not fit.
      if (getMaxListeners(signal) < SIGNAL_LISTENERS) setMaxListeners(SIGNAL_LISTENERS, signal);
      if (op.checkFirst && op.file) {
        const check = await findUploaded(op, signal);
        if (check.found || check.result.outcome !== "ok")
          return {
            ...check.result,
            message: check.found
              ? `Already uploaded: ${op.target} was found among the user's virtual backgrounds before sending it again.`
              : `The user's virtual backgrounds could not be checked: ${check.result.message}`,
          };
        const upload = await run(op, signal);
        return { ...upload.result, attempts: upload.result.attempts + check.result.attempts };
      }
      return (await run(op, signal)).result;
    },
  };
}

const SIGNAL_LISTENERS = 10_000;

function dailyMessage(label: Label, until: string): string {
  return `Deferred: Zoom's daily limit for ${LABEL_NAMES[label]} requests is used up; run again with --resume after ${until}.`;
}

/** `in_meeting.virtual_background_settings.files` of GET /users/{userId}/settings. */
function virtualBackgrounds(settings: unknown): { name?: unknown; size?: unknown }[] {
  const inMeeting = (
    settings as { in_meeting?: { virtual_background_settings?: { files?: unknown } } } | undefined
  )?.in_meeting;
  const files = inMeeting?.virtual_background_settings?.files;
  return Array.isArray(files) ? (files as { name?: unknown; size?: unknown }[]) : [];
}
