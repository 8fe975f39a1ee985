/**
 * The bad lifecycle manifests of fixtures/bad (listed in its README) planned as a run would plan
 * them: every row's operations and refusals, by row, line, op, target and code. The end-to-end
 * corpus (test/e2e/corpus.test.ts) runs the same files against the sandbox.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { plannerFor } from "../../../src/plan/index.js";
import { openManifest } from "../../../src/read/index.js";

const FIXTURES = join(import.meta.dirname, "..", "..", "..", "fixtures", "bad");

/** [row, line, op, target, code] per operation ("ok" for one that would be sent), in row order. */
async function planned(name: string): Promise<[number, number, string, string, string][]> {
  const manifest = join(FIXTURES, name);
  const plan = plannerFor({ manifest }, {});
  const out: [number, number, string, string, string][] = [];
  for await (const record of (await openManifest(manifest)).records()) {
    const row = await plan(record);
    const all = [
      ...row.operations.map((o) => ({ index: o.index, op: o.op, target: o.target, code: "ok" })),
      ...row.invalid.map((i) => ({ index: i.index, op: i.op, target: i.target, code: i.code })),
    ].sort((a, b) => a.index - b.index);
    for (const o of all) out.push([row.row, row.line, o.op, o.target, o.code]);
  }
  return out;
}

describe("fixtures/bad lifecycle manifests", () => {
  it("lifecycle.csv", async () => {
    expect(await planned("lifecycle.csv")).toEqual([
      [1, 2, "profile", "", "ok"],
      [2, 3, "row", "", "E_ACTION"],
      [3, 4, "create", "", "E_CREATE_ACTION"],
      [4, 5, "create", "", "E_CREATE_EMAIL"],
      [5, 6, "create", "", "E_FIELD_TYPE"],
      [6, 7, "email", "USER4@example.com", "E_NEW_EMAIL"],
      [7, 8, "email", "user5(at)example.com", "E_NEW_EMAIL"],
      [8, 9, "virtual_background", "(unlisted)", "E_BACKGROUNDS_MODE"],
      [8, 9, "virtual_background", "ok.png", "E_BACKGROUNDS_MODE"],
      [9, 10, "row", "", "E_ACTION"],
      [10, 11, "virtual_background", "(unlisted)", "E_BACKGROUNDS_REPLACE"],
      [10, 11, "virtual_background", "ok.png", "ok"],
      [10, 11, "virtual_background", "missing.png", "E_FILE_MISSING"],
    ]);
  });

  it("lifecycle-delete.csv", async () => {
    expect(await planned("lifecycle-delete.csv")).toEqual([
      [1, 2, "profile", "", "ok"],
      [2, 3, "delete", "delete", "E_DELETE_TRANSFER"],
      [3, 4, "delete", "disassociate", "E_DELETE_TRANSFER"],
      [4, 5, "delete", "delete", "E_DELETE_TRANSFER"],
      [5, 6, "delete", "delete", "E_DELETE_TRANSFER"],
      [6, 7, "delete", "disassociate", "E_DELETE_TRANSFER"],
      [6, 7, "profile", "", "E_ACTION_DELETE_FIELDS"],
      [6, 7, "email", "user7b@example.com", "E_ACTION_DELETE_FIELDS"],
    ]);
  });

  it("clear.jsonl", async () => {
    expect(await planned("clear.jsonl")).toEqual([
      [1, 1, "profile", "", "ok"],
      [2, 2, "profile", "", "ok"],
      [3, 3, "profile", "", "E_CLEAR_NOT_ALLOWED"],
      [4, 4, "profile", "", "E_CLEAR_NOT_ALLOWED"],
      [5, 5, "password", "", "E_CLEAR_NOT_ALLOWED"],
      [5, 5, "picture", "", "E_CLEAR_NOT_ALLOWED"],
      [6, 6, "email", "", "E_CLEAR_NOT_ALLOWED"],
    ]);
  });
});
