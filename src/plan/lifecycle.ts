/**
 * The lifecycle columns of a row (PRODUCT.md "Lifecycle: joiners, movers and leavers"), checked
 * with Zoom's rules (src/zoom/rules.ts) and turned into operations:
 *
 * | column | operation (endpoint) | target |
 * |---|---|---|
 * | `action` create, with `create_action`, `type`, names, (autoCreate) `password` | `create` (createUser) | "" |
 * | `action` activate / deactivate | `status` (updateStatus) `{action}` | the action |
 * | `new_email` | `email` (updateEmail) `{email}` | the new email |
 * | `action` delete / disassociate, `transfer_email`, `transfer_*` | `delete` (deleteUser) `?action=…&transfer_…` | the action |
 *
 * Where they go among the row's other operations is the planner's business (src/plan/index.ts).
 */
import { ROW_ACTIONS, type OpKind, type RowAction } from "../types.js";
import { OP_ENDPOINTS } from "../zoom/endpoints.js";
import {
  checkField,
  CREATE_ACTIONS,
  CREATE_DEFAULT_TYPE,
  CREATE_PROFILE_FIELDS,
  CREATE_USER_INFO,
  DELETE_QUERY,
  DELETE_TRANSFERS,
  EMAIL_RULE,
  isClearToken,
  NEW_EMAIL_LENGTH_BELOW,
  TYPE_99_ACTION,
  type CreateAction,
  type FieldError,
} from "../zoom/rules.js";
import type { PasswordResolver } from "./password.js";
import {
  CLEAR_REFUSED,
  convertField,
  describeFieldErrors,
  fieldErrorCode,
  filledProfileColumns,
  isFilled,
  notClearable,
} from "./profile.js";
import { shown, type RowBuilder, type Wants } from "./row.js";
import { backgroundPaths, targetOf } from "./uploads.js";

export type RemoveAction = "delete" | "disassociate";

/** A problem with a column, or the column's value. */
type Read<T> = { value: T } | { code: string; problem: string };

/** The row's `action`: trimmed, any case; an empty or absent cell is `update`. */
export function readAction(raw: unknown): Read<RowAction> {
  if (!isFilled(raw)) return { value: "update" };
  const text = typeof raw === "string" ? raw.trim().toLowerCase() : undefined;
  const action = ROW_ACTIONS.find((a) => a === text);
  if (action) return { value: action };
  return {
    code: "E_ACTION",
    problem:
      `action: ${shown(raw)} is not one of ${ROW_ACTIONS.join(", ")} (an empty cell is update); ` +
      `nothing of the row is sent`,
  };
}

/** `create_action`: any case, sent in Zoom's spelling; empty is `create`. */
export function readCreateAction(raw: unknown): Read<CreateAction> {
  if (!isFilled(raw)) return { value: "create" };
  const text = typeof raw === "string" ? raw.trim().toLowerCase() : undefined;
  const action = CREATE_ACTIONS.find((a) => a.toLowerCase() === text);
  if (action) return { value: action };
  return {
    code: "E_CREATE_ACTION",
    problem: `create_action: ${shown(raw)} is not one of ${CREATE_ACTIONS.join(", ")} (an empty cell is create)`,
  };
}

/**
 * `create`: POST /users `{action, user_info: {email, type, first_name, last_name, display_name,
 * password}}`. The user column is the new user's email; `type` defaults to 1; the password goes
 * in only with autoCreate (the only action that uses it) and is held to Zoom's password rules.
 */
