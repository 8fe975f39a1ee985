/**
 * PUT /users/{userId}/email: a new login email, at most 3 changes per user in any 24 hours (the
 * spec's description; zoom-api.md §2, §3.3), counted on the sandbox clock (quotas.ts).
 *
 * Zoom documents no answer for these two cases; the sandbox's choices:
 * - a 4th change within 24 h: 400/300 with the wording Zoom documents for the same limit on
 *   passwords (PUT /users/{userId}/password), no Retry-After (Zoom sends none on a 400). The
 *   change may run again 24 h after the oldest of the three (`GET /_sandbox/state` → quotas).
 * - an email another user holds: 409/1005, as POST /users answers it.
 * Setting the email the user already has (same text) answers 204, changes nothing and is noted
 * as a no-op; it does not count towards the three.
 */
import type { Handler, RouteSpec } from "../context.js";
import { noteNoop, readFields, withUser } from "../context.js";
import { zoomError } from "../http.js";

/** "The length should be less than 128 characters." (the spec's description of `email`). */
export const EMAIL_LENGTH_BELOW = 128;

export const EMAIL_LIMIT_MESSAGE =
  "This email cannot be changed because it has already been changed the maximum number of times over the past 24 hours.";

const updateEmail: Handler = (ctx) =>
  withUser(ctx, async (user) => {
    const body = await readFields(ctx, {
      email: (v) =>
        (v as string).length < EMAIL_LENGTH_BELOW
          ? undefined
          : `Must be fewer than ${EMAIL_LENGTH_BELOW} characters.`,
    });
    if ("reply" in body) return body.reply;
    const email = body.value.email as string;
    if (email === user.email) {
      noteNoop(ctx, user, "email already set");
      return { status: 204 };
    }
    const holder = ctx.state.getUser(email);
    if (holder && holder !== user) return zoomError(409, 1005, `Email "${email}" has already been used.`);
    if (ctx.state.quotas.emailBlockedUntil(user.id) !== undefined)
      return zoomError(400, 300, EMAIL_LIMIT_MESSAGE);
    ctx.state.quotas.recordEmailChange(user.id);
    ctx.state.directory.rename(user, email);
    return { status: 204 };
  });

export const emailRoutes = {
  updateEmail: {
    handler: updateEmail,
    body: { email: { type: "string", format: "email", required: true } },
    undocumented: [
      { status: 409, code: 1005, why: "an email another user holds, answered as POST /users does" },
    ],
  },
} satisfies Record<string, RouteSpec>;
