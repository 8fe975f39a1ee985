import { writeFileSync } from "node:fs";
import type { StopReason } from "../errors.js";
import type { LabelStats } from "../limit/index.js";
import { OUTCOMES, type Outcome, type ResultLine } from "../types.js";
import { LABELS, type Label } from "../zoom/labels.js";

/** Per-label figures the limiter measured during the run (see LabelStats). */
export type LabelSummary = LabelStats;

export interface Summary {
  manifest: string;
  /** Fingerprint of the manifest's bytes: `--resume` refuses a results file of another manifest. */
  manifest_sha256: string;
  results: string;
  /** The Zoom account the run sent to (API origin and account ID): `--resume` stays on it. */
  account: string;
  plan: string;
  share: number;
  started_at: string;
  finished_at: string;
  elapsed_ms: number;
  operations: number;
  outcomes: Record<Outcome, number>;
  by_op: Record<string, Partial<Record<Outcome, number>>>;
  zoom_codes: Record<string, number>;
  labels: Record<string, LabelSummary>;
  /** Operations that reached Zoom, per second of the run. */
  throughput_per_second: number;
  /** After a daily limit: the earliest time a `--resume` can send the deferred operations. */
  next_safe_run_at: string | null;
  /** Set when the run stopped early: why, for a person; `"running"` while it runs. */
  stopped: string | null;
  /** Set when the run stopped early: why, as a stable word that decides the exit code. */
  stop_reason: StopReason | null;
  /** The process's exit code (`exitCodeFor`), interruptions included. */
  exit_code: number;
}

/** Counts results as they are written; `counts` gives the summary's tallies. */
export class SummaryCounter {
  readonly outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  readonly byOp: Record<string, Partial<Record<Outcome, number>>> = {};
  readonly zoomCodes: Record<string, number> = {};
  operations = 0;
  sent = 0;
  nextSafeRunAt: string | null = null;
  /** Rows with an operation failed, invalid, deferred or skipped: the rows of `<results>.retry.csv`. */
  readonly retryRows = new Set<number>();

  add(line: ResultLine): void {
    this.operations++;
    if (line.outcome !== "ok" && line.outcome !== "unchanged") this.retryRows.add(line.row);
    this.outcomes[line.outcome]++;
    const op = (this.byOp[line.op] ??= {});
    op[line.outcome] = (op[line.outcome] ?? 0) + 1;
    if (line.outcome !== "ok" && line.zoom_code !== "") {
      const code = String(line.zoom_code);
      this.zoomCodes[code] = (this.zoomCodes[code] ?? 0) + 1;
    }
    if (line.attempts > 0) this.sent++;
  }

  deferUntil(until: string): void {
    if (this.nextSafeRunAt === null || until > this.nextSafeRunAt) this.nextSafeRunAt = until;
  }

  counts(): Counts {
    return {
      operations: this.operations,
      outcomes: this.outcomes,
      by_op: this.byOp,
      zoom_codes: this.zoomCodes,
    };
  }
}

export type Counts = Pick<Summary, "operations" | "outcomes" | "by_op" | "zoom_codes">;

/**
 * The tallies of a whole results file, streamed: the latest line of each (row, op, target) counts,
 * so after a `--resume` the summary covers the whole job, earlier runs included.
 */
export async function countResults(lines: AsyncIterable<ResultLine>): Promise<SummaryCounter> {
  const latest = new Map<string, ResultLine>();
  for await (const line of lines) latest.set(`${line.row}\u0000${line.op}\u0000${line.target}`, line);
  const counter = new SummaryCounter();
  for (const line of latest.values()) counter.add(line);
  return counter;
}

/** The limiters' per-label figures, for the labels that sent anything. */
export function labelSummaries(stats: Record<Label, LabelStats>): Record<string, LabelSummary> {
  const labels: Record<string, LabelSummary> = {};
  for (const label of LABELS) {
    const s = stats[label];
    if (s && s.requests > 0) labels[label] = s;
  }
  return labels;
}

/** Written when a run starts, so the manifest's fingerprint is on disk even if the run is killed. */
export function emptySummary(
  base: Pick<Summary, "manifest" | "manifest_sha256" | "results" | "account" | "plan" | "share">,
  startedAt: number,
): Summary {
  const started = new Date(startedAt).toISOString();
  return {
    ...base,
    started_at: started,
    finished_at: started,
    elapsed_ms: 0,
    operations: 0,
    outcomes: Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>,
    by_op: {},
    zoom_codes: {},
    labels: {},
    throughput_per_second: 0,
    next_safe_run_at: null,
    stopped: "running",
    stop_reason: null,
    exit_code: 0,
  };
}

export function writeSummary(path: string, summary: Summary): void {
  writeFileSync(path, JSON.stringify(summary, null, 2) + "\n", { mode: 0o600 });
}

export function summaryPath(resultsPath: string): string {
  return `${resultsPath}.summary.json`;
}

/** The summary as a few lines for a person. */
export function formatSummary(s: Summary): string {
  const counts = OUTCOMES.filter((o) => s.outcomes[o] > 0)
    .map((o) => `${o} ${s.outcomes[o]}`)
    .join(", ");
  const lines = [
    `zoom-bulk: ${s.operations} operations in ${(s.elapsed_ms / 1000).toFixed(1)} s: ${counts || "nothing to do"}`,
  ];
  for (const [label, l] of Object.entries(s.labels)) {
    if (l.requests === 0) continue;
    const limited = l.rate_limited.qps + l.rate_limited.daily + l.rate_limited.concurrency;
    const slowed = l.slowdowns > 0 ? ` (slowed ${l.slowdowns}× to ${l.min_pace_per_second}/s by 429s)` : "";
    lines.push(
      `  ${label}: ${l.requests} requests, pace ${l.ceiling_per_second}/s${slowed}, busiest second ${l.busiest_second}, ${limited} rate-limited (qps ${l.rate_limited.qps}, daily ${l.rate_limited.daily}, concurrency ${l.rate_limited.concurrency})`,
    );
  }
  const codes = Object.entries(s.zoom_codes);
  if (codes.length > 0) lines.push(`  codes: ${codes.map(([c, n]) => `${c} ×${n}`).join(", ")}`);
  if (s.next_safe_run_at)
    lines.push(`  daily limit reached: run again with --resume after ${s.next_safe_run_at}`);
  if (s.stopped) lines.push(`  stopped: ${s.stopped}`);
  lines.push(`  results: ${s.results}`, `  summary: ${summaryPath(s.results)}`);
  return lines.join("\n") + "\n";
}
