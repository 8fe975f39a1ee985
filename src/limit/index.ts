import Bottleneck from "bottleneck";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { ConfigError } from "../errors.js";
import { silentLogger } from "../log.js";
import { LABEL_NAMES, LABELS, PLAN_LIMITS, type Label, type Plan } from "../zoom/labels.js";
import type { RateLimitKind } from "../send/retry.js";

/**
 * The limiter stage: one Bottleneck per Zoom rate label (Light, Medium, Heavy, Resource-intensive),
 * each paced at `limit × share` of the plan's budget (zoom/labels.ts, from
 * https://developers.zoom.us/docs/api/rate-limits/). Zoom counts requests over any sliding window,
 * so the pace is kept two ways:
 *
 * - starts are spaced `windowMs / allowed` apart, so requests go out evenly instead of in bursts
 *   (no reservoir: one refilled every interval lets up to twice the budget through around a
 *   window edge);
 * - a sliding-window log of actual start times holds a start back until fewer than `allowed`
 *   starts fall in the last `windowMs + safetyMs`, which absorbs timer and event-loop jitter.
 * Locally both happen in one gate; with Redis, Bottleneck's shared `minTime` does the spacing.
 *
 * Retries wait outside these slots (send/execute.ts), so a sleeping retry holds no capacity.
 *
 * **Adaptive pacing.** The budget belongs to the whole account (zoom-api.md §3.2): when other apps
 * spend part of it, Zoom answers QPS 429s although the job keeps its own pace. Each QPS 429 then
 * slows the label down (at most once per window: the 429s of requests already sent say nothing
 * new): to what got through in the last window, but never below `pace × decrease` in one step.
 * After `quietMs` without a QPS 429 the pace creeps back up by `increasePerSecond` of the ceiling
 * per second, never above the ceiling `limit × share`. `X-RateLimit-Limit` of a QPS 429, when Zoom
 * sends it, can only lower the ceiling (a plan set too high); nothing depends on it.
 *
 * **Shared budget.** With `redis`, every label's Bottleneck keeps its state in Redis under
 * `<prefix>:<label>`: `minTime` spacing, `maxConcurrent` and the next start time are then
 * cluster-wide (Redis' own clock), so any number of processes on any number of hosts together
 * start at most one request per `minTime`, i.e. stay within `limit × share` in every sliding window.
 * The sliding-window log moves to Redis too (a sorted set of reserved start times per label, on
 * Redis' clock), so uneven timers across processes cannot put more than `allowed` starts in a
 * window either; it costs one Redis round trip per request.
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
  /** Wall clock (epoch ms) for labels stopped by a daily limit. Default `Date.now`. */
  clock?: { now(): number };
  /** Multiplies the plan's limits; only for tests against a sandbox scaled the same way. Default 1. */
  limitsScale?: number;
  /**
   * Extra milliseconds added to each sliding window, against jitter between a start and its arrival
   * at Zoom. Default 25; 50 with `redis`, where processes (on other hosts, with cold connections and
   * busy event loops of their own) add more uneven delays. The cost: at most `allowed` starts per
   * `windowMs + safetyMs`, i.e. 2.5% of the pace (5% with Redis).
   */
  safetyMs?: number;
  /** Adaptive pacing after QPS 429s (see above); `false` keeps the pace fixed. Default on. */
  adaptive?: false | Partial<AdaptiveOptions>;
  /**
   * Share the budget with other processes through Bottleneck's Redis datastore (the --redis flag).
   * Processes with the same `prefix` share one budget per label; use one prefix per Zoom account.
   * Call `ready()` before scheduling and `stop()` at the end (it closes the connections).
   */
  redis?: RedisOptions;
  /** Events `limit.slowdown`, `limit.speedup`, `limit.ceiling`, `limit.redis.error`. Default silent. */
  logger?: Logger;
}

export interface AdaptiveOptions {
  /** Multiplies the pace at most once per window after a QPS 429; the floor of one step. Default 0.7. */
  decrease: number;
  /** Milliseconds without a QPS 429 before the pace goes back up. Default 5000. */
  quietMs: number;
  /** Then: fraction of the ceiling added per second. Default 0.05. */
  increasePerSecond: number;
  /** The pace never goes below this fraction of the ceiling (and never below 1 per window). Default 0.05. */
  minFraction: number;
}

