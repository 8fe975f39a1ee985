import type { Operation } from "../types.js";
import { afterWhat, lookUpUser, type Reconcile, type RunOperation } from "./lookup.js";
import type { ExecResult } from "./outcome.js";

/**
 * Create exactly once. `POST /users` is not idempotent (zoom-api.md §2, §9.6), so it is never sent
 * a second time without a look (GET /users/{email}, Light; 404/1001 means absent):
 *
 * - first answer 201: `ok`. 409/1005: `unchanged`, "The user already exists." (send/meaning.ts);
 *   the row runner goes on with the rest of the row as an update.
 * - a lost answer, a timeout after the request left, or a 5xx: the user is looked up (the retry
 *   policy's `reconcile`). Found: `ok` (our create went through). Absent: sent again; a 409/1005
 *   then is our own earlier create: `ok`. The lookup failed: the create is reported with what
 *   Zoom said to the lookup, and is not sent again.
 * - `checkFirst` (a `--resume` after a crash): looked up first; found: `ok`, "Already created
 *   (found by a lookup before creating)."; absent: created as above.
 * - the daily create cap (a daily-limit 429): `deferred` until its Retry-After; later creates are
 *   deferred without a request, other operations go on (send/caps.ts).
 *
 * Cost: one Light request; one more per look.
 */

/** After a failure that may have made the user: found means done; absent, undefined (send again). */
export const reconcileCreate: Reconcile = async (run, record, failure, signal) => {
  const { op } = record;
  const look = await lookUpUser(run, op, op.user, signal, record.started);
  record.attempts += look.result.attempts;
  if (look.state === "absent") return undefined;
  const after = afterWhat(failure);
  const found = look.state === "present";
  const message = found
    ? `Created: the user was found by a lookup after ${after}.`
    : `The create could not be checked after ${after}, so it was not sent again: ${look.result.message}`;
  return {
    result: { ...look.result, message, attempts: record.attempts, duration_ms: record.elapsed() },
  };
};

/** `checkFirst`: look the user up, and create only when Zoom says there is no such user. */
export async function createLookingFirst(
  run: RunOperation,
  op: Operation,
  signal: AbortSignal,
  started: number,
): Promise<ExecResult> {
  const look = await lookUpUser(run, op, op.user, signal, started);
  if (look.state === "present")
    return { ...look.result, message: "Already created (found by a lookup before creating)." };
  if (look.state === "unknown")
    return {
      ...look.result,
      message: `The user could not be looked up before creating it: ${look.result.message}`,
    };
  const create = await run(op, signal, started);
  return { ...create.result, attempts: create.result.attempts + look.result.attempts };
}
