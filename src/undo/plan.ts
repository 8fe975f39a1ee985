/**
 * The undo plan: the run's journal and results -> what `zoom-bulk undo` sends. Pure.
 *
 * 1. `changesToUndo`: a journaled change is undone when its result line (the latest for its row,
 *    operation and target) is `ok`, or when it has none (the answer was lost, or the run crashed
 *    after the journal line): anything else (failed, invalid, deferred, unchanged) changed
 *    nothing. A change journaled twice (a `--resume` sent it again) keeps its first entry: the
 *    value from before the job first touched it.
 * 2. `planUndo`: per row of the run, latest row first and each row's changes in reverse order,
 *    one undo operation per change:
 *
 * | change | undo |
 * |---|---|
 * | create | `delete` the user (`?action=delete`; an invited user, `create_action` create, `?action=disassociate`, the only way Zoom removes a pending user); the user's other changes go with it |
 * | profile | PATCH the old values; an old empty value is sent as "" for a clearable field |
 * | status | activate or deactivate back |
 * | email | change the email back (sent to the new email) |
 * | virtual_background upload | DELETE the file (`?file_ids=`), found by name and size |
 * | password, picture, delete, background clean-up; an old value Zoom did not show; `pending` | a `skipped` line, `E_CANNOT_UNDO` |
 *
 * Rows come out latest first; the queue keeps one user's rows in that order, so a field changed
 * by two rows ends with the value it had before the run. Each row is queued under the email its
 * user has after the run (later rows may have moved it, once or more), so a row runs after the
 * undo of every later move, and a moved user's backgrounds are read under that email.
 */
import { createHash } from "node:crypto";
import { isEmpty } from "../desired/normalise.js";
import type { JournalEntry } from "../journal/entry.js";
import type { RowWork } from "../run/feed.js";
import type { BackgroundFile } from "../send/backgrounds.js";
import type { Operation, Outcome, ResultLine } from "../types.js";
import { OP_ENDPOINTS } from "../zoom/endpoints.js";
import { CLEARABLE_FIELDS } from "../zoom/rules.js";

export const CANNOT_UNDO = "E_CANNOT_UNDO";

/** The key a result line and a journal entry share. */
export function changeKey(c: { row: number; op: string; target: string }): string {
  return `${c.row}\u0000${c.op}\u0000${c.target}`;
}

/** The journaled changes that may have reached Zoom (step 1), in journal order. */
export function changesToUndo(
  entries: readonly JournalEntry[],
  latest: ReadonlyMap<string, Outcome>,
): JournalEntry[] {
  const seen = new Set<string>();
  const changes: JournalEntry[] = [];
  for (const entry of entries) {
    const key = changeKey(entry);
    if (seen.has(key)) continue;
    seen.add(key);
    const outcome = latest.get(key);
    if (outcome === undefined || outcome === "ok") changes.push(entry);
  }
  return changes;
}

/** A user's background files as undo found them, or why they could not be read. */
export type Listing = readonly BackgroundFile[] | { failed: string };

/**
 * The users whose uploaded backgrounds must be found, lower-cased, under the email each has after
 * the run: a later row may have moved the user to a new email, and the files are read before any
 * move is undone.
 */
export function backgroundUsers(changes: readonly JournalEntry[]): Set<string> {
  const created = createdUsers(changes);
  const after = namesAfterRun(changes);
  const users = new Set<string>();
  for (const c of changes)
    if (c.op === "virtual_background" && c.file && c.undoable !== false && !created.has(key(c.user)))
      users.add(key(after.get(c) ?? c.user));
  return users;
}

/**
 * Each change's user under the email it has after the run: the change's own email change and every
 * later one applied.
 */
function namesAfterRun(changes: readonly JournalEntry[]): Map<JournalEntry, string> {
  const names = new Map<JournalEntry, string>();
  const movedTo = new Map<string, string>(); // the moves from the change looked at on, composed
  for (let i = changes.length - 1; i >= 0; i--) {
    const c = changes[i] as JournalEntry;
    if (c.op === "email") movedTo.set(key(c.user), movedTo.get(key(c.target)) ?? c.target);
    names.set(c, movedTo.get(key(c.user)) ?? c.user);
  }
  return names;
}