export const DEFAULT_ADAPTIVE: AdaptiveOptions = {
  decrease: 0.7,
  quietMs: 5000,
  increasePerSecond: 0.05,
  minFraction: 0.05,
};

export interface RedisOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS). */
  url: string;
  /** Key prefix of the shared budget; Bottleneck ids are `<prefix>:<label>`. Default "zoom-bulk". */
  prefix?: string;
  /** How long `ready()` waits for Redis before a ConfigError. Default 10 000 ms. */
  connectTimeoutMs?: number;
}

/**
 * The budget belongs to the Zoom account (zoom-api.md §3.2), so processes of one account share a
 * prefix: `zoom-bulk:<ZOOM_ACCOUNT_ID>`, or `zoom-bulk:default` without one (a ready access token).
 */
export function defaultRedisPrefix(accountId: string | undefined): string {
  return `zoom-bulk:${accountId?.trim() || "default"}`;
}

/** What a 429's `X-RateLimit-*` headers said, when Zoom sent them (they are missing on some 429s). */
export interface RateLimitInfo {
  /** `X-RateLimit-Type`: "QPS" or "Daily-limit". */
  type?: string;
  /** `X-RateLimit-Limit`. */
  limit?: number;
  /** `X-RateLimit-Remaining`. */
  remaining?: number;
}

/** Reads `X-RateLimit-*` from lower-cased headers; absent or malformed values are left out. */
export function rateLimitInfo(headers: Record<string, string>): RateLimitInfo {
  const info: RateLimitInfo = {};
  const type = headers["x-ratelimit-type"];
  if (type) info.type = type;
  const limit = Number(headers["x-ratelimit-limit"]);
  if (headers["x-ratelimit-limit"] && Number.isInteger(limit) && limit > 0) info.limit = limit;
  const remaining = Number(headers["x-ratelimit-remaining"]);
  if (headers["x-ratelimit-remaining"] && Number.isInteger(remaining) && remaining >= 0)
    info.remaining = remaining;
  return info;
}

/** Per-label figures for the summary (report/summary.ts `LabelSummary` holds the same fields). */
export interface LabelStats {
  /** Requests this process started on the label (retries and reconciliation checks included). */
  requests: number;
  rate_limited: Record<RateLimitKind, number>;
  /** The pace in use now (at the end of a run: the last one), requests per second; at most the ceiling. */
  pace_per_second: number;
  /** limit × share, requests per second: the most the job ever allows itself. */
  ceiling_per_second: number;
  /** The slowest pace adaptive pacing went down to. */
  min_pace_per_second: number;
  /** Times adaptive pacing slowed the label down after QPS 429s. */
  slowdowns: number;
  /** Most of this process's requests that started within any sliding second. */
  busiest_second: number;
}

