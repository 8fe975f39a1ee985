import { describe, expect, it } from "vitest";
import type { JournalEntry } from "../../../src/journal/entry.js";
import type { Outcome } from "../../../src/types.js";
import { backgroundUsers, changeKey, changesToUndo, planUndo, type Listing } from "../../../src/undo/plan.js";

const AT = "2026-11-24T12:00:00.000Z";
const NOW = Date.parse("2026-11-25T08:00:00Z");

function e(row: number, op: JournalEntry["op"], extra: Partial<JournalEntry> = {}): JournalEntry {
  return { row, line: row + 1, user: `u${row}@corp.example`, op, target: "", at: AT, ...extra };
}

/** The plan as text: one line per undo row, its operations in order, then its lines. */
function shown(rows: ReturnType<typeof planUndo>["rows"]): string[] {
  return rows.flatMap((r) => [
    `row ${r.planned.row} ${r.planned.user}`,
    ...r.operations.map(
      (op) =>
        `  ${op.index} ${op.op} ${op.endpoint} ${op.user} ${JSON.stringify(op.body ?? op.query ?? {})} target=${op.target}`,
    ),
    ...r.unchanged.map((l) => `  = ${l.op} ${l.target} ${l.outcome} ${String(l.zoom_code)}`),
  ]);
}

describe("changesToUndo", () => {
  it("keeps changes whose latest result is ok or that have none; the first entry of a change resent", () => {
    const entries = [
      e(1, "profile", { before: { dept: "A" } }),
      e(2, "profile", { before: { dept: "B" } }),
      e(3, "profile", { before: { dept: "C" } }),
      e(4, "status", { target: "deactivate", before: { status: "active" } }),
      e(5, "profile", { before: { dept: "first" } }),
      e(5, "profile", { before: { dept: "second" } }), // a --resume sent it again
      e(6, "email", { target: "n@x", before: { email: "o@x" } }),
    ];
    const latest = new Map<string, Outcome>([
      [changeKey(entries[0] as JournalEntry), "ok"],
      [changeKey(entries[1] as JournalEntry), "failed"],
      [changeKey(entries[2] as JournalEntry), "unchanged"],
      [changeKey(entries[3] as JournalEntry), "deferred"],
      [changeKey(entries[4] as JournalEntry), "ok"],
    ]);
    expect(changesToUndo(entries, latest).map((c) => [c.row, c.before])).toEqual([
      [1, { dept: "A" }],
      [5, { dept: "first" }],
      [6, { email: "o@x" }], // no result line: the answer was lost, it may have been applied
    ]);
  });
});

