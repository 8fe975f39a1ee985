/**
 * The planner: record -> validated Zoom operations, one per Zoom call, in the order they run
 * (`Operation.index`):
 *
 * | row `action` | operations |
 * |---|---|
 * | update (empty) | profile, password, picture, backgrounds, email |
 * | create | create, profile (the fields POST /users does not take), password (not with autoCreate), picture, backgrounds, email |
 * | activate | status activate, then as update |
 * | deactivate | as update, then status deactivate |
 * | delete, disassociate | delete alone; any other change the row asks for is refused |
 *
 * A profile PATCH comes only when a profile field is filled; backgrounds are one upload per file,
 * after the `replace` clean-up when asked for (src/plan/uploads.ts); the email change comes after
 * every other change but a deactivation, so nothing before it targets a login that is gone (the
 * row runner sends what follows it to the new email). What would fail at Zoom anyway is refused
 * here as an InvalidOperation, with a stable `E_…` code and a message that names the row, line and
 * field and never holds a secret.
 */
import { dirname, resolve } from "node:path";
import { TransformError } from "../job/transform.js";
import type { ManifestRecord, OpKind, PlannedRow } from "../types.js";
import { OP_ENDPOINTS } from "../zoom/endpoints.js";
import { CREATE_PROFILE_FIELDS, isClearToken } from "../zoom/rules.js";
import { PathPolicy } from "./files.js";
import { planCreate, planEmail, planRemoval, planStatus, readAction, readCreateAction } from "./lifecycle.js";
import { PasswordResolver } from "./password.js";
import { CLEAR_REFUSED, describeFieldErrors, fieldErrorCode, notClearable, planProfile } from "./profile.js";
import { RowBuilder, rowInvalid, sentence, type Wants } from "./row.js";
import { asksForUploads, planUploads } from "./uploads.js";

export interface PlanContext {
  /** Relative paths resolve here. */
  manifestDir: string;
  /** When set, no path may leave it (checked as written and after following symlinks). */
  assetsDir?: string;
  /** --only: operations of other kinds produce nothing (and are not checked). */
  only?: ReadonlySet<OpKind>;
  /** For password `env:NAME` references; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Job value transforms (trim, lower-case, code maps), applied to the fields before anything else. */
  transform?: (fields: Record<string, unknown>) => Record<string, unknown>;
}

/** The planner for a run's or a dry run's settings. */
export function plannerFor(
  config: {
    manifest: string;
    assetsDir?: string | undefined;
    only?: ReadonlySet<OpKind> | undefined;
    transform?: PlanContext["transform"] | undefined;
  },
  env: NodeJS.ProcessEnv,
): Planner {
  return createPlanner({
    manifestDir: dirname(resolve(config.manifest)),
    ...(config.assetsDir ? { assetsDir: resolve(config.assetsDir) } : {}),
    ...(config.only ? { only: config.only } : {}),
    ...(config.transform ? { transform: config.transform } : {}),
    env,
  });
}

/** Longest user ID or email accepted (Zoom's email maxLength is 128). */
export const USER_MAX_LENGTH = 128;

export type Planner = (record: ManifestRecord) => Promise<PlannedRow>;

export function createPlanner(ctx: PlanContext): Planner {
  const policy = new PathPolicy(ctx.manifestDir, ctx.assetsDir);
  const passwords = new PasswordResolver(policy, ctx.env ?? process.env);
  const wants: Wants = (kind) => ctx.only === undefined || ctx.only.has(kind);

  return async function plan(input: ManifestRecord): Promise<PlannedRow> {
    const start = startRow(input, ctx.transform);
    if (!(start instanceof RowBuilder)) return start;
    const b = start;
    const action = readAction(b.fields.action);
    if ("code" in action)
      return rowInvalid(
        input,
        b.user,
        action.code,
        `row ${input.row} (line ${input.line}): ${sentence(action.problem)}`,
      );
    let takesPassword = true;
    switch (action.value) {
      case "delete":
      case "disassociate":
        planRemoval(b, action.value, wants);
        return b.planned;
      case "create": {
        const how = readCreateAction(b.fields.create_action);
        await planCreate(b, how, passwords, wants);
        planProfileOp(b, wants, CREATE_PROFILE_FIELDS);
        // autoCreate took the password into POST /users
        takesPassword = !("value" in how && how.value === "autoCreate");
        break;
      }
      case "activate":
        planStatus(b, "activate", wants);
        planProfileOp(b, wants);
        break;
      default:
        planProfileOp(b, wants);
    }
    // Only rows that have a password or files await those steps: each await is a turn of the
    // microtask queue, which a million-row `validate` pays per row.
    if (takesPassword && b.fields.password !== undefined) await planPassword(b, passwords, wants);
    if (asksForUploads(b.fields)) await planUploads(b, wants, policy);
    planEmail(b, wants);
    if (action.value === "deactivate") planStatus(b, "deactivate", wants);
    return b.planned;
  };
}

