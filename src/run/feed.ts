import { checkUser, type Planner } from "../plan/index.js";
import { isPlainPassword } from "../plan/secrets.js";
import type { Manifest } from "../read/index.js";
import { inShard, type Shard } from "../shard.js";
import type { InvalidOperation, ManifestRecord, Operation, PlannedRow, ResultLine } from "../types.js";
import type { CurrentUser } from "../desired/diff.js";
import { operationsToSend } from "../desired/run-diff.js";
import { rowHash, type DoneBook } from "./resume.js";

/**
 * The feed: manifest -> records -> this shard's rows -> planned rows -> what is left to send.
 * Rows of another shard are dropped before planning (no file stats, no password files read for
 * another process's users); on `--resume`, operations the results already hold as done for an
 * unchanged row are dropped, and a background upload cut off earlier is checked for first.
 *
 * Row states: read -> planned -> queued -> sending (-> retry-wait -> sending) -> done.
 */
export interface FeedOptions {
  manifest: Manifest;
  plan: Planner;
  shard: Shard | undefined;
  /** `--resume`: what earlier runs finished. */
  done: DoneBook | undefined;
  /** Told once when a record holds a plain-text password (for the file-permission warning). */
  onPlainPassword?: () => void;
  /** `--diff`: what Zoom holds for a user (undefined: no such user), read before the run. */
  current?: (user: string) => CurrentUser | undefined;
  /**
   * Rows made elsewhere (`zoom-bulk undo`: src/undo), taken instead of the manifest's: each
   * pass calls it again. `--resume` still drops what `done` holds as done for an unchanged row.
   */
  rows?: () => AsyncIterable<RowWork>;
}

/**
 * Rows made elsewhere, for `runBatch` to send instead of a manifest's (`zoom-bulk undo`). The
 * manifest stands for where they come from: its `columns` tell the checks before sending what the
 * rows may do (`action`: they may delete users, so `--allow-delete` and `--max-deletes` apply).
 */
export interface RowSource {
  manifest: Manifest;
  rows: () => AsyncIterable<RowWork>;
}

export interface RowWork {
  planned: PlannedRow;
  /** The row's hash, for the row index that a later `--resume` compares against. */
  hash: string;
  /** The operations still to send. */
  operations: Operation[];
  /**
   * Result lines decided without sending: `--diff`'s `unchanged` operations; undo's changes that
   * cannot be undone (`skipped`).
   */
  unchanged: ResultLine[];
  /** `--diff`: what Zoom held for the row's user before the run (for the journal); undefined: no such user. */
  current?: CurrentUser;
}

/**
 * Operations that may have reached Zoom before a crash without their result line, and that must
 * not simply be sent again: a background upload (a second copy), a create (not idempotent), an
 * email change (the old email is gone). On `--resume` each looks first.
 */
const LOOK_FIRST_ON_RESUME: ReadonlySet<string> = new Set(["virtual_background", "create", "email"]);

export async function* plannedRows(options: FeedOptions): AsyncGenerator<RowWork> {
  if (options.rows) {
    yield* suppliedRows(options.rows(), options.done);
    return;
  }
  let warned = false;
  for await (const record of options.manifest.records()) {
    if (!inShard(userOf(record), options.shard)) continue; // another process's user
    if (!warned && isPlainPassword(record.fields?.password)) {
      warned = true;
      options.onPlainPassword?.();
    }
    const planned = await options.plan(record);
    const hash = rowHash(record);
    const done = options.done;
    const operations = planned.operations
      .filter((op) => !done?.isDone(op.row, hash, op.op, op.target))
      .map((op) => (done && LOOK_FIRST_ON_RESUME.has(op.op) ? { ...op, checkFirst: true } : op));
    if (!options.current) {
      yield { planned, hash, operations, unchanged: [] };
      continue;
    }
    const current = options.current(planned.user);
    const diffed = operationsToSend({ ...planned, operations }, current, Date.now());
    yield { planned, hash, ...diffed, ...(current ? { current } : {}) };
  }
}

/** Supplied rows, less what `--resume` finds done (operations, and lines such as `unchanged`). */
async function* suppliedRows(
  rows: AsyncIterable<RowWork>,
  done: DoneBook | undefined,
): AsyncGenerator<RowWork> {
  for await (const work of rows) {
    if (!done) {
      yield work;
      continue;
    }
    const left = (o: { row: number; op: string; target: string }): boolean =>
      !done.isDone(o.row, work.hash, o.op, o.target);
    yield { ...work, operations: work.operations.filter(left), unchanged: work.unchanged.filter(left) };
  }
}

/** The user a record names, as the planner will read it (for the shard; "" when unreadable). */
function userOf(record: ManifestRecord): string {
  return record.fields ? checkUser(record.fields.user).user : "";
}

export function invalidResult(invalid: InvalidOperation, finishedAt: number): ResultLine {
  return {
    row: invalid.row,
    line: invalid.line,
    user: invalid.user,
    op: invalid.op,
    target: invalid.target,
    outcome: "invalid",
    http_status: "",
    zoom_code: invalid.code,
    message: invalid.message,
    attempts: 0,
    duration_ms: 0,
    tracking_id: "",
    finished_at: new Date(finishedAt).toISOString(),
  };
}
