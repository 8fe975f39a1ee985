/**
 * The overall deadline of one HTTP attempt, from the moment it is dispatched to the last byte of
 * the answer: a server that sends its headers and then one byte every 20 s, or never answers at
 * all, costs one deadline, not the sum of undici's per-phase timeouts.
 *
 * Default, when no `requestTimeoutMs` is given (the `--request-timeout` flag), derived from the
 * latency seen: `clamp(10 x p95, 10 s, 60 s)` over the last 200 answers, and 30 s until 20 answers
 * are known. Why these numbers:
 * - Zoom answers its JSON calls in a few hundred ms; 10 x p95 leaves room for a slow spell (a GC
 *   pause, a Zoom hiccup, a congested link) and still ends a hung request long before the 60 s
 *   the old headers timeout allowed.
 * - 10 s floor: against the sandbox or a fast network p95 is a few ms, and 10 x that would turn a
 *   busy moment into timeouts and retries.
 * - 60 s cap: the previous headers timeout; nothing Zoom does should take longer.
 * - 30 s before anything is known: half the old bound, far above any normal answer.
 * Timed-out attempts are not counted as latency, so a hanging server cannot push the deadline up.
 *
 * Uploads get more: `+ bytes / 256 KiB/s` (a 15 MB background: + 60 s), since their time is the
 * file crossing the link (2 Mbit/s is a slow office uplink), not Zoom thinking. This applies to a
 * given `requestTimeoutMs` as well: it is the deadline of a request without a file.
 */
export const INITIAL_TIMEOUT_MS = 30_000;
export const MIN_ADAPTIVE_TIMEOUT_MS = 10_000;
export const MAX_ADAPTIVE_TIMEOUT_MS = 60_000;
/** Slowest upload rate allowed for, bytes per second. */
export const UPLOAD_BYTES_PER_SECOND = 256 * 1024;

const WINDOW = 200;
const MIN_SAMPLES = 20;
/** p95 is recomputed every this many answers (a sort of 200 numbers), not on every one. */
const RECOMPUTE_EVERY = 25;

export class RequestDeadline {
  readonly #fixedMs: number | undefined;
  readonly #samples = new Float64Array(WINDOW);
  #count = 0;
  #sinceRecompute = 0;
  #baseMs = INITIAL_TIMEOUT_MS;

  /** `fixedMs`: a deadline chosen by the user (`--request-timeout`); otherwise adaptive. */
  constructor(fixedMs?: number) {
    if (fixedMs !== undefined && !(Number.isFinite(fixedMs) && fixedMs > 0))
      throw new RangeError(`requestTimeoutMs: expected a number of milliseconds above 0, got ${fixedMs}`);
    this.#fixedMs = fixedMs;
    if (fixedMs !== undefined) this.#baseMs = fixedMs;
  }

  /** The deadline for one attempt that uploads `uploadBytes` (0 for JSON and body-less calls). */
  timeoutMs(uploadBytes = 0): number {
    return uploadBytes > 0
      ? this.#baseMs + Math.ceil((uploadBytes / UPLOAD_BYTES_PER_SECOND) * 1000)
      : this.#baseMs;
  }

  /** Records how long an answered attempt without a file took, dispatch to last byte. */
  observe(latencyMs: number): void {
    if (this.#fixedMs !== undefined || !(latencyMs >= 0)) return;
    this.#samples[this.#count % WINDOW] = latencyMs;
    this.#count++;
    if (this.#count < MIN_SAMPLES) return;
    if (this.#count > MIN_SAMPLES && ++this.#sinceRecompute < RECOMPUTE_EVERY) return;
    this.#sinceRecompute = 0;
    const p95 = percentile(this.#samples.subarray(0, Math.min(this.#count, WINDOW)), 0.95);
    this.#baseMs = Math.min(MAX_ADAPTIVE_TIMEOUT_MS, Math.max(MIN_ADAPTIVE_TIMEOUT_MS, Math.ceil(10 * p95)));
  }
}

/** The q-quantile (nearest rank) of `values`; 0 for none. Sorts a copy. */
export function percentile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}
