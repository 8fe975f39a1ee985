/**
 * GET /users/{userId}, PATCH /users/{userId} (profile) and GET /users/email (does an email exist).
 */
import type { FieldError } from "../../zoom/rules.js";
import { PROFILE_QUERY, checkField, checkProfile, fromText, isPlainObject } from "../../zoom/rules.js";
import type { ApiContext, Handler, RouteSpec } from "../context.js";
import { noteNoop, readQueryFields, withUser } from "../context.js";
import type { Reply } from "../http.js";
import { readJsonObject, validationFailed, zoomError } from "../http.js";
import { sameValue } from "../noop.js";
import type { SandboxUser } from "../users-model.js";
import { userView } from "../views.js";

/** `login_type` of GET /users/{userId} (the same list as PATCH's, src/zoom/rules.ts). */
const LOGIN_TYPES = [0, 1, 11, 21, 23, 24, 27, 97, 98, 99, 100, 101] as const;

const getUser: Handler = (ctx) => {
  const query = readQueryFields(ctx);
  if ("reply" in query) return query.reply;
  return withUser(ctx, (user) => ({ status: 200, body: userView(user, ctx.accountId) }));
};

/**
 * PATCH's query options and their rules (src/zoom/rules.ts), listed once: the table has no
 * prototype, and Object.entries on such an object costs more than the check, on every PATCH.
 */
const QUERY_RULES = Object.entries(PROFILE_QUERY);

/** PATCH's query options, validated with the job's own rules. */
function checkQuery(query: URLSearchParams): FieldError[] {
  return QUERY_RULES.flatMap(([name, rule]) => {
    const text = query.get(name);
    if (text === null) return [];
    const parsed = fromText(rule, text);
    return "error" in parsed
      ? [{ field: name, message: parsed.error }]
      : checkField(name, rule, parsed.value);
  });
}

/** Zoom stores a cleared text field as "": sending "" to a field never set changes nothing. */
function alreadySo(current: unknown, sent: unknown): boolean {
  return sameValue(current, sent) || (current === undefined && sent === "");
}

/**
 * Notes the fields a PATCH sent with the value they already had (noop.ts): the body's fields in
 * their order, then `feature.<key>` for each key of `feature`.
 */
function noteUnchanged(ctx: ApiContext, user: SandboxUser, body: Record<string, unknown>): void {
  let sent = 0;
  const same: string[] = [];
  for (const [field, value] of Object.entries(body)) {
    if (field === "feature") continue;
    sent++;
    if (alreadySo(user.profile[field], value)) same.push(field);
  }
  const { feature } = body;
  if (isPlainObject(feature)) {
    const current = isPlainObject(user.profile.feature) ? user.profile.feature : {};
    for (const [key, value] of Object.entries(feature)) {
      sent++;
      if (alreadySo(current[key], value)) same.push(`feature.${key}`);
    }
  }
  if (sent === 0 && ctx.query.get("remove_tsp_credentials") !== "true")
    noteNoop(ctx, user, "empty update", { fields: [] });
  else if (same.length > 0)
    noteNoop(ctx, user, "fields already had the values sent", { fields: same, partial: same.length < sent });
}

const updateUser: Handler = (ctx) =>
  withUser(ctx, async (user): Promise<Reply> => {
    const body = await readJsonObject(ctx.req);
    if ("reply" in body) return body.reply;
    const errors = [...checkQuery(ctx.query), ...checkProfile(body.value)];
    if (errors.length > 0) return validationFailed(errors);
    noteUnchanged(ctx, user, body.value);
    const { feature, ...fields } = body.value;
    Object.assign(user.profile, fields);
    if (isPlainObject(feature))
      user.profile.feature = { ...(user.profile.feature as Record<string, unknown> | undefined), ...feature };
    const namesChanged = "first_name" in fields || "last_name" in fields;
    if (namesChanged && (fields.display_name === undefined || fields.display_name === ""))
      user.profile.display_name =
        `${String(user.profile.first_name ?? "")} ${String(user.profile.last_name ?? "")}`.trim();
    return { status: 204 };
  });

/**
 * GET /users/email?email=: `{existed_email}`. Zoom finds only email-login users of the account;
 * every sandbox user is one (login_types [100]), whatever its status.
 */
const checkEmail: Handler = (ctx) => {
  const email = ctx.query.get("email");
  if (!email) return zoomError(400, 300, "Email is required.");
  return { status: 200, body: { existed_email: ctx.state.getUser(email) !== undefined && email !== "me" } };
};

export const userRoutes = {
  getUser: {
    handler: getUser,
    query: {
      login_type: { type: "integer", enum: LOGIN_TYPES },
      encrypted_email: { type: "boolean", default: false },
      search_by_unique_id: { type: "boolean" },
    },
  },
  updateUser: { handler: updateUser },
  checkEmail: { handler: checkEmail, query: { email: { type: "string", required: true } } },
} satisfies Record<string, RouteSpec>;
