import type { Logger } from "pino";
import { silentLogger } from "../log.js";
import type { RateLimitKind } from "../send/retry.js";
import { LABELS, PLAN_LIMITS, type Label, type Plan } from "../zoom/labels.js";
import { DEFAULT_ADAPTIVE, type AdaptiveOptions } from "./adaptive.js";
import type { RateLimitInfo } from "./headers.js";
import { Lane, type LabelStats, type Start } from "./lane.js";
import { LocalPacer, type Pacer } from "./pacer.js";
import { RedisPacer } from "./redis-pacer.js";
import { RedisConnection, type RedisOptions } from "./redis.js";

export { DEFAULT_ADAPTIVE, type AdaptiveOptions } from "./adaptive.js";
export { rateLimitInfo, type RateLimitInfo } from "./headers.js";
export type { LabelStats, Sent, Start } from "./lane.js";
export type { RedisOptions } from "./redis.js";
export type { StartsPerSecond } from "./stats.js";

/**
 * The limiter stage: one lane per Zoom rate label (Light, Medium, Heavy, Resource-intensive), each
 * paced at `limit × share` of the plan's budget (zoom/labels.ts, from
 * https://developers.zoom.us/docs/api/rate-limits/). The parts, one module each:
 *
 * - window.ts: the sliding-window reservation (pure): never more than `allowed` starts in any
 *   `windowMs + safetyMs`, spaced `windowMs / allowed` apart;
 * - adaptive.ts: the adaptive controller (pure): slower after QPS 429s (other apps spend the
 *   account's budget), faster after a quiet spell, a lower ceiling from X-RateLimit-Limit;
 * - concurrency.ts: how many requests may be in flight, from the pace and the latency seen;
 * - pacer.ts / redis-pacer.ts: ONE pacing mechanism per mode: the reservation in memory, or the
 *   same reservation as one Lua script on Redis' clock (one round trip per request) shared by
 *   every process of the account (redis.ts: the connection, its deadlines and errors);
 * - lane.ts: per label, a semaphore for requests in flight, one request at a time at the pacer,
 *   the stats of each start; semaphore.ts and abort.ts are its plumbing; stats.ts the figures.
 *
 * A start is recorded when its request is written to the socket (with `scheduleWithStart`, when
 * the sender says so: send/wire.ts), not when it was let go, so the window holds the times
 * requests really left, after any wait for a connection, which is what Zoom counts on arrival. Retries wait outside
 * the lanes (send/execute.ts), so a sleeping retry holds no capacity.
 */
export interface LimitersOptions {
  plan: Plan;
  /** Share of the account's per-label budget this job may use, in (0, 1]; every app on the account spends the same budget. */
  share: number;
  /**
   * Requests in flight per label (the --concurrency flag). Default: adaptive, from the pace and
   * the latency seen: ceil(rate × latency × 1.5) + 2, starting at ceil(rate × 0.5 s).
   */
  concurrency?: number;
  /** Wall clock (epoch ms) for labels stopped by a daily limit and for `starts_per_second`. Default `Date.now`. */
  clock?: { now(): number };
  /** Multiplies the plan's limits; only for tests against a sandbox scaled the same way. Default 1. */
  limitsScale?: number;
  /**
   * Milliseconds added to each sliding window against the jitter between a recorded start and its
   * arrival at Zoom. The cost: the pace is `allowed` per `windowMs + safetyMs`, i.e. about
   * `safetyMs / windowMs` of the budget (1% at 10 ms on a 1 s window).
   * Default `DEFAULT_SAFETY_MS` (10) locally: a start is recorded only after the request was
   * written (limit/lane.ts), so the margin covers just the network's jitter.
   * `DEFAULT_REDIS_SAFETY_MS` (25) with Redis, where a start is recorded at its reservation on
   * Redis' clock: half of it is the most a process may wake late for its reservation before it
   * reserves again (limit/redis-pacer.ts), the other half the network's jitter.
   */
  safetyMs?: number;
  /** Adaptive pacing after QPS 429s (limit/adaptive.ts); `false` keeps the pace fixed. Default on. */
  adaptive?: false | Partial<AdaptiveOptions>;
  /**
   * Share the budget with other processes through Redis (the --redis flag): processes with the
   * same `prefix` share one sliding window per label; use one prefix per Zoom account. Call
   * `ready()` before scheduling and `stop()` at the end (it closes the connection).
   */
  redis?: RedisOptions;
  /**
   * Events `limit.slowdown`, `limit.speedup`, `limit.ceiling`, `limit.redis.error`,
   * `limit.redis.late`. Default silent.
   */
  logger?: Logger;
}

/** See `LimitersOptions.safetyMs`. */
export const DEFAULT_SAFETY_MS = 10;
/** See `LimitersOptions.safetyMs`. */
export const DEFAULT_REDIS_SAFETY_MS = 25;

/**
 * The budget belongs to the Zoom account (zoom-api.md §3.2), so processes of one account share a
 * prefix: `zoom-bulk:<ZOOM_ACCOUNT_ID>`, or `zoom-bulk:default` without one (a ready access token).
 */
export function defaultRedisPrefix(accountId: string | undefined): string {
  return `zoom-bulk:${accountId?.trim() || "default"}`;
}