export async function planCreate(
  b: RowBuilder,
  how: Read<CreateAction>,
  passwords: PasswordResolver,
  wants: Wants,
): Promise<void> {
  const at = b.next();
  if (!wants("create")) return;
  const errors: FieldError[] = [];
  if ("code" in how)
    errors.push({ field: "create_action", message: afterField(how.problem), code: how.code });
  for (const p of checkField("user", EMAIL_RULE, b.user))
    errors.push({
      field: "user",
      message: `A create row needs the new user's email here; ${p.message}`,
      code: "E_CREATE_EMAIL",
    });
  const info: Record<string, unknown> = { email: b.user, type: CREATE_DEFAULT_TYPE };
  for (const field of CREATE_PROFILE_FIELDS) {
    const rule = CREATE_USER_INFO[field];
    if (!rule) continue;
    const value = convertField(field, rule, b.fields[field], errors);
    if (value !== undefined) info[field] = value;
  }
  const action = "value" in how ? how.value : undefined;
  if (info.type === 99 && action !== undefined && action !== TYPE_99_ACTION)
    errors.push({ field: "type", message: `Type 99 can only be set with create_action ${TYPE_99_ACTION}.` });
  if (action === "autoCreate" && isFilled(b.fields.password)) {
    if (isClearToken(b.fields.password))
      errors.push({ field: "password", message: notClearable(), code: CLEAR_REFUSED });
    else {
      const result = await passwords.resolve(b.fields.password);
      if ("code" in result) errors.push({ field: "password", message: result.problem, code: result.code });
      else info.password = result.password;
    }
  }
  if (errors.length > 0 || action === undefined) {
    b.refuse("create", at, "", codeOf(errors, fieldErrorCode), describeFieldErrors(errors));
    return;
  }
  b.accept({
    op: "create",
    index: at,
    endpoint: OP_ENDPOINTS.create,
    body: { action, user_info: info },
    target: "",
  });
}

/** `status`: PUT /users/{userId}/status `{action}`, target the action. */
export function planStatus(b: RowBuilder, action: "activate" | "deactivate", wants: Wants): void {
  const at = b.next();
  if (!wants("status")) return;
  b.accept({ op: "status", index: at, endpoint: OP_ENDPOINTS.status, body: { action }, target: action });
}

/**
 * `email`: PUT /users/{userId}/email `{email}`, target the new email. Zoom wants an email of fewer
 * than 128 characters; the user column's own email (in any case: Zoom's logins are not
 * case-sensitive) is refused, since nothing would change.
 */
export function planEmail(b: RowBuilder, wants: Wants): void {
  const raw = b.fields.new_email;
  if (!isFilled(raw)) return;
  const at = b.next();
  if (!wants("email")) return;
  const read = readNewEmail(raw, b.user);
  if ("code" in read)
    b.refuse("email", at, isClearToken(raw) ? "" : targetText(raw), read.code, read.problem);
  else
    b.accept({
      op: "email",
      index: at,
      endpoint: OP_ENDPOINTS.email,
      body: { email: read.value },
      target: read.value,
    });
}

function readNewEmail(raw: unknown, user: string): Read<string> {
  if (isClearToken(raw)) return { code: CLEAR_REFUSED, problem: `new_email: ${notClearable()}` };
  if (typeof raw !== "string") return { code: "E_NEW_EMAIL", problem: "new_email: must be text (an email)" };
  const email = raw.trim();
  const fail = (problem: string): Read<string> => ({ code: "E_NEW_EMAIL", problem: `new_email: ${problem}` });
  const length = [...email].length;
  if (length >= NEW_EMAIL_LENGTH_BELOW)
    return fail(`must be fewer than ${NEW_EMAIL_LENGTH_BELOW} characters, as Zoom requires (got ${length})`);
  const syntax = checkField("new_email", EMAIL_RULE, email)[0];
  if (syntax) return fail(`${shown(email)}: ${syntax.message.replace(/\.$/, "")}`);
  if (email.toLowerCase() === user.toLowerCase())
    return fail(`${shown(email)} is the user's current email (the user column); nothing would change`);
  return { value: email };
}

/**
 * `delete`: DELETE /users/{userId}?action=delete|disassociate, with `transfer_email` and the
 * `transfer_*` options as the row gives them (booleans as "true"/"false"). Refused when
 * `transfer_email` is not an email or is the user itself, or when a transfer is asked for without
 * `transfer_email` (Zoom has nobody to hand the data to). Then every other change the row asks for
 * is refused (E_ACTION_DELETE_FIELDS): the user is going, and the delete still runs.
 */
