import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import type { ResultLine } from "../../src/types.js";

/** Reads a results file (CSV or JSON Lines) into objects, numbers as numbers. */
export function readResults(path: string): ResultLine[] {
  const text = readFileSync(path, "utf8");
  if (path.endsWith(".jsonl"))
    return text
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ResultLine);
  const records = parse(text, { columns: true }) as Record<string, string>[];
  const num = (v: string | undefined): number | "" => (v === "" || v === undefined ? "" : Number(v));
  return records.map((r) => ({
    ...(r as unknown as ResultLine),
    row: Number(r.row),
    line: Number(r.line),
    http_status: num(r.http_status),
    zoom_code: r.zoom_code && /^\d+$/.test(r.zoom_code) ? Number(r.zoom_code) : (r.zoom_code ?? ""),
    attempts: Number(r.attempts),
    duration_ms: Number(r.duration_ms),
  }));
}

const OP_ORDER = ["row", "profile", "password", "picture", "virtual_background"];

/** Results in manifest order: by row, then by the order of a row's operations. */
export function sortResults<T extends { row: number; op: string; target: string }>(lines: T[]): T[] {
  return [...lines].sort(
    (a, b) =>
      a.row - b.row || OP_ORDER.indexOf(a.op) - OP_ORDER.indexOf(b.op) || a.target.localeCompare(b.target),
  );
}

/** Replaces what changes from run to run (times, durations, tracking ids) with fixed markers. */
export function normalise(line: ResultLine): ResultLine {
  return {
    ...line,
    duration_ms: 0,
    finished_at: line.finished_at ? "<time>" : "",
    tracking_id: line.tracking_id ? "<tracking-id>" : "",
  };
}
