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
}

export interface RowWork {
  planned: PlannedRow;
  /** The row's hash, for the row index that a later `--resume` compares against. */
  hash: string;
  /** The operations still to send. */
  operations: Operation[];
  /** `--diff`: operations with nothing to change, as their `unchanged` result lines. */
  unchanged: ResultLine[];
}

/**
 * Operations that may have reached Zoom before a crash without their result line, and that must
 * not simply be sent again: a background upload (a second copy), a create (not idempotent), an
 * email change (the old email is gone). On `--resume` each looks first.
 */
const LOOK_FIRST_ON_RESUME: ReadonlySet<string> = new Set(["virtual_background", "create", "email"]);

export async function* plannedRows(options: FeedOptions): AsyncGenerator<RowWork> {
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
    const diffed = operationsToSend({ ...planned, operations }, options.current(planned.user), Date.now());
    yield { planned, hash, ...diffed };
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