export function planRemoval(b: RowBuilder, action: RemoveAction, wants: Wants): void {
  const at = b.next();
  let fate = "";
  if (wants("delete")) {
    const query = readDeleteQuery(b.fields, b.user);
    if ("code" in query) {
      b.refuse("delete", at, action, query.code, query.problem);
      fate = ` (the ${action} is refused too: see its line)`;
    } else {
      b.accept({
        op: "delete",
        index: at,
        endpoint: OP_ENDPOINTS.delete,
        query: { action, ...query.value },
        target: action,
      });
      fate = ` (the ${action} still runs)`;
    }
  }
  refuseStrays(b, action, fate, wants);
}

function readDeleteQuery(fields: Record<string, unknown>, user: string): Read<Record<string, string>> {
  const errors: FieldError[] = [];
  const query: Record<string, string> = {};
  const rawEmail = fields.transfer_email;
  let email: string | undefined;
  if (isClearToken(rawEmail))
    errors.push({ field: "transfer_email", message: notClearable(), code: CLEAR_REFUSED });
  else if (isFilled(rawEmail)) {
    const text = typeof rawEmail === "string" ? rawEmail.trim() : rawEmail;
    const problems = checkField("transfer_email", EMAIL_RULE, text);
    if (problems.length > 0) errors.push(...problems);
    else if (typeof text === "string" && text.toLowerCase() === user.toLowerCase())
      errors.push({
        field: "transfer_email",
        message: "Is the user being removed; name another user of the account to hand the data to.",
      });
    else email = text as string;
  }
  if (email !== undefined) query.transfer_email = email;
  const asked: string[] = [];
  for (const name of DELETE_TRANSFERS) {
    const rule = DELETE_QUERY[name];
    if (!rule) continue;
    const value = convertField(name, rule, fields[name], errors);
    if (value === undefined) continue;
    query[name] = String(value);
    if (value === true) asked.push(name);
  }
  if (asked.length > 0 && !isFilled(rawEmail))
    errors.push({
      field: asked.join(", "),
      message: "Needs transfer_email, the user to hand the data to; Zoom refuses a transfer without one.",
    });
  if (errors.length > 0)
    return {
      code: codeOf(errors, () => "E_DELETE_TRANSFER"),
      problem: `${describeFieldErrors(errors)}; the user is not removed`,
    };
  return { value: query };
}

/** Every other change a delete row asks for, refused one operation at a time (as the row would make them). */
function refuseStrays(b: RowBuilder, action: RemoveAction, fate: string, wants: Wants): void {
  const stray = (kind: OpKind, columns: string[], target = ""): void => {
    const at = b.next();
    if (!wants(kind)) return;
    b.refuse(
      kind,
      at,
      target,
      "E_ACTION_DELETE_FIELDS",
      `${columns.join(", ")}: not sent, since the row's action ${action} removes the user${fate}; ` +
        `put these changes in a row of their own, or empty the cells`,
    );
  };
  const f = b.fields;
  const profile = filledProfileColumns(f);
  if (profile.length > 0) stray("profile", profile);
  if (isFilled(f.password)) stray("password", ["password"]);
  if (isFilled(f.picture)) stray("picture", ["picture"], targetOf(f.picture));
  for (const path of backgroundPaths(f.virtual_backgrounds))
    stray("virtual_background", ["virtual_backgrounds"], targetOf(path));
  if (isFilled(f.new_email)) stray("email", ["new_email"], targetText(f.new_email));
}

/**
 * The code for a list of problems: the one code they all carry; else the first problem's own
 * code; else `fallback` (for rule problems, which carry none).
 */
function codeOf(errors: readonly FieldError[], fallback: (errors: readonly FieldError[]) => string): string {
  const codes = new Set(errors.map((e) => e.code));
  const [only] = codes;
  if (codes.size === 1 && only !== undefined) return only;
  return errors[0]?.code ?? fallback(errors.filter((e) => e.code === undefined));
}

/** "create_action: x is not…" -> "x is not…" (describeFieldErrors puts the field back). */
function afterField(problem: string): string {
  return problem.replace(/^[a-z_]+: /, "");
}

/** A text cell as a result's target (the new email asked for), "" for anything else or anything long. */
function targetText(raw: unknown): string {
  if (typeof raw !== "string") return "";
  const text = raw.trim();
  return [...text].length <= 256 ? text : "";
}