/** Applies the job's transforms and checks the user: a builder for the row, or the row refused whole. */
function startRow(input: ManifestRecord, transform: PlanContext["transform"]): RowBuilder | PlannedRow {
  const prefix = `row ${input.row} (line ${input.line})`;
  if (!input.fields) {
    const error = input.error ?? {
      code: "E_ROW_UNREADABLE",
      message: `${prefix}: the record could not be read.`,
    };
    return rowInvalid(input, "", error.code, error.message);
  }
  let fields = input.fields;
  if (transform) {
    try {
      fields = transform(fields);
    } catch (error) {
      if (!(error instanceof TransformError)) throw error;
      return rowInvalid(
        input,
        checkUser(input.fields.user).user,
        error.code,
        `${prefix}: ${sentence(error.message)}`,
      );
    }
  }
  const who = checkUser(fields.user);
  if ("code" in who) return rowInvalid(input, who.user, who.code, `${prefix}: ${who.problem}.`);
  return new RowBuilder(fields, prefix, input.row, input.line, who.user);
}

/** The profile PATCH, without the fields in `skip` (a create row's, which went into POST /users). */
function planProfileOp(b: RowBuilder, wants: Wants, skip: readonly string[] = []): void {
  const profile = planProfile(b.fields, skip);
  if (!profile) return;
  const at = b.next();
  if (!wants("profile")) return;
  if (profile.errors.length > 0)
    b.refuse("profile", at, "", fieldErrorCode(profile.errors), describeFieldErrors(profile.errors));
  else
    b.accept({
      op: "profile",
      index: at,
      endpoint: OP_ENDPOINTS.profile,
      body: profile.body,
      ...(Object.keys(profile.query).length > 0 ? { query: profile.query } : {}),
      target: "",
    });
}

/** The password PUT: `env:NAME`, `file:PATH` or the password itself, held to Zoom's rules. */
async function planPassword(b: RowBuilder, passwords: PasswordResolver, wants: Wants): Promise<void> {
  const raw = b.fields.password;
  if (raw === undefined) return;
  const at = b.next();
  if (!wants("password")) return;
  if (isClearToken(raw)) return b.refuse("password", at, "", CLEAR_REFUSED, `password: ${notClearable()}`);
  const result = await passwords.resolve(raw);
  if ("code" in result) b.refuse("password", at, "", result.code, `password: ${result.problem}`);
  else
    b.accept({
      op: "password",
      index: at,
      endpoint: OP_ENDPOINTS.password,
      body: { password: result.password },
      target: "",
    });
}

type UserCheck = { user: string } | { user: string; code: string; problem: string };

/** The user is an email or a Zoom user ID; `me` would change the app's own account and is refused. */
export function checkUser(value: unknown): UserCheck {
  let user: string;
  if (typeof value === "string") user = value.trim();
  else if (typeof value === "number" && Number.isSafeInteger(value)) user = String(value);
  else if (value === undefined) user = "";
  else
    return { user: "", code: "E_USER_INVALID", problem: "user: must be an email or a Zoom user ID (text)" };
  if (user === "")
    return {
      user,
      code: "E_USER_MISSING",
      problem: "user: missing; fill in the user's email or Zoom user ID",
    };
  if (user.toLowerCase() === "me")
    return {
      user,
      code: "E_USER_ME",
      problem: `user: "me" means the app's own account and is refused; give the user's email or Zoom user ID`,
    };
  if (user.length > USER_MAX_LENGTH && [...user].length > USER_MAX_LENGTH)
    return {
      user,
      code: "E_USER_INVALID",
      problem: `user: longer than ${USER_MAX_LENGTH} characters; give the user's email or Zoom user ID`,
    };
  if (/[\s\p{Cc}\p{Cf}]/u.test(user))
    return {
      user,
      code: "E_USER_INVALID",
      problem: "user: holds spaces or control characters; give the user's email or Zoom user ID",
    };
  return { user };
}
