import { KNOWN_COLUMNS } from "../read/index.js";

/**
 * Value transforms for HR exports, applied to a record's fields after the column mapping (so they
 * name canonical columns) and before planning. Only text values change; an empty result leaves
 * the field unchanged, as an empty cell does.
 *
 * Steps: "trim", "lower", "upper", "collapse_spaces", { "map": {from: to}, "otherwise": "keep" |
 * "blank" } (department codes to names; "blank" drops codes the map does not know),
 * { "default": "text" } (for empty cells), { "replace": { "pattern": regex, "with": text } }.
 * The key `*` applies its steps to every text field first.
 */
export type FieldsTransform = (fields: Record<string, unknown>) => Record<string, unknown>;
type Step = (value: string) => string;

export function compileTransforms(
  value: unknown,
  fail: (key: string, message: string) => never,
): FieldsTransform {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return fail("", `expected an object of column -> list of steps, got ${JSON.stringify(value)}.`);
  const known = new Set(KNOWN_COLUMNS);
  const all: Step[] = [];
  const byColumn = new Map<string, Step[]>();
  for (const [column, steps] of Object.entries(value as Record<string, unknown>)) {
    if (column !== "*" && !known.has(column))
      fail(
        `.${column}`,
        `not a manifest column; transforms name columns after the mapping (one of ${KNOWN_COLUMNS.join(", ")}, or * for all).`,
      );
    if (!Array.isArray(steps)) fail(`.${column}`, `expected a list of steps, got ${JSON.stringify(steps)}.`);
    const compiled = (steps as unknown[]).map((step, i) =>
      compileStep(step, (msg) => fail(`.${column}[${i}]`, msg)),
    );
    if (column === "*") all.push(...compiled);
    else byColumn.set(column, compiled);
  }
  return (fields) => {
    const out: Record<string, unknown> = {};
    for (const [column, v] of Object.entries(fields)) {
      if (typeof v !== "string") {
        out[column] = v;
        continue;
      }
      let text = v;
      for (const step of all) text = step(text);
      for (const step of byColumn.get(column) ?? []) text = step(text);
      out[column] = text;
    }
    for (const [column, steps] of byColumn)
      if (!(column in out)) {
        let text = "";
        for (const step of steps) text = step(text);
        if (text !== "") out[column] = text;
      }
    return out;
  };
}

const NAMED: Record<string, Step> = {
  trim: (v) => v.trim(),
  lower: (v) => v.toLowerCase(),
  upper: (v) => v.toUpperCase(),
  collapse_spaces: (v) => v.replace(/\s+/g, " ").trim(),
};

function compileStep(step: unknown, fail: (message: string) => never): Step {
  if (typeof step === "string") {
    const named = NAMED[step];
    if (!named)
      fail(
        `unknown step ${JSON.stringify(step)}; use one of ${Object.keys(NAMED).join(", ")}, {"map": {...}}, {"default": "..."}, {"replace": {"pattern": "...", "with": "..."}}.`,
      );
    return named as Step;
  }
  if (typeof step !== "object" || step === null || Array.isArray(step))
    return fail(`expected a step name or object, got ${JSON.stringify(step)}.`);
  const s = step as Record<string, unknown>;
  if ("map" in s) {
    const map = s.map;
    const otherwise = s.otherwise ?? "keep";
    for (const key of Object.keys(s))
      if (key !== "map" && key !== "otherwise")
        fail(`unknown key "${key}" in a map step; it takes "map" and "otherwise".`);
    if (
      typeof map !== "object" ||
      map === null ||
      Array.isArray(map) ||
      Object.values(map).some((v) => typeof v !== "string")
    )
      fail(`"map": expected an object of text -> text, got ${JSON.stringify(map)}.`);
    if (otherwise !== "keep" && otherwise !== "blank")
      fail(`"otherwise": expected "keep" or "blank", got ${JSON.stringify(otherwise)}.`);
    const table = new Map(Object.entries(map as Record<string, string>));
    return (v) => (v === "" ? v : (table.get(v) ?? (otherwise === "keep" ? v : "")));
  }
  if ("default" in s) {
    if (Object.keys(s).length !== 1 || typeof s.default !== "string")
      fail(`{"default": "text"}: expected one text value, got ${JSON.stringify(step)}.`);
    const fallback = s.default as string;
    return (v) => (v.trim() === "" ? fallback : v);
  }
  if ("replace" in s) {
    const r = s.replace as Record<string, unknown> | null;
    if (
      Object.keys(s).length !== 1 ||
      typeof r !== "object" ||
      r === null ||
      typeof r.pattern !== "string" ||
      typeof r.with !== "string"
    )
      fail(`{"replace": {"pattern": "regex", "with": "text"}}: got ${JSON.stringify(step)}.`);
    let re: RegExp;
    try {
      re = new RegExp(r?.pattern as string, "g");
    } catch (error) {
      return fail(`"replace.pattern": not a valid regular expression: ${(error as Error).message}.`);
    }
    const replacement = r?.with as string;
    return (v) => v.replace(re, replacement);
  }
  return fail(`unknown step ${JSON.stringify(step)}; a step object has "map", "default" or "replace".`);
}
