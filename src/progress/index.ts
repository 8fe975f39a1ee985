import type { Logger } from "pino";
import { ConfigError } from "../errors.js";
import { countRecords } from "../read/index.js";
import type { RunObserver } from "../run.js";
import type { LabelStats } from "../limit/index.js";
import type { Summary } from "../report/summary.js";
import { OUTCOMES, type Outcome, type PlannedRow, type ResultLine } from "../types.js";
import { ENDPOINTS } from "../zoom/endpoints.js";
import { LABEL_NAMES, LABELS, type Label } from "../zoom/labels.js";

/**
 * Progress while a run goes, as a RunObserver.
 *
 * - `tty`: a live block on the terminal, one line for the rows and one per rate label
 *   (done/total, rate, 429s, ETA from the label's own recent pace), redrawn in place with ANSI
 *   cursor movements at most `redrawMs` apart (default 200 ms: 5 times a second).
 * - `log`: for cron, CI and pods, where carriage returns are noise: one structured line every
 *   `intervalMs` (default 10 s), through the run's logger as the `run.progress` event (or as a JSON
 *   line on the stream when no logger is given), and a last one when the run finishes.
 * - `auto` picks `tty` when the stream is a terminal, else `log`; `off` shows nothing.
 *
 * The total: `setTotal(records)` once a counting pass has read the manifest (countRecords). Until
 * then, and for operations in any case, the totals are estimated from the rows planned so far.
 */
export type ProgressMode = "auto" | "tty" | "log" | "off";
export const PROGRESS_MODES: readonly ProgressMode[] = ["auto", "tty", "log", "off"];

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  /** Terminal width; lines are cut to it. */
  columns?: number;
}

export interface ProgressOptions {
  /** Where the display goes; the CLI passes stderr so stdout keeps only the summary. */
  stream: ProgressStream;
  mode?: ProgressMode;
  /** Log mode: milliseconds between lines; default 10,000. */
  intervalMs?: number;
  /** TTY mode: least milliseconds between redraws; default 200. */
  redrawMs?: number;
  /** Log mode: the run's logger; progress becomes its `run.progress` event. */
  logger?: Logger;
  now?: () => number;
  /** Pace window: the rate (and so the ETA) is measured over the last this many ms; default 10 s. */
  rateWindowMs?: number;
}

export interface Progress extends RunObserver {
  /** The manifest's record count, from a counting pass. */
  setTotal(records: number): void;
  /** Stops the timers (finished() does too); safe to call twice. */
  close(): void;
  /** The figures the display shows, for tests and logs. */
  snapshot(): ProgressSnapshot;
}

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

interface LabelState {
  done: number;
  planned: number;
  recent: number[];
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream;
  const requested = options.mode ?? "auto";
  const mode: Exclude<ProgressMode, "auto"> =
    requested === "auto" ? (stream.isTTY ? "tty" : "log") : requested;
  const now = options.now ?? Date.now;
  const windowMs = options.rateWindowMs ?? 10_000;
  const redrawMs = options.redrawMs ?? 200;

  let startedAt = now();
  let totalRows: number | null = null;
  let rowsPlanned = 0;
  let finished = false;
  let stats: (() => Record<Label, LabelStats>) | undefined;
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  const labels = new Map<Label, LabelState>();
  const stateOf = (label: Label): LabelState => {
    let s = labels.get(label);
    if (!s) labels.set(label, (s = { done: 0, planned: 0, recent: [] }));
    return s;
  };

  let timer: NodeJS.Timeout | undefined;
  let drawnLines = 0;
  let dirty = false;
  let lastDraw = 0;

  function snapshot(): ProgressSnapshot {
    const t = now();
    const elapsed = t - startedAt;
    const live = stats?.();
    const out: ProgressSnapshot["labels"] = {};
    let eta: number | null = 0;
    for (const label of LABELS) {
      const s = labels.get(label);
      if (!s) continue;
      while (s.recent.length > 0 && (s.recent[0] ?? 0) < t - windowMs) s.recent.shift();
      const span = Math.max(1000, Math.min(windowMs, elapsed));
      const rate = (s.recent.length * 1000) / span;
      const allPlanned = totalRows !== null && rowsPlanned >= totalRows;
      const total =
        allPlanned || totalRows === null || rowsPlanned === 0
          ? s.planned
          : Math.max(s.planned, Math.round((s.planned * totalRows) / rowsPlanned));
      const left = Math.max(0, total - s.done);
      const labelEta = left === 0 ? 0 : rate > 0 ? left / rate : null;
      const limited = live?.[label]?.rate_limited;
      out[label] = {
        done: s.done,
        planned: s.planned,
        total,
        estimated: !allPlanned,
        rate: Math.round(rate * 10) / 10,
        rate_limited: limited ? limited.qps + limited.daily + limited.concurrency : 0,
        eta_seconds: labelEta === null ? null : Math.ceil(labelEta),
      };
      eta = eta === null || labelEta === null ? null : Math.max(eta, Math.ceil(labelEta));
    }
    return {
      elapsed_ms: elapsed,
      rows: { planned: rowsPlanned, total: totalRows },
      outcomes: { ...outcomes },
      labels: out,
      eta_seconds: finished ? 0 : eta,
      done: finished,
    };
  }

