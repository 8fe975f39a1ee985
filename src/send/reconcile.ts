import { BackgroundListings, reconcileUpload } from "./backgrounds.js";
import { reconcileCreate } from "./create.js";
import { reconcileEmail } from "./email.js";
import type { Reconcile } from "./lookup.js";

export type { Reconcile, RunOperation } from "./lookup.js";

/**
 * Looking at Zoom before sending again, per endpoint: after a failure that may have been applied
 * (the retry policy's `reconcile`: a non-idempotent call whose answer was lost, or a 5xx), or an
 * answer whose meaning needs a look (send/meaning.ts's `look`).
 *
 * | endpoint                | looks at                         | found | absent |
 * |-------------------------|----------------------------------|-------|--------|
 * | createUser              | GET /users/{email} (Light)       | ok    | send again |
 * | uploadVirtualBackground | GET /users/{id}/settings (Medium) | ok   | send again |
 * | updateEmail (404/1001)  | GET /users/{new email} (Light)   | ok    | failed (Zoom's 404) |
 *
 * A look that fails itself is the operation's last word (its result, with a message saying what
 * could not be checked). Any other non-idempotent endpoint is not sent again.
 *
 * `listings`: the row's background listings (send/backgrounds.ts), which an upload's look
 * refreshes; without them each look reads for itself.
 */
export function reconcilerFor(listings?: BackgroundListings): Reconcile {
  const upload = reconcileUpload(listings);
  return (run, record, failure, signal) => {
    switch (record.op.endpoint) {
      case "createUser":
        return reconcileCreate(run, record, failure, signal);
      case "uploadVirtualBackground":
        return upload(run, record, failure, signal);
      case "updateEmail":
        return reconcileEmail(run, record, failure, signal);
      default:
        return Promise.resolve(
          record.settle("failed", `${failure.message} It may have been applied, so it was not sent again.`),
        );
    }
  };
}

/** The reconciliation of operations sent outside a row session (no shared listings). */
export const reconcile: Reconcile = reconcilerFor();
