/** PUT /users/{userId}/password: Zoom's password rules (src/zoom/rules.ts checkPassword). */
import { checkPassword } from "../../zoom/rules.js";
import type { Handler, RouteSpec } from "../context.js";
import { readFields, withUser } from "../context.js";
import { zoomError } from "../http.js";

const updatePassword: Handler = (ctx) =>
  withUser(ctx, async (user) => {
    const body = await readFields(ctx);
    if ("reply" in body) return body.reply;
    const password = body.value.password as string;
    const problem = checkPassword(password);
    if (problem) return zoomError(400, problem.code, problem.message);
    // Zoom refuses the current password (400/300), so a repeated password is an error, not a no-op.
    if (user.password === password)
      return zoomError(400, 300, "Your new password can not match the old password.");
    user.password = password;
    return { status: 204 };
  });

export const passwordRoutes = {
  // The spec's `minimum: 8` on a string is a slip for minLength (zoom-api.md §1.2); checkPassword
  // applies Zoom's length rule with its own code (1124), so it is not declared here.
  updatePassword: { handler: updatePassword, body: { password: { type: "string", required: true } } },
} satisfies Record<string, RouteSpec>;
