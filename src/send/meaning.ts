import type { Operation } from "../types.js";
import type { Failure } from "./retry.js";

/**
 * What some of Zoom's refusals mean for the operation that got them, as one pure function: a few
 * answers the retry policy would fail are the operation's own success, a state Zoom already holds,
 * or a per-user limit to wait out. Consulted before the retry policy (send/loop.ts).
 *
 * | endpoint    | answer                                  | earlier attempt may have applied | otherwise |
 * |-------------|-----------------------------------------|----------------------------------|-----------|
 * | createUser  | 409/1005 (email taken)                  | ok: it was our create            | unchanged: "The user already exists." |
 * | deleteUser  | 404/1001 (no such user)                 | ok: it was our delete            | unchanged: "The user is already gone." |
 * | updateEmail | "changed the maximum number of times"   | deferred for 24 h                | deferred for 24 h |
 * | updateEmail | 404/1001 (no such user)                 | look the user up by its new email | (with checkFirst, a --resume: the same) else failed |
 *
 * Sources: zoom-api.md §2 (409/1005, 404/1001, 3 email changes per user per 24 h), §9.6.
 */
export type Meaning =
  /** Settle the operation so, with Zoom's answer as its status. */
  | { outcome: "ok" | "unchanged"; message: string }
  /** Settle it as deferred (a limit of this user, not of the label: nothing else is stopped). */
  | { outcome: "deferred"; until: number; message: string }
  /** Look at Zoom to know (send/reconcile.ts): the answer alone does not say. */
  | { outcome: "look" };

export interface History {
  /** An earlier attempt of this operation may have been applied (lost answer, 5xx). */
  mayHaveApplied: boolean;
}

const MAYBE = "its answer was lost, or Zoom failed with a 5xx";

/** Zoom allows three email changes per user in any 24 hours (zoom-api.md §2, §3.3). */
export const EMAIL_CHANGE_WINDOW_MS = 24 * 3600_000;

/**
 * Zoom documents no answer for a fourth email change; the sandbox answers 400/300 with the
 * wording Zoom uses for the same limit on passwords ("… has already been changed the maximum
 * number of times over the past 24 hours."). Matched on the message, whatever the status.
 */
const EMAIL_LIMIT = /maximum number of times|too many times/i;

export function meaningOf(
  op: Pick<Operation, "endpoint" | "checkFirst">,
  failure: Failure,
  history: History,
  now: number,
): Meaning | undefined {
  if (failure.kind !== "http") return undefined;
  const { status, zoomCode } = failure;
  const noSuchUser = status === 404 && zoomCode === 1001;
  switch (op.endpoint) {
    case "createUser":
      if (status !== 409 || zoomCode !== 1005) return undefined;
      return history.mayHaveApplied
        ? {
            outcome: "ok",
            message: `Created: an earlier attempt may have been applied (${MAYBE}), and sending it again found the email taken (409/1005).`,
          }
        : { outcome: "unchanged", message: "The user already exists." };
    case "deleteUser":
      if (!noSuchUser) return undefined;
      return history.mayHaveApplied
        ? {
            outcome: "ok",
            message: `Deleted: an earlier attempt may have been applied (${MAYBE}), and the user is gone now.`,
          }
        : { outcome: "unchanged", message: "The user is already gone." };
    case "updateEmail": {
      if (status >= 400 && status < 500 && EMAIL_LIMIT.test(failure.message)) {
        const until = now + EMAIL_CHANGE_WINDOW_MS;
        return {
          outcome: "deferred",
          until,
          message: `Deferred: Zoom allows 3 email changes per user in 24 hours and this user has had them (Zoom: "${failure.message}"); run again with --resume after ${new Date(until).toISOString()}.`,
        };
      }
      // A change whose answer was lost renamed the user: the old email is gone, the new one is it.
      if (noSuchUser && (history.mayHaveApplied || op.checkFirst === true)) return { outcome: "look" };
      return undefined;
    }
    default:
      return undefined;
  }
}