export interface UndoPlan {
  /** The undo's rows, latest row of the run first; each op keeps the run's row and line. */
  rows: RowWork[];
  /** What cannot be undone, as `skipped` result lines (also in `rows[].unchanged`). */
  cannot: ResultLine[];
}

export function planUndo(
  changes: readonly JournalEntry[],
  listings: ReadonlyMap<string, Listing>,
  finishedAt: number,
): UndoPlan {
  const created = createdUsers(changes);
  const after = namesAfterRun(changes);
  const listingOf = (entry: JournalEntry): Listing | undefined =>
    listings.get(key(after.get(entry) ?? entry.user));
  const claimed = new Set<string>(); // background ids already meant for one undo
  const byRow = new Map<number, JournalEntry[]>();
  for (const c of changes) {
    const entries = byRow.get(c.row);
    if (entries) entries.push(c);
    else byRow.set(c.row, [c]);
  }
  const rows: RowWork[] = [];
  const cannot: ResultLine[] = [];
  for (const row of [...byRow.keys()].sort((a, b) => b - a)) {
    const entries = byRow.get(row) as JournalEntry[];
    const operations: Operation[] = [];
    const lines: ResultLine[] = [];
    const add = (op: Omit<Operation, "index">): void => {
      operations.push({ ...op, index: operations.length });
    };
    const create = entries.find((e) => e.op === "create");
    if (create) add(deleteCreated(create, entries));
    else
      for (const entry of [...entries].reverse()) {
        if (created.has(key(entry.user))) continue; // the user goes with its create's undo
        const undo = undoOf(entry, listingOf, claimed, finishedAt);
        if (undo.op) add(undo.op);
        if (undo.line) lines.push(undo.line);
        if (undo.line?.outcome === "skipped") cannot.push(undo.line);
      }
    const first = entries[0] as JournalEntry;
    // queued under the user's email after the run, so the undos of every move of one user (and of
    // what was sent before a move) run one after the other, latest first
    const user = after.get(first) ?? first.user;
    if (operations.length === 0 && lines.length === 0) continue;
    rows.push({
      planned: { row, line: first.line, user, operations, invalid: [] },
      hash: createHash("sha256").update(JSON.stringify(entries)).digest("base64url").slice(0, 16),
      operations,
      unchanged: lines,
    });
  }
  return { rows, cannot };
}

/** A change's undo: an operation to send, a line saying what cannot be sent (or both: a profile partly restorable). */
interface Undo {
  op?: Omit<Operation, "index">;
  line?: ResultLine;
}

function undoOf(
  entry: JournalEntry,
  listingOf: (entry: JournalEntry) => Listing | undefined,
  claimed: Set<string>,
  finishedAt: number,
): Undo {
  const base = { row: entry.row, line: entry.line, user: entry.user };
  const cannot = (message: string, target = entry.target): Undo => ({
    line: line(entry, target, "skipped", CANNOT_UNDO, message, finishedAt),
  });
  if (entry.undoable === false || entry.op === "password" || entry.op === "picture" || entry.op === "delete")
    return cannot(CANNOT[entry.op]);
  const before = entry.before ?? {};
  switch (entry.op) {
    case "profile": {
      const body: Record<string, unknown> = {};
      const lost: string[] = [...(entry.unknown ?? [])];
      for (const [field, old] of Object.entries(before)) {
        if (!isEmpty(old)) body[field] = old;
        else if (CLEARABLE_FIELDS.includes(field)) body[field] = "";
        else lost.push(field);
      }
      return {
        ...(Object.keys(body).length > 0 ? { op: profileOp(base, body) } : {}),
        ...(lost.length > 0 ? cannot(cannotFields(lost.sort()), lost.join(",")) : {}),
      };
    }
    case "status": {
      const old = before.status;
      if (old !== "active" && old !== "inactive")
        return cannot(
          old === "pending"
            ? "The user was pending (invited, not yet joined) before the run; Zoom cannot make a user pending again."
            : "The run did not know the user's status before the change.",
        );
      const action = old === "active" ? "activate" : "deactivate";
      return {
        op: { ...base, op: "status", endpoint: OP_ENDPOINTS.status, body: { action }, target: action },
      };
    }
    case "email": {
      const old = before.email;
      if (typeof old !== "string" || old === "")
        return cannot("The run did not know the user's email before the change.");
      return {
        op: {
          ...base,
          user: entry.target,
          op: "email",
          endpoint: OP_ENDPOINTS.email,
          body: { email: old },
          target: old,
        },
      };
    }
    case "virtual_background":
      return undoUpload(entry, listingOf(entry), claimed, finishedAt);
    case "create":
      return cannot("Unreachable: a create is undone with its row."); // planUndo handles creates
  }
}

