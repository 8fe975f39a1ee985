/**
 * The figures of a bench scenario, measured where Zoom measures: from the sandbox's request log
 * (each call's `arrival` on the sandbox's own clock) and its per-label stats, never from the job's
 * timestamps. One block per scenario, ending in PASS or FAIL against the issue's target.
 *
 * Ratio to the ceiling, per label: requests / (span × limit × share), where span runs from the
 * first to the last arrival of that label and requests are the calls the server admitted (every
 * arrival but the 401s and 429s, which spend no budget; retries after a 5xx or a reset do).
 *
 * 429s: the sandbox counts QPS and per-user (concurrency) 429s apart in its stats. It cannot tell
 * in its log a 429 the job caused from one that other apps' share of the budget (`faults.otherApps`)
 * would cause, so the scenarios run without other apps and without forced faults: every 429 they
 * count is the job's own.
 */
import type { LabelStats, LogEntry } from "../../src/sandbox/index.js";
import { LABEL_NAMES, PLAN_LIMITS, type Label, type Plan } from "../../src/zoom/labels.js";

export interface LabelFigures {
  label: Label;
  /** Calls the server admitted (not 401, not 429). */
  requests: number;
  /** First to last arrival of the label's admitted calls, s. */
  spanSeconds: number;
  /** requests / span. */
  perSecond: number;
  /** The server's limit per second (× limitsScale). */
  limit: number;
  /** limit × share: what the job may use. */
  ceiling: number;
  /** requests / (span × ceiling). */
  ratio: number;
  /** Most calls that arrived within any sliding 1000 ms, as the server counted them. */
  busiestSecond: number;
  qps429: number;
  concurrency429: number;
}

export interface Check {
  what: string;
  ok: boolean;
}

export interface Figures {
  scenario: string;
  /** The conditions, one line. */
  setting: string;
  labels: LabelFigures[];
  /** POST /oauth/token calls the server saw. */
  tokensFetched: number;
  /** 401s the server answered (expired or unknown token). */
  unauthorized: number;
  /** Faults the server injected: 5xx, resets, hangs, answers lost after the call was applied. */
  serverFaults: { "5xx": number; reset: number; hang: number; lost: number };
  /** Wall time of the run(s), ms. */
  elapsedMs: number;
  /** Outcomes of the operations, summed over the runs. */
  outcomes: Record<string, number>;
  /** Scenario-specific lines (name: value). */
  extra: Record<string, string>;
  /** The target, in words. */
  target: string;
  checks: Check[];
  pass: boolean;
}

export interface Measured {
  labels: LabelFigures[];
  tokensFetched: number;
  unauthorized: number;
  serverFaults: Figures["serverFaults"];
}

export interface MeasureOptions {
  plan: Plan;
  share: number;
  /** The sandbox's and the job's limitsScale; default 1. */
  limitsScale?: number;
}

/** Figures per label (those with at least two admitted calls), tokens and faults, from the server's record. */
export function measure(
  log: readonly LogEntry[],
  stats: Record<Label, LabelStats>,
  busiest: Partial<Record<Label, number>>,
  options: MeasureOptions,
): Measured {
  const scale = options.limitsScale ?? 1;
  const admitted = new Map<Label, number[]>();
  for (const entry of log) {
    if (!entry.label || entry.status === 401 || entry.status === 429) continue;
    const times = admitted.get(entry.label) ?? [];
    times.push(entry.arrival);
    admitted.set(entry.label, times);
  }
  const labels: LabelFigures[] = [];
  for (const label of Object.keys(LABEL_NAMES) as Label[]) {
    const times = admitted.get(label);
    if (!times || times.length < 2) continue;
    const { limit: planLimit, windowMs } = PLAN_LIMITS[options.plan][label];
    const limit = (Math.max(1, Math.floor(planLimit * scale)) * 1000) / windowMs;
    const ceiling = limit * options.share;
    const first = Math.min(...times);
    const last = Math.max(...times);
    const spanSeconds = (last - first) / 1000;
    labels.push({
      label,
      requests: times.length,
      spanSeconds: round(spanSeconds, 2),
      perSecond: round(times.length / spanSeconds, 1),
      limit,
      ceiling: round(ceiling, 2),
      ratio: round(times.length / (spanSeconds * ceiling), 3),
      busiestSecond: busiest[label] ?? 0,
      qps429: stats[label].rejected429.qps,
      concurrency429: stats[label].rejected429.concurrency,
    });
  }
  const faults = { "5xx": 0, reset: 0, hang: 0, lost: 0 };
  for (const entry of log)
    if (entry.fault === "5xx" || entry.fault === "reset" || entry.fault === "hang") faults[entry.fault]++;
    else if (entry.fault) faults.lost++;
  return {
    labels,
    tokensFetched: log.filter((e) => e.path === "/oauth/token").length,
    unauthorized: log.filter((e) => e.label && e.status === 401).length,
    serverFaults: faults,
  };
}

