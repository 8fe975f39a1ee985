import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { ConfigError, exitCodeFor } from "../errors.js";
import { OUTCOMES, RESULT_COLUMNS, type Outcome, type ResultLine, type ResultOp } from "../types.js";
import { ENDPOINTS, OP_ENDPOINTS } from "../zoom/endpoints.js";
import type { Label } from "../zoom/labels.js";
import { resultsFormat, unescapeCell } from "./results.js";

/**
 * Reads a results file back (CSV with its header row, or JSON Lines). A results file is appended
 * to by every run that names it, so the same operation may appear more than once: the later line
 * for a (row, op, target) wins, which is what the operator wants to know ("what is the state now").
 * Lines come back in the order their operation first appeared.
 */
export function readResults(path: string): ResultLine[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(
      `Cannot read the results file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}. Name the file a run wrote (--results).`,
    );
  }
  // Every line the writer writes ends in "\n": a tail without one was cut off by a crash.
  if (!text.endsWith("\n")) text = text.slice(0, text.lastIndexOf("\n") + 1);
  const raw = resultsFormat(path) === "jsonl" ? parseJsonl(text, path) : parseCsv(text, path);
  const latest = new Map<string, ResultLine>();
  for (const line of raw) latest.set(`${line.row}\u0000${line.op}\u0000${line.target}`, line);
  return [...latest.values()];
}

function parseJsonl(text: string, path: string): ResultLine[] {
  const lines: ResultLine[] = [];
  text.split("\n").forEach((l, i) => {
    if (!l.trim()) return;
    try {
      lines.push(toLine(JSON.parse(l) as Record<string, unknown>));
    } catch {
      throw new ConfigError(`${path} line ${i + 1}: not a JSON object; is this a zoom-bulk results file?`);
    }
  });
  return lines;
}

function parseCsv(text: string, path: string): ResultLine[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, relax_column_count: false }) as Record<
      string,
      string
    >[];
  } catch (error) {
    throw new ConfigError(`${path}: not a readable CSV results file (${(error as Error).message}).`);
  }
  const first = records[0];
  if (first && RESULT_COLUMNS.some((c) => !(c in first)))
    throw new ConfigError(
      `${path}: missing results columns (${RESULT_COLUMNS.filter((c) => !(c in first)).join(", ")}); is this a zoom-bulk results file?`,
    );
  return records.map((r, i) => {
    try {
      return toLine(r);
    } catch (error) {
      throw new ConfigError(`${path} record ${i + 1}: ${(error as Error).message}.`);
    }
  });
}

/** Cells the writer escaped (a leading `'` for spreadsheets, controls shown as `\x1B`) are given back as they were. */
const unescape = (v: unknown): string => unescapeCell(v === undefined || v === null ? "" : String(v));
const num = (v: unknown): number => (v === "" || v === undefined || v === null ? 0 : Number(v));

export function toLine(r: Record<string, unknown>): ResultLine {
  const outcome = String(r.outcome ?? "") as Outcome;
  if (!(OUTCOMES as readonly string[]).includes(outcome)) throw new Error(`unknown outcome ${outcome}`);
  const code = r.zoom_code;
  return {
    row: num(r.row),
    line: num(r.line),
    user: unescape(r.user),
    op: String(r.op ?? "") as ResultOp,
    target: unescape(r.target),
    outcome,
    http_status: r.http_status === "" || r.http_status === undefined ? "" : Number(r.http_status),
    zoom_code:
      typeof code === "number"
        ? code
        : typeof code === "string" && /^\d+$/.test(code)
          ? Number(code)
          : unescape(code),
    message: unescape(r.message),
    attempts: num(r.attempts),
    duration_ms: num(r.duration_ms),
    tracking_id: String(r.tracking_id ?? ""),
    finished_at: String(r.finished_at ?? ""),
  };
}

/** The rate label an operation spends (from the endpoint table), or undefined for `row`. */
export function labelOfOp(op: ResultOp): Label | undefined {
  // `op` comes from a results file: only the table's own entries count, never Object's members.
  const endpoint = Object.hasOwn(OP_ENDPOINTS, op)
    ? OP_ENDPOINTS[op as keyof typeof OP_ENDPOINTS]
    : undefined;
  return endpoint && Object.hasOwn(ENDPOINTS, endpoint) ? ENDPOINTS[endpoint].label : undefined;
}

/** Counts of a results file, the same figures the run's summary has (those a file can tell). */
export interface ResultsCounts {
  operations: number;
  outcomes: Record<Outcome, number>;
  by_op: Record<string, Partial<Record<Outcome, number>>>;
  /** Lines that are not ok and carry a code, per Zoom or local code (as the run's summary counts them). */
  zoom_codes: Record<string, number>;
  /** Lines neither ok nor unchanged, per codeKey (network, http 5xx, skipped and deferred too). */
  failure_codes: Record<string, number>;
  /** Requests sent per label (operations that reached Zoom at least once). */
  requests: Partial<Record<Label, number>>;
  /** Attempts per label (retries included). */
  attempts: Partial<Record<Label, number>>;
  started_at: string | null;
  finished_at: string | null;
  exit_code: number;
}

export function summarize(lines: readonly ResultLine[]): ResultsCounts {
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  // Keys come from the file (op and code columns): tables without a prototype, so `__proto__` or
  // `constructor` in a hostile results file is just another key.
  const byOp: ResultsCounts["by_op"] = Object.create(null) as ResultsCounts["by_op"];
  const codes = Object.create(null) as Record<string, number>;
  const failures = Object.create(null) as Record<string, number>;
  const requests: ResultsCounts["requests"] = {};
  const attempts: ResultsCounts["attempts"] = {};
  let first = Infinity;
  let last = -Infinity;
  for (const line of lines) {
    outcomes[line.outcome]++;
    const op = (byOp[line.op] ??= Object.create(null) as Partial<Record<Outcome, number>>);
    op[line.outcome] = (op[line.outcome] ?? 0) + 1;
    if (line.outcome !== "ok" && line.zoom_code !== "") {
      const code = String(line.zoom_code);
      codes[code] = (codes[code] ?? 0) + 1;
    }
    if (line.outcome !== "ok" && line.outcome !== "unchanged") {
      const key = codeKey(line);
      failures[key] = (failures[key] ?? 0) + 1;
    }
    const label = labelOfOp(line.op);
    if (label && line.attempts > 0) {
      requests[label] = (requests[label] ?? 0) + 1;
      attempts[label] = (attempts[label] ?? 0) + line.attempts;
    }
    const end = Date.parse(line.finished_at);
    if (Number.isFinite(end)) {
      first = Math.min(first, end - line.duration_ms);
      last = Math.max(last, end);
    }
  }
  const exit = exitCodeFor({ outcomes });
  return {
    operations: lines.length,
    outcomes,
    by_op: byOp,
    zoom_codes: codes,
    failure_codes: failures,
    requests,
    attempts,
    started_at: Number.isFinite(first) ? new Date(first).toISOString() : null,
    finished_at: Number.isFinite(last) ? new Date(last).toISOString() : null,
    exit_code: exit,
  };
}

/**
 * The code a failure is grouped under: Zoom's code, the job's own `E_…` code, `http <status>` when
 * Zoom sent no code, `network` when no answer came, or the outcome (skipped, deferred).
 */
export function codeKey(line: ResultLine): string {
  if (line.zoom_code !== "") return String(line.zoom_code);
  if (line.outcome === "skipped" || line.outcome === "deferred") return line.outcome;
  if (line.http_status !== "") return `http ${line.http_status}`;
  return "network";
}
