/**
 * The journal of replaced values (issue 15): before `run --diff` sends a change, one line says
 * what the change replaces, as Zoom held it when the run read the account, so that `zoom-bulk
 * undo` can put it back. Pure: an operation and its user's pre-run state -> one entry.
 *
 * | op | `before` |
 * |---|---|
 * | profile | each field sent -> its old value (`null`: it was empty); fields no read shows go to `unknown` |
 * | status | `{ status }` (active, inactive, pending) |
 * | email | `{ email }` (the old login email) |
 * | create | `{ created: true, create_action }`: the user did not exist |
 * | virtual_background upload | none: `file` (name, size) finds the new file again |
 * | password, picture, delete, background clean-up | none: `undoable: false` |
 *
 * Never a new value, never a password: an entry holds only what Zoom showed before the change.
 */
import type { CurrentUser } from "../desired/diff.js";
import type { OpKind, Operation } from "../types.js";

export interface JournalEntry {
  row: number;
  line: number;
  /** The user as the manifest gave it. */
  user: string;
  op: OpKind;
  target: string;
  /** What the change replaces (see the table above). */
  before?: Record<string, unknown>;
  /** Fields whose old value no read showed (`host_key`, `vanity_name`…; a user the read did not find). */
  unknown?: string[];
  /** A background upload: the file, found again by name and size. */
  file?: { name: string; size: number };
  /** The change cannot be put back (a password, a picture, a delete, deleted backgrounds). */
  undoable?: false;
  /** When the line was written (ISO), just before the request. */
  at: string;
}

/** The entry for `op`, about to be sent, given what Zoom held for its user before the run. */
export function journalEntry(op: Operation, current: CurrentUser | undefined, at: number): JournalEntry {
  const base = { row: op.row, line: op.line, user: op.user, op: op.op, target: op.target };
  const stamp = { at: new Date(at).toISOString() };
  switch (op.op) {
    case "create": {
      // how it was created: an invitation (`create`) leaves a pending user, which Zoom removes
      // only with `disassociate`
      const how = op.body?.action;
      return {
        ...base,
        before: { created: true, ...(typeof how === "string" ? { create_action: how } : {}) },
        ...stamp,
      };
    }
    case "profile":
      return { ...base, ...profileBefore(op, current), ...stamp };
    case "status":
      return current
        ? { ...base, before: { status: current.status }, ...stamp }
        : { ...base, unknown: ["status"], ...stamp };
    case "email":
      return current
        ? { ...base, before: { email: current.email }, ...stamp }
        : { ...base, unknown: ["email"], ...stamp };
    case "virtual_background":
      if (op.file && !op.keep) return { ...base, file: { name: op.file.name, size: op.file.size }, ...stamp };
      return { ...base, undoable: false, ...stamp };
    case "password":
    case "picture":
    case "delete":
      return { ...base, undoable: false, ...stamp };
  }
}

function profileBefore(
  op: Operation,
  current: CurrentUser | undefined,
): { before: Record<string, unknown>; unknown?: string[] } {
  const before: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const field of Object.keys(op.body ?? {})) {
    if (current?.known.has(field)) before[field] = current.profile[field] ?? null;
    else unknown.push(field);
  }
  return { before, ...(unknown.length > 0 ? { unknown } : {}) };
}
