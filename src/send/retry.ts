/**
 * The retry decision, as one pure function: what came back from one attempt (and how many attempts
 * were made) in, wait-or-give-up out. No I/O, no clock, no randomness of its own: `now` and
 * `random` are passed in, so every rule is a line in a table test (test/unit/send/retry.test.ts).
 *
 * Sources: ../shared/zoom-api.md §3.4 (429s), §4.2 (401/124, 4711), §5 (5xx, idempotency), §9.
 */

/** What one attempt ended with: an HTTP answer that was not a success, or no answer at all. */
export type Failure =
  | {
      kind: "http";
      status: number;
      zoomCode?: number | undefined;
      message: string;
      /** Lower-cased response headers (at least `x-ratelimit-*` and `retry-after`). */
      headers: Record<string, string>;
    }
  | {
      kind: "network";
      /** Whether the request may have reached Zoom (its body was sent before the failure). */
      maybeApplied: boolean;
      message: string;
    };

export interface Attempt {
  /** Attempts made so far for this operation, the failed one included (1 after the first). */
  number: number;
  /** Token renewals already done for this operation. */
  renewals: number;
  /** Whether sending the request twice leaves the same state as sending it once (endpoints.ts). */
  idempotent: boolean;
  /**
   * Milliseconds since the operation's first attempt began (waits, timeouts and checks included).
   * Once a retry's wait would take it past `maxTotalMs` the policy gives up. Default 0.
   */
  elapsedMs?: number;
}

export type RateLimitKind = "qps" | "daily" | "concurrency";

export type Decision =
  | { action: "retry"; waitMs: number; reason: RateLimitKind | "server" | "network" }
  | { action: "renew-token" }
  /**
   * A non-idempotent call (POST /users, a background upload) may have been applied: look before
   * sending it again. `last`: the attempts are spent; look, so the result says what Zoom holds,
   * but do not send it again.
   */
  | { action: "reconcile"; last?: true }
  | {
      action: "give-up";
      outcome: "failed" | "deferred";
      /** For `deferred`: epoch ms when the label may be used again. */
      until?: number;
      /** The whole job should stop: the app's credentials or scopes are refused (exit 3). */
      fatal?: "auth";
      /** Why: the kind of 429, or `time` when the operation's retry time (`maxTotalMs`) ran out. */
      reason?: RateLimitKind | "time";
    };

export type RetryPolicy = (failure: Failure, attempt: Attempt, now: number, random: () => number) => Decision;

/** Tuning of the policy; the defaults follow zoom-api.md §3.4 and §5. */
export interface RetryLimits {
  /** Attempts in all for an operation that keeps getting per-second or concurrency 429s. */
  maxRateLimitAttempts: number;
  /** Attempts in all for 5xx answers and network errors. */
  maxErrorAttempts: number;
  /** Per-second 429: wait this long plus 0..`rateLimitJitterMs` (ZoomNet's 1 s + up to 1 s). */
  rateLimitWaitMs: number;
  rateLimitJitterMs: number;
  /** A per-second 429's own Retry-After is honoured when it asks for at most this long. */
  maxRetryAfterMs: number;
  /**
   * 5xx / network: full jitter, random() × min(cap, base × 2^(attempt-1)). A 250 ms base: most
   * faults are one-off, and a retry holds its user's later operations back while it waits.
   */
  backoffBaseMs: number;
  backoffCapMs: number;
  /** Token renewals per operation after a 401 or code 124. */
  maxRenewals: number;
  /**
   * No retry starts once the operation has run this long (first attempt to the end of the wait),
   * so an operation costs at most `maxTotalMs` plus one request timeout, whatever Zoom does: a
   * server that never answers costs one timeout per attempt, not 5 x 60 s. Default 120 s, room for
   * the usual ladder (5 attempts with backoff, or 6 per-second 429s) at normal latency.
   */
  maxTotalMs: number;
  /**
   * A daily 429's Retry-After is kept within [next 00:00 UTC, now + this]: Zoom's daily limits
   * reset at 00:00 UTC (zoom-api.md §3.3, §3.4), so an earlier time would only buy another 429
   * for every operation sent, and a date far out (or out of range) is a broken header. Default 48 h.
   */
  maxDailyWaitMs: number;
}

export const DEFAULT_RETRY_LIMITS: RetryLimits = {
  maxRateLimitAttempts: 6,
  maxErrorAttempts: 5,
  rateLimitWaitMs: 1000,
  rateLimitJitterMs: 1000,
  maxRetryAfterMs: 60_000,
  backoffBaseMs: 250,
  backoffCapMs: 30_000,
  maxRenewals: 1,
  maxTotalMs: 120_000,
  maxDailyWaitMs: 48 * 3600_000,
};

/** Zoom codes that mean the app itself is refused: missing scopes (4711, 4700). */
const FATAL_AUTH_CODES = new Set([4700, 4711]);
/** "Access token is expired." / "Invalid access token." (HTTP 401, or 400 on some endpoints). */
const TOKEN_CODE = 124;

