/**
 * How many requests one label keeps in flight, as pure functions of the pace and the latency seen.
 * The window (limit/window.ts) decides *when* a request starts; this bound only has to be large
 * enough that the pace is never held back by requests still waiting for their answer, and small
 * enough that a slow Zoom does not pile up sockets. Little's law: in flight = rate × latency; the
 * factor 1.5 and the 2 extra cover latency jitter. An explicit `--concurrency` replaces it.
 */

/** Weight of the newest duration in the exponentially weighted mean latency. */
export const LATENCY_ALPHA = 0.2;

/** Headroom over rate × latency. */
const JITTER_FACTOR = 1.5;
const EXTRA = 2;

/** Before any answer was seen: enough for half a second of latency at the full pace. */
export function initialConcurrency(perSecond: number): number {
  return Math.max(1, Math.ceil(perSecond * 0.5));
}

/** For `perSecond` starts per second at a mean latency of `latencyMs`: ceil(rate × latency × 1.5) + 2. */
export function concurrencyFor(perSecond: number, latencyMs: number): number {
  return Math.max(1, Math.ceil(perSecond * (latencyMs / 1000) * JITTER_FACTOR) + EXTRA);
}

/** The exponentially weighted mean latency after one more request of `durationMs`. */
export function meanLatency(previous: number | undefined, durationMs: number): number {
  return previous === undefined ? durationMs : previous + LATENCY_ALPHA * (durationMs - previous);
}
