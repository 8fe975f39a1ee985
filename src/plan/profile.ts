import {
  checkField,
  fromText,
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

/**
 * Builds the PATCH /users/{userId} body and query from a record's fields, or undefined when no
 * profile field is filled (Zoom gets no empty PATCH; query options alone make no call).
 *
 * A string value is text, as in a CSV cell: trimmed, then turned into the rule's type with
 * `fromText` (so `"2"` is type 2 and a JSON-valued column holds JSON text). Other values are JSON
 * values and are checked as they are. Every problem is collected, not just the first.
 */
export function planProfile(fields: Record<string, unknown>): ProfilePlan | undefined {
  const body: Record<string, unknown> = {};
  const query: Record<string, string> = {};
  const errors: FieldError[] = [];
  for (const [field, raw] of Object.entries(fields)) {
    const rule = ruleFor(PROFILE_FIELDS, field);
    if (rule) {
      const value = convert(field, rule, raw, errors);
      if (value !== undefined) body[field] = value;
      continue;
    }
    const queryRule = ruleFor(PROFILE_QUERY, field);
    if (queryRule) {
      const value = convert(field, queryRule, raw, errors);
      if (value !== undefined) query[field] = String(value);
    }
  }
  const filled =
    Object.keys(body).length > 0 || errors.some((e) => Object.hasOwn(PROFILE_FIELDS, topField(e.field)));
  return filled ? { body, query, errors } : undefined;
}

/** The checked value, or undefined (after recording the problem, or when it is blank). */
function convert(field: string, rule: FieldRule, raw: unknown, errors: FieldError[]): unknown {
  let value = raw;
  if (typeof raw === "string") {
    const text = raw.trim();
    if (text === "") return undefined;
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

/** `E_FIELD_<FIELD>` when every problem is in one top-level field, else `E_FIELD`. */
export function fieldErrorCode(errors: readonly FieldError[]): string {
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