// ---- checks against the targets

/** Each of `expected` labels at ≥ `min` of its ceiling (a label the server never saw twice misses). */
export function ratioAtLeast(
  labels: readonly LabelFigures[],
  min: number,
  expected: readonly Label[],
): Check[] {
  return expected.map((label) => {
    const l = labels.find((f) => f.label === label);
    return l
      ? { what: `${label} ${l.ratio} of the ceiling ≥ ${min}`, ok: l.ratio >= min }
      : { what: `${label}: fewer than two calls reached the server, nothing to measure`, ok: false };
  });
}

/** Each label's busiest sliding second ≤ its limit × share. */
export function busiestWithinCeiling(labels: readonly LabelFigures[]): Check[] {
  return labels.map((l) => ({
    what: `${l.label} busiest second ${l.busiestSecond} ≤ ${l.ceiling}`,
    ok: l.busiestSecond <= l.ceiling,
  }));
}

/** No QPS 429 (and, with `concurrency`, no per-user 429 either) on any label. */
export function no429(labels: readonly LabelFigures[], options: { concurrency: boolean }): Check {
  const qps = labels.reduce((n, l) => n + l.qps429, 0);
  const concurrency = labels.reduce((n, l) => n + l.concurrency429, 0);
  return options.concurrency
    ? {
        what: `429s ${qps + concurrency} (QPS ${qps}, per-user ${concurrency}) = 0`,
        ok: qps + concurrency === 0,
      }
    : { what: `self-caused QPS 429s ${qps} = 0`, ok: qps === 0 };
}

/** Every planned operation ended ok: otherwise the throughput is not a measure of a real run. */
export function allOk(outcomes: Record<string, number>, expected: number): Check {
  const ok = outcomes.ok ?? 0;
  return { what: `operations ok ${ok} of ${expected}`, ok: ok === expected };
}

export function finish(figures: Omit<Figures, "pass" | "checks"> & { checks: (Check | Check[])[] }): Figures {
  const checks = figures.checks.flat();
  return { ...figures, checks, pass: checks.every((c) => c.ok) };
}

// ---- printing

/** Sums outcome counts of several runs' summaries. */
export function addOutcomes(...all: Record<string, number>[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const outcomes of all)
    for (const [name, n] of Object.entries(outcomes)) if (n > 0) sum[name] = (sum[name] ?? 0) + n;
  return sum;
}

/** The scenario's block of figures, as text. */
export function formatFigures(f: Figures): string {
  const head = [
    "label",
    "requests",
    "span s",
    "per s",
    "ceiling",
    "ratio",
    "busiest 1 s",
    "QPS 429",
    "user 429",
  ];
  const rows = f.labels.map((l) => [
    l.label,
    String(l.requests),
    l.spanSeconds.toFixed(2),
    l.perSecond.toFixed(1),
    String(l.ceiling),
    l.ratio.toFixed(3),
    `${l.busiestSecond}/${l.ceiling}`,
    String(l.qps429),
    String(l.concurrency429),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string =>
    "  " + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  const faults = f.serverFaults;
  const outcomes = Object.entries(f.outcomes)
    .map(([name, n]) => `${name} ${n}`)
    .join(", ");
  return [
    `== ${f.scenario}: ${f.setting}`,
    line(head),
    ...rows.map(line),
    `  tokens fetched ${f.tokensFetched} (401s ${f.unauthorized}) · elapsed ${(f.elapsedMs / 1000).toFixed(1)} s · ` +
      `server faults: 5xx ${faults["5xx"]}, resets ${faults.reset}, hangs ${faults.hang}, lost answers ${faults.lost}`,
    `  operations: ${outcomes || "none"}`,
    ...Object.entries(f.extra).map(([name, value]) => `  ${name}: ${value}`),
    `  target: ${f.target}`,
    ...f.checks.map((c) => `    ${c.ok ? "ok  " : "MISS"} ${c.what}`),
    `  ${f.scenario}: ${f.pass ? "PASS" : "FAIL"}`,
  ].join("\n");
}

export function printFigures(f: Figures): void {
  console.log(formatFigures(f));
}

const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;
