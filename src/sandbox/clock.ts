/**
 * The sandbox clock: wall time plus an offset that tests move. It decides token expiry and the
 * UTC day that daily limits count in. Sliding rate-limit windows use the real monotonic clock
 * instead (limits.ts), so moving this clock never opens or closes a per-second window.
 */
export interface SandboxClock {
  /** Milliseconds since the epoch, as the simulated Zoom account sees it. */
  now(): number;
  advance(ms: number): void;
  set(time: number | Date): void;
}

export function createClock(start?: number | Date): SandboxClock {
  let offset = start === undefined ? 0 : toMs(start) - Date.now();
  return {
    now: () => Date.now() + offset,
    advance(ms) {
      if (!Number.isFinite(ms))
        throw new RangeError(`clock.advance: expected a finite number of ms, got ${ms}`);
      offset += ms;
    },
    set(time) {
      offset = toMs(time) - Date.now();
    },
  };
}

function toMs(time: number | Date): number {
  const ms = typeof time === "number" ? time : time.getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`clock: not a valid time: ${String(time)}`);
  return ms;
}

export const DAY_MS = 86_400_000;

/** The next 00:00 UTC after `ms`, formatted as Zoom's Retry-After: `2026-11-25T00:00:00Z`. */
export function nextUtcMidnight(ms: number): string {
  const next = (Math.floor(ms / DAY_MS) + 1) * DAY_MS;
  return new Date(next).toISOString().replace(/\.\d{3}Z$/, "Z");
}
