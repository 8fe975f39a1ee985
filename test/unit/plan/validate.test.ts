/**
 * `validate` (the dry run) in the first hour (issue 11): counts per error code, the invalid rows
 * written to a file in the manifest's own format, and no crash on hostile keys (issue 12).
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatValidation, validateManifest, writeInvalidRows } from "../../../src/validate.js";

const dir = mkdtempSync(join(tmpdir(), "zb-validate-"));

const manifest =
  "email;timezone;custom_attributes;job_title\r\n" +
  "a@x.com;Europe/Berlin;;Lead\r\n" +
  'b@x.com;Eastern Time;"[{""toString"":""x""}]";\r\n' +
  "me;;;\r\n" +
  'c@x.com;America/Chicago;"[{""key"":""k"",\r\n""value"":""v"",""constructor"":1}]";\r\n' +
  "d@x.com;Mars/Base;;\r\n";

describe("validate", () => {
  it("counts invalid operations per code, lists the rows, and writes them to fix in the manifest's format", async () => {
    const path = join(dir, "export.csv");
    writeFileSync(path, manifest);
    const out = join(dir, "fix-me.csv");
    const report = await validateManifest({ manifest: path, plan: "pro", share: 0.8, invalidRows: out }, {});
    expect(report).toMatchObject({
      records: 5,
      invalid: 4,
      delimiter: ";",
      codes: { E_FIELD: 1, E_FIELD_CUSTOM_ATTRIBUTES: 1, E_FIELD_TIMEZONE: 1, E_USER_ME: 1 },
      invalid_rows: [2, 3, 4, 5],
      invalid_rows_file: { path: out, rows: 4, missing: [] },
    });
    expect(Object.keys(report.codes)).toEqual([
      "E_FIELD",
      "E_FIELD_CUSTOM_ATTRIBUTES",
      "E_FIELD_TIMEZONE",
      "E_USER_ME",
    ]);
    expect(readFileSync(out, "utf8")).toBe(
      manifest
        .split("\r\n")
        .filter((_, i) => i !== 1)
        .join("\r\n"),
    );
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const text = formatValidation(report);
    expect(text).toContain(
      "  invalid by code: E_FIELD 1, E_FIELD_CUSTOM_ATTRIBUTES 1, E_FIELD_TIMEZONE 1, E_USER_ME 1 (in 4 rows)\n",
    );
    expect(text).toContain(
      "row 2 (line 3): timezone: Must be an IANA time zone ID such as America/New_York or UTC",
    );
    expect(text).toContain("custom_attributes[0].toString: Unknown field");
    expect(text).toContain(`  invalid rows: 4 written to ${out}; fix them there and run that file\n`);
  });

  it("writes the invalid rows later from the report, and reads an explicit delimiter", async () => {
    const path = join(dir, "pipes.txt");
    writeFileSync(path, "user|type\nu1@x.com|2\nu2@x.com|7\n");
    const report = await validateManifest({ manifest: path, plan: "pro", share: 0.8, delimiter: "|" }, {});
    expect(report.codes).toEqual({ E_FIELD_TYPE: 1 });
    const out = join(dir, "later.csv");
    expect(await writeInvalidRows(report, out)).toEqual({ path: out, rows: 1, missing: [] });
    expect(readFileSync(out, "utf8")).toBe("user|type\nu2@x.com|7\n");
  });
});
