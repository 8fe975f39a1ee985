import { createContext, Script } from "node:vm";
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
 *
 * A step that cannot handle one value (a replace pattern that ran out of time) throws a
 * TransformError; the planner turns it into an `invalid` row (E_TRANSFORM) and the run goes on.
 */
export type FieldsTransform = (fields: Record<string, unknown>) => Record<string, unknown>;
type Step = (value: string) => string;

/** One value a step could not transform; `key` names the step in the job file (`transforms.dept[0]`). */
export class TransformError extends Error {
  readonly code = "E_TRANSFORM";
  constructor(
    readonly key: string,
    readonly column: string,
    problem: string,
  ) {
    super(`${column}: job step "${key}" ${problem}`);
    this.name = "TransformError";
  }
}

export function compileTransforms(
  value: unknown,
  fail: (key: string, message: string) => never,
): FieldsTransform {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return fail("", `expected an object of column -> list of steps, got ${JSON.stringify(value)}.`);
  const known = new Set(KNOWN_COLUMNS);
  const all: NamedStep[] = [];
  const byColumn = new Map<string, NamedStep[]>();
  for (const [column, steps] of Object.entries(value as Record<string, unknown>)) {
    if (column !== "*" && !known.has(column))
      fail(
        `.${column}`,
        `not a manifest column; transforms name columns after the mapping (one of ${KNOWN_COLUMNS.join(", ")}, or * for all).`,
      );
    if (!Array.isArray(steps)) fail(`.${column}`, `expected a list of steps, got ${JSON.stringify(steps)}.`);
    const compiled = (steps as unknown[]).map((step, i) =>
      named(
        `transforms.${column}[${i}]`,
        compileStep(step, (msg) => fail(`.${column}[${i}]`, msg)),
      ),
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
      out[column] = apply(column, [...all, ...(byColumn.get(column) ?? [])], v);
    }
    for (const [column, steps] of byColumn)
      if (!Object.hasOwn(out, column)) {
        const text = apply(column, steps, "");
        if (text !== "") out[column] = text;
      }
    return out;
  };
}

interface NamedStep {
  key: string;
  step: Step;
}

const named = (key: string, step: Step): NamedStep => ({ key, step });

/** Runs the steps over one value; a step's StepFailure becomes a TransformError naming it and the column. */
function apply(column: string, steps: readonly NamedStep[], value: string): string {
  let text = value;
  for (const { key, step } of steps) {
    try {
      text = step(text);
    } catch (error) {
      if (error instanceof StepFailure) throw new TransformError(key, column, error.message);
      throw error;
    }
  }
  return text;
}

/** Thrown by a step for one value it cannot handle. */
class StepFailure extends Error {}

const NAMED = new Map<string, Step>([
  ["trim", (v) => v.trim()],
  ["lower", (v) => v.toLowerCase()],
  ["upper", (v) => v.toUpperCase()],
  ["collapse_spaces", (v) => v.replace(/\s+/g, " ").trim()],
]);

