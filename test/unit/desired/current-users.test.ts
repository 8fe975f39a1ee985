import { describe, expect, it } from "vitest";
import type { ReadAnswer, ReadClient } from "../../../src/desired/client.js";
import { LIST_FIELDS, NEED_SETTINGS, readCurrent, Wanted } from "../../../src/desired/read.js";
import type { Operation } from "../../../src/types.js";
import { okRead } from "../../helpers/read-answers.js";

/** One page of List users per status: `listed[status]`. */
function listClient(listed: Record<string, Record<string, unknown>[]>): ReadClient {
  return {
    requests: {},
    get(op: Operation): Promise<ReadAnswer> {
      const users = listed[op.query?.status ?? ""] ?? [];
      return okRead({ next_page_token: "", page_size: 300, total_records: users.length, users });
    },
  };
}

describe("what the read keeps of each listed user (CurrentUsers)", () => {
  it("holds a user with nothing but a status as that status, and every other user whole", async () => {
    const wanted = new Wanted();
    for (const key of ["a@corp.example", "mixed@corp.example", "u3id", "d@corp.example", "e@corp.example"])
      wanted.users.set(key, 0);
    wanted.users.set("p@corp.example", 0);
    wanted.users.set("bg@corp.example", NEED_SETTINGS);
    wanted.users.set("ghost@corp.example", 0);
    wanted.fields.add("dept");
    const report = await readCurrent(
      wanted,
      listClient({
        active: [
          { id: "A1", email: "a@corp.example", status: "active", dept: "" },
          { id: "M2", email: "Mixed@Corp.example", status: "active" },
          { id: "U3ID", email: "three@corp.example", status: "active" },
          { id: "D4", email: "d@corp.example", status: "active", dept: "Sales" },
          { id: "E5", email: "e@corp.example", status: "active", dept: null },
          { id: "X6", email: "not-named@corp.example", status: "active", dept: "Ops" },
          { id: "B7", email: "bg@corp.example", status: "active" },
        ],
        pending: [{ email: "p@corp.example", status: "pending" }],
      }),
      { pageNumbers: false },
    );
    const listed = new Set(LIST_FIELDS);
    const kept = Object.fromEntries(
      [...report.users.keys()].sort().map((key) => [key, report.users.get(key)]),
    );
    expect(kept).toEqual({
      // the status alone: the email is the key, no id, an empty dept is no value
      "a@corp.example": { email: "a@corp.example", status: "active", profile: {}, known: listed },
      "e@corp.example": { email: "e@corp.example", status: "active", profile: {}, known: listed },
      "p@corp.example": { email: "p@corp.example", status: "pending", profile: {}, known: listed },
      // whole: Zoom's own spelling, a name by id, a field the rows set, a read still to come
      "mixed@corp.example": { email: "Mixed@Corp.example", status: "active", profile: {}, known: listed },
      u3id: { id: "U3ID", email: "three@corp.example", status: "active", profile: {}, known: listed },
      "d@corp.example": {
        email: "d@corp.example",
        status: "active",
        profile: { dept: "Sales" },
        known: listed,
      },
      "bg@corp.example": {
        id: "B7",
        email: "bg@corp.example",
        status: "active",
        profile: {},
        known: listed,
        backgrounds: [],
      },
    });
    expect(report.users.size).toBe(7);
    expect(report.users.has("ghost@corp.example")).toBe(false);
    expect(report.users.get("not-named@corp.example")).toBeUndefined();
    // the compact form never reads as a need
    for (const key of wanted.users.keys()) expect(wanted.needs(key)).toBeGreaterThanOrEqual(0);
  });

  it("follows a user listed again: a new status, or held whole after all", async () => {
    const wanted = new Wanted();
    wanted.users.set("a@corp.example", 0);
    wanted.users.set("a1", 0);
    const report = await readCurrent(
      wanted,
      listClient({
        active: [{ id: "Z1", email: "a@corp.example", status: "active" }],
        inactive: [{ id: "A1", email: "a@corp.example", status: "inactive" }],
      }),
      { pageNumbers: false },
    );
    // listed twice (a listing shifted between statuses); the second names it by id too
    expect(report.users.size).toBe(2);
    expect(report.users.get("a@corp.example")).toMatchObject({ id: "A1", status: "inactive" });
    expect(report.users.get("a1")).toBe(report.users.get("a@corp.example"));
  });
});
