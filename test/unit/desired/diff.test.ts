import { describe, expect, it } from "vitest";
import { describeChange, diffRow, type CurrentUser } from "../../../src/desired/diff.js";
import { normalise, sameAsZoom } from "../../../src/desired/normalise.js";
import { LIST_FIELDS, USER_FIELDS } from "../../../src/desired/read.js";
import { operationsToSend } from "../../../src/desired/run-diff.js";
import type { Operation, PlannedRow } from "../../../src/types.js";

const AT = Date.UTC(2026, 0, 2, 3, 4, 5);

function op(fields: Pick<Operation, "op" | "endpoint"> & Partial<Operation>, index = 0): Operation {
  return { row: 3, line: 4, user: "Ann@Corp.example", index, target: "", ...fields };
}

function row(...operations: Operation[]): PlannedRow {
  return { row: 3, line: 4, user: "Ann@Corp.example", operations, invalid: [] };
}

function zoomUser(profile: Record<string, unknown>, over: Partial<CurrentUser> = {}): CurrentUser {
  return {
    id: "u1",
    email: "ann@corp.example",
    status: "active",
    profile,
    known: new Set(USER_FIELDS),
    ...over,
  };
}

describe("normalise: Zoom's own spellings are not changes", () => {
  it.each([
    ["email", "Ann@Corp.Example", "ann@corp.example"],
    ["phone_number", "+1 (555) 010-0200", "15550100200"],
    ["type", "2", 2],
    ["pmi", "1234567890", 1234567890],
    ["job_title", "", undefined],
    ["job_title", "", null],
    ["dept", "  Sales ", "Sales"],
    [
      "custom_attributes",
      [
        { key: "b", name: "B", value: "2" },
        { key: "a", name: "A", value: "1" },
      ],
      [
        { key: "a", name: "A", value: "1" },
        { key: "b", name: "B", value: "2" },
      ],
    ],
    [
      "phone_numbers",
      [{ country: "US", code: "+1", number: "555-0100", label: "Mobile" }],
      [{ country: "US", code: "1", number: "5550100", label: "Mobile" }],
    ],
  ])("%s: %j is %j", (field, wanted, held) => {
    expect(sameAsZoom(field, wanted, held)).toBe(true);
  });

  it.each([
    ["job_title", "Lead", "lead"],
    ["type", 1, 2],
    ["phone_number", "5550100", "5550101"],
    ["custom_attributes", [{ key: "a", name: "A", value: "1" }], [{ key: "a", name: "A", value: "2" }]],
    ["job_title", "Lead", undefined],
  ])("%s: %j differs from %j", (field, wanted, held) => {
    expect(sameAsZoom(field, wanted, held)).toBe(false);
  });

  it("keeps what it does not know as it is", () => {
    expect(normalise("use_pmi", true)).toBe(true);
    expect(normalise("type", "x")).toBe("x");
  });
});

