import type { LabelStats } from "../limit/index.js";
import { OUTCOMES, type Outcome, type PlannedRow, type ResultLine } from "../types.js";
import { ENDPOINTS } from "../zoom/endpoints.js";
import { LABELS, type Label } from "../zoom/labels.js";

/**
 * The progress model: counts and paces, no I/O. Per rate label it knows the operations planned
 * and done and when the recent sends finished; from those it gives the rate over a sliding
 * window, the expected total and the ETA. Displays (tty.ts, log-line.ts) only render its snapshots.
 *
 * Totals: until the manifest is counted (`setTotal`), and for operations in any case, a label's
 * total is extrapolated from the rows planned so far: planned × records / rows planned.
 */
export interface LabelProgress {
  done: number;
  /** Operations planned so far on the label. */
  planned: number;
  /** The expected total: exact once every record is planned, else extrapolated. */
  total: number;
  estimated: boolean;
  /** Requests per second over the pace window. */
  rate: number;
  rate_limited: number;
  /** Seconds left at the current rate, null while there is no rate yet. */
  eta_seconds: number | null;
}

export interface ProgressSnapshot {
  elapsed_ms: number;
  rows: { planned: number; total: number | null };
  outcomes: Record<Outcome, number>;
  labels: Partial<Record<Label, LabelProgress>>;
  eta_seconds: number | null;
  done: boolean;
}

export interface ModelOptions {
  now: () => number;
  /** The rate (and so the ETA) is measured over the last this many ms; default 10 s. */
  rateWindowMs?: number;
}

interface LabelCounts {
  done: number;
  planned: number;
  /** When recent operations that reached Zoom finished, oldest first. */
  recent: number[];
}

export class ProgressModel {
  readonly #now: () => number;
  readonly #windowMs: number;
  readonly #labels = new Map<Label, LabelCounts>();
  readonly #outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  #startedAt: number;
  #totalRows: number | null = null;
  #rowsPlanned = 0;
  #finished = false;
  #stats: (() => Record<Label, LabelStats>) | undefined;

  constructor(options: ModelOptions) {
    this.#now = options.now;
    this.#windowMs = options.rateWindowMs ?? 10_000;
    this.#startedAt = options.now();
  }

  /** The run started: elapsed time counts from now; `stats` gives the limiters' 429 counts. */
  start(stats?: () => Record<Label, LabelStats>): void {
    this.#startedAt = this.#now();
    this.#stats = stats;
  }

  /** The manifest's record count, from a counting pass. */
  setTotal(records: number): void {
    this.#totalRows = records;
  }

  planned(row: PlannedRow): void {
    this.#rowsPlanned++;
    for (const op of row.operations) this.#label(ENDPOINTS[op.endpoint].label).planned++;
  }

  result(line: ResultLine, label: Label | undefined): void {
    this.#outcomes[line.outcome]++;
    if (!label) return;
    const counts = this.#label(label);
    counts.done++;
    if (line.attempts > 0) counts.recent.push(this.#now());
  }

  finish(): void {
    this.#finished = true;
  }

  get finished(): boolean {
    return this.#finished;
  }

  snapshot(): ProgressSnapshot {
    const t = this.#now();
    const elapsed = t - this.#startedAt;
    const live = this.#stats?.();
    const labels: ProgressSnapshot["labels"] = {};
    let eta: number | null = 0;
    for (const label of LABELS) {
      const counts = this.#labels.get(label);
      if (!counts) continue;
      const figures = this.#figures(counts, t, elapsed);
      const limited = live?.[label]?.rate_limited;
      labels[label] = {
        ...figures,
        rate_limited: limited ? limited.qps + limited.daily + limited.concurrency : 0,
      };
      eta = eta === null || figures.eta_seconds === null ? null : Math.max(eta, figures.eta_seconds);
    }
    return {
      elapsed_ms: elapsed,
      rows: { planned: this.#rowsPlanned, total: this.#totalRows },
      outcomes: { ...this.#outcomes },
      labels,
      eta_seconds: this.#finished ? 0 : eta,
      done: this.#finished,
    };
  }

  /** A label's rate over the window, its expected total and its ETA at that rate. */
  #figures(counts: LabelCounts, t: number, elapsed: number): Omit<LabelProgress, "rate_limited"> {
    while (counts.recent.length > 0 && (counts.recent[0] ?? 0) < t - this.#windowMs) counts.recent.shift();
    const span = Math.max(1000, Math.min(this.#windowMs, elapsed));
    const rate = (counts.recent.length * 1000) / span;
    const total = expectedTotal(counts.planned, this.#rowsPlanned, this.#totalRows);
    const left = Math.max(0, total - counts.done);
    const eta = left === 0 ? 0 : rate > 0 ? Math.ceil(left / rate) : null;
    return {
      done: counts.done,
      planned: counts.planned,
      total,
      estimated: !(this.#totalRows !== null && this.#rowsPlanned >= this.#totalRows),
      rate: Math.round(rate * 10) / 10,
      eta_seconds: eta,
    };
  }

  #label(label: Label): LabelCounts {
    let counts = this.#labels.get(label);
    if (!counts) this.#labels.set(label, (counts = { done: 0, planned: 0, recent: [] }));
    return counts;
  }
}

/**
 * A label's expected operations: what is planned, extrapolated to the whole manifest by the share
 * of rows planned so far once the record count is known.
 */
export function expectedTotal(planned: number, rowsPlanned: number, totalRows: number | null): number {
  if (totalRows === null || rowsPlanned === 0 || rowsPlanned >= totalRows) return planned;
  return Math.max(planned, Math.round((planned * totalRows) / rowsPlanned));
}