  function render(snap: ProgressSnapshot): string[] {
    const rows =
      snap.rows.total === null ? `${snap.rows.planned}` : `${snap.rows.planned}/${snap.rows.total}`;
    const counts = OUTCOMES.filter((o) => snap.outcomes[o] > 0)
      .map((o) => `${o} ${snap.outcomes[o]}`)
      .join("  ");
    const head = `zoom-bulk  rows read ${rows}  ${counts}  ${formatSeconds(snap.elapsed_ms / 1000)} elapsed${snap.done ? "  done" : ""}`;
    const lines = [head];
    for (const label of LABELS) {
      const l = snap.labels[label];
      if (!l) continue;
      const total = `${l.estimated ? "~" : ""}${l.total}`;
      const pct = l.total > 0 ? Math.floor((l.done * 100) / l.total) : 100;
      const eta = l.eta_seconds === null ? "--" : formatSeconds(l.eta_seconds);
      lines.push(
        `  ${LABEL_NAMES[label].padEnd(8)} ${bar(pct)} ${String(l.done).padStart(6)}/${total}  ${String(pct).padStart(3)}%  ${l.rate.toFixed(1)}/s  429s ${l.rate_limited}  ETA ${eta}`,
      );
    }
    const width = stream.columns && stream.columns > 20 ? stream.columns - 1 : undefined;
    return width ? lines.map((l) => l.slice(0, width)) : lines;
  }

  function draw(): void {
    lastDraw = now();
    dirty = false;
    const lines = render(snapshot());
    // Up to the first line of the last block, erase to the end of the screen, write the new block.
    const up = drawnLines > 0 ? `\r\x1b[${drawnLines}A\x1b[J` : "";
    stream.write(up + lines.join("\n") + "\n");
    drawnLines = lines.length;
  }

  function log(): void {
    const progress = snapshot();
    if (options.logger) options.logger.info({ progress }, "run.progress");
    else
      stream.write(
        JSON.stringify({ time: new Date(now()).toISOString(), msg: "run.progress", progress }) + "\n",
      );
  }

  function start(): void {
    if (timer || mode === "off") return;
    if (mode === "tty") {
      timer = setInterval(() => {
        if (dirty || now() - lastDraw >= 1000) draw();
      }, redrawMs);
    } else {
      timer = setInterval(log, options.intervalMs ?? 10_000);
    }
    timer.unref();
  }

  function close(): void {
    if (timer) clearInterval(timer);
    timer = undefined;
  }

  return {
    started(run) {
      startedAt = now();
      stats = run.stats;
      start();
      if (mode === "tty") draw();
    },
    planned(row: PlannedRow) {
      rowsPlanned++;
      for (const op of row.operations) stateOf(ENDPOINTS[op.endpoint].label).planned++;
      dirty = true;
    },
    result(line: ResultLine, label: Label | undefined) {
      outcomes[line.outcome]++;
      if (label) {
        const s = stateOf(label);
        s.done++;
        if (line.attempts > 0) s.recent.push(now());
      }
      dirty = true;
    },
    finished(_summary: Summary) {
      finished = true;
      close();
      if (mode === "tty") draw();
      else if (mode === "log") log();
    },
    setTotal(records: number) {
      totalRows = records;
      dirty = true;
    },
    close,
    snapshot,
  };
}

/** 75 -> "1:15", 3725 -> "1:02:05". */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

function bar(pct: number): string {
  const width = 20;
  const full = Math.min(width, Math.max(0, Math.round((pct * width) / 100)));
  return "[" + "#".repeat(full) + "-".repeat(width - full) + "]";
}

/**
 * The CLI's progress: a display on `stream` plus the counting pass that gives it the total (run
 * alongside the job: a large manifest starts sending before it is counted).
 */
export function startProgress(
  options: ProgressOptions & { manifest: string; mapping?: Record<string, string | null> },
): Progress {
  const progress = createProgress(options);
  if ((options.mode ?? "auto") !== "off")
    countRecords(options.manifest, options.mapping ? { mapping: options.mapping } : {}).then(
      (n) => progress.setTotal(n),
      () => undefined, // the run itself reports a manifest it cannot read
    );
  return progress;
}

/** `--progress-interval` in seconds (log mode). */
export function parseProgressInterval(value: unknown): number {
  const n = Number(value ?? 10);
  if (!Number.isFinite(n) || n < 0.1 || n > 86_400)
    throw new ConfigError(
      `--progress-interval: expected seconds between progress lines, from 0.1 to 86400, got "${String(value)}".`,
    );
  return Math.round(n * 1000);
}