describe("planUndo", () => {
  it("queues an earlier row of a moved user behind the undo of the move", () => {
    const changes = [
      e(1, "profile", { user: "a@corp.example", before: { dept: "R&D" } }),
      e(2, "email", {
        user: "a@corp.example",
        target: "b@corp.example",
        before: { email: "a@corp.example" },
      }),
    ];
    const rows = planUndo(changes, new Map(), NOW).rows;
    expect(rows.map((r) => [r.planned.row, r.planned.user, r.operations[0]?.user])).toEqual([
      [2, "b@corp.example", "b@corp.example"],
      [1, "b@corp.example", "a@corp.example"],
    ]);
  });

  it("undoes latest row first, each row's changes in reverse, and lists what cannot be undone", () => {
    const changes = [
      e(1, "profile", {
        before: { job_title: "Engineer", company: null, custom_attributes: null },
        unknown: ["host_key"],
      }),
      e(1, "password", { undoable: false }),
      e(2, "status", { target: "activate", before: { status: "inactive" } }),
      e(2, "profile", { before: { dept: "R&D" } }),
      e(2, "email", { target: "new2@corp.example", before: { email: "u2@corp.example" } }),
      e(3, "virtual_background", { target: "beach.png", file: { name: "beach.png", size: 10 } }),
      e(3, "virtual_background", { target: "gone.png", file: { name: "gone.png", size: 5 } }),
      e(3, "picture", { target: "me.png", undoable: false }),
      e(4, "create", { before: { created: true } }),
      e(4, "profile", { unknown: ["job_title"] }),
      e(4, "password", { undoable: false }),
      e(5, "status", { target: "activate", before: { status: "pending" } }),
      e(6, "profile", { user: "U4@corp.example", before: { dept: "X" } }), // the created user, named again
    ];
    const listings = new Map<string, Listing>([
      [
        "u3@corp.example",
        [
          { id: "b0", name: "beach.png", size: 11 },
          { id: "b1", name: "beach.png", size: 10 },
          { id: "b2", name: "old.png", size: 10 },
        ],
      ],
    ]);
    expect(backgroundUsers(changes)).toEqual(new Set(["u3@corp.example"]));
    const plan = planUndo(changes, listings, NOW);
    expect(shown(plan.rows)).toEqual([
      "row 5 u5@corp.example",
      "  = status activate skipped E_CANNOT_UNDO",
      "row 4 u4@corp.example",
      '  0 delete deleteUser u4@corp.example {"action":"delete"} target=delete',
      "row 3 u3@corp.example",
      '  0 virtual_background deleteVirtualBackgrounds u3@corp.example {"file_ids":"b1"} target=beach.png',
      "  = picture me.png skipped E_CANNOT_UNDO",
      "  = virtual_background gone.png unchanged ",
      "row 2 new2@corp.example",
      '  0 email updateEmail new2@corp.example {"email":"u2@corp.example"} target=u2@corp.example',
      '  1 profile updateUser u2@corp.example {"dept":"R&D"} target=',
      '  2 status updateStatus u2@corp.example {"action":"deactivate"} target=deactivate',
      "row 1 u1@corp.example",
      '  0 profile updateUser u1@corp.example {"job_title":"Engineer","company":""} target=',
      "  = password  skipped E_CANNOT_UNDO",
      "  = profile custom_attributes,host_key skipped E_CANNOT_UNDO",
    ]);
    expect(plan.cannot.map((l) => `${l.row} ${l.op} ${l.message}`)).toEqual([
      "5 status The user was pending (invited, not yet joined) before the run; Zoom cannot make a user pending again.",
      "3 picture Zoom keeps no copy of the old profile picture to put back.",
      "1 password A password cannot be read back, so the old one cannot be put back; set a new one if needed.",
      "1 profile The old value of custom_attributes, host_key cannot be put back: Zoom did not show it before the run, or it was empty and Zoom cannot empty it.",
    ]);
    // each undo row carries a hash of its journal entries, stable across undo runs (for --resume)
    expect(planUndo(changes, listings, NOW + 1).rows.map((r) => r.hash)).toEqual(
      plan.rows.map((r) => r.hash),
    );
  });

  it("disassociates an invited user, under the email its row moved it to; a failed listing fails its deletes", () => {
    const changes = [
      e(1, "create", { before: { created: true, create_action: "create" } }),
      e(1, "email", { target: "moved@corp.example", before: { email: "u1@corp.example" } }),
      e(2, "virtual_background", { target: "a.png", file: { name: "a.png", size: 1 } }),
    ];
    const plan = planUndo(changes, new Map([["u2@corp.example", { failed: "HTTP 500" }]]), NOW);
    expect(shown(plan.rows)).toEqual([
      "row 2 u2@corp.example",
      "  = virtual_background a.png failed ",
      "row 1 moved@corp.example",
      '  0 delete deleteUser moved@corp.example {"action":"disassociate"} target=disassociate',
    ]);
    expect(plan.rows[0]?.unchanged[0]?.message).toBe(
      "The user's virtual backgrounds could not be read (HTTP 500), so a.png was not deleted. Run undo again with --resume.",
    );
  });

  it("finds a background under the email a later row moved its user to, and deletes it after the move is undone", () => {
    const changes = [
      e(1, "virtual_background", {
        user: "a@corp.example",
        target: "a.png",
        file: { name: "a.png", size: 7 },
      }),
      e(2, "email", {
        user: "A@corp.example",
        target: "b@corp.example",
        before: { email: "a@corp.example" },
      }),
      e(3, "email", {
        user: "b@corp.example",
        target: "c@corp.example",
        before: { email: "b@corp.example" },
      }),
    ];
    // read before anything is undone: the user is c@ by then
    expect([...backgroundUsers(changes)]).toEqual(["c@corp.example"]);
    const listing: Listing = [{ id: "bg1", name: "a.png", size: 7 }];
    const plan = planUndo(changes, new Map([["c@corp.example", listing]]), NOW);
    expect(shown(plan.rows)).toEqual([
      "row 3 c@corp.example",
      '  0 email updateEmail c@corp.example {"email":"b@corp.example"} target=b@corp.example',
      "row 2 c@corp.example",
      '  0 email updateEmail b@corp.example {"email":"a@corp.example"} target=a@corp.example',
      "row 1 c@corp.example",
      '  0 virtual_background deleteVirtualBackgrounds a@corp.example {"file_ids":"bg1"} target=a.png',
    ]);
  });
});
