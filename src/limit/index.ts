import Bottleneck from "bottleneck";
import { LABEL_NAMES, LABELS, PLAN_LIMITS, type Label, type Plan } from "../zoom/labels.js";
import type { RateLimitKind } from "../send/retry.js";

/**
 * The limiter stage: one Bottleneck per Zoom rate label (Light, Medium, Heavy, Resource-intensive),
 * each paced at `limit × share` of the plan's budget (zoom/labels.ts, from
 * https://developers.zoom.us/docs/api/rate-limits/). Zoom counts requests over any sliding window,
 * so the pace is kept two ways:
 *
 * - Bottleneck's `minTime` spaces starts at least `ceil(windowMs / allowed)` ms apart, so requests
 *   go out evenly instead of in bursts (no reservoir: one refilled every interval lets up to twice
 *   the budget through around a window edge);
 * - a sliding-window log of actual start times holds a start back until fewer than `allowed`
 *   starts fall in the last `windowMs + safetyMs`, which absorbs timer and event-loop jitter.
 *
 * Retries wait outside these slots (send/execute.ts), so a sleeping retry holds no capacity.
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
  /** Extra milliseconds added to each sliding window, against jitter. Default 10. */
  safetyMs?: number;
  /**
   * Not implemented yet: sharing the budget with other processes through Bottleneck's Redis
   * datastore. Passed through to every Bottleneck with `id` `<idPrefix>:<label>`, so processes
   * with the same prefix share one budget per label. The sliding-window log stays per process.
   */
  datastore?: { datastore: "redis" | "ioredis"; clientOptions?: unknown; idPrefix?: string };
}

/** Per-label figures for the summary (same shape as report/summary.ts `LabelSummary`). */
export interface LabelStats {
  requests: number;
  rate_limited: Record<RateLimitKind, number>;
  /** The pace the job allowed itself, requests per second (limit × share). */
  pace_per_second: number;
}

export interface Limiters {
  /** Runs `fn` in one of `label`'s slots. Rejects with the signal's reason if aborted while waiting. */
  schedule<T>(label: Label, fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Counts a 429 Zoom answered on `label`, for the summary. */
  noteRateLimited(label: Label, kind: RateLimitKind): void;
  /** After a daily-limit 429: `label` sends nothing more until `until` (epoch ms). */
  stopLabel(label: Label, until: number): void;
  /** The epoch ms until which `label` is stopped, or undefined when it may send. */
  isStopped(label: Label): number | undefined;
  stats(): Record<Label, LabelStats>;
  /** Current Bottleneck settings per label, for logs and tests. */
  settings(label: Label): { minTime: number; maxConcurrent: number; allowed: number; windowMs: number };
  stop(): void;
  // Adaptive pacing (slowing a label down after QPS 429s from other apps on the account, and
  // speeding it back up) would go here, through `limiter.updateSettings({ minTime })`.
}

/** Weight of the newest duration in the exponentially-weighted mean latency. */
const LATENCY_ALPHA = 0.2;

interface LabelState {
  limiter: Bottleneck;
  allowed: number;
  windowMs: number;
  minTime: number;
  maxConcurrent: number;
  /** Start times (performance.now) of the last `allowed` requests, oldest first. */
  starts: number[];
  latencyMs: number | undefined;
  stats: LabelStats;
  stoppedUntil: number | undefined;
}

export function createLimiters(options: LimitersOptions): Limiters {
  if (!(options.share > 0 && options.share <= 1))
    throw new RangeError(`share must be in (0, 1], got ${options.share}`);
  const clock = options.clock ?? { now: Date.now };
  const safetyMs = options.safetyMs ?? 10;
  const fixedConcurrency = options.concurrency;

  const states = {} as Record<Label, LabelState>;
  for (const label of LABELS) {
    const { limit, windowMs } = PLAN_LIMITS[options.plan][label];
    const allowed = Math.max(1, Math.floor(limit * (options.limitsScale ?? 1) * options.share));
    const minTime = Math.ceil(windowMs / allowed) + 1;
    const perSecond = (allowed * 1000) / windowMs;
    const maxConcurrent = fixedConcurrency ?? Math.max(1, Math.ceil(perSecond * 0.5));
    const store = options.datastore;
    const limiter = new Bottleneck({
      minTime,
      maxConcurrent,
      id: `${store?.idPrefix ?? "zoom-bulk"}:${label}`,
      ...(store ? { datastore: store.datastore, clientOptions: store.clientOptions } : {}),
    });
    states[label] = {
      limiter,
      allowed,
      windowMs,
      minTime,
      maxConcurrent,
      starts: [],
      latencyMs: undefined,
      stats: {
        requests: 0,
        rate_limited: { qps: 0, daily: 0, concurrency: 0 },
        pace_per_second: round(perSecond),
      },
      stoppedUntil: undefined,
    };
  }

  /** Reserves the next start time the sliding window allows (synchronously, so reservations stay ordered). */
  const reserveStart = (s: LabelState): number => {
    const now = performance.now();
    const oldest = s.starts.length >= s.allowed ? s.starts[s.starts.length - s.allowed] : undefined;
    const at = oldest === undefined ? now : Math.max(now, oldest + s.windowMs + safetyMs);
    s.starts.push(at);
    if (s.starts.length > s.allowed) s.starts.splice(0, s.starts.length - s.allowed);
    return at - now;
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
      s.limiter.updateSettings({ maxConcurrent: wanted });
    }
  };

  return {
    schedule<T>(label: Label, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      const s = states[label];
      if (signal?.aborted) return Promise.reject(signal.reason);
      const job = s.limiter.schedule(async () => {
        signal?.throwIfAborted();
        const waitMs = reserveStart(s);
        if (waitMs > 0) await delay(waitMs, signal);
        s.stats.requests++;
        const started = performance.now();
        try {
          return await fn();
        } finally {
          observe(s, performance.now() - started);
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

    noteRateLimited(label, kind) {
      states[label].stats.rate_limited[kind]++;
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
      const { minTime, maxConcurrent, allowed, windowMs } = states[label];
      return { minTime, maxConcurrent, allowed, windowMs };
    },

    stop() {
      for (const label of LABELS) {
        states[label].limiter
          .stop({ dropWaitingJobs: true, dropErrorMessage: `${LABEL_NAMES[label]} limiter stopped` })
          .catch(() => undefined);
      }
    },
  };
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
