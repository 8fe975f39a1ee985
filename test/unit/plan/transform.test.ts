/**
 * Job value transforms (src/job/transform.ts) cannot hang a run (issue 12): a replace pattern that
 * can backtrack without bound is refused when the job file is read, naming the job key; anything
 * else is time-boxed and bounded per value, and a value it cannot handle makes its row invalid
 * (E_TRANSFORM) while the rest of the run goes on.
 */
import { describe, expect, it } from "vitest";
import {
  compileTransforms,
  countUnbounded,
  REPLACE_LIMITS,
  unsafePattern,
} from "../../../src/job/transform.js";
import { createPlanner } from "../../../src/plan/index.js";

class JobError extends Error {}
const fail = (key: string, message: string): never => {
  throw new JobError(`"transforms${key}": ${message}`);
};
const compile = (value: unknown) => compileTransforms(value, fail);
const replace = (pattern: string, withText = "") => ({
  job_title: [{ replace: { pattern, with: withText } }],
});

describe("replace patterns that can backtrack without bound are refused, naming the job key", () => {
  it.each([
    ["^(a+)+$", "a nested quantifier"],
    ["(a*)*b", "a nested quantifier"],
    ["(.*,){20}x", "a nested quantifier"],
    ["(a|ab)*c", "alternatives"],
    ["((a|b)c)+", "alternatives"],
    ["(\\w+)\\s\\1", "backreference"],
    ["(?<w>x)\\k<w>", "backreference"],
  ])("%s", (pattern, why) => {
    expect(() => compile(replace(pattern))).toThrow(JobError);
    expect(() => compile(replace(pattern))).toThrow(
      new RegExp(`^"transforms.job_title\\[0\\]": "replace.pattern": .*${why}`),
    );
  });

  it.each([
    "\\s+",
    "^\\s+|\\s+$",
    "(Mr|Mrs)?\\.? ",
    "(\\d{3}-){2}\\d{4}",
    "[(+*]+",
    "(?:a+)?",
    "^(\\S+)\\s+(\\S+)$",
    "\\(a+\\)+",
  ])("accepts %s", (pattern) => {
    expect(unsafePattern(pattern)).toBeUndefined();
    expect(() => compile(replace(pattern))).not.toThrow();
  });

  it("counts unbounded quantifiers outside classes", () => {
    expect(["\\s+", "[+*]", "a{2,}b{3}c{1,4}", "^(\\S+)\\s+(\\S+)$"].map(countUnbounded)).toEqual([
      1, 0, 1, 3,
    ]);
  });
});

describe("replace steps are bounded per value", () => {
  it("stops a polynomial pattern on a long value within the time box and names the step", () => {
    const t = compile(replace(".*.*.*.*.*.*x"));
    const started = Date.now();
    expect(() => t({ job_title: "a".repeat(300) })).toThrow(
      /^job_title: job step "transforms.job_title\[0\]" \(replace\) took more than 100 ms on this value/,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(t({ job_title: "ax" })).toEqual({ job_title: "" }); // a short value runs as usual
  });

  it("refuses a value longer than the bound without running the pattern", () => {
    const t = compile({ "*": [{ replace: { pattern: "\\s+", with: " " } }] });
    expect(t({ dept: "a  b" })).toEqual({ dept: "a b" });
    expect(() => t({ dept: "x".repeat(REPLACE_LIMITS.maxChars + 1) })).toThrow(
      /^dept: job step "transforms.\*\[0\]" \(replace\) was given 10001 characters; it takes at most 10000$/,
    );
  });

  it("gives up on a step after repeated time-outs instead of spending the time box on every row", () => {
    const t = compile(replace("[xy].*.*.*.*.*z"));
    for (let i = 0; i < REPLACE_LIMITS.maxTimeouts; i++)
      expect(() => t({ job_title: "x".repeat(400) })).toThrow(/took more than/);
    const started = Date.now();
    expect(() => t({ job_title: "x".repeat(400) })).toThrow(/gave up: its pattern ran out of time 3 times/);
    expect(Date.now() - started).toBeLessThan(50);
  });
});

describe("step names are looked up in the table's own entries only", () => {
  it.each(["toString", "constructor", "__proto__", "hasOwnProperty"])("refuses the step %s", (name) => {
    expect(() => compile({ job_title: [name] })).toThrow(/unknown step/);
  });
});

describe("the planner turns a value a transform cannot handle into an invalid row", () => {
  it("E_TRANSFORM naming the row, the line, the field and the step; other rows plan as usual", async () => {
    const transform = compile(replace(".*.*.*.*.*.*x", "y"));
    const plan = createPlanner({ manifestDir: "/tmp", transform });
    expect(await plan({ row: 4, line: 5, fields: { user: "u@x.com", job_title: "a".repeat(300) } })).toEqual({
      row: 4,
      line: 5,
      user: "u@x.com",
      operations: [],
      invalid: [
        {
          row: 4,
          line: 5,
          user: "u@x.com",
          op: "row",
          index: 0,
          target: "",
          code: "E_TRANSFORM",
          message:
            'row 4 (line 5): job_title: job step "transforms.job_title[0]" (replace) took more than 100 ms on this value and was stopped; simplify the pattern.',
        },
      ],
    });
    const fine = await plan({ row: 5, line: 6, fields: { user: "v@x.com", job_title: "Boss" } });
    expect(fine.operations.map((o) => o.body)).toEqual([{ job_title: "Boss" }]);
  });
});
