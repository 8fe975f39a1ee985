import type { Logger } from "pino";
import { DependencyError } from "../errors.js";
import type { RateLimitKind } from "../send/retry.js";
import { LABEL_NAMES, type Label } from "../zoom/labels.js";
import { AdaptiveController, type AdaptiveOptions } from "./adaptive.js";
import { concurrencyFor, initialConcurrency, meanLatency } from "./concurrency.js";
import type { RateLimitInfo } from "./headers.js";
import type { Confirm, Pacer } from "./pacer.js";
import { Semaphore } from "./semaphore.js";
import { StartStats, type StartsPerSecond } from "./stats.js";
import type { WindowRule } from "./window.js";

/** Called once the request a start was granted for is on the wire: the start is recorded then. */
export type Sent = () => void;
/** Waits for the window; resolves with the request's `Sent`. */
export type Start = () => Promise<Sent>;

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
  /**
   * This process's starts per wall-clock second, as recorded when each request was handed to the
   * network: keys are the second's UTC ISO time (`2026-03-10T15:00:01Z`), values the starts in it;
   * seconds without a start are left out (about 60 bytes per busy second: 2 MB for 10 hours).
   * For charting real send times (report/html.ts). A live, read-only view during the run.
   */
  starts_per_second: Readonly<StartsPerSecond>;
}

export interface LaneOptions {
  label: Label;
  /** Allowed per window at limit × share. */
  ceiling: number;
  windowMs: number;
  safetyMs: number;
  share: number;
  /** undefined: the pace stays at the ceiling. */
  adaptive: AdaptiveOptions | undefined;
  /** A fixed number of requests in flight (--concurrency); undefined: from pace and latency. */
  concurrency: number | undefined;
  pacer: Pacer;
  logger: Logger;
  /** Wall clock, epoch ms, for `starts_per_second`. */
  wallClock: () => number;
}

/**
 * One label's lane through the limiter: a bound on requests in flight, then one request at a time
 * at the pacer (the sliding window), then the request. The adaptive controller sets the pace;
 * stats record each start at the moment its request is written to the socket.
 */
export class Lane {
  readonly controller: AdaptiveController;
  readonly rateLimited: Record<RateLimitKind, number> = { qps: 0, daily: 0, concurrency: 0 };
  stoppedUntil: number | undefined;
  private readonly slots: Semaphore;
  /** One request at a time waits at the pacer, so only one timer per label is ever pending. */
  private readonly turn = new Semaphore(1);
  private readonly starts = new StartStats();
  private readonly closing = new AbortController();
  private latencyMs: number | undefined;
  private rule: WindowRule;

  constructor(private readonly o: LaneOptions) {
    this.controller = new AdaptiveController(o.ceiling, o.windowMs, o.share, o.adaptive);
    this.slots = new Semaphore(o.concurrency ?? initialConcurrency(this.perSecond(o.ceiling)));
    this.rule = { allowed: o.ceiling, windowMs: o.windowMs, safetyMs: o.safetyMs };
  }

