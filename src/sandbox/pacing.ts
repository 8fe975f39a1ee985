import type { Label } from "../zoom/labels.js";
import type { LogEntry } from "./state.js";

/**
 * The busiest sliding window of a request log, measured as Zoom measures pace: by when each
 * request arrived (LogEntry.arrival, monotonic ms). `limits.stats[label].maxInSlidingSecond` counts
 * the same live; these work on any slice of the log (one label, accepted calls only, a phase).
 */

/** Most of `times` (ms, any order) within any window (t − windowMs, t]. */
export function busiestWindow(times: readonly number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    const t = sorted[end] as number;
    while ((sorted[start] as number) <= t - windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/**
 * The busiest sliding second per label of the API calls in `log` (calls without a label, like
 * token requests, are left out), optionally only the entries `filter` keeps.
 */
export function busiestSecondByLabel(
  log: readonly LogEntry[],
  options: { windowMs?: number; filter?: (entry: LogEntry) => boolean } = {},
): Partial<Record<Label, number>> {
  const byLabel = new Map<Label, number[]>();
  for (const entry of log) {
    if (!entry.label || (options.filter && !options.filter(entry))) continue;
    const times = byLabel.get(entry.label) ?? [];
    times.push(entry.arrival);
    byLabel.set(entry.label, times);
  }
  const out: Partial<Record<Label, number>> = {};
  for (const [label, times] of byLabel) out[label] = busiestWindow(times, options.windowMs);
  return out;
}
