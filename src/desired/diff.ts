/**
 * The diff stage: a planned row against what Zoom holds for its user -> per operation, the fields
 * that differ (`old -> new`) after Zoom's normalisation (src/desired/normalise.ts). Pure.
 *
 * | operation | unchanged when |
 * |---|---|
 * | create | the user exists (any status) |
 * | profile | every field sent already holds its value; a field the read did not cover is a change |
 * | password | never: a password cannot be read, it always "changes" and is never shown |
 * | picture | never: Zoom shows no comparable fingerprint of the stored picture |
 * | virtual_background upload | a file of the same name and size is there (settings were read) |
 * | virtual_background `(unlisted)` clean-up | every file there is one the row keeps |
 * | email | the user's email is already it (case aside) |
 * | status | the user's status is already the one asked |
 * | delete | the user is not there |
 */
import type { Operation, PlannedRow } from "../types.js";
import { isEmpty, normalise, sameAsZoom } from "./normalise.js";

/** A background file as GET settings lists it. */
export interface CurrentFile {
  id?: string;
  name: string;
  size: number;
}

/** What Zoom holds for one user, as the reads found it (src/desired/read.ts). */
export interface CurrentUser {
  /** Absent for a pending user read from the list. */
  id?: string;
  email: string;
  /** `active` | `inactive` | `pending`. */
  status: string;
  /** Profile fields as Zoom showed them (List users item, plus GET user when it was read). */
  profile: Record<string, unknown>;
  /** The profile fields the reads covered; any other field's current value is unknown. */
  known: ReadonlySet<string>;
  /** The user's virtual background files, when GET settings was read. */
  backgrounds?: CurrentFile[];
}

export interface FieldChange {
  field: string;
  /** Zoom's value (undefined: empty); absent with `unknown`. */
  old?: unknown;
  /** The manifest's value; never set for a password. */
  new?: unknown;
  /** The read did not cover this field, so it is sent as it is. */
  unknown?: true;
  /** A password: shown only as "changes". */
  secret?: true;
}

export interface OperationDiff {
  op: Operation;
  state: "changes" | "unchanged";
  /** Profile: the differing fields; email, status: the one field; password: one secret change. */
  fields: FieldChange[];
  /** Why, for `unchanged` and for changes that cannot be compared. */
  reason?: string;
}

export interface RowDiff {
  row: number;
  line: number;
  user: string;
  /** Whether the user is in Zoom (before the row runs). */
  exists: boolean;
  /** The row creates its user (a create that is not unchanged). */
  creates: boolean;
  /** The user is not in Zoom and the row does not create it: its operations will fail with 1001. */
  missing: boolean;
  operations: OperationDiff[];
}

/** Diffs every operation of `planned` against `current` (undefined: no such user in Zoom). */
export function diffRow(planned: PlannedRow, current: CurrentUser | undefined): RowDiff {
  const operations = planned.operations.map((op) => diffOperation(op, current));
  const creates = operations.some((d) => d.op.op === "create" && d.state === "changes");
  const removes = planned.operations.some((op) => op.op === "delete");
  return {
    row: planned.row,
    line: planned.line,
    user: planned.user,
    exists: current !== undefined,
    creates,
    missing: current === undefined && !creates && !removes && planned.operations.length > 0,
    operations,
  };
}

const unchanged = (op: Operation, reason: string): OperationDiff => ({
  op,
  state: "unchanged",
  fields: [],
  reason,
});

/** One operation against the user's current state (a user the row creates has none). */
export function diffOperation(op: Operation, current: CurrentUser | undefined): OperationDiff {
  switch (op.op) {
    case "create":
      return current
        ? unchanged(op, "The user already exists.")
        : { op, state: "changes", fields: [{ field: "user", new: op.user }] };
    case "delete":
      return current
        ? { op, state: "changes", fields: [{ field: "user", old: current.email }] }
        : unchanged(op, "The user is already gone.");
    case "password":
      return { op, state: "changes", fields: [{ field: "password", secret: true }] };
    case "picture":
      return {
        op,
        state: "changes",
        fields: [{ field: "picture", new: op.target }],
        reason: "Zoom shows no fingerprint of the stored picture to compare with.",
      };
    case "email":
      return diffSingle(op, "email", op.body?.email, current?.email);
    case "status": {
      const wanted =
        op.body?.action === "activate" ? "active" : op.body?.action === "deactivate" ? "inactive" : undefined;
      if (wanted === undefined || current === undefined)
        return {
          op,
          state: "changes",
          fields: [
            { field: "status", ...(current ? { old: current.status } : {}), new: wanted ?? op.target },
          ],
        };
      return current.status === wanted
        ? unchanged(op, `The user is already ${wanted}.`)
        : { op, state: "changes", fields: [{ field: "status", old: current.status, new: wanted }] };
    }
    case "virtual_background":
      return diffBackground(op, current);
    case "profile":
      return diffProfile(op, current);
  }
}

function diffSingle(op: Operation, field: string, wanted: unknown, had: unknown): OperationDiff {
  if (had !== undefined && sameAsZoom(field, wanted, had))
    return unchanged(op, `The ${field} is already so.`);
  return {
    op,
    state: "changes",
    fields: [{ field, ...(had !== undefined ? { old: had } : {}), new: wanted }],
  };
}

function diffProfile(op: Operation, current: CurrentUser | undefined): OperationDiff {
  const fields: FieldChange[] = [];
  for (const [field, wanted] of Object.entries(op.body ?? {})) {
    if (!current) {
      fields.push({ field, new: wanted });
      continue;
    }
    if (!current.known.has(field)) {
      fields.push({ field, new: wanted, unknown: true });
      continue;
    }
    const had = current.profile[field];
    if (!sameAsZoom(field, wanted, had))
      fields.push({ field, ...(isEmpty(had) ? {} : { old: had }), new: wanted });
  }
  return fields.length === 0
    ? unchanged(op, "Every profile field already holds its value.")
    : { op, state: "changes", fields };
}

function diffBackground(op: Operation, current: CurrentUser | undefined): OperationDiff {
  const files = current?.backgrounds;
  if (op.keep) {
    // the `replace` clean-up: delete every file the row does not list
    if (current && files) {
      const extra = files.filter((f) => !op.keep?.some((k) => k.name === f.name && k.size === f.size));
      if (extra.length === 0) return unchanged(op, "No background outside the row's list.");
      return {
        op,
        state: "changes",
        fields: extra.map((f) => ({ field: "virtual_background", old: f.name })),
      };
    }
    return { op, state: "changes", fields: [{ field: "virtual_background", unknown: true }] };
  }
  const file = op.file;
  if (current && files && file && files.some((f) => f.name === file.name && f.size === file.size))
    return unchanged(op, "A background of the same name and size is there.");
  return { op, state: "changes", fields: [{ field: "virtual_background", new: op.target }] };
}

/** `old -> new` as the plan prints it; a password only as "changes". */
export function describeChange(change: FieldChange): string {
  if (change.secret) return `${change.field}: changes`;
  const old = change.unknown ? "?" : shown(change.old);
  return `${change.field}: ${old} -> ${shown(change.new)}`;
}

function shown(value: unknown): string {
  if (value === undefined || value === null || value === "") return "(empty)";
  return typeof value === "string" ? JSON.stringify(value) : JSON.stringify(normaliseForShow(value));
}

function normaliseForShow(value: unknown): unknown {
  return normalise("", value) ?? null;
}
