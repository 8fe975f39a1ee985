import { existsSync, readFileSync } from "node:fs";
import type { ResultLine } from "../types.js";
import type { Label } from "../zoom/labels.js";
import { readResults, summarize, type ResultsCounts } from "./read.js";
import { summaryPath } from "./summary.js";

/**
 * `zoom-bulk report` over several results files, typically the shards of one job
 * (`--shard i/n` writes `<results>.shard-i-of-n.csv`): one summary of the whole job. Inside a file
 * the latest line per (row, op, target) wins (report/read.ts); shards hold disjoint users, so their
 * lines simply add up. Should two files hold the same (row, op, target) (overlapping shard
 * settings, or a file given twice), the line that finished last counts and `overlapping` says so.
 * Per-label figures come from each file's `<results>.summary.json` when it is there.
 */
export interface MergedLabel {
  requests: number;
  rate_limited: { qps: number; daily: number; concurrency: number };
  /** Sum over the files of each process's busiest second (an upper bound of the job's). */
  busiest_second_sum: number;
  /** Each process's pace at its end, requests per second, summed. */
  pace_per_second_sum: number;
}

export interface MergedFile {
  path: string;
  operations: number;
  exit_code: number;
  /** Whether `<path>.summary.json` was found and read. */
  summary: boolean;
  stopped: string | null;
}

export interface MergedSummary extends ResultsCounts {
  files: MergedFile[];
  /** Operations found in more than one file (the latest line was kept). */
  overlapping: number;
  labels: Partial<Record<Label, MergedLabel>>;
}

export function mergeResults(paths: readonly string[]): MergedSummary {
  const latest = new Map<string, ResultLine>();
  const files: MergedFile[] = [];
  const labels: MergedSummary["labels"] = {};
  let overlapping = 0;
  for (const path of paths) {
    const lines = readResults(path);
    const own = summarize(lines);
    for (const line of lines) {
      const key = `${line.row}\u0000${line.op}\u0000${line.target}`;
      const before = latest.get(key);
      if (before) overlapping++;
      if (!before || line.finished_at >= before.finished_at) latest.set(key, line);
    }
    const shardSummary = readSummary(path);
    for (const [label, figures] of Object.entries(shardSummary?.labels ?? {})) {
      const l = (labels[label as Label] ??= {
        requests: 0,
        rate_limited: { qps: 0, daily: 0, concurrency: 0 },
        busiest_second_sum: 0,
        pace_per_second_sum: 0,
      });
      l.requests += num(figures.requests);
      l.rate_limited.qps += num(figures.rate_limited?.qps);
      l.rate_limited.daily += num(figures.rate_limited?.daily);
      l.rate_limited.concurrency += num(figures.rate_limited?.concurrency);
      l.busiest_second_sum += num(figures.busiest_second);
      l.pace_per_second_sum += num(figures.pace_per_second);
    }
    files.push({
      path,
      operations: own.operations,
      exit_code: own.exit_code,
      summary: shardSummary !== undefined,
      stopped: typeof shardSummary?.stopped === "string" ? shardSummary.stopped : null,
    });
  }
  return { ...summarize([...latest.values()]), files, overlapping, labels };
}

interface SummaryFile {
  stopped?: unknown;
  labels?: Record<
    string,
    {
      requests?: unknown;
      rate_limited?: { qps?: unknown; daily?: unknown; concurrency?: unknown };
      busiest_second?: unknown;
      pace_per_second?: unknown;
    }
  >;
}

function readSummary(results: string): SummaryFile | undefined {
  const path = summaryPath(results);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as SummaryFile;
  } catch {
    return undefined; // a summary cut off by a crash: the results file still counts
  }
}

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/** The merged summary as a few lines for a person. */
export function formatMerged(m: MergedSummary): string {
  const counts = Object.entries(m.outcomes)
    .filter(([, n]) => n > 0)
    .map(([o, n]) => `${o} ${n}`)
    .join(", ");
  const lines = [
    `zoom-bulk: ${m.operations} operations in ${m.files.length} results files: ${counts || "nothing"}`,
  ];
  for (const f of m.files)
    lines.push(
      `  ${f.path}: ${f.operations} operations, exit ${f.exit_code}${f.stopped ? `, stopped: ${f.stopped}` : ""}`,
    );
  for (const [label, l] of Object.entries(m.labels))
    lines.push(
      `  ${label}: ${l.requests} requests, ${l.rate_limited.qps + l.rate_limited.daily + l.rate_limited.concurrency} rate-limited`,
    );
  if (m.overlapping > 0)
    lines.push(
      `  warning: ${m.overlapping} operations appear in more than one file (the latest line counts)`,
    );
  return lines.join("\n") + "\n";
}
