/**
 * `validate` (the dry run) in the first hour (issue 11): counts per error code, the invalid rows
 * written to a file in the manifest's own format, and no crash on hostile keys (issue 12); the
 * lifecycle operations (issue 14): removals listed first, creates counted, their requests in the
 * per-label totals and the ETA.
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

  it("lists the rows that remove users first, counts creates, and spends the lifecycle requests", async () => {
    const png = Buffer.alloc(100);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(png);
    writeFileSync(join(dir, "a.png"), png);
    writeFileSync(join(dir, "b.png"), png);
    const path = join(dir, "lifecycle.csv");
    writeFileSync(
      path,
      "user,action,first_name,job_title,new_email,transfer_email,transfer_meeting,virtual_backgrounds,virtual_backgrounds_mode\n" +
        "new1@x.com,create,Ann,Eng,,,,,\n" +
        "new2@x.com,create,Bob,,,,,,\n" +
        "leaver@x.com,delete,,,,boss@x.com,true,,\n" +
        "mover@x.com,,,Lead,mover2@x.com,,,,\n" +
        "bye@x.com,deactivate,,,,,,,\n" +
        "gone@x.com,disassociate,,Stray,,,,,\n" +
        "bg@x.com,,,,,,,a.png;b.png,replace\n",
    );
    const report = await validateManifest({ manifest: path, plan: "pro", share: 0.8 }, {});
    expect(report).toMatchObject({
      records: 7,
      removals: {
        count: 2,
        rows: [
          { row: 3, line: 4, user: "leaver@x.com", action: "delete" },
          { row: 6, line: 7, user: "gone@x.com", action: "disassociate" },
        ],
      },
      creates: { count: 2, capped: 2, daily_cap: 1500 },
      operations: {
        create: 2,
        profile: 2,
        password: 0,
        picture: 0,
        virtual_background: 3,
        email: 1,
        status: 1,
        delete: 2,
      },
      invalid: 1,
      codes: { E_ACTION_DELETE_FIELDS: 1 },
      // Light: 2 creates, 2 PATCHes, 1 email, 1 status, 2 deletes, the replace clean-up's DELETE;
      // Medium: 2 uploads and the one GET settings the row's backgrounds share
      labels: {
        light: { requests: 9, pace_per_second: 24, seconds: 0.38 },
        medium: { requests: 3, pace_per_second: 16, seconds: 0.19 },
      },
      eta_seconds: 0.38,
      warnings: [],
    });
    const text = formatValidation(report);
    expect(text.split("\n").slice(0, 5)).toEqual([
      "REMOVES 2 users (delete or disassociate; a run needs --allow-delete):",
      "  row 3 (line 4): leaver@x.com delete",
      "  row 6 (line 7): gone@x.com disassociate",
      `${path}: 7 records, 11 operations to send, 1 invalid (plan pro, share 0.8)`,
      "  operations: create 2, profile 2, password 0, picture 0, virtual_background 3, email 1, status 1, delete 2",
    ]);
    expect(text).toContain(
      "  creates: 2 users (2 with create_action create, which count against the pro plan's 1500 a day)\n",
    );
  });

  it("warns when the creates exceed the plan's daily create cap, and says nothing of removals without any", async () => {
    const path = join(dir, "joiners.csv");
    const rows = Array.from({ length: 51 }, (_, i) => `j${i}@x.com,create,${i === 0 ? "autoCreate" : ""}`);
    writeFileSync(path, ["user,action,create_action", ...rows].join("\n") + "\n");
    const report = await validateManifest({ manifest: path, plan: "free", share: 0.8 }, {});
    expect(report.creates).toEqual({ count: 51, capped: 50, daily_cap: 50 });
    expect(report.warnings).toEqual([]);
    writeFileSync(path, ["user,action", ...rows.map((r) => r.replace(/,[^,]*$/, ""))].join("\n") + "\n");
    const over = await validateManifest({ manifest: path, plan: "free", share: 0.8 }, {});
    expect(over.warnings).toEqual([
      "51 creates with create_action create exceed the free plan's daily create cap of 50; the run defers the rest (exit 4) and a --resume after 00:00 UTC continues.",
    ]);
    expect(over.removals).toEqual({ count: 0, rows: [] });
    expect(formatValidation(over)).toMatch(/^\S+joiners\.csv: 51 records/);
  });
});
