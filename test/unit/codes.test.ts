/**
 * The code table (src/codes.ts) names every `E_…` code the job uses: each quoted `"E_…"` literal
 * in src/ must be in CODES, or be a code of one of CODE_FAMILIES (`E_FIELD_JOB_TITLE`).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CODE_FAMILIES, CODES, LEADS_TO, lookupCode } from "../../src/codes.js";
import { EXIT } from "../../src/errors.js";

const SRC = join(import.meta.dirname, "..", "..", "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  );
}

/** Every quoted E_ code literal in src/, with the files that use it. */
function codesInSource(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of sourceFiles(SRC))
    for (const m of readFileSync(file, "utf8").matchAll(/["'](E_[A-Z0-9_]+)["']/g)) {
      const code = m[1] as string;
      found.set(code, [...(found.get(code) ?? []), file.slice(SRC.length + 1)]);
    }
  return found;
}

describe("the E_ code table", () => {
  it("holds every E_ code used in src/", () => {
    const missing = [...codesInSource()]
      .filter(([code]) => lookupCode(code) === undefined)
      .map(([code, files]) => `${code} (${[...new Set(files)].join(", ")})`);
    expect(missing, "add these to CODES in src/codes.ts").toEqual([]);
  });

  it("gives each code a meaning, a to-do and what it leads to, on one line each", () => {
    for (const [code, info] of [...Object.entries(CODES), ...Object.entries(CODE_FAMILIES)]) {
      expect(code).toMatch(/^E_[A-Z0-9_]+$/);
      for (const text of [info.meaning, info.todo]) {
        expect(text.length, code).toBeGreaterThan(10);
        expect(text, code).not.toContain("\n");
      }
      expect(Object.keys(LEADS_TO), code).toContain(info.leads_to);
    }
  });

  it("finds family codes and nothing for Object's own member names", () => {
    expect(lookupCode("E_FIELD_JOB_TITLE")?.leads_to).toBe("invalid");
    expect(lookupCode("E_FIELD")?.leads_to).toBe("invalid");
    expect(lookupCode("E_FIELD_")).toBeUndefined();
    for (const name of ["constructor", "__proto__", "toString", "1001"])
      expect(lookupCode(name)).toBeUndefined();
  });

  it("maps what a code leads to onto the exit codes of errors.ts", () => {
    expect(Object.fromEntries(Object.entries(LEADS_TO).map(([k, v]) => [k, v.exit]))).toEqual({
      invalid: EXIT.someFailed,
      failed: EXIT.someFailed,
      skipped: EXIT.someFailed,
      usage: EXIT.usage,
      auth: EXIT.auth,
      safety: EXIT.safetyStop,
      dependency: EXIT.dependency,
      internal: EXIT.internal,
    });
  });
});
