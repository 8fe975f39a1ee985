import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CurrentUser } from "../../../src/desired/diff.js";
import { journalEntry, type JournalEntry } from "../../../src/journal/entry.js";
import { JournalWriter, journalPath, readJournal } from "../../../src/journal/file.js";
import type { Operation } from "../../../src/types.js";
import { OP_ENDPOINTS } from "../../../src/zoom/endpoints.js";

const AT = Date.parse("2026-11-24T12:00:00Z");

function op(kind: Operation["op"], extra: Partial<Operation> = {}): Operation {
  return {
    row: 4,
    line: 5,
    user: "Ana@Corp.Example",
    op: kind,
    index: 0,
    endpoint: OP_ENDPOINTS[kind],
    target: "",
    ...extra,
  };
}

const current: CurrentUser = {
  id: "u1",
  email: "ana@corp.example",
  status: "active",
  profile: { job_title: "Engineer", dept: "R&D" },
  known: new Set(["job_title", "dept", "company"]),
};

describe("journalEntry", () => {
  it("keeps, per kind of change, only what it replaces", () => {
    const base = { row: 4, line: 5, user: "Ana@Corp.Example", at: "2026-11-24T12:00:00.000Z" };
    const entries: JournalEntry[] = [
      journalEntry(
        op("profile", { body: { job_title: "Lead", company: "Acme", host_key: "123456" } }),
        current,
        AT,
      ),
      journalEntry(op("status", { body: { action: "deactivate" }, target: "deactivate" }), current, AT),
      journalEntry(
        op("email", { body: { email: "ana.b@corp.example" }, target: "ana.b@corp.example" }),
        current,
        AT,
      ),
      journalEntry(op("create", { body: { action: "create", user_info: { email: "x" } } }), undefined, AT),
      journalEntry(op("password", { body: { password: "Zq8-long-passphrase" } }), current, AT),
      journalEntry(op("picture", { target: "me.png" }), current, AT),
      journalEntry(op("delete", { query: { action: "delete" }, target: "delete" }), current, AT),
      journalEntry(
        op("virtual_background", {
          target: "beach.png",
          file: { path: "/x/beach.png", name: "beach.png", size: 120, format: "png" },
          checkFirst: true,
        }),
        current,
        AT,
      ),
      journalEntry(
        op("virtual_background", { endpoint: "deleteVirtualBackgrounds", target: "(unlisted)", keep: [] }),
        current,
        AT,
      ),
      journalEntry(op("status", { body: { action: "activate" }, target: "activate" }), undefined, AT),
    ];
    expect(entries).toEqual([
      {
        ...base,
        op: "profile",
        target: "",
        before: { job_title: "Engineer", company: null },
        unknown: ["host_key"],
      },
      { ...base, op: "status", target: "deactivate", before: { status: "active" } },
      { ...base, op: "email", target: "ana.b@corp.example", before: { email: "ana@corp.example" } },
      { ...base, op: "create", target: "", before: { created: true, create_action: "create" } },
      { ...base, op: "password", target: "", undoable: false },
      { ...base, op: "picture", target: "me.png", undoable: false },
      { ...base, op: "delete", target: "delete", undoable: false },
      { ...base, op: "virtual_background", target: "beach.png", file: { name: "beach.png", size: 120 } },
      { ...base, op: "virtual_background", target: "(unlisted)", undoable: false },
      { ...base, op: "status", target: "activate", unknown: ["status"] },
    ]);
    expect(JSON.stringify(entries)).not.toContain("Zq8-long-passphrase");
    expect(JSON.stringify(entries)).not.toContain("123456"); // a new value is never journaled
  });
});

describe("the journal file", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "zb-journal-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("is 0600, replaced by a new run, appended by --resume, and read back without a torn last line", async () => {
    const path = journalPath(join(dir, "r.csv"));
    expect(path).toBe(join(dir, "r.csv.journal.jsonl"));
    writeFileSync(path, "old run\n", { mode: 0o644 });
    const entry = journalEntry(
      op("status", { body: { action: "activate" }, target: "activate" }),
      current,
      AT,
    );
    let w = new JournalWriter(path, false);
    w.write(entry);
    w.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    w = new JournalWriter(path, true);
    w.write({ ...entry, row: 5 });
    w.close();
    writeFileSync(path, readFileSync(path, "utf8") + '{"row":6,"li', { flag: "w" });
    expect((await readJournal(path)).map((e) => e.row)).toEqual([4, 5]);
  });

  it("refuses a file that is not a journal", async () => {
    const path = join(dir, "x.jsonl");
    writeFileSync(path, "not json\n" + JSON.stringify({ row: 1 }) + "\n");
    await expect(readJournal(path)).rejects.toThrow(/line 1: not a journal entry/);
  });
});
