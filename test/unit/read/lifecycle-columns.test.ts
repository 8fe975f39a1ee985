/**
 * The lifecycle columns (issue 14) are known to the reader: CSV headers in any case, JSON keys,
 * and the closest-name hint for a misspelt one. What they mean is the planner's business
 * (test/unit/plan/lifecycle.test.ts).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManifestError } from "../../../src/errors.js";
import { KNOWN_COLUMNS, LIFECYCLE_COLUMNS } from "../../../src/read/columns.js";
import { openManifest } from "../../../src/read/index.js";
import type { ManifestRecord } from "../../../src/types.js";

const dir = mkdtempSync(join(tmpdir(), "zb-columns-"));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
async function read(path: string): Promise<{ columns: readonly string[]; records: ManifestRecord[] }> {
  const manifest = await openManifest(path);
  const records: ManifestRecord[] = [];
  for await (const record of manifest.records()) records.push(record);
  return { columns: manifest.columns, records };
}

const TRANSFERS = [
  "transfer_meeting",
  "transfer_webinar",
  "transfer_recording",
  "transfer_whiteboard",
  "transfer_clipfiles",
  "transfer_notes",
  "transfer_visitors",
  "transfer_docs",
];

describe("lifecycle columns", () => {
  it("are the known columns after the changes, in this order", () => {
    expect(LIFECYCLE_COLUMNS).toEqual([
      "action",
      "create_action",
      "new_email",
      "transfer_email",
      ...TRANSFERS,
      "virtual_backgrounds_mode",
    ]);
    expect(KNOWN_COLUMNS.slice(-LIFECYCLE_COLUMNS.length)).toEqual(LIFECYCLE_COLUMNS);
    expect(KNOWN_COLUMNS.slice(0, 2)).toEqual(["user", "first_name"]);
  });

  it("are read from a CSV header in any case, blank cells dropped", async () => {
    const path = file(
      "hr.csv",
      "Email,Action,Create_Action,New_Email,Transfer_Email,TRANSFER_MEETING,transfer_docs,Virtual_Backgrounds_Mode\n" +
        "a@x.com,create,autoCreate,,,,,\n" +
        "b@x.com,delete,,,m@x.com,true,false,\n" +
        "c@x.com,,,c2@x.com,,,,replace\n",
    );
    const { columns, records } = await read(path);
    expect(columns).toEqual([
      "user",
      "action",
      "create_action",
      "new_email",
      "transfer_email",
      "transfer_meeting",
      "transfer_docs",
      "virtual_backgrounds_mode",
    ]);
    expect(records).toEqual([
      { row: 1, line: 2, fields: { user: "a@x.com", action: "create", create_action: "autoCreate" } },
      {
        row: 2,
        line: 3,
        fields: {
          user: "b@x.com",
          action: "delete",
          transfer_email: "m@x.com",
          transfer_meeting: "true",
          transfer_docs: "false",
        },
      },
      {
        row: 3,
        line: 4,
        fields: { user: "c@x.com", new_email: "c2@x.com", virtual_backgrounds_mode: "replace" },
      },
    ]);
  });

  it("are read from JSON keys, booleans kept as booleans", async () => {
    const path = file(
      "hr.jsonl",
      '{"user":"b@x.com","action":"disassociate","transfer_email":"m@x.com","transfer_recording":true}\n',
    );
    expect((await read(path)).records).toEqual([
      {
        row: 1,
        line: 1,
        fields: {
          user: "b@x.com",
          action: "disassociate",
          transfer_email: "m@x.com",
          transfer_recording: true,
        },
      },
    ]);
  });

  it("suggest the closest one for a misspelt header", async () => {
    const error: unknown = await openManifest(file("typo.csv", "user,transfer_meetings\nu,true\n")).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).message).toContain('Did you mean "transfer_meeting"?');
  });
});
