import type { FieldError } from "../zoom/rules.js";
import { isPlainObject } from "../zoom/rules.js";

/**
 * A body field or query parameter the sandbox checks, in the spec's own words (type, enum,
 * lengths, maximum, maxItems, required): the same facts the spec extract
 * (test/fixtures/zoom-spec.json) holds, so the conformance test compares them one to one. A route
 * declares its fields once; the handler validates with them.
 */
export interface FieldSpec {
  type: "string" | "integer" | "boolean" | "array" | "object";
  format?: "email" | "password";
  enum?: readonly (string | number)[];
  /** Used when the parameter is absent (query parameters only). */
  default?: string | number | boolean;
  minLength?: number;
  maxLength?: number;
  maximum?: number;
  maxItems?: number;
  required?: boolean;
}

/** Fields by path: `action`, `user_info.email` (a dot goes one object deeper). */
export type FieldSpecs = Record<string, FieldSpec>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The sandbox's email syntax check (Zoom's exact rule is not documented). */
export function isEmail(value: unknown): boolean {
  return typeof value === "string" && EMAIL.test(value);
}

/** Checks one present value against its spec; the messages are the sandbox's Zoom-like ones. */
export function checkValue(field: string, spec: FieldSpec, value: unknown): FieldError[] {
  const fail = (message: string): FieldError[] => [{ field, message }];
  switch (spec.type) {
    case "string": {
      if (typeof value !== "string") return fail("Must be a string.");
      const length = [...value].length;
      if (spec.maxLength !== undefined && length > spec.maxLength)
        return fail(`Must be at most ${spec.maxLength} characters (got ${length}).`);
      if (spec.minLength !== undefined && length < spec.minLength)
        return fail(`Must be at least ${spec.minLength} characters (got ${length}).`);
      if (spec.format === "email" && !isEmail(value)) return fail("Invalid field.");
      break;
    }
    case "integer":
      if (typeof value !== "number" || !Number.isSafeInteger(value)) return fail("Must be an integer.");
      if (spec.maximum !== undefined && value > spec.maximum) return fail(`Must be at most ${spec.maximum}.`);
      break;
    case "boolean":
      if (typeof value !== "boolean") return fail("Must be true or false.");
      break;
    case "array":
      if (!Array.isArray(value)) return fail("Must be an array.");
      if (spec.maxItems !== undefined && value.length > spec.maxItems)
        return fail(`At most ${spec.maxItems} items are allowed.`);
      break;
    case "object":
      if (!isPlainObject(value)) return fail("Must be an object.");
      break;
  }
  if (spec.enum && !spec.enum.includes(value as string | number))
    return fail(`Must be one of ${spec.enum.join(", ")}.`);
  return [];
}

/** The value at a dotted path, or undefined when a parent is missing or not an object. */
function at(body: Record<string, unknown>, path: string): unknown {
  let value: unknown = body;
  for (const key of path.split(".")) {
    if (!isPlainObject(value)) return undefined;
    value = value[key];
  }
  return value;
}

/**
 * Validates a JSON body against its declared fields: missing required fields (whose parent is
 * there) and every present declared field. Fields the route does not declare are left alone, as
 * Zoom ignores what it does not know on these endpoints. `extra` adds a check of the sandbox's own
 * to a field that passed its declared ones (a rule the spec states only in prose).
 */
export function checkBody(
  specs: FieldSpecs,
  body: Record<string, unknown>,
  extra: Record<string, (value: unknown) => string | undefined> = {},
): FieldError[] {
  return Object.entries(specs).flatMap(([path, spec]) => {
    const value = at(body, path);
    if (value !== undefined) {
      const problems = checkValue(path, spec, value);
      const more = problems.length === 0 ? extra[path]?.(value) : undefined;
      return more ? [{ field: path, message: more }] : problems;
    }
    const parent = path.includes(".") ? at(body, path.slice(0, path.lastIndexOf("."))) : body;
    return spec.required && isPlainObject(parent) ? [{ field: path, message: "Required." }] : [];
  });
}

/**
 * Reads declared query parameters: integers and booleans are parsed from their text, an absent
 * one takes its default. Returns the values, or the problems (each naming the parameter).
 */
export function readQuery(
  specs: FieldSpecs,
  query: URLSearchParams,
): { values: Record<string, string | number | boolean> } | { errors: FieldError[] } {
  const values: Record<string, string | number | boolean> = {};
  const errors: FieldError[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const text = query.get(name);
    if (text === null || text === "") {
      if (spec.required) errors.push({ field: name, message: "Required." });
      else if (spec.default !== undefined) values[name] = spec.default;
      continue;
    }
    let value: string | number | boolean = text;
    if (spec.type === "integer") value = /^-?\d+$/.test(text) ? Number(text) : NaN;
    if (spec.type === "boolean") value = text === "true" ? true : text === "false" ? false : text;
    const problems = checkValue(name, spec, value);
    if (problems.length > 0) errors.push(...problems);
    else values[name] = value;
  }
  return errors.length > 0 ? { errors } : { values };
}
