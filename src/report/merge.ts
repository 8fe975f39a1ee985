import { realpathSync } from "node:fs";
import type { ResultLine } from "../types.js";
import { LABELS, type Label } from "../zoom/labels.js";
import { num, readSummaryFile, renderReport, reportLabels, writeHtml, type ReportLabel } from "./html.js";
import { readResults, summarize, type ResultsCounts } from "./read.js";

/**
 * `zoom-bulk report` over several results files, typically the shards of one job
 * (`--shard i/n` writes `<results>.shard-i-of-n.csv`): one summary and one HTML report of the
 * whole job. Inside a file the latest line per (row, op, target) wins (report/read.ts). Across
 * files, an operation is keyed by the manifest it belongs to as well (`manifest_sha256` in each
 * file's `<results>.summary.json`): shards of one manifest hold disjoint rows and simply add up,
 * and files of different manifests are never taken for duplicates of each other (row 5 of one
 * export is not row 5 of another). Should two files of one manifest hold the same operation
 * (overlapping shard settings), the line that finished last counts and `overlapping` says so. A
 * file without a summary cannot say which manifest it belongs to: it is counted on its own. A
 * file named twice is read once (its operations count as overlapping).
 */
export interface MergedLabel {
  requests: number;
  rate_limited: { qps: number; daily: number; concurrency: number };
  /** Sum over the files of each process's busiest second (an upper bound of the job's). */
  busiest_second_sum: number;
  /** Each process's pace at its end, requests per second, summed. */
  pace_per_second_sum: number;
  /** Requests started per wall-clock second over all files (ISO second → count), when the summaries record it. */
  starts_per_second?: Record<string, number>;
}

export interface MergedFile {
  path: string;
  operations: number;
  exit_code: number;
  /** Whether `<path>.summary.json` was found and read. */
  summary: boolean;
  stopped: string | null;
  /** The manifest the file's run read (from its summary); null without a summary. */
  manifest_sha256: string | null;
}

export interface MergedSummary extends ResultsCounts {
  files: MergedFile[];
  /** How many different manifests the files belong to (a file without a summary counts as its own). */
  manifests: number;
  /** Operations found in more than one file of the same manifest (the latest line was kept). */
  overlapping: number;
  /** Files named more than once (read once). */
  repeated: string[];
  labels: Partial<Record<Label, MergedLabel>>;
}

/** What the merged HTML report needs: the summary, and the latest line of every operation. */
export interface MergedReport {
  summary: MergedSummary;
  lines: ResultLine[];
}

/** Reads several results files (and their summaries) into one report; see MergedSummary. */
export function mergeReports(paths: readonly string[]): MergedReport {
  const latest = new Map<string, ResultLine>();
  const files: MergedFile[] = [];
  const labels: MergedSummary["labels"] = {};
  const seen = new Map<string, number>(); // real path -> its operations
  const repeated: string[] = [];
  let overlapping = 0;
  for (const path of paths) {
    const real = realpathOrSelf(path);
    const before = seen.get(real);
    if (before !== undefined) {
      repeated.push(path); // every operation of it overlaps; read once
      overlapping += before;
      continue;
    }
    const lines = readResults(path);
    const summary = readSummaryFile(path);
    const sha = typeof summary?.manifest_sha256 === "string" ? summary.manifest_sha256 : null;
    const manifestKey = sha ?? `file:${real}`;
    for (const line of lines) {
      const key = `${manifestKey}\u0000${line.row}\u0000${line.op}\u0000${line.target}`;
      const before = latest.get(key);
      if (before) overlapping++;
      if (!before || line.finished_at >= before.finished_at) latest.set(key, line);
    }
    addLabels(labels, summary);
    const own = summarize(lines);
    seen.set(real, own.operations);
    const stopped = typeof summary?.stopped === "string" ? summary.stopped : null;
    files.push({
      path,
      operations: own.operations,
      exit_code: own.exit_code,
      summary: !!summary,
      stopped,
      manifest_sha256: sha,
    });
  }
  const merged = [...latest.values()];
  const manifests = new Set(files.map((f) => f.manifest_sha256 ?? `file:${f.path}`)).size;
  return {
    summary: { ...summarize(merged), files, manifests, overlapping, repeated, labels },
    lines: merged,
  };
}

