import type { CurrentUser } from "../desired/diff.js";
import { DependencyError } from "../errors.js";
import { journalEntry, type JournalEntry } from "../journal/entry.js";
import type { Executor, ExecResult, RowExecutor } from "../send/execute.js";
import { lookup, stateKey, type AccountState } from "../state/index.js";
import type { Operation, Outcome, PlannedRow, ResultLine } from "../types.js";
import { ENDPOINTS, OP_ENDPOINTS } from "../zoom/endpoints.js";
import type { Label } from "../zoom/labels.js";
import type { RunController } from "./controller.js";
import type { Reporter } from "./reporter.js";

/**
 * The row runner: sends one row's operations, one after the other, in the row's order (profile,
 * password, picture, backgrounds). Per operation, in this order:
 *
 * 1. a stop was asked for: leave the rest of the row unreported, for `--resume`;
 * 2. an earlier operation of the row found no such user (404/1001): `skipped`;
 * 3. incremental sync (`--state`): the same fingerprint was applied before: `unchanged`;
 * 4. otherwise journaled (`--diff`: the values it replaces, src/journal), sent through the
 *    executor (limiter, retries), and its result reported.
 *
 * An operation that reached the network is always reported, even when the run stops while it is
 * in flight; one the stop caught before it was sent is not (a `--resume` sends it).
 */
export interface RowRunnerOptions {
  executor: Executor;
  controller: RunController;
  reporter: Reporter;
  /** Incremental sync: the store, its HMAC secret, and the account the keys belong to. */
  state?: AccountState;
  /** `--resume`: an interrupted password change may already have been applied. */
  resume: boolean;
  now: () => number;
  /** `--diff`: the journal of replaced values, written before each request leaves. */
  journal?: { write(entry: JournalEntry): void };
}

export class RowRunner {
  readonly #o: RowRunnerOptions;

  constructor(options: RowRunnerOptions) {
    this.#o = options;
  }

  /** `current`: what Zoom held for the row's user before the run (`--diff`), for the journal. */
  async run(row: PlannedRow, current?: CurrentUser): Promise<void> {
    let skip: { outcome: "skipped" | "deferred"; message: string; until?: string } | undefined;
    let target: string | undefined; // the user's email after an `email` operation of this row
    const session = this.#o.executor.row(); // one background listing per user per row
    const operations = [...row.operations];
    for (let i = 0; i < operations.length; i++) {
      const op = operations[i] as Operation;
      if (this.#o.controller.draining) return;
      if (skip) {
        this.#report(op, skip);
        continue;
      }
      const known = this.#o.state ? await lookup(this.#o.state, op) : undefined;
      if (known?.unchanged) {
        this.#report(op, { outcome: "unchanged", message: "Unchanged since the last successful sync." });
        continue;
      }
      this.#o.journal?.write(journalEntry(op, current, this.#o.now()));
      const result = await this.#send(session, target ? { ...op, user: target } : op);
      if (result.attempts === 0 && this.#o.controller.draining) return; // stopped before it was sent
      this.#report(op, result);
      if (result.until) this.#o.reporter.counter.deferUntil(result.until);
      if ((result.outcome === "ok" || result.outcome === "unchanged") && known)
        await this.#store(op, known.applied);
      if (result.fatal === "auth") this.#o.reporter.authFailed(result.message);
      if (result.fatal === "dependency")
        this.#o.controller.fail(new DependencyError("oauth", result.message));
      if (op.op === "email" && result.outcome === "ok") target = String(op.body?.email ?? op.user);
      if (op.op === "create" && result.outcome === "unchanged") namesAfterCreate(operations, i);
      if (i === 0) skip = skipAfterFirst(op, result);
    }
  }

  async #send(session: RowExecutor, op: Operation): Promise<ExecResult> {
    const result = await session.execute(op); // the run's signals were given at the executor's creation
    // On resume an interrupted password change may have been applied already: Zoom then answers
    // that the new password matches the current one, which is what the manifest asks for.
    if (
      this.#o.resume &&
      op.op === "password" &&
      result.zoom_code === 300 &&
      /match the old password/i.test(result.message)
    )
      return { ...result, outcome: "ok", message: "Already set: Zoom says the password is the current one." };
    return result;
  }

  async #store(op: Operation, applied: string): Promise<void> {
    const state = this.#o.state;
    if (state) await state.store.put(stateKey(op, state.account), applied);
  }

