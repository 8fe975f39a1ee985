/**
 * The planner: record -> validated Zoom operations. Each row gives, in this order, a profile
 * PATCH (when a profile field is filled), a password PUT, a picture upload and one upload per
 * virtual background. What would fail at Zoom anyway is refused here as an InvalidOperation, with a
 * stable `E_…` code and a message that names the row, line and field and never holds a secret.
 */
import { OP_ENDPOINTS } from "../zoom/endpoints.js";
import { basename, dirname, resolve } from "node:path";
import type {
  InvalidOperation,
  ManifestRecord,
  Operation,
  OpKind,
  PlannedRow,
  ResultOp,
  UploadFile,
} from "../types.js";
import { BACKGROUND_MAX_FILES, UPLOAD_MESSAGES } from "../zoom/rules.js";
import { BACKGROUND_LIMITS, checkUpload, PathPolicy, PICTURE_LIMITS, type UploadLimits } from "./files.js";
import { PasswordResolver } from "./password.js";
import { describeFieldErrors, fieldErrorCode, planProfile } from "./profile.js";
import { TransformError } from "../job/transform.js";

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
  const wants = (kind: OpKind): boolean => ctx.only === undefined || ctx.only.has(kind);

  return async function plan(input: ManifestRecord): Promise<PlannedRow> {
    const start = startRow(input, ctx.transform);
    if (!(start instanceof RowBuilder)) return start;
    const fields = start.fields;
    planProfileOp(start, fields, wants);
    if (fields.password !== undefined) {
      const at = start.next();
      if (wants("password")) {
        const result = await passwords.resolve(fields.password);
        if ("code" in result) start.refuse("password", at, "", result.code, `password: ${result.problem}`);
        else
          start.accept({
            op: "password",
            index: at,
            endpoint: OP_ENDPOINTS.password,
            body: { password: result.password },
            target: "",
          });
      }
    }
    await planUploads(start, fields, wants, policy);
    return start.planned;
  };
}

/**
 * The row's operations as they are planned: `next` hands out indexes (counted before --only, so
 * an operation keeps its index whatever --only says), `accept` and `refuse` record each one.
 */
class RowBuilder {
  readonly planned: PlannedRow;
  private index = 0;

  constructor(
    readonly fields: Record<string, unknown>,
    private readonly prefix: string,
    row: number,
    line: number,
    user: string,
  ) {
    this.planned = { row, line, user, operations: [], invalid: [] };
  }

  next(): number {
    return this.index++;
  }

  accept(operation: Omit<Operation, "row" | "line" | "user">): void {
    const { row, line, user } = this.planned;
    this.planned.operations.push({ row, line, user, ...operation });
  }

  refuse(op: OpKind, index: number, target: string, code: string, problem: string): void {
    const { row, line, user } = this.planned;
    const message = `${this.prefix}: ${sentence(problem)}`;
    this.planned.invalid.push({ row, line, user, op, index, target, code, message });
  }
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

function planProfileOp(
  b: RowBuilder,
  fields: Record<string, unknown>,
  wants: (kind: OpKind) => boolean,
): void {
  const profile = planProfile(fields);
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

/** The picture, then each virtual background, checked on disk. */
async function planUploads(
  b: RowBuilder,
  fields: Record<string, unknown>,
  wants: (kind: OpKind) => boolean,
  policy: PathPolicy,
): Promise<void> {
  const picture = paths(fields.picture, false);
  if (picture[0] !== undefined) {
    const at = b.next();
    if (wants("picture")) {
      const { file, code, problem, target } = await upload(picture[0], PICTURE_LIMITS, "picture", policy);
      if (file)
        b.accept({ op: "picture", index: at, endpoint: OP_ENDPOINTS.picture, file, target: file.name });
      else b.refuse("picture", at, target, code, problem);
    }
  }
  for (const [n, given] of paths(fields.virtual_backgrounds, true).entries()) {
    const at = b.next();
    if (!wants("virtual_background")) continue;
    if (n >= BACKGROUND_MAX_FILES) {
      const problem = `virtual_backgrounds: file ${n + 1} is one too many; a row may list at most ${BACKGROUND_MAX_FILES} (${UPLOAD_MESSAGES.backgroundTooMany})`;
      b.refuse("virtual_background", at, targetOf(given), "E_BACKGROUND_TOO_MANY", problem);
      continue;
    }
    const { file, code, problem, target } = await upload(
      given,
      BACKGROUND_LIMITS,
      "virtual_backgrounds",
      policy,
    );
    if (file)
      b.accept({
        op: "virtual_background",
        index: at,
        endpoint: OP_ENDPOINTS.virtual_background,
        file,
        target: file.name,
      });
    else b.refuse("virtual_background", at, target, code, problem);
  }
}

async function upload(
  given: unknown,
  limits: UploadLimits,
  field: string,
  policy: PathPolicy,
): Promise<Upload> {
  if (typeof given !== "string")
    return { code: "E_PATH_INVALID", problem: `${field}: a path must be text`, target: "" };
  const result = await checkUpload(given, policy, limits);
  if ("file" in result) return { file: result.file, code: "", problem: "", target: result.file.name };
  return { code: result.code, problem: `${field}: ${given}: ${result.problem}`, target: targetOf(given) };
}

/**
 * The paths a field names. Backgrounds: CSV text separated by `;`, or a JSON array of paths.
 * Picture: one path (anything else is refused as not text).
 */
function paths(value: unknown, list: boolean): unknown[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && list)
    return value.map((v) => (typeof v === "string" ? v.trim() : v)).filter((v) => v !== "");
  if (typeof value !== "string") return [value];
  const parts = list ? value.split(";") : [value];
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

function sentence(text: string): string {
  return text.endsWith(".") ? text : `${text}.`;
}

function targetOf(given: unknown): string {
  return typeof given === "string" ? basename(given) : "";
}

/** A checked upload: the file, or the code and problem to refuse it with. */
interface Upload {
  file?: UploadFile;
  code: string;
  problem: string;
  target: string;
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
  if ([...user].length > USER_MAX_LENGTH)
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

function rowInvalid(record: ManifestRecord, user: string, code: string, message: string): PlannedRow {
  const invalid: InvalidOperation = {
    row: record.row,
    line: record.line,
    user,
    op: "row" satisfies ResultOp,
    index: 0,
    target: "",
    code,
    message,
  };
  return { row: record.row, line: record.line, user, operations: [], invalid: [invalid] };
}
