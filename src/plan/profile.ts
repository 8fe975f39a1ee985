import {
  checkField,
  CLEAR_TOKEN,
  CLEARABLE_FIELDS,
  fromText,
  isClearToken,
  PROFILE_FIELDS,
  PROFILE_QUERY,
  ruleFor,
  type FieldError,
  type FieldRule,
} from "../zoom/rules.js";

export interface ProfilePlan {
  body: Record<string, unknown>;
  query: Record<string, string>;
  errors: FieldError[];
}

/** The code of a `[clear]` in a field Zoom does not let the job empty. */
export const CLEAR_REFUSED = "E_CLEAR_NOT_ALLOWED";

/**
 * Builds the PATCH /users/{userId} body and query from a record's fields, or undefined when no
 * profile field is filled (Zoom gets no empty PATCH; query options alone make no call).
 *
 * A string value is text, as in a CSV cell: trimmed, then turned into the rule's type with
 * `fromText` (so `"2"` is type 2 and a JSON-valued column holds JSON text). Other values are JSON
 * values and are checked as they are. `[clear]` in a clearable field sends "" (see CLEAR_TOKEN).
 * Every problem is collected, not just the first.
 *
 * `skip`: fields that went elsewhere (a create row's names and type went into POST /users).
 */
export function planProfile(
  fields: Record<string, unknown>,
  skip: readonly string[] = [],
): ProfilePlan | undefined {
  const body: Record<string, unknown> = {};
  const query: Record<string, string> = {};
  const errors: FieldError[] = [];
  for (const [field, raw] of Object.entries(fields)) {
    const rule = ruleFor(PROFILE_FIELDS, field);
    if (rule) {
      if (skip.includes(field)) continue;
      const value = convertField(field, rule, raw, errors);
      if (value !== undefined) body[field] = value;
      continue;
    }
    const queryRule = ruleFor(PROFILE_QUERY, field);
    if (queryRule) {
      const value = convertField(field, queryRule, raw, errors);
      if (value !== undefined) query[field] = String(value);
    }
  }
  const filled =
    Object.keys(body).length > 0 || errors.some((e) => Object.hasOwn(PROFILE_FIELDS, topField(e.field)));
  return filled ? { body, query, errors } : undefined;
}

/** The profile columns a row fills (body fields and PATCH query options), in the row's order. */
export function filledProfileColumns(fields: Record<string, unknown>): string[] {
  return Object.entries(fields)
    .filter(
      ([field, raw]) =>
        (Object.hasOwn(PROFILE_FIELDS, field) || Object.hasOwn(PROFILE_QUERY, field)) && isFilled(raw),
    )
    .map(([field]) => field);
}

/** A cell that asks for something: not absent, not blank text. */
export function isFilled(raw: unknown): boolean {
  return raw !== undefined && raw !== null && !(typeof raw === "string" && raw.trim() === "");
}

/**
 * The checked value, or undefined (after recording the problem, or when it is absent or blank). `[clear]`
 * is "" for a clearable field and a problem (code CLEAR_REFUSED) for any other.
 */
export function convertField(field: string, rule: FieldRule, raw: unknown, errors: FieldError[]): unknown {
  if (raw === undefined || raw === null) return undefined;
  let value: unknown = raw;
  if (typeof raw === "string") {
    const text = raw.trim();
    if (text === "") return undefined;
    if (isClearToken(text)) {
      if (rule.type === "string" && rule.clearable) return "";
      errors.push({ field, message: notClearable(), code: CLEAR_REFUSED });
      return undefined;
    }
    const converted = fromText(rule, text);
    if ("error" in converted) {
      errors.push({ field, message: converted.error });
      return undefined;
    }
    value = converted.value;
  }
  if (
    typeof value === "number" &&
    !Number.isSafeInteger(value) &&
    !Number.isNaN(value) &&
    Number.isInteger(value)
  ) {
    errors.push({
      field,
      message: "The number is too large to be read exactly (more than 2^53); check it, or write it as text.",
    });
    return undefined;
  }
  const problems = checkField(field, rule, value);
  if (problems.length > 0) {
    errors.push(...problems);
    return undefined;
  }
  return value;
}

/** Why `[clear]` does nothing here, naming the fields where it works. */
export function notClearable(): string {
  return (
    `${CLEAR_TOKEN} cannot empty this field; it empties only ${CLEARABLE_FIELDS.join(", ")}. ` +
    `Leave the cell empty to keep the value.`
  );
}

/**
 * `E_CLEAR_NOT_ALLOWED` when every problem is a `[clear]` where none may be, else
 * `E_FIELD_<FIELD>` when every problem is in one top-level field, else `E_FIELD`.
 */
export function fieldErrorCode(errors: readonly FieldError[]): string {
  if (errors.length > 0 && errors.every((e) => e.code === CLEAR_REFUSED)) return CLEAR_REFUSED;
  const fields = new Set(errors.map((e) => topField(e.field)));
  const [only] = fields;
  return fields.size === 1 && only ? `E_FIELD_${only.toUpperCase()}` : "E_FIELD";
}

export function describeFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.message.replace(/\.$/, "")}`).join("; ");
}

/** `phone_numbers[0].label` -> `phone_numbers`. */
function topField(path: string): string {
  return path.split(/[.[]/)[0] ?? path;
}
