import type { Operation } from "../types.js";
import { lookUpUser, type Reconcile } from "./lookup.js";
import type { ExecResult } from "./outcome.js";

/**
 * Email changes (PUT /users/{userId}/email, Light; zoom-api.md §2):
 *
 * - 204: `ok`. The sandbox (and, as far as is known, Zoom) also answers 204 to the email the user
 *   already has; that is `ok` too, since the answer cannot tell. Only when the operation's user
 *   is the very same text as the new email does the executor know without asking: `unchanged`,
 *   no request (`sameEmail`).
 * - Zoom's "changed the maximum number of times over the past 24 hours": `deferred` until now + 24 h,
 *   no retry (send/meaning.ts); the exact time is 24 h after the oldest of the three changes,
 *   which the job cannot see, so this is the latest it can be.
 * - 404/1001: `failed`, unless an earlier attempt may have been applied (a lost answer: the user
 *   now answers to its new email) or the operation has `checkFirst` (a `--resume`): then GET
 *   /users/{new email} (Light); found: `ok`.
 *
 * Cost: one Light request; one more for the look after a lost answer.
 */

/** The new email, or undefined when the body has none. */
function newEmail(op: Pick<Operation, "body">): string | undefined {
  const email = op.body?.email;
  return typeof email === "string" ? email : undefined;
}

/** `unchanged` without a request when the operation names the user by the very email it asks for. */
export function sameEmail(op: Operation): ExecResult | undefined {
  if (newEmail(op) !== op.user) return undefined;
  return {
    outcome: "unchanged",
    http_status: "",
    zoom_code: "",
    message: `The email is already ${op.user}.`,
    attempts: 0,
    duration_ms: 0,
    tracking_id: "",
  };
}

/** After 404/1001: the user may be there under its new email (our own change, applied). */
export const reconcileEmail: Reconcile = async (run, record, failure, signal) => {
  const { op } = record;
  const email = newEmail(op);
  if (email === undefined) return undefined;
  const look = await lookUpUser(run, op, email, signal, record.started);
  record.attempts += look.result.attempts;
  if (look.state === "present")
    return {
      result: {
        ...look.result,
        message: `Already changed: ${op.user} is gone and the user answers to ${email}.`,
        attempts: record.attempts,
        duration_ms: record.elapsed(),
      },
    };
  const unknown =
    look.state === "unknown" ? ` The new email could not be looked up: ${look.result.message}` : "";
  return record.settle("failed", `${failure.message}${unknown}`);
};