export interface Limiters {
  /** Resolves once every label's datastore is usable (Redis connected); ConfigError when it is not. */
  ready(): Promise<void>;
  /** Runs `fn` in one of `label`'s slots. Rejects with the signal's reason if aborted while waiting. */
  schedule<T>(label: Label, fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Counts a 429 Zoom answered on `label`; a QPS 429 slows the label down (adaptive pacing). */
  noteRateLimited(label: Label, kind: RateLimitKind, info?: RateLimitInfo): void;
  /** After a daily-limit 429: `label` sends nothing more until `until` (epoch ms). */
  stopLabel(label: Label, until: number): void;
  /** The epoch ms until which `label` is stopped, or undefined when it may send. */
  isStopped(label: Label): number | undefined;
  stats(): Record<Label, LabelStats>;
  /** Current Bottleneck settings per label, for logs and tests. */
  settings(label: Label): {
    minTime: number;
    maxConcurrent: number;
    allowed: number;
    windowMs: number;
    ceiling: number;
  };
  /** Drops waiting jobs; with Redis, also closes the connections (so the process can exit). */
  stop(): Promise<void>;
}

/** How late a timer may fire without the schedule after it slipping. */
const TIMER_SLACK_MS = 5;

/** Weight of the newest duration in the exponentially-weighted mean latency. */
const LATENCY_ALPHA = 0.2;
/** A decrease always slows down at least this much, even when nearly everything got through. */
const MIN_STEP = 0.95;

interface LabelState {
  label: Label;
  limiter: Bottleneck;
  /** Allowed per window at limit × share (lowered only by a QPS 429's X-RateLimit-Limit). */
  ceiling: number;
  /** Current allowed per window, fractional; `allowed` is its floor. */
  rate: number;
  floorRate: number;
  allowed: number;
  windowMs: number;
  minTime: number;
  maxConcurrent: number;
  /** Reserved start times (performance.now) of the last `ceiling` requests, oldest first. */
  starts: number[];
  /** Starts wait for the window one at a time, in order (no thundering herd of timers). */
  gate: Promise<void>;
  /** performance.now() before which the next start may not happen (even spacing). */
  nextStart: number;
  /** Actual start times within the last second, for `busiest_second`. */
  second: number[];
  /** When QPS 429s were noted within the last window. */
  qps429s: number[];
  lastQps429: number | undefined;
  lastDecrease: number | undefined;
  lastIncrease: number;
  latencyMs: number | undefined;
  stats: LabelStats;
  stoppedUntil: number | undefined;
}

export function createLimiters(options: LimitersOptions): Limiters {
  if (!(options.share > 0 && options.share <= 1))
    throw new RangeError(`share must be in (0, 1], got ${options.share}`);
  const clock = options.clock ?? { now: Date.now };
  const safetyMs = options.safetyMs ?? (options.redis ? 50 : 25);
  const fixedConcurrency = options.concurrency;
  const adaptive = options.adaptive === false ? undefined : { ...DEFAULT_ADAPTIVE, ...options.adaptive };
  const logger = options.logger ?? silentLogger;
  const redis = options.redis;
  const connection = redis ? redisConnection(redis, logger) : undefined;

  const states = {} as Record<Label, LabelState>;
  for (const label of LABELS) {
    const { limit, windowMs } = PLAN_LIMITS[options.plan][label];
    const ceiling = Math.max(1, Math.floor(limit * (options.limitsScale ?? 1) * options.share));
    const minTime = minTimeFor(windowMs, ceiling);
    const perSecond = (ceiling * 1000) / windowMs;
    const maxConcurrent = fixedConcurrency ?? Math.max(1, Math.ceil(perSecond * 0.5));
    const limiter = new Bottleneck({
      // Locally the sliding-window gate spaces starts itself (to the fraction of a millisecond, so
      // scaled-up limits in tests are kept too); with Redis, Bottleneck's shared minTime does.
      minTime: connection ? minTime : 0,
      maxConcurrent,
      id: `${redis?.prefix ?? "zoom-bulk"}:${label}`,
      ...(connection
        ? {
            datastore: "ioredis",
            connection: connection.bottleneck,
            clearDatastore: false,
            // Keys of a budget nobody uses any more go away after 10 minutes.
            timeout: 10 * 60_000,
          }
        : {}),
    });
    limiter.on("error", (error: unknown) =>
      logger.warn({ label, error: errorMessage(error) }, "limit.redis.error"),
    );
    states[label] = {
      label,
      limiter,
      ceiling,
      rate: ceiling,
      floorRate: Math.max(1, ceiling * (adaptive?.minFraction ?? 1)),
      allowed: ceiling,
      windowMs,
      minTime,
      maxConcurrent,
      starts: [],
      gate: Promise.resolve(),
      nextStart: 0,
      second: [],
      qps429s: [],
      lastQps429: undefined,
      lastDecrease: undefined,
      lastIncrease: 0,
      latencyMs: undefined,
      stats: {
        requests: 0,
        rate_limited: { qps: 0, daily: 0, concurrency: 0 },
        pace_per_second: round(perSecond),
        ceiling_per_second: round(perSecond),
        min_pace_per_second: round(perSecond),
        slowdowns: 0,
        busiest_second: 0,
      },
      stoppedUntil: undefined,
    };
  }

  /** Bottleneck's settings follow `rate`; with Redis they change the whole cluster's pace. */
  const applyRate = (s: LabelState, rate: number): void => {
    s.rate = Math.min(s.ceiling, Math.max(s.floorRate, rate));
    const allowed = Math.max(1, Math.floor(s.rate));
    const perSecond = round((allowed * 1000) / s.windowMs);
    s.stats.pace_per_second = perSecond;
    if (perSecond < s.stats.min_pace_per_second) s.stats.min_pace_per_second = perSecond;
    if (allowed === s.allowed) return;
    s.allowed = allowed;
    s.minTime = minTimeFor(s.windowMs, allowed);
    if (connection) updateSettings(s, { minTime: s.minTime });
  };

  const updateSettings = (s: LabelState, settings: Bottleneck.ConstructorOptions): void => {
    void Promise.resolve(s.limiter.updateSettings(settings)).catch((error: unknown) =>
      logger.warn({ label: s.label, error: errorMessage(error) }, "limit.redis.error"),
    );
  };

  /** After `quietMs` without a QPS 429, creeps back towards the ceiling (called as requests start). */
  const creepUp = (s: LabelState, now: number): void => {
    if (!adaptive || s.rate >= s.ceiling || s.lastQps429 === undefined) return;
    const quietSince = s.lastQps429 + adaptive.quietMs;
    if (now < quietSince) return;
    const from = Math.max(quietSince, s.lastIncrease);
    const step = s.ceiling * adaptive.increasePerSecond * ((now - from) / 1000);
    s.lastIncrease = now;
    const before = s.allowed;
    applyRate(s, s.rate + step);
    if (s.allowed !== before)
      logger.debug(
        {
          label: s.label,
          pace_per_second: s.stats.pace_per_second,
          ceiling_per_second: s.stats.ceiling_per_second,
        },
        "limit.speedup",
      );
  };

  /**
   * Waits until the sliding window has room, then records the start at the time it really
   * happens (check and record in one synchronous step). Recording actual times, not planned ones,
   * keeps a timer that fired late from squeezing the next window. Starts take turns, so only one
   * timer waits on the window at a time.
   */
  const acquireStart = (s: LabelState, signal?: AbortSignal): Promise<void> => {
    const turn = s.gate.then(async () => {
      for (;;) {
        signal?.throwIfAborted();
        const now = performance.now();
        creepUp(s, now);
        const oldest = s.starts.length >= s.allowed ? s.starts[s.starts.length - s.allowed] : undefined;
        // Even spacing (windowMs / allowed apart), and never more than `allowed` in a window.
        const at = Math.max(oldest === undefined ? now : oldest + s.windowMs + safetyMs, s.nextStart);
        if (at <= now) {
          // A timer a few ms late does not push every later start back; an idle spell gives no burst.
          s.nextStart = Math.max(at, now - TIMER_SLACK_MS) + s.windowMs / s.allowed;
          s.starts.push(now);
          if (s.starts.length > 2 * s.ceiling) s.starts.splice(0, s.starts.length - s.ceiling);
          return;
        }
        await delay(at - now, signal);
      }
    });
    s.gate = turn.catch(() => undefined);
    return turn;
  };

  /**
   * With Redis: the same reservation against one sliding log for the whole cluster (a sorted set
   * of start times on Redis' clock), so the processes together never put more than `allowed`
   * starts in a window even when their timers fire unevenly.
   */
  const reserveSharedStart = async (s: LabelState): Promise<number> => {
    creepUp(s, performance.now());
    if (!connection) return 0;
    const wait = await connection.client.eval(
      RESERVE_SCRIPT,
      1,
      `${redis?.prefix ?? "zoom-bulk"}:${s.label}:starts`,
      s.windowMs + safetyMs,
      s.allowed,
      s.windowMs * 2 + 60_000,
    );
    return Number(wait) || 0;
  };

  /** Counts an actual start for `busiest_second`. */
  const started = (s: LabelState, at: number): void => {
    s.stats.requests++;
    const second = s.second;
    second.push(at);
    let drop = 0;
    while (drop < second.length && (second[drop] as number) <= at - 1000) drop++;
    if (drop > 0) second.splice(0, drop);
    if (second.length > s.stats.busiest_second) s.stats.busiest_second = second.length;
  };

  /** Keeps enough requests in flight for the latency seen, unless --concurrency fixed it. */
  const observe = (s: LabelState, durationMs: number): void => {
    s.latencyMs =
      s.latencyMs === undefined ? durationMs : s.latencyMs + LATENCY_ALPHA * (durationMs - s.latencyMs);
    if (fixedConcurrency !== undefined) return;
    const perSecond = (s.allowed * 1000) / s.windowMs;
    const wanted = Math.max(1, Math.ceil(perSecond * (s.latencyMs / 1000) * 1.5) + 2);
    if (wanted !== s.maxConcurrent) {
      s.maxConcurrent = wanted;
      updateSettings(s, { maxConcurrent: wanted });
    }
  };

  /** A QPS 429 although the job kept its pace: someone else spends the budget. */
  const slowDown = (s: LabelState, info: RateLimitInfo | undefined): void => {
    if (!adaptive) return;
    const now = performance.now();
    s.lastQps429 = now;
    s.lastIncrease = now;
    s.qps429s.push(now);
    while (s.qps429s.length > 0 && (s.qps429s[0] as number) <= now - s.windowMs) s.qps429s.shift();

    if (info?.limit !== undefined && (info.type === undefined || /qps/i.test(info.type))) {
      const ceiling = Math.max(1, Math.floor(info.limit * options.share));
      if (ceiling < s.ceiling) {
        s.ceiling = ceiling;
        s.floorRate = Math.min(s.floorRate, ceiling);
        s.stats.ceiling_per_second = round((ceiling * 1000) / s.windowMs);
        logger.warn(
          { label: s.label, x_ratelimit_limit: info.limit, ceiling_per_second: s.stats.ceiling_per_second },
          "limit.ceiling",
        );
        applyRate(s, s.rate);
      }
    }
    // The 429s of requests sent before the last slow-down say nothing about the new pace.
    if (s.lastDecrease !== undefined && now - s.lastDecrease < s.windowMs + (s.latencyMs ?? 0)) return;
    s.lastDecrease = now;

    // What got through in the last window: this process's starts minus its QPS 429s. With Redis
    // the other processes' share is unknown here, so the step is the plain multiplicative one
    // (every process computes the same new pace from the same old one: steps do not compound).
    let target = s.rate * adaptive.decrease;
    if (!connection) {
      const since = now - s.windowMs;
      let recent = 0;
      for (const at of s.starts) if (at > since && at <= now) recent++;
      target = Math.max(target, recent - s.qps429s.length);
    }
    target = Math.min(target, s.rate * MIN_STEP);
    applyRate(s, target);
    s.stats.slowdowns++;
    logger.warn(
      {
        label: s.label,
        pace_per_second: s.stats.pace_per_second,
        ceiling_per_second: s.stats.ceiling_per_second,
        ...(info?.remaining !== undefined ? { x_ratelimit_remaining: info.remaining } : {}),
      },
      "limit.slowdown",
    );
  };

  let readyPromise: Promise<void> | undefined;

  return {
    ready() {
      readyPromise ??= (async () => {
        if (!connection || !redis) return;
        const timeoutMs = redis.connectTimeoutMs ?? 10_000;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(`no answer within ${timeoutMs} ms (${connection.lastError ?? "not connected"})`),
              ),
            timeoutMs,
          );
        });
        try {
          await Promise.race([Promise.all(LABELS.map((label) => states[label].limiter.ready())), timeout]);
          // Settings left in Redis by an earlier run (another share, a slowed-down pace) are replaced.
          await Promise.all(
            LABELS.map((label) => {
              const s = states[label];
              return s.limiter.updateSettings({ minTime: s.minTime, maxConcurrent: s.maxConcurrent });
            }),
          );
        } catch (error) {
          await connection.bottleneck.disconnect(false).catch(() => undefined);
          throw new ConfigError(
            `--redis: could not use Redis at ${safeUrl(redis.url)}: ${errorMessage(error)}. Check that the server runs and the URL (redis://host:port) is right, or run without --redis.`,
          );
        } finally {
          clearTimeout(timer);
        }
      })();
      return readyPromise;
    },

    schedule<T>(label: Label, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      const s = states[label];
      if (signal?.aborted) return Promise.reject(signal.reason);
      const job = s.limiter.schedule(async () => {
        signal?.throwIfAborted();
        if (connection) {
          const waitMs = await reserveSharedStart(s);
          if (waitMs > 0) await delay(waitMs, signal);
        } else await acquireStart(s, signal);
        const began = performance.now();
        started(s, began);
        try {
          return await fn();
        } finally {
          observe(s, performance.now() - began);
        }
      });
      if (!signal) return job;
      // Give the caller control back at once on abort; the queued job then ends without sending.
      return new Promise<T>((resolve, reject) => {
        const onAbort = (): void => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        job.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
      });
    },

    noteRateLimited(label, kind, info) {
      const s = states[label];
      s.stats.rate_limited[kind]++;
      if (kind === "qps") slowDown(s, info);
    },

    stopLabel(label, until) {
      const s = states[label];
      if (s.stoppedUntil === undefined || until > s.stoppedUntil) s.stoppedUntil = until;
    },

    isStopped(label) {
      const s = states[label];
      if (s.stoppedUntil === undefined) return undefined;
      if (clock.now() >= s.stoppedUntil) {
        s.stoppedUntil = undefined;
        return undefined;
      }
      return s.stoppedUntil;
    },

    stats() {
      const out = {} as Record<Label, LabelStats>;
      for (const label of LABELS) {
        const { stats } = states[label];
        out[label] = { ...stats, rate_limited: { ...stats.rate_limited } };
      }
      return out;
    },

    settings(label) {
      const { minTime, maxConcurrent, allowed, windowMs, ceiling } = states[label];
      return { minTime, maxConcurrent, allowed, windowMs, ceiling };
    },

    async stop() {
      await Promise.all(
        LABELS.map((label) =>
          states[label].limiter
            .stop({ dropWaitingJobs: true, dropErrorMessage: `${LABEL_NAMES[label]} limiter stopped` })
            .catch(() => undefined),
        ),
      );
      if (connection) await connection.bottleneck.disconnect(true).catch(() => undefined);
    },
  };
}

