import type { Operation } from "../types.js";
import type { EndpointName } from "../zoom/endpoints.js";
import type { ExecResult, OperationRecord, Settled } from "./outcome.js";
import type { Failure } from "./retry.js";

/**
 * The looks an operation may take at Zoom before or after sending (a user by email, a user's
 * virtual backgrounds). Each is an ordinary request through the retry loop, on its own label's
 * limiter, and counts in the operation's `attempts`.
 */

/** Runs one operation through the retry loop (send/loop.ts's `runOperation`, bound to its deps). */
export type RunOperation = (op: Operation, signal: AbortSignal, started?: number) => Promise<Settled>;

/**
 * Looks at Zoom after a failure that may have been applied, or whose meaning needs a look
 * (send/meaning.ts): a result (found; or the look itself failed), or undefined to send again.
 * Adds the look's requests to `record.attempts`.
 */
export type Reconcile = (
  run: RunOperation,
  record: OperationRecord,
  failure: Failure,
  signal: AbortSignal,
) => Promise<Settled | undefined>;

/** `op` turned into a body-less GET on `endpoint` (same row, user unless given, op kind and target). */
export function lookOp(op: Operation, endpoint: EndpointName, user = op.user): Operation {
  const { body: _body, query: _query, file: _file, checkFirst: _check, keep: _keep, ...rest } = op;
  return { ...rest, user, endpoint };
}

export interface UserLookup {
  /** `absent` only for Zoom's 404/1001; `unknown` when the lookup itself failed or was stopped. */
  state: "present" | "absent" | "unknown";
  result: ExecResult;
}

/** GET /users/{user} (Light): is there such a user? */
export async function lookUpUser(
  run: RunOperation,
  op: Operation,
  user: string,
  signal: AbortSignal,
  started?: number,
): Promise<UserLookup> {
  const { result } = await run(lookOp(op, "getUser", user), signal, started);
  const state =
    result.outcome === "ok"
      ? "present"
      : result.http_status === 404 && result.zoom_code === 1001
        ? "absent"
        : "unknown";
  return { state, result };
}

/** Why a reconciliation looks, for its messages. */
export function afterWhat(failure: Failure): string {
  return failure.kind === "network" ? "its answer was lost" : `Zoom answered HTTP ${failure.status}`;
}