function compileStep(step: unknown, fail: (message: string) => never): Step {
  if (typeof step === "string") {
    const found = NAMED.get(step);
    if (!found)
      fail(
        `unknown step ${JSON.stringify(step)}; use one of ${[...NAMED.keys()].join(", ")}, {"map": {...}}, {"default": "..."}, {"replace": {"pattern": "...", "with": "..."}}.`,
      );
    return found as Step;
  }
  if (typeof step !== "object" || step === null || Array.isArray(step))
    return fail(`expected a step name or object, got ${JSON.stringify(step)}.`);
  const s = step as Record<string, unknown>;
  if (Object.hasOwn(s, "map")) {
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
  if (Object.hasOwn(s, "default")) {
    if (Object.keys(s).length !== 1 || typeof s.default !== "string")
      fail(`{"default": "text"}: expected one text value, got ${JSON.stringify(step)}.`);
    const fallback = s.default as string;
    return (v) => (v.trim() === "" ? fallback : v);
  }
  if (Object.hasOwn(s, "replace")) return compileReplace(s, fail);
  return fail(`unknown step ${JSON.stringify(step)}; a step object has "map", "default" or "replace".`);
}

function compileReplace(s: Record<string, unknown>, fail: (message: string) => never): Step {
  const r = s.replace as Record<string, unknown> | null;
  if (
    Object.keys(s).length !== 1 ||
    typeof r !== "object" ||
    r === null ||
    typeof r.pattern !== "string" ||
    typeof r.with !== "string"
  )
    fail(`{"replace": {"pattern": "regex", "with": "text"}}: got ${JSON.stringify(s)}.`);
  const pattern = r?.pattern as string;
  let re: RegExp;
  try {
    re = new RegExp(pattern, "g");
  } catch (error) {
    return fail(`"replace.pattern": not a valid regular expression: ${(error as Error).message}.`);
  }
  const unsafe = unsafePattern(pattern);
  if (unsafe)
    fail(
      `"replace.pattern": ${unsafe}, which can take minutes on one cell; write it without (for example [ab]+ for (a|b)+, \\s+ for (\\s+)+).`,
    );
  return boundedReplace(re, r?.with as string, countUnbounded(pattern));
}

/**
 * Limits of a replace step on one value. Patterns that pass `unsafePattern` are at worst
 * polynomial in the value's length; a short value with at most two unbounded quantifiers runs
 * directly (at most ~256³ steps: milliseconds), anything else runs time-boxed in a vm context
 * (about 0.1 ms extra per value), and a value longer than `maxChars` is refused.
 */
export const REPLACE_LIMITS = {
  /** Values up to this many characters run directly when the pattern is simple. */
  directChars: 256,
  /** Longest value a replace step accepts; a longer one makes the row invalid. */
  maxChars: 10_000,
  /** Time box for a value that does not run directly. */
  timeoutMs: 100,
  /** After this many time-outs the step refuses the values it would time-box, without trying. */
  maxTimeouts: 3,
} as const;

const REPLACE_SCRIPT = new Script("input.replace(re, replacement)");

function boundedReplace(re: RegExp, replacement: string, unbounded: number): Step {
  const context = createContext({ re, replacement, input: "" });
  let timeouts = 0;
  return (v) => {
    if (v.length > REPLACE_LIMITS.maxChars)
      throw new StepFailure(
        `(replace) was given ${v.length} characters; it takes at most ${REPLACE_LIMITS.maxChars}`,
      );
    if (unbounded <= 2 && v.length <= REPLACE_LIMITS.directChars) return v.replace(re, replacement);
    if (timeouts >= REPLACE_LIMITS.maxTimeouts)
      throw new StepFailure(
        `(replace) gave up: its pattern ran out of time ${timeouts} times; simplify the pattern`,
      );
    context.input = v;
    try {
      return REPLACE_SCRIPT.runInContext(context, { timeout: REPLACE_LIMITS.timeoutMs }) as string;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ERR_SCRIPT_EXECUTION_TIMEOUT") throw error;
      timeouts++;
      throw new StepFailure(
        `(replace) took more than ${REPLACE_LIMITS.timeoutMs} ms on this value and was stopped; simplify the pattern`,
      );
    }
  };
}

/**
 * A group being read by `unsafePattern`: whether it repeats something a variable number of times
 * (`a+`, `\d{2,4}`; not `\d{3}`), or has alternatives.
 */
interface Part {
  repeats: boolean;
  alternates: boolean;
}

/** A piece of a pattern: a group opening or closing, `|`, a backreference, or an atom; with its quantifier. */
interface Token {
  kind: "open" | "close" | "alt" | "backref" | "atom";
  /** The fewest and most repetitions the quantifier after it allows (1 and 1 without one). */
  min: number;
  max: number;
}

const QUANTIFIER = /(?:[*+?]|\{(\d+)(?:(,)(\d*))?\})\??/y;
const GROUP_OPEN = /\((?:\?(?:[:=!]|<[=!]|<[^>]*>))?/y;

/** The quantifier at `at`: its length and the fewest and most repetitions it allows (1 and 1 when none). */
function quantifierAt(pattern: string, at: number): { length: number; min: number; max: number } {
  QUANTIFIER.lastIndex = at;
  const m = QUANTIFIER.exec(pattern);
  if (!m) return { length: 0, min: 1, max: 1 };
  const head = m[0][0];
  if (head !== "{")
    return { length: m[0].length, min: head === "+" ? 1 : 0, max: head === "?" ? 1 : Infinity };
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[3] ? Number(m[3]) : Infinity;
  return { length: m[0].length, min, max };
}

/** The index after the thing at `at`: a group opening, an escape, a class or one character. */
function pieceEnd(pattern: string, at: number): number {
  const ch = pattern[at];
  if (ch === "(") {
    GROUP_OPEN.lastIndex = at;
    return at + (GROUP_OPEN.exec(pattern)?.[0].length ?? 1);
  }
  if (ch === "\\") return at + 2;
  if (ch !== "[") return at + 1;
  let i = at + 1;
  while (i < pattern.length && pattern[i] !== "]") i += pattern[i] === "\\" ? 2 : 1;
  return i + 1;
}

/** Splits a (valid) pattern into tokens, each with the quantifier that follows it. */
function* patternTokens(pattern: string): Generator<Token> {
  for (let i = 0; i < pattern.length;) {
    const ch = pattern[i];
    const kind: Token["kind"] =
      ch === "("
        ? "open"
        : ch === ")"
          ? "close"
          : ch === "|"
            ? "alt"
            : /^\\(?:[1-9]|k<)/.test(pattern.slice(i, i + 3))
              ? "backref"
              : "atom";
    i = pieceEnd(pattern, i);
    const q = kind === "open" || kind === "alt" ? { length: 0, min: 1, max: 1 } : quantifierAt(pattern, i);
    i += q.length;
    yield { kind, min: q.min, max: q.max };
  }
}

/**
 * Why a pattern can backtrack without bound, or undefined. A small static check, not a proof:
 * it refuses backreferences, and a group repeated more than once (`*`, `+`, `{2,}`…) that itself
 * repeats something or has alternatives: the shapes behind `^(a+)+$` and `(a|a)*`.
 */
export function unsafePattern(pattern: string): string | undefined {
  const stack: Part[] = [{ repeats: false, alternates: false }];
  for (const token of patternTokens(pattern)) {
    const top = stack[stack.length - 1] as Part;
    if (token.kind === "backref") return "it uses a backreference (\\1, \\k<name>)";
    if (token.kind === "open") stack.push({ repeats: false, alternates: false });
    else if (token.kind === "alt") top.alternates = true;
    else {
      const atom = token.kind === "close" && stack.length > 1 ? (stack.pop() as Part) : undefined;
      const parent = stack[stack.length - 1] as Part;
      if (token.max > 1 && atom?.repeats)
        return "it repeats a group that itself repeats (a nested quantifier such as (a+)+)";
      if (token.max > 1 && atom?.alternates) return "it repeats a group with alternatives (such as (a|ab)*)";
      parent.repeats ||= (token.max > 1 && token.min !== token.max) || atom?.repeats === true;
      parent.alternates ||= atom?.alternates === true;
    }
  }
  return undefined;
}

/** How many `*`, `+` and `{n,}` a pattern holds outside classes: its worst-case cost grows with it. */
export function countUnbounded(pattern: string): number {
  let count = 0;
  for (const token of patternTokens(pattern)) if (token.max === Infinity) count++;
  return count;
}