export function createRetryPolicy(limits: Partial<RetryLimits> = {}): RetryPolicy {
  const l: RetryLimits = { ...DEFAULT_RETRY_LIMITS, ...limits };

  const backoff = (attempt: Attempt, random: () => number): number =>
    Math.round(random() * Math.min(l.backoffCapMs, l.backoffBaseMs * 2 ** (attempt.number - 1)));

  /** A retry, unless its wait would take the operation past `maxTotalMs`. */
  const retry = (attempt: Attempt, waitMs: number, reason: RateLimitKind | "server" | "network"): Decision =>
    (attempt.elapsedMs ?? 0) + waitMs > l.maxTotalMs
      ? { action: "give-up", outcome: "failed", reason: "time" }
      : { action: "retry", waitMs, reason };

  const reconcile = (attempt: Attempt): Decision =>
    attempt.number >= l.maxErrorAttempts ? { action: "reconcile", last: true } : { action: "reconcile" };

  return (failure, attempt, now, random) => {
    const failed: Decision = { action: "give-up", outcome: "failed" };

    if (failure.kind === "network") {
      // A non-idempotent call that may have been applied is never sent again without a look, and
      // is looked at even when the attempts are spent: the result then says what Zoom holds.
      if (!attempt.idempotent && failure.maybeApplied) return reconcile(attempt);
      if (attempt.number >= l.maxErrorAttempts) return failed;
      // A request that never left, or one Zoom may safely see twice, is simply sent again.
      return retry(attempt, backoff(attempt, random), "network");
    }

    const { status, zoomCode } = failure;
    if (zoomCode !== undefined && FATAL_AUTH_CODES.has(zoomCode)) return { ...failed, fatal: "auth" };

    if (status === 401 || zoomCode === TOKEN_CODE) {
      if (attempt.renewals < l.maxRenewals) return { action: "renew-token" };
      // A token fresh from the token endpoint is refused too: every other call will be as well.
      return { ...failed, fatal: "auth" };
    }

    if (status === 429) {
      const kind = rateLimitKind(failure.headers, failure.message);
      if (kind === "daily") {
        const until = dailyResumeAt(failure.headers["retry-after"], now, l.maxDailyWaitMs);
        return { action: "give-up", outcome: "deferred", until, reason: "daily" };
      }
      if (attempt.number >= l.maxRateLimitAttempts) return { ...failed, reason: kind };
      const asked = parseRetryAfter(failure.headers["retry-after"], now);
      const base =
        asked !== undefined && asked - now > 0 && asked - now <= l.maxRetryAfterMs
          ? asked - now
          : l.rateLimitWaitMs;
      return retry(attempt, Math.round(base + random() * l.rateLimitJitterMs), kind);
    }

    if (status >= 500) {
      // Zoom may have applied a non-idempotent call before failing: look before sending it again.
      if (!attempt.idempotent) return reconcile(attempt);
      if (attempt.number >= l.maxErrorAttempts) return failed;
      return retry(attempt, backoff(attempt, random), "server");
    }

    // Any other answer (4xx, or a 3xx redirect that is never followed) is Zoom's final word.
    return failed;
  };
}

/** The default policy. */
export const decideRetry: RetryPolicy = createRetryPolicy();

/**
 * Which limit a 429 hit. `X-RateLimit-Type: Daily-limit` or a message about a daily limit means
 * daily; "Too many concurrent requests." means one user was busy; everything else (QPS, or no
 * type at all) is the per-second limit.
 */
export function rateLimitKind(headers: Record<string, string>, message: string): RateLimitKind {
  const type = (headers["x-ratelimit-type"] ?? "").toLowerCase();
  if (type.includes("daily") || /daily/i.test(message)) return "daily";
  if (/too many concurrent requests/i.test(message)) return "concurrency";
  return "qps";
}

/** The latest epoch ms a JavaScript Date can hold (ECMA-262 §21.4.1.1); beyond it toISOString throws. */
const MAX_DATE_MS = 8.64e15;

/**
 * Zoom sends Retry-After as an ISO date (`2020-05-31T00:00:00Z`); plain seconds are accepted too.
 * Returns epoch ms, or undefined when missing, unparsable, or outside what a Date can hold
 * (`Retry-After: 99999999999999` is a broken header, not a time).
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === "" || text.length > 64) return undefined;
  const at = /^\d+(\.\d+)?$/.test(text) ? now + Math.round(Number(text) * 1000) : Date.parse(text);
  return Number.isFinite(at) && Math.abs(at) <= MAX_DATE_MS ? at : undefined;
}

/**
 * Until when a daily 429 stops its label: Retry-After, kept within [next 00:00 UTC, now +
 * `maxWaitMs`]. Missing, garbage, or in the past (a skewed clock, a broken header): the next
 * 00:00 UTC, when Zoom's daily limits reset, so the label is stopped rather than every later
 * operation being sent to collect its own 429.
 */
export function dailyResumeAt(retryAfter: string | undefined, now: number, maxWaitMs: number): number {
  const reset = nextUtcMidnight(now);
  const asked = parseRetryAfter(retryAfter, now);
  if (asked === undefined || asked <= now) return reset;
  return Math.max(reset, Math.min(asked, now + maxWaitMs));
}

/** Zoom's daily limits reset at 00:00 UTC. */
export function nextUtcMidnight(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}