  #report(
    op: Operation,
    r: Partial<Omit<ExecResult, "outcome">> & { outcome: Outcome; message: string },
  ): void {
    this.#o.reporter.report(resultOf(op, r, this.#o.now()), labelOf(op));
  }
}

/** The names a create row gives, which `POST /users` carried and the profile PATCH leaves out. */
const CREATE_NAMES = ["first_name", "last_name", "display_name"] as const;

/**
 * A create row whose user exists already runs as an update: the names that went into the create
 * (and so are not in the row's profile PATCH) are PATCHed too, in the row's profile operation or
 * in one of their own right after the create. The type the create defaulted is not: an existing
 * user's licence is not changed by a default.
 */
function namesAfterCreate(operations: Operation[], at: number): void {
  const create = operations[at] as Operation;
  const info = (create.body?.user_info ?? {}) as Record<string, unknown>;
  const names = Object.fromEntries(
    CREATE_NAMES.filter((k) => info[k] !== undefined).map((k) => [k, info[k]]),
  );
  if (Object.keys(names).length === 0) return;
  const profile = operations.findIndex((op) => op.op === "profile");
  if (profile >= 0) {
    const op = operations[profile] as Operation;
    operations[profile] = { ...op, body: { ...names, ...op.body } };
  } else
    operations.splice(at + 1, 0, {
      row: create.row,
      line: create.line,
      user: create.user,
      op: "profile",
      index: create.index,
      endpoint: OP_ENDPOINTS.profile,
      body: names,
      target: "",
    });
}

/**
 * What the rest of a row becomes after its first operation: nothing when it went through; after
 * 404/1001 (no such user) the rest is `skipped`; after a `create` that failed the rest is
 * `skipped`, and after one a daily cap deferred, the rest is `deferred` with it (a `--resume`
 * sends the row again).
 */
function skipAfterFirst(
  op: Operation,
  result: ExecResult,
): { outcome: "skipped" | "deferred"; message: string; until?: string } | undefined {
  if (result.http_status === 404 && result.zoom_code === 1001 && op.op !== "delete")
    return { outcome: "skipped", message: `Skipped: the user does not exist (${op.op} answered 404/1001).` };
  if (op.op !== "create") return undefined;
  if (result.outcome === "deferred")
    return {
      outcome: "deferred",
      message: `Deferred with the row's create: ${result.message}`,
      ...(result.until ? { until: result.until } : {}),
    };
  if (result.outcome === "failed")
    return { outcome: "skipped", message: "Skipped: the user could not be created (see the row's create)." };
  return undefined;
}

/** Which label each operation spends (stated once, in the endpoint table). */
export function labelOf(op: Operation): Label {
  return ENDPOINTS[op.endpoint].label;
}

export function resultOf(
  op: Pick<Operation, "row" | "line" | "user" | "op" | "target">,
  r: Partial<Omit<ExecResult, "outcome">> & { outcome: Outcome; message: string },
  finishedAt: number,
): ResultLine {
  return {
    row: op.row,
    line: op.line,
    user: op.user,
    op: op.op,
    target: op.target,
    outcome: r.outcome,
    http_status: r.http_status ?? "",
    zoom_code: r.zoom_code ?? "",
    message: r.message,
    attempts: r.attempts ?? 0,
    duration_ms: r.duration_ms ?? 0,
    tracking_id: r.tracking_id ?? "",
    finished_at: new Date(finishedAt).toISOString(),
  };
}