  /**
   * Runs `fn` in a slot, once the window lets it start. Its start is recorded once `fn`'s
   * synchronous part has run (a request `fn` dispatches has been handed on by then).
   */
  async schedule<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.scheduleWithStart(async (start) => {
      const sent = await start();
      const result = fn();
      sent();
      return result;
    }, signal);
  }

  /**
   * Runs `fn` in a slot at once; `start()` waits for the window and resolves with `sent`, which
   * `fn` calls when the request is written to its socket: the start is recorded then (limit/window.ts
   * counts it as pending, inside every window, until then). A start `fn` never reports as sent is
   * recorded when `fn` ends.
   */
  async scheduleWithStart<T>(fn: (start: Start) => Promise<T>, signal?: AbortSignal): Promise<T> {
    this.closing.signal.throwIfAborted();
    await this.slots.acquire(signal);
    let began: number | undefined;
    let sent: Sent | undefined;
    let started: Promise<Sent> | undefined;
    const start: Start = () =>
      (started ??= this.start(signal).then((confirm) => {
        began = performance.now();
        let recorded = false;
        return (sent = () => {
          if (recorded) return;
          recorded = true;
          this.record(confirm);
        });
      }));
    try {
      return await fn(start);
    } finally {
      sent?.();
      if (began !== undefined) this.observe(performance.now() - began);
      this.slots.release();
    }
  }

  private async start(signal: AbortSignal | undefined): Promise<Confirm> {
    await this.turn.acquire(signal);
    try {
      return await this.o.pacer.acquire(this.ruleFor, signal, this.closing.signal);
    } catch (error) {
      // The shared store failed (Redis down, frozen, refusing): every request waiting behind this
      // one would wait for the same deadline in turn. They fail now, with the same error.
      if (error instanceof DependencyError) {
        this.turn.rejectAll(error);
        this.slots.rejectAll(error);
      }
      throw error;
    } finally {
      this.turn.release();
    }
  }

  /**
   * Records a start when its request was written to the socket: a request that waited for a
   * connection (a new one, or one the pool had busy) is counted from when it really left, where
   * Zoom counts it on arrival, not from when the window let it go.
   */
  private record(confirm: Confirm): void {
    const at = performance.now();
    confirm(at);
    this.starts.record(at, this.o.wallClock());
  }

  /** The pace now; after a quiet spell the controller creeps up first. */
  private readonly ruleFor = (now: number): WindowRule => {
    if (this.controller.creep(now)) this.o.logger.debug(this.paceFields(), "limit.speedup");
    const allowed = this.controller.allowed;
    if (allowed !== this.rule.allowed) this.rule = { ...this.rule, allowed };
    return this.rule;
  };

  /** Keeps enough requests in flight for the latency seen, unless --concurrency fixed it. */
  private observe(durationMs: number): void {
    this.latencyMs = meanLatency(this.latencyMs, durationMs);
    if (this.o.concurrency !== undefined) return;
    const wanted = concurrencyFor(this.perSecond(this.controller.allowed), this.latencyMs);
    if (wanted !== this.slots.size) this.slots.resize(wanted);
  }

  noteRateLimited(kind: RateLimitKind, info: RateLimitInfo | undefined): void {
    this.rateLimited[kind]++;
    if (kind !== "qps") return;
    const now = performance.now();
    const events = this.controller.onQps429(now, {
      info,
      recentStarts: this.o.pacer.recentStarts(this.o.windowMs, now),
      latencyMs: this.latencyMs,
    });
    if (events.ceilingLowered !== undefined)
      this.o.logger.warn(
        {
          label: this.o.label,
          x_ratelimit_limit: info?.limit,
          ceiling_per_second: this.perSecond(this.controller.ceiling),
        },
        "limit.ceiling",
      );
    if (events.slowedDown !== undefined)
      this.o.logger.warn(
        {
          ...this.paceFields(),
          ...(info?.remaining !== undefined ? { x_ratelimit_remaining: info.remaining } : {}),
        },
        "limit.slowdown",
      );
  }

  stats(): LabelStats {
    const c = this.controller;
    return {
      requests: this.starts.requests,
      rate_limited: { ...this.rateLimited },
      pace_per_second: this.perSecond(c.allowed),
      ceiling_per_second: this.perSecond(c.ceiling),
      min_pace_per_second: this.perSecond(c.minAllowed),
      slowdowns: c.slowdowns,
      busiest_second: this.starts.busiestSecond,
      starts_per_second: this.starts.perSecond,
    };
  }

  settings(): { minTime: number; maxConcurrent: number; allowed: number; windowMs: number; ceiling: number } {
    const { allowed, ceiling } = this.controller;
    const minTime = Math.max(1, Math.floor(this.o.windowMs / allowed));
    return { minTime, maxConcurrent: this.slots.size, allowed, windowMs: this.o.windowMs, ceiling };
  }

  /** Rejects every waiting request and any later one; requests already started run to their end. */
  stop(): void {
    const reason = new Error(`${LABEL_NAMES[this.o.label]} limiter stopped`);
    this.closing.abort(reason);
    this.slots.rejectAll(reason);
    this.turn.rejectAll(reason);
  }

  private perSecond(allowed: number): number {
    return Math.round(((allowed * 1000) / this.o.windowMs) * 100) / 100;
  }

  private paceFields(): Record<string, unknown> {
    return {
      label: this.o.label,
      pace_per_second: this.perSecond(this.controller.allowed),
      ceiling_per_second: this.perSecond(this.controller.ceiling),
    };
  }
}
