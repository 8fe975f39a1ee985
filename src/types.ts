import type { EndpointName } from "./zoom/endpoints.js";
import type { FileFormat } from "./zoom/rules.js";

/**
 * One Zoom call per operation (a few look first: see `Operation`). The usual order of a row's
 * operations; the planner states the exact order per row (`Operation.index`): `create` first, a
 * `status` activate before the updates and a deactivate after them, `email` after every other
 * change of the row (so nothing can target the wrong user), `delete` alone.
 */
export const OP_KINDS = [
  "create",
  "profile",
  "password",
  "picture",
  "virtual_background",
  "email",
  "status",
  "delete",
] as const;
export type OpKind = (typeof OP_KINDS)[number];

/** The `action` column: what a row does to its user (PRODUCT.md "Lifecycle"); empty = `update`. */
export const ROW_ACTIONS = ["update", "create", "activate", "deactivate", "delete", "disassociate"] as const;
export type RowAction = (typeof ROW_ACTIONS)[number];

/** `row` stands for a record that could not be read at all. */
export type ResultOp = OpKind | "row";

export const OUTCOMES = ["ok", "failed", "invalid", "skipped", "deferred", "unchanged"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** A record as the reader hands it on: its fields, or why it could not be read. */
export interface ManifestRecord {
  /** 1-based record number, unreadable records counted too. */
  row: number;
  /** 1-based source line where the record starts (a CSV header is line 1). */
  line: number;
  /** Canonical column names (aliases resolved) to raw values: strings from CSV, JSON values from JSON. */
  fields?: Record<string, unknown>;
  /** Set when the record could not be read; `fields` is then absent. */
  error?: { code: string; message: string };
}

export interface UploadFile {
  /** Absolute path on disk. */
  path: string;
  /** File name sent in the multipart part and written as the result's `target`. */
  name: string;
  size: number;
  format: FileFormat;
}

/** A Zoom call the job will make for one row. Secrets live only in `body` and are never logged. */
export interface Operation {
  row: number;
  line: number;
  user: string;
  op: OpKind;
  /** Position among the row's operations, for stable result ordering. */
  index: number;
  endpoint: EndpointName;
  /** JSON body for PATCH/PUT; holds the password for `password`. */
  body?: Record<string, unknown>;
  query?: Record<string, string>;
  file?: UploadFile;
  /** The result's `target` column (the file name for uploads). */
  target: string;
  /**
   * Look before sending, because sending twice would not leave the same state: a background
   * upload looks for a file of the same name and size among the user's backgrounds (there:
   * `unchanged`); a `create` or an `email` change after a crash (`--resume`) looks the user up
   * (there: `ok`).
   */
  checkFirst?: boolean;
  /**
   * `virtual_backgrounds_mode=replace`: the background files the row lists (name and size).
   * Carried by the row's `deleteVirtualBackgrounds` operation (target `(unlisted)`), which deletes
   * every file of the user not in this list.
   */
  keep?: { name: string; size: number }[];
}

/** An operation refused before sending. */
export interface InvalidOperation {
  row: number;
  line: number;
  user: string;
  op: ResultOp;
  index: number;
  target: string;
  code: string;
  message: string;
}

export interface PlannedRow {
  row: number;
  line: number;
  user: string;
  operations: Operation[];
  invalid: InvalidOperation[];
}

/** One line of the results file; the key order is the column order (PRODUCT.md "Results file"). */
export interface ResultLine {
  row: number;
  line: number;
  user: string;
  op: ResultOp;
  target: string;
  outcome: Outcome;
  http_status: number | "";
  zoom_code: number | string | "";
  message: string;
  attempts: number;
  duration_ms: number;
  tracking_id: string;
  finished_at: string;
}

export const RESULT_COLUMNS = [
  "row",
  "line",
  "user",
  "op",
  "target",
  "outcome",
  "http_status",
  "zoom_code",
  "message",
  "attempts",
  "duration_ms",
  "tracking_id",
  "finished_at",
] as const satisfies readonly (keyof ResultLine)[];