/**
 * KEYS[1]: the label's shared start log; ARGV: window (ms, safety included), allowed, key TTL (ms).
 * Reserves the earliest start the window allows and returns how long to wait for it, in ms.
 */
const RESERVE_SCRIPT = `
local key = KEYS[1]
local window = tonumber(ARGV[1])
local allowed = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local at = now
if count >= allowed then
  local oldest = redis.call('ZRANGE', key, count - allowed, count - allowed, 'WITHSCORES')
  at = math.max(now, tonumber(oldest[2]) + window)
end
local seq = redis.call('INCR', key .. ':seq')
redis.call('ZADD', key, at, seq)
redis.call('PEXPIRE', key, ttl)
redis.call('PEXPIRE', key .. ':seq', ttl)
return at - now
`;

/**
 * Even spacing between starts: `allowed` per window. Rounded down, so spacing alone would allow a
 * little more; the sliding-window log (with its safety margin) is what holds the window, and the
 * spacing keeps requests from bunching up inside it.
 */
function minTimeFor(windowMs: number, allowed: number): number {
  return Math.max(1, Math.floor(windowMs / allowed));
}

interface SharedConnection {
  client: Redis;
  bottleneck: Bottleneck.IORedisConnection;
  lastError: string | undefined;
}

/** One ioredis client (and Bottleneck's subscriber, its duplicate) shared by the four labels. */
function redisConnection(options: RedisOptions, logger: Logger): SharedConnection {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new ConfigError(`--redis: expected a URL like redis://127.0.0.1:6379, got "${options.url}".`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:")
    throw new ConfigError(
      `--redis: expected a redis:// or rediss:// URL, got "${safeUrl(options.url)}". Example: redis://127.0.0.1:6379.`,
    );
  const client = new Redis(options.url, {
    // A command waits through a few reconnection attempts, then fails instead of hanging the run.
    maxRetriesPerRequest: 5,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
  });
  const shared: SharedConnection = {
    client,
    bottleneck: new Bottleneck.IORedisConnection({ client, Redis }),
    lastError: undefined,
  };
  shared.bottleneck.on("error", (error: unknown) => {
    shared.lastError = errorMessage(error);
    logger.warn({ error: shared.lastError }, "limit.redis.error");
  });
  return shared;
}

/** The URL without its password, for messages and logs. */
function safeUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "(unparsable URL)";
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }
    function onAbort(): void {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

const round = (n: number): number => Math.round(n * 100) / 100;
