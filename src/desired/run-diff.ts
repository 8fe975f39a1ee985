import type { Operation, PlannedRow, ResultLine } from "../types.js";
import type { CurrentUser } from "./diff.js";
import { diffRow } from "./diff.js";

export interface DiffedRow {
  /** The operations to send, in the row's order; a profile PATCH holds only the differing fields. */
  operations: Operation[];
  /** Result lines for the operations with nothing to change (outcome `unchanged`, nothing sent). */
  unchanged: ResultLine[];
}

/**
 * `run --diff` for one row: what to send, given what Zoom holds for its user (undefined: no such
 * user). Pure. A profile PATCH keeps its query options and only the body fields that differ; an
 * operation with nothing to change becomes an `unchanged` result line (attempts 0) dated
 * `finishedAt`.
 */
export function operationsToSend(
  planned: PlannedRow,
  current: CurrentUser | undefined,
  finishedAt: number,
): DiffedRow {
  const diff = diffRow(planned, current);
  const operations: Operation[] = [];
  const unchanged: ResultLine[] = [];
  for (const d of diff.operations) {
    if (d.state === "unchanged") {
      unchanged.push(unchangedLine(d.op, d.reason ?? "Zoom already holds it.", finishedAt));
      continue;
    }
    if (d.op.op === "profile" && current) {
      const body: Record<string, unknown> = {};
      for (const change of d.fields) body[change.field] = d.op.body?.[change.field];
      operations.push({ ...d.op, body });
    } else operations.push(d.op);
  }
  return { operations, unchanged };
}

function unchangedLine(op: Operation, message: string, finishedAt: number): ResultLine {
  return {
    row: op.row,
    line: op.line,
    user: op.user,
    op: op.op,
    target: op.target,
    outcome: "unchanged",
    http_status: "",
    zoom_code: "",
    message,
    attempts: 0,
    duration_ms: 0,
    tracking_id: "",
    finished_at: new Date(finishedAt).toISOString(),
  };
}