const CANNOT = {
  password: "A password cannot be read back, so the old one cannot be put back; set a new one if needed.",
  picture: "Zoom keeps no copy of the old profile picture to put back.",
  delete: "A deleted or disassociated user cannot be brought back.",
  virtual_background: "Deleted virtual background files cannot be restored.",
  profile: "",
  status: "",
  email: "",
  create: "",
} as const;

function cannotFields(fields: string[]): string {
  return `The old value of ${fields.join(", ")} cannot be put back: Zoom did not show it before the run, or it was empty and Zoom cannot empty it.`;
}

function profileOp(base: { row: number; line: number; user: string }, body: Record<string, unknown>) {
  return { ...base, op: "profile" as const, endpoint: OP_ENDPOINTS.profile, body, target: "" };
}

function deleteCreated(create: JournalEntry, entries: readonly JournalEntry[]): Omit<Operation, "index"> {
  // a create row that also moved its user to a new email: the user is found under the new one
  const moved = entries.find((e) => e.op === "email");
  const action = create.before?.create_action === "create" ? "disassociate" : "delete";
  return {
    row: create.row,
    line: create.line,
    user: moved ? moved.target : create.user,
    op: "delete",
    endpoint: OP_ENDPOINTS.delete,
    query: { action },
    target: action,
  };
}

function undoUpload(
  entry: JournalEntry,
  listing: Listing | undefined,
  claimed: Set<string>,
  finishedAt: number,
): Undo {
  const file = entry.file as { name: string; size: number };
  if (listing === undefined || "failed" in listing)
    return {
      line: line(
        entry,
        entry.target,
        "failed",
        "",
        `The user's virtual backgrounds could not be read${listing ? ` (${listing.failed})` : ""}, so ${file.name} was not deleted. Run undo again with --resume.`,
        finishedAt,
      ),
    };
  const found = listing.find(
    (f) => f.id !== undefined && !claimed.has(f.id) && f.name === file.name && f.size === file.size,
  );
  if (!found?.id)
    return {
      line: line(
        entry,
        entry.target,
        "unchanged",
        "",
        `Nothing to delete: no file named ${file.name} of ${file.size} bytes among the user's virtual backgrounds any more.`,
        finishedAt,
      ),
    };
  claimed.add(found.id);
  return {
    op: {
      row: entry.row,
      line: entry.line,
      user: entry.user,
      op: "virtual_background",
      endpoint: "deleteVirtualBackgrounds",
      query: { file_ids: found.id },
      target: entry.target,
    },
  };
}

/** Users the run created (lower-cased, under the name and any new email the row gave them). */
function createdUsers(changes: readonly JournalEntry[]): Set<string> {
  const created = new Set<string>();
  const rows = new Set(changes.filter((c) => c.op === "create").map((c) => c.row));
  for (const c of changes)
    if (rows.has(c.row) && (c.op === "create" || c.op === "email"))
      created.add(key(c.op === "email" ? c.target : c.user));
  return created;
}

const key = (user: string): string => user.toLowerCase();

function line(
  entry: JournalEntry,
  target: string,
  outcome: Outcome,
  code: string,
  message: string,
  finishedAt: number,
): ResultLine {
  return {
    row: entry.row,
    line: entry.line,
    user: entry.user,
    op: entry.op,
    target,
    outcome,
    http_status: "",
    zoom_code: code,
    message,
    attempts: 0,
    duration_ms: 0,
    tracking_id: "",
    finished_at: new Date(finishedAt).toISOString(),
  };
}