describe("diffRow", () => {
  const profile = op({
    op: "profile",
    endpoint: "updateUser",
    body: { job_title: "Lead", dept: "Sales", type: 2 },
  });

  it("lists only the fields that differ, old -> new", () => {
    const diff = diffRow(row(profile), zoomUser({ job_title: "Engineer", dept: "Sales", type: 2 }));
    expect(diff).toEqual({
      row: 3,
      line: 4,
      user: "Ann@Corp.example",
      exists: true,
      creates: false,
      missing: false,
      operations: [
        { op: profile, state: "changes", fields: [{ field: "job_title", old: "Engineer", new: "Lead" }] },
      ],
    });
    expect(diff.operations[0]?.fields.map(describeChange)).toEqual(['job_title: "Engineer" -> "Lead"']);
  });

  it("an operation with nothing to change is unchanged", () => {
    const diff = diffRow(row(profile), zoomUser({ job_title: "Lead", dept: "Sales", type: "2" }));
    expect(diff.operations.map((d) => d.state)).toEqual(["unchanged"]);
  });

  it("a field the reads did not cover is sent, shown as ?", () => {
    const diff = diffRow(row(profile), zoomUser({ dept: "Sales", type: 2 }, { known: new Set(LIST_FIELDS) }));
    const [d] = diff.operations;
    expect(d?.fields).toEqual([{ field: "job_title", new: "Lead", unknown: true }]);
    expect(d?.fields.map(describeChange)).toEqual(['job_title: ? -> "Lead"']);
  });

  it("an empty field in Zoom shows as (empty)", () => {
    const diff = diffRow(row(profile), zoomUser({ job_title: "", dept: "Sales", type: 2 }));
    expect(diff.operations[0]?.fields.map(describeChange)).toEqual(['job_title: (empty) -> "Lead"']);
  });

  it("a password always changes and is never shown", () => {
    const password = op({ op: "password", endpoint: "updatePassword", body: { password: "S3cret!pass" } });
    const diff = diffRow(row(password), zoomUser({}));
    expect(diff.operations[0]).toEqual({
      op: password,
      state: "changes",
      fields: [{ field: "password", secret: true }],
    });
    expect(describeChange({ field: "password", secret: true })).toBe("password: changes");
    expect(JSON.stringify(diff.operations[0]?.fields)).not.toContain("S3cret");
  });

  it("a create for a user who exists is unchanged; for one who does not, a create", () => {
    const create = op({ op: "create", endpoint: "createUser", body: { action: "create" } });
    expect(diffRow(row(create), zoomUser({})).operations[0]?.state).toBe("unchanged");
    const created = diffRow(row(create, profile), undefined);
    expect(created.creates).toBe(true);
    expect(created.missing).toBe(false);
    expect(created.operations.map((d) => d.state)).toEqual(["changes", "changes"]);
  });

  it("a user not in Zoom whose row does not create it is reported missing", () => {
    const diff = diffRow(row(profile), undefined);
    expect(diff.exists).toBe(false);
    expect(diff.missing).toBe(true);
  });

  it("email and status compare with what Zoom holds", () => {
    const email = op({
      op: "email",
      endpoint: "updateEmail",
      body: { email: "ANN@corp.example" },
      target: "ANN@corp.example",
    });
    const deactivate = op({
      op: "status",
      endpoint: "updateStatus",
      body: { action: "deactivate" },
      target: "deactivate",
    });
    const diff = diffRow(row(email, deactivate), zoomUser({}, { status: "inactive" }));
    expect(diff.operations.map((d) => d.state)).toEqual(["unchanged", "unchanged"]);
    const active = diffRow(row(deactivate), zoomUser({}));
    expect(active.operations[0]?.fields).toEqual([{ field: "status", old: "active", new: "inactive" }]);
  });

  it("a background of the same name and size is unchanged; the replace clean-up only when extra files exist", () => {
    const file = { path: "/x/beach.png", name: "beach.png", size: 100, format: "png" as const };
    const upload = op({
      op: "virtual_background",
      endpoint: "uploadVirtualBackground",
      file,
      target: "beach.png",
    });
    const clean = op({
      op: "virtual_background",
      endpoint: "deleteVirtualBackgrounds",
      target: "(unlisted)",
      keep: [{ name: "beach.png", size: 100 }],
    });
    const there = zoomUser({}, { backgrounds: [{ id: "f1", name: "beach.png", size: 100 }] });
    expect(diffRow(row(clean, upload), there).operations.map((d) => d.state)).toEqual([
      "unchanged",
      "unchanged",
    ]);
    const other = zoomUser({}, { backgrounds: [{ id: "f2", name: "old.png", size: 5 }] });
    expect(diffRow(row(clean, upload), other).operations.map((d) => d.state)).toEqual(["changes", "changes"]);
    // settings not read: unknown, so sent
    expect(diffRow(row(upload), zoomUser({})).operations[0]?.state).toBe("changes");
  });
});

describe("operationsToSend (run --diff)", () => {
  it("sends only the differing fields and reports the rest unchanged", () => {
    const profile = op(
      {
        op: "profile",
        endpoint: "updateUser",
        body: { job_title: "Lead", dept: "Sales" },
        query: { login_type: "100" },
      },
      0,
    );
    const status = op(
      { op: "status", endpoint: "updateStatus", body: { action: "activate" }, target: "activate" },
      1,
    );
    const result = operationsToSend(row(profile, status), zoomUser({ job_title: "Eng", dept: "Sales" }), AT);
    expect(result).toEqual({
      operations: [{ ...profile, body: { job_title: "Lead" } }],
      unchanged: [
        {
          row: 3,
          line: 4,
          user: "Ann@Corp.example",
          op: "status",
          target: "activate",
          outcome: "unchanged",
          http_status: "",
          zoom_code: "",
          message: "The user is already active.",
          attempts: 0,
          duration_ms: 0,
          tracking_id: "",
          finished_at: "2026-01-02T03:04:05.000Z",
        },
      ],
    });
  });

  it("sends everything for a user the row creates", () => {
    const create = op({ op: "create", endpoint: "createUser", body: { action: "create" } }, 0);
    const profile = op({ op: "profile", endpoint: "updateUser", body: { job_title: "Lead" } }, 1);
    expect(operationsToSend(row(create, profile), undefined, AT)).toEqual({
      operations: [create, profile],
      unchanged: [],
    });
  });
});
