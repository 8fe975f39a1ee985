/**
 * Joiners and leavers: POST /users (create), PUT /users/{userId}/status, DELETE /users/{userId}.
 * Codes and messages are the spec's where it gives them; the sandbox's own choices, where Zoom's
 * answer is not documented, are marked "(sandbox)".
 */
import { checkPassword, isPlainObject } from "../../zoom/rules.js";
import type { ApiContext, Handler, RouteSpec } from "../context.js";
import { noteNoop, readFields, readQueryFields, withUser } from "../context.js";
import { isEmail } from "../fields.js";
import type { Reply } from "../http.js";
import { validationFailed, zoomError } from "../http.js";
import { MESSAGES_429 } from "../limits.js";
import type { SandboxUser, UserStatus } from "../users-model.js";
import { createdView } from "../views.js";

const CREATE_ACTIONS = ["create", "autoCreate", "custCreate", "ssoCreate"] as const;

/**
 * POST /users. `create` makes a `pending` user (Zoom emails an invitation), the other actions an
 * active one. A create-action request counts against the daily create cap (quotas.ts) once it is
 * valid, whether or not the email is free.
 */
const createUser: Handler = async (ctx) => {
  const body = await readFields(ctx, {
    "user_info.email": (v) => (isEmail(v) ? undefined : "Invalid field."),
  });
  if ("reply" in body) return body.reply;
  const { action, user_info: info } = body.value;
  if (!isPlainObject(info)) return validationFailed([{ field: "user_info", message: "Required." }]);
  if (info.type === 99 && action !== "ssoCreate")
    return validationFailed([
      { field: "user_info.type", message: "Type 99 can only be set with ssoCreate." },
    ]);
  if (action === "create") {
    const quota = ctx.state.quotas.takeCreate();
    if (!quota.ok) {
      ctx.state.limits.countForced(ctx.endpoint.label, "daily");
      return { status: 429, body: { code: 429, message: MESSAGES_429.daily }, headers: quota.headers };
    }
  }
  const password = action === "autoCreate" && typeof info.password === "string" ? info.password : undefined;
  const problem = password === undefined ? undefined : checkPassword(password);
  if (problem) return zoomError(400, problem.code, problem.message);
  const email = info.email as string;
  if (ctx.state.getUser(email)) return zoomError(409, 1005, `Email "${email}" has already been used.`);
  const names = ["first_name", "last_name", "display_name"].filter((k) => typeof info[k] === "string");
  const user = ctx.state.addUser({
    email,
    type: info.type,
    ...Object.fromEntries(names.map((k) => [k, info[k]])),
    ...(password === undefined ? {} : { password }),
    status: action === "create" ? "pending" : "active",
  });
  return { status: 201, body: createdView(user) };
};

const STATUS_ACTIONS: Record<string, UserStatus | undefined> = {
  activate: "active",
  deactivate: "inactive",
  clock_in: undefined,
  clock_out: undefined,
};

/**
 * PUT /users/{userId}/status. Answers 204 (the spec's "200" is read as a slip, zoom-api.md §2).
 * Owners and admins cannot be (de)activated (400/200, the spec's message). A pending user cannot
 * either: 400/300 (sandbox), since it has no account to switch until it accepts the invitation.
 * clock_in/clock_out are accepted and change nothing the sandbox models.
 */
const updateStatus: Handler = (ctx) =>
  withUser(ctx, async (user) => {
    const body = await readFields(ctx);
    if ("reply" in body) return body.reply;
    const action = body.value.action as string;
    const status = STATUS_ACTIONS[action];
    if (status === undefined) return { status: 204 };
    if (user.role_name !== "Member")
      return zoomError(400, 200, "Zoom Room and Admin users' status cannot be activated or deactivated.");
    if (user.status === "pending")
      return zoomError(400, 300, `User has not accepted the invitation yet: ${user.email}.`);
    if (user.status === status) noteNoop(ctx, user, `status already ${status}`);
    user.status = status;
    return { status: 204 };
  });