export interface Limiters {
  /**
   * Resolves once every label's store is usable (Redis connected and answering). Rejects within
   * `redis.connectTimeoutMs` with DependencyError (E_REDIS) when it is not.
   */
  ready(): Promise<void>;
  /**
   * Runs `fn` in one of `label`'s slots, once the window lets it start. Rejects with the signal's
   * reason if aborted while waiting, with DependencyError (E_REDIS) when Redis fails or does not
   * answer within `redis.commandTimeoutMs`.
   */
  schedule<T>(label: Label, fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /**
   * Like `schedule`, but `fn` runs in the slot at once and calls `start()` itself, right before it
   * hands the request to the dispatcher (after the token and the request body are ready): the
   * window is taken then. `start()` resolves with `sent`, to call when the request is written to
   * its socket, which records the start (or it is recorded when `fn` ends). If `fn` never calls
   * `start()`, nothing was sent and nothing is counted. Rejections as for `schedule`, from `start()`.
   */
  scheduleWithStart<T>(label: Label, fn: (start: Start) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Counts a 429 Zoom answered on `label`; a QPS 429 slows the label down (adaptive pacing). */
  noteRateLimited(label: Label, kind: RateLimitKind, info?: RateLimitInfo): void;
  /** After a daily-limit 429: `label` sends nothing more until `until` (epoch ms). */
  stopLabel(label: Label, until: number): void;
  /** The epoch ms until which `label` is stopped, or undefined when it may send. */
  isStopped(label: Label): number | undefined;
  stats(): Record<Label, LabelStats>;
  /**
   * Current pacing per label, for logs and tests: `allowed` starts per `windowMs` (at most
   * `ceiling`), spaced at least `minTime` ms apart, `maxConcurrent` in flight.
   */
  settings(label: Label): {
    minTime: number;
    maxConcurrent: number;
    allowed: number;
    windowMs: number;
    ceiling: number;
  };
  /** Drops waiting jobs; with Redis, also closes the connection (so the process can exit). */
  stop(): Promise<void>;
}

/** The limiters a run's settings ask for (`--plan --share --concurrency --redis`), logging as `stage: limit`. */
export function limitersFor(
  settings: { plan: Plan; share: number; concurrency?: number | undefined; redis?: RedisOptions | undefined },
  o: { logger: Logger; limitsScale?: number | undefined },
): Limiters {
  return createLimiters({
    plan: settings.plan,
    share: settings.share,
    ...(settings.concurrency ? { concurrency: settings.concurrency } : {}),
    ...(o.limitsScale ? { limitsScale: o.limitsScale } : {}),
    ...(settings.redis ? { redis: settings.redis } : {}),
    logger: o.logger.child({ stage: "limit" }),
  });
}

export function createLimiters(options: LimitersOptions): Limiters {
  if (!(options.share > 0 && options.share <= 1))
    throw new RangeError(`share must be in (0, 1], got ${options.share}`);
  const clock = options.clock ?? { now: Date.now };
  const logger = options.logger ?? silentLogger;
  const connection = options.redis ? new RedisConnection(options.redis, logger) : undefined;
  const prefix = options.redis?.prefix ?? "zoom-bulk";
  const safetyMs = options.safetyMs ?? (connection ? DEFAULT_REDIS_SAFETY_MS : DEFAULT_SAFETY_MS);
  const adaptive = options.adaptive === false ? undefined : { ...DEFAULT_ADAPTIVE, ...options.adaptive };

  const lanes = {} as Record<Label, Lane>;
  for (const label of LABELS) {
    const { limit, windowMs } = PLAN_LIMITS[options.plan][label];
    const ceiling = Math.max(1, Math.floor(limit * (options.limitsScale ?? 1) * options.share));
    const pacer: Pacer = connection
      ? new RedisPacer(connection, `${prefix}:${label}`, logger)
      : new LocalPacer(ceiling);
    lanes[label] = new Lane({
      label,
      ceiling,
      windowMs,
      safetyMs,
      share: options.share,
      adaptive,
      concurrency: options.concurrency,
      pacer,
      logger,
      wallClock: () => clock.now(),
    });
  }

  let readyPromise: Promise<void> | undefined;
  return {
    ready: () => (readyPromise ??= connection ? connection.ready() : Promise.resolve()),
    schedule: (label, fn, signal) => lanes[label].schedule(fn, signal),
    scheduleWithStart: (label, fn, signal) => lanes[label].scheduleWithStart(fn, signal),
    noteRateLimited: (label, kind, info) => lanes[label].noteRateLimited(kind, info),
    stopLabel(label, until) {
      const lane = lanes[label];
      if (lane.stoppedUntil === undefined || until > lane.stoppedUntil) lane.stoppedUntil = until;
    },
    isStopped(label) {
      const lane = lanes[label];
      if (lane.stoppedUntil !== undefined && clock.now() >= lane.stoppedUntil) lane.stoppedUntil = undefined;
      return lane.stoppedUntil;
    },
    stats() {
      const out = {} as Record<Label, LabelStats>;
      for (const label of LABELS) out[label] = lanes[label].stats();
      return out;
    },
    settings: (label) => lanes[label].settings(),
    async stop() {
      for (const label of LABELS) lanes[label].stop();
      connection?.close();
    },
  };
}
