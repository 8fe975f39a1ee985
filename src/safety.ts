import type { ResultLine } from "./types.js";

/**
 * Safety rails, as a pure function of the results the run writes: stop the job (exit 5, resumable)
 * when too many of the last operations that reached Zoom failed, and at once (exit 3) when Zoom
 * refuses the app itself (4711/4700: a scope is missing; 124 after a token renewal: the new token
 * is refused too). Feed it every result line as it is written; it never does I/O.
 *
 * Only operations that reached Zoom count (attempts > 0): `ok` is a success, `failed` a failure.
 * `invalid`, `skipped`, `deferred` and `unchanged` say nothing about Zoom's answers and are left
 * out, so a manifest full of local mistakes does not trip the breaker (and a daily limit defers
 * instead of failing).
 */
export interface BreakerOptions {
  /** Trip when the failed share of the window is above this, in (0, 1]; 1 never trips. Default 0.5. */
  maxFailureRate?: number;
  /** How many of the latest operations that reached Zoom are judged. Default 200. */
  window?: number;
  /** No verdict before this many operations reached Zoom. Default min(window, 100). */
  minSamples?: number;
}

export type BreakerTrip =
  | { kind: "failure-rate"; message: string; failed: number; window: number; codes: Record<string, number> }
  | { kind: "auth"; message: string };

export interface Breaker {
  /** Counts one result; returns why the run must stop, once, the first time it must. */
  record(line: ResultLine, extra?: { fatal?: "auth" }): BreakerTrip | undefined;
  /** The trip, once there was one. */
  readonly tripped: BreakerTrip | undefined;
}

export const DEFAULT_MAX_FAILURE_RATE = 0.5;
export const DEFAULT_BREAKER_WINDOW = 200;

/** Zoom codes that mean the app is refused, whatever the row: missing scopes; a renewed token refused. */
const AUTH_CODES = new Set([4700, 4711, 124]);

export function createBreaker(options: BreakerOptions = {}): Breaker {
  const maxRate = options.maxFailureRate ?? DEFAULT_MAX_FAILURE_RATE;
  const size = options.window ?? DEFAULT_BREAKER_WINDOW;
  if (!(maxRate > 0 && maxRate <= 1))
    throw new RangeError(`maxFailureRate must be in (0, 1], got ${maxRate}`);
  if (!(Number.isInteger(size) && size >= 1))
    throw new RangeError(`window must be a whole number ≥ 1, got ${size}`);
  const minSamples = Math.min(size, options.minSamples ?? Math.min(size, 100));

  /** Ring of the last `size` judged operations: the failure's code key, or null for a success. */
  const ring: (string | null)[] = [];
  let next = 0;
  let failures = 0;
  let tripped: BreakerTrip | undefined;

  const trip = (t: BreakerTrip): BreakerTrip => {
    tripped = t;
    return t;
  };

  return {
    get tripped() {
      return tripped;
    },
    record(line, extra) {
      if (tripped) return undefined;
      if (line.attempts <= 0) return undefined;
      if (line.outcome !== "ok" && line.outcome !== "failed") return undefined;

      if (line.outcome === "failed" && (extra?.fatal === "auth" || AUTH_CODES.has(Number(line.zoom_code)))) {
        const code = line.zoom_code === "" ? `HTTP ${line.http_status}` : `code ${line.zoom_code}`;
        return trip({
          kind: "auth",
          message: `Zoom refused the app itself (${code}: ${line.message}) on row ${line.row}; every other call would be refused too. Check the app's scopes and credentials, then run again with --resume.`,
        });
      }

      const failure = line.outcome === "failed" ? codeOf(line) : null;
      if (ring.length < size) ring.push(failure);
      else {
        if (ring[next] !== null) failures--;
        ring[next] = failure;
        next = (next + 1) % size;
      }
      if (failure !== null) failures++;

      if (ring.length < minSamples || failures / ring.length <= maxRate) return undefined;
      const codes: Record<string, number> = {};
      for (const c of ring) if (c !== null) codes[c] = (codes[c] ?? 0) + 1;
      const common = Object.entries(codes)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([c, n]) => `${c} ×${n}`)
        .join(", ");
      const pct = Math.round((failures / ring.length) * 100);
      return trip({
        kind: "failure-rate",
        failed: failures,
        window: ring.length,
        codes,
        message: `Stopped by the failure-rate breaker: ${failures} of the last ${ring.length} operations that reached Zoom failed (${pct}%, above --max-failure-rate ${maxRate}); most common: ${common}. Look at the results file, fix the manifest or the account, then run again with --resume.`,
      });
    },
  };
}

/** The code a failure is grouped under: Zoom's code, else `http <status>`, else `network`. */
function codeOf(line: ResultLine): string {
  if (line.zoom_code !== "") return String(line.zoom_code);
  if (line.http_status !== "") return `http ${line.http_status}`;
  return "network";
}