const TRANSFERS = [
  "meeting",
  "webinar",
  "recording",
  "whiteboard",
  "clipfiles",
  "notes",
  "visitors",
  "docs",
] as const;

/** Why DELETE may not remove `user` as asked, or undefined. */
function refuseDelete(
  ctx: ApiContext,
  user: SandboxUser,
  q: Record<string, string | number | boolean>,
): Reply | undefined {
  const action = q.action as "delete" | "disassociate";
  if (user.role_name === "Owner") return zoomError(400, 200, "Cannot delete the account owner."); // (sandbox)
  if (user.role_name === "Admin" && action === "disassociate")
    return zoomError(400, 1117, "You can not disassociate an Admin user.");
  if (user.status === "pending" && action === "delete")
    return zoomError(400, 300, "To delete a pending user, use action=disassociate."); // (sandbox), from the spec's note
  const target = q.transfer_email;
  const transfers = TRANSFERS.filter((t) => q[`transfer_${t}`] === true);
  if (typeof target !== "string")
    return transfers.length > 0
      ? zoomError(400, 300, "transfer_email is required to transfer data.") // (sandbox)
      : undefined;
  const to = ctx.state.getUser(target);
  if (to === user)
    return zoomError(
      400,
      300,
      "The transfer-to email address cannot be the same as the unlinked or deleted user's email address.",
    );
  if (!to) return zoomError(400, 300, `The transfer-to user does not exist in this account: ${target}.`); // (sandbox)
  if (to.status !== "active") return zoomError(400, 300, `The transfer-to user is not active: ${target}.`); // (sandbox)
  return undefined;
}

/**
 * DELETE /users/{userId}?action=disassociate (default) | delete, with `transfer_email` and the
 * `transfer_*` options. Both actions take the user out of the account; `state.removedUsers` keeps
 * who went, how, and what was handed to whom.
 */
const deleteUser: Handler = (ctx) =>
  withUser(ctx, (user) => {
    const query = readQueryFields(ctx);
    if ("reply" in query) return query.reply;
    const q = query.values;
    const refused = refuseDelete(ctx, user, q);
    if (refused) return refused;
    const to = typeof q.transfer_email === "string" ? ctx.state.getUser(q.transfer_email) : undefined;
    ctx.state.directory.remove(user);
    ctx.state.removedUsers.push({
      id: user.id,
      email: user.email,
      action: q.action as "delete" | "disassociate",
      time: ctx.state.isoNow(),
      ...(to ? { transferTo: to.email } : {}),
      transferred: to ? TRANSFERS.filter((t) => q[`transfer_${t}`] === true) : [],
    });
    return { status: 204 };
  });

export const lifecycleRoutes = {
  createUser: {
    handler: createUser,
    body: {
      action: { type: "string", enum: CREATE_ACTIONS, required: true },
      user_info: { type: "object" },
      "user_info.email": { type: "string", maxLength: 128, required: true },
      "user_info.type": { type: "integer", enum: [1, 2, 4, 99], required: true },
      "user_info.first_name": { type: "string", maxLength: 64 },
      "user_info.last_name": { type: "string", maxLength: 64 },
      "user_info.display_name": { type: "string", maxLength: 128 },
      "user_info.password": { type: "string", format: "password", minLength: 8, maxLength: 32 },
    },
    undocumented: [1124, 1125, 1126, 1127, 1128, 1129, 1130, 1131, 1136].map((code) => ({
      status: 400,
      code,
      why: "an autoCreate password is held to Zoom's password rules, answered with PUT /password's codes",
    })),
  },
  updateStatus: {
    handler: updateStatus,
    body: { action: { type: "string", enum: Object.keys(STATUS_ACTIONS), required: true } },
  },
  deleteUser: {
    handler: deleteUser,
    query: {
      action: { type: "string", enum: ["disassociate", "delete"], default: "disassociate" },
      encrypted_email: { type: "boolean", default: false },
      transfer_email: { type: "string" },
      ...Object.fromEntries(TRANSFERS.map((t) => [`transfer_${t}`, { type: "boolean" as const }])),
    },
  },
} satisfies Record<string, RouteSpec>;