/** The merged summary alone (kept for callers of the first version). */
export function mergeResults(paths: readonly string[]): MergedSummary {
  return mergeReports(paths).summary;
}

/** Adds one file's per-label figures (from its summary) to the running sums. */
function addLabels(labels: MergedSummary["labels"], summary: unknown): void {
  const raw = (summary as { labels?: Record<string, Record<string, unknown>> } | undefined)?.labels;
  const checked = reportLabels(summary);
  for (const label of LABELS) {
    const figures = raw && Object.hasOwn(raw, label) ? raw[label] : undefined;
    if (!figures || typeof figures !== "object") continue;
    const l = (labels[label] ??= {
      requests: 0,
      rate_limited: { qps: 0, daily: 0, concurrency: 0 },
      busiest_second_sum: 0,
      pace_per_second_sum: 0,
    });
    const limited = (figures.rate_limited ?? {}) as Record<string, unknown>;
    l.requests += num(figures.requests);
    l.rate_limited.qps += num(limited.qps);
    l.rate_limited.daily += num(limited.daily);
    l.rate_limited.concurrency += num(limited.concurrency);
    l.busiest_second_sum += num(figures.busiest_second);
    l.pace_per_second_sum += num(figures.pace_per_second);
    const starts = checked[label]?.starts;
    if (starts) {
      const sum = (l.starts_per_second ??= {});
      for (const [second, count] of starts) {
        const key = new Date(second * 1000).toISOString().slice(0, 19) + "Z";
        sum[key] = (sum[key] ?? 0) + count;
      }
    }
  }
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path; // readResults says what is wrong with it
  }
}

/** The merged summary's label sums as the chart's figures. */
export function mergedLabels(m: MergedSummary): Partial<Record<Label, ReportLabel>> {
  return reportLabels({
    labels: Object.fromEntries(
      Object.entries(m.labels).map(([label, l]) => [
        label,
        {
          pace_per_second: l.pace_per_second_sum,
          rate_limited: l.rate_limited,
          starts_per_second: l.starts_per_second,
        },
      ]),
    ),
  });
}

/** The merged report as HTML (one page for all the files). */
export function renderMergedReport(m: MergedReport, generatedAt?: Date): string {
  return renderReport({
    lines: m.lines,
    source: m.summary.files.map((f) => f.path).join(", "),
    labels: mergedLabels(m.summary),
    files: m.summary.files,
    ...(generatedAt ? { generatedAt } : {}),
  });
}

/** Reads several results files and writes their merged HTML report (mode 0600); returns the merge. */
export function writeMergedReport(paths: readonly string[], htmlPath: string): MergedReport {
  const merged = mergeReports(paths);
  writeHtml(htmlPath, renderMergedReport(merged));
  return merged;
}

/** The merged summary as a few lines for a person. */
export function formatMerged(m: MergedSummary): string {
  const counts = Object.entries(m.outcomes)
    .filter(([, n]) => n > 0)
    .map(([o, n]) => `${o} ${n}`)
    .join(", ");
  const from = m.manifests > 1 ? ` from ${m.manifests} different manifests` : "";
  const lines = [
    `zoom-bulk: ${m.operations} operations in ${m.files.length} results files${from}: ${counts || "nothing"}`,
  ];
  for (const f of m.files)
    lines.push(
      `  ${f.path}: ${f.operations} operations, exit ${f.exit_code}${f.stopped ? `, stopped: ${f.stopped}` : ""}${f.summary ? "" : " (no summary: counted on its own)"}`,
    );
  for (const [label, l] of Object.entries(m.labels))
    lines.push(
      `  ${label}: ${l.requests} requests, ${l.rate_limited.qps + l.rate_limited.daily + l.rate_limited.concurrency} rate-limited`,
    );
  if (m.overlapping > 0)
    lines.push(
      `  warning: ${m.overlapping} operations appear in more than one file of the same manifest (the latest line counts)`,
    );
  for (const path of m.repeated)
    lines.push(`  warning: ${path} was named more than once; it is counted once`);
  return lines.join("\n") + "\n";
}
