/**
 * The lifecycle columns (issue 14; PRODUCT.md "Lifecycle"): each row shape's operations, in the
 * order they run, with the exact Operation each becomes, and every local refusal with its code,
 * row, line and field.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createPlanner, type PlanContext } from "../../../src/plan/index.js";
import type { OpKind, PlannedRow } from "../../../src/types.js";
import { CLEARABLE_FIELDS, checkProfile } from "../../../src/zoom/rules.js";

const dir = mkdtempSync(join(tmpdir(), "zb-lifecycle-"));
mkdirSync(join(dir, "bg"));
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);
const put = (name: string, size: number): void => {
  const bytes = Buffer.alloc(size);
  PNG.copy(bytes);
  writeFileSync(join(dir, name), bytes);
};
put("face.png", 300);
put("bg/a.png", 1000);
put("bg/b.png", 2000);

const ctx: PlanContext = { manifestDir: dir, env: { NEW_PW: "Env0nlyPassw0rd" } };
const plan = (fields: Record<string, unknown>, over: Partial<PlanContext> = {}): Promise<PlannedRow> =>
  createPlanner({ ...ctx, ...over })({ row: 3, line: 4, fields });

const base = (user: string) => ({ row: 3, line: 4, user });
const png = (name: string, size: number) => ({
  path: join(dir, name),
  name: name.split("/").pop(),
  size,
  format: "png",
});
/** [op, index, target] of each operation, in the order they run. */
const shape = (row: PlannedRow) => row.operations.map((o) => [o.op, o.index, o.target]);
/** [op, index, code, message] of each refusal. */
const refusals = (row: PlannedRow) => row.invalid.map((i) => [i.op, i.index, i.code, i.message]);

const CLEAR_LIST = CLEARABLE_FIELDS.join(", ");

describe("action create", () => {
  it("creates first, PATCHes only the fields POST /users does not take, then password, picture, backgrounds", async () => {
    const row = await plan({
      user: "new.hire@example.com",
      action: " Create ",
      first_name: "Ann",
      last_name: "Lee",
      display_name: "Ann L.",
      type: "2",
      job_title: "Engineer",
      dept: "R&D",
      timezone: "Europe/Berlin",
      login_type: "100",
      password: "Str0ngPassw0rd",
      picture: "face.png",
      virtual_backgrounds: "bg/a.png",
    });
    const who = base("new.hire@example.com");
    expect(row).toEqual({
      ...who,
      operations: [
        {
          ...who,
          op: "create",
          index: 0,
          endpoint: "createUser",
          body: {
            action: "create",
            user_info: {
              email: "new.hire@example.com",
              type: 2,
              first_name: "Ann",
              last_name: "Lee",
              display_name: "Ann L.",
            },
          },
          target: "",
        },
        {
          ...who,
          op: "profile",
          index: 1,
          endpoint: "updateUser",
          body: { job_title: "Engineer", dept: "R&D", timezone: "Europe/Berlin" },
          query: { login_type: "100" },
          target: "",
        },
        {
          ...who,
          op: "password",
          index: 2,
          endpoint: "updatePassword",
          body: { password: "Str0ngPassw0rd" },
          target: "",
        },
        {
          ...who,
          op: "picture",
          index: 3,
          endpoint: "uploadPicture",
          file: png("face.png", 300),
          target: "face.png",
        },
        {
          ...who,
          op: "virtual_background",
          index: 4,
          endpoint: "uploadVirtualBackground",
          file: png("bg/a.png", 1000),
          target: "a.png",
          checkFirst: true,
        },
      ],
      invalid: [],
    });
  });

  it("defaults to create_action create and type 1, and makes no PATCH when the names were all", async () => {
    const row = await plan({ user: "a@example.com", action: "create", first_name: "A" });
    expect(row.operations).toEqual([
      {
        ...base("a@example.com"),
        op: "create",
        index: 0,
        endpoint: "createUser",
        body: { action: "create", user_info: { email: "a@example.com", type: 1, first_name: "A" } },
        target: "",
      },
    ]);
  });

  it("autoCreate takes the password into POST /users (env: and file: too) and makes no password PUT", async () => {
    const row = await plan({
      user: "a@example.com",
      action: "create",
      create_action: "AUTOCREATE",
      password: "env:NEW_PW",
      job_title: "Lead",
    });
    expect(shape(row)).toEqual([
      ["create", 0, ""],
      ["profile", 1, ""],
    ]);
    expect(row.operations[0]?.body).toEqual({
      action: "autoCreate",
      user_info: { email: "a@example.com", type: 1, password: "Env0nlyPassw0rd" },
    });
  });

  it("refuses an autoCreate password Zoom would refuse, without showing it, and sends the rest", async () => {
    const row = await plan({
      user: "a@example.com",
      action: "create",
      create_action: "autoCreate",
      password: "abcdefgh1",
      job_title: "Lead",
    });
    expect(shape(row)).toEqual([["profile", 1, ""]]);
    expect(refusals(row)).toEqual([
      [
        "create",
        0,
        "E_PASSWORD",
        "row 3 (line 4): password: Password must include both uppercase and lowercase characters. (Zoom would refuse it with code 1128; the password is not shown).",
      ],
    ]);
    expect(JSON.stringify(row)).not.toContain("abcdefgh1");
  });

  it("sends the password as a PUT after the create for the other create actions", async () => {
    const row = await plan({
      user: "a@example.com",
      action: "create",
      create_action: "ssoCreate",
      password: "Str0ngPassw0rd",
    });
    expect(shape(row)).toEqual([
      ["create", 0, ""],
      ["password", 1, ""],
    ]);
    expect(row.operations[0]?.body).toMatchObject({ action: "ssoCreate" });
  });

  it("refuses a create Zoom would refuse: create_action, a user that is not an email, type 99, long names", async () => {
    const refuse = async (fields: Record<string, unknown>) =>
      refusals(await plan({ user: "a@example.com", action: "create", ...fields }));
    expect(await refuse({ create_action: "autocreat" })).toEqual([
      [
        "create",
        0,
        "E_CREATE_ACTION",
        'row 3 (line 4): create_action: "autocreat" is not one of create, autoCreate, custCreate, ssoCreate (an empty cell is create).',
      ],
    ]);
    expect(await refuse({ user: "KDcuGIm1QgePTO8WbOqwIQ" })).toEqual([
      [
        "create",
        0,
        "E_CREATE_EMAIL",
        "row 3 (line 4): user: A create row needs the new user's email here; Must be an email address such as name@example.com.",
      ],
    ]);
    expect(await refuse({ type: "99" })).toEqual([
      [
        "create",
        0,
        "E_FIELD_TYPE",
        "row 3 (line 4): type: Type 99 can only be set with create_action ssoCreate.",
      ],
    ]);
    expect(await refuse({ type: "99", create_action: "ssoCreate" })).toEqual([]);
    expect(await refuse({ type: "3" })).toEqual([
      ["create", 0, "E_FIELD_TYPE", "row 3 (line 4): type: Must be one of 1, 2, 4, 99."],
    ]);
    expect(await refuse({ first_name: "x".repeat(65), display_name: "y".repeat(129) })).toEqual([
      [
        "create",
        0,
        "E_FIELD",
        "row 3 (line 4): first_name: Must be at most 64 characters (got 65); display_name: Must be at most 128 characters (got 129).",
      ],
    ]);
    // several kinds at once: the first problem's code, every problem in the message
    expect(await refuse({ create_action: "x", user: "no-at-sign", last_name: "z".repeat(70) })).toEqual([
      [
        "create",
        0,
        "E_CREATE_ACTION",
        'row 3 (line 4): create_action: "x" is not one of create, autoCreate, custCreate, ssoCreate (an empty cell is create); user: A create row needs the new user\'s email here; Must be an email address such as name@example.com; last_name: Must be at most 64 characters (got 70).',
      ],
    ]);
  });
});

describe("action activate / deactivate", () => {
  it("activates before the row's other changes", async () => {
    const row = await plan({
      user: "u@example.com",
      action: "ACTIVATE",
      job_title: "Back",
      picture: "face.png",
    });
    expect(shape(row)).toEqual([
      ["status", 0, "activate"],
      ["profile", 1, ""],
      ["picture", 2, "face.png"],
    ]);
    expect(row.operations[0]).toEqual({
      ...base("u@example.com"),
      op: "status",
      index: 0,
      endpoint: "updateStatus",
      body: { action: "activate" },
      target: "activate",
    });
  });

  it("deactivates after every other change, the email change included", async () => {
    const row = await plan({
      user: "u@example.com",
      action: "deactivate",
      job_title: "Leaver",
      password: "Str0ngPassw0rd",
      virtual_backgrounds: "bg/a.png",
      new_email: "u.archived@example.com",
    });
    expect(shape(row)).toEqual([
      ["profile", 0, ""],
      ["password", 1, ""],
      ["virtual_background", 2, "a.png"],
      ["email", 3, "u.archived@example.com"],
      ["status", 4, "deactivate"],
    ]);
    expect(row.operations[4]).toMatchObject({ endpoint: "updateStatus", body: { action: "deactivate" } });
  });

  it("deactivates a row with nothing else to change", async () => {
    expect(shape(await plan({ user: "u@example.com", action: "deactivate" }))).toEqual([
      ["status", 0, "deactivate"],
    ]);
  });
});

describe("action delete / disassociate", () => {
  it("sends only the delete, with the action and the transfer options as given", async () => {
    const row = await plan({
      user: "leaver@example.com",
      action: "Delete",
      transfer_email: " manager@example.com ",
      transfer_meeting: "yes",
      transfer_recording: "false",
      transfer_whiteboard: true,
    });
    expect(row).toEqual({
      ...base("leaver@example.com"),
      operations: [
        {
          ...base("leaver@example.com"),
          op: "delete",
          index: 0,
          endpoint: "deleteUser",
          query: {
            action: "delete",
            transfer_email: "manager@example.com",
            transfer_meeting: "true",
            transfer_recording: "false",
            transfer_whiteboard: "true",
          },
          target: "delete",
        },
      ],
      invalid: [],
    });
    expect((await plan({ user: "leaver@example.com", action: "disassociate" })).operations).toEqual([
      {
        ...base("leaver@example.com"),
        op: "delete",
        index: 0,
        endpoint: "deleteUser",
        query: { action: "disassociate" },
        target: "disassociate",
      },
    ]);
  });

  it("refuses each other change of the row, naming the columns, and still deletes", async () => {
    const row = await plan({
      user: "leaver@example.com",
      action: "disassociate",
      job_title: "Gone",
      login_type: "100",
      password: "Str0ngPassw0rd",
      picture: "face.png",
      virtual_backgrounds: "bg/a.png;bg/missing.png",
      new_email: "x@example.com",
      create_action: "autoCreate", // not a change: ignored
      virtual_backgrounds_mode: "replace", // how backgrounds would be applied: ignored
    });
    expect(shape(row)).toEqual([["delete", 0, "disassociate"]]);
    const why = (columns: string) =>
      `row 3 (line 4): ${columns}: not sent, since the row's action disassociate removes the user (the disassociate still runs); put these changes in a row of their own, or empty the cells.`;
    expect(row.invalid.map((i) => [i.op, i.index, i.target, i.code, i.message])).toEqual([
      ["profile", 1, "", "E_ACTION_DELETE_FIELDS", why("job_title, login_type")],
      ["password", 2, "", "E_ACTION_DELETE_FIELDS", why("password")],
      ["picture", 3, "face.png", "E_ACTION_DELETE_FIELDS", why("picture")],
      ["virtual_background", 4, "a.png", "E_ACTION_DELETE_FIELDS", why("virtual_backgrounds")],
      ["virtual_background", 5, "missing.png", "E_ACTION_DELETE_FIELDS", why("virtual_backgrounds")],
      ["email", 6, "x@example.com", "E_ACTION_DELETE_FIELDS", why("new_email")],
    ]);
    expect(JSON.stringify(row)).not.toContain("Str0ngPassw0rd");
  });

  it("refuses a delete Zoom would refuse: transfers without transfer_email, a bad or self transfer target", async () => {
    const refuse = async (fields: Record<string, unknown>) =>
      refusals(await plan({ user: "Leaver@Example.com", action: "delete", ...fields }));
    expect(await refuse({ transfer_meeting: "true", transfer_docs: "1", transfer_notes: "no" })).toEqual([
      [
        "delete",
        0,
        "E_DELETE_TRANSFER",
        "row 3 (line 4): transfer_meeting, transfer_docs: Needs transfer_email, the user to hand the data to; Zoom refuses a transfer without one; the user is not removed.",
      ],
    ]);
    expect(await refuse({ transfer_email: "leaver@example.COM", transfer_meeting: "true" })).toEqual([
      [
        "delete",
        0,
        "E_DELETE_TRANSFER",
        "row 3 (line 4): transfer_email: Is the user being removed; name another user of the account to hand the data to; the user is not removed.",
      ],
    ]);
    expect(await refuse({ transfer_email: "manager(at)example.com" })).toEqual([
      [
        "delete",
        0,
        "E_DELETE_TRANSFER",
        "row 3 (line 4): transfer_email: Must be an email address such as name@example.com; the user is not removed.",
      ],
    ]);
    expect(await refuse({ transfer_email: "m@example.com", transfer_webinar: "maybe" })).toEqual([
      [
        "delete",
        0,
        "E_DELETE_TRANSFER",
        "row 3 (line 4): transfer_webinar: Must be true or false; the user is not removed.",
      ],
    ]);
    expect((await refuse({ transfer_email: "[Clear]" }))[0]?.[2]).toBe("E_CLEAR_NOT_ALLOWED");
    // false transfers need nobody to hand anything to
    expect(await refuse({ transfer_meeting: "false" })).toEqual([]);
  });
});

describe("new_email", () => {
  it("changes the email after every other change of the row, so they all reach the old login", async () => {
    const row = await plan({
      user: "old@example.com",
      new_email: " new@example.com ",
      job_title: "Moved",
      picture: "face.png",
      virtual_backgrounds: "bg/a.png",
    });
    expect(shape(row)).toEqual([
      ["profile", 0, ""],
      ["picture", 1, "face.png"],
      ["virtual_background", 2, "a.png"],
      ["email", 3, "new@example.com"],
    ]);
    expect(row.operations[3]).toEqual({
      ...base("old@example.com"),
      op: "email",
      index: 3,
      endpoint: "updateEmail",
      body: { email: "new@example.com" },
      target: "new@example.com",
    });
  });

  it("comes after a create and its updates", async () => {
    const row = await plan({
      user: "a@example.com",
      action: "create",
      new_email: "b@example.com",
      dept: "X",
    });
    expect(shape(row)).toEqual([
      ["create", 0, ""],
      ["profile", 1, ""],
      ["email", 2, "b@example.com"],
    ]);
  });

  it("refuses an email Zoom would refuse, or the user's own (in any case), and sends the rest", async () => {
    const refuse = async (new_email: unknown) => {
      const row = await plan({ user: "Old@Example.com", new_email, job_title: "T" });
      expect(shape(row)).toEqual([["profile", 0, ""]]);
      return row.invalid.map((i) => [i.op, i.index, i.target, i.code, i.message]);
    };
    expect(await refuse("old@example.COM")).toEqual([
      [
        "email",
        1,
        "old@example.COM",
        "E_NEW_EMAIL",
        'row 3 (line 4): new_email: "old@example.COM" is the user\'s current email (the user column); nothing would change.',
      ],
    ]);
    expect(await refuse("new@@example.com")).toEqual([
      [
        "email",
        1,
        "new@@example.com",
        "E_NEW_EMAIL",
        'row 3 (line 4): new_email: "new@@example.com": Must be an email address such as name@example.com.',
      ],
    ]);
    const long = `${"a".repeat(64)}@${"b".repeat(59)}.com`; // 128 characters
    expect(await refuse(long)).toEqual([
      [
        "email",
        1,
        long,
        "E_NEW_EMAIL",
        "row 3 (line 4): new_email: must be fewer than 128 characters, as Zoom requires (got 128).",
      ],
    ]);
    expect(await refuse(42)).toEqual([
      ["email", 1, "", "E_NEW_EMAIL", "row 3 (line 4): new_email: must be text (an email)."],
    ]);
    const fits = `${"a".repeat(64)}@${"b".repeat(58)}.com`; // 127
    expect(shape(await plan({ user: "u@example.com", new_email: fits }))).toEqual([["email", 0, fits]]);
  });
});

describe("virtual_backgrounds_mode", () => {
  it("replace: one clean-up before the uploads, keeping the listed files; every upload looks first", async () => {
    const row = await plan({
      user: "u@example.com",
      picture: "face.png",
      virtual_backgrounds: "bg/a.png; bg/b.png",
      virtual_backgrounds_mode: " Replace ",
      new_email: "v@example.com",
    });
    const who = base("u@example.com");
    expect(row.operations).toEqual([
      {
        ...who,
        op: "picture",
        index: 0,
        endpoint: "uploadPicture",
        file: png("face.png", 300),
        target: "face.png",
      },
      {
        ...who,
        op: "virtual_background",
        index: 1,
        endpoint: "deleteVirtualBackgrounds",
        target: "(unlisted)",
        keep: [
          { name: "a.png", size: 1000 },
          { name: "b.png", size: 2000 },
        ],
      },
      {
        ...who,
        op: "virtual_background",
        index: 2,
        endpoint: "uploadVirtualBackground",
        file: png("bg/a.png", 1000),
        target: "a.png",
        checkFirst: true,
      },
      {
        ...who,
        op: "virtual_background",
        index: 3,
        endpoint: "uploadVirtualBackground",
        file: png("bg/b.png", 2000),
        target: "b.png",
        checkFirst: true,
      },
      {
        ...who,
        op: "email",
        index: 4,
        endpoint: "updateEmail",
        body: { email: "v@example.com" },
        target: "v@example.com",
      },
    ]);
    expect(row.invalid).toEqual([]);
  });

  it("add (the default) makes no clean-up", async () => {
    for (const mode of [undefined, "add", " ADD "]) {
      const row = await plan({
        user: "u@example.com",
        virtual_backgrounds: "bg/a.png",
        virtual_backgrounds_mode: mode,
      });
      expect(shape(row)).toEqual([["virtual_background", 0, "a.png"]]);
    }
  });

  it("replace deletes nothing while a listed file cannot be uploaded; the good files still go", async () => {
    const row = await plan({
      user: "u@example.com",
      virtual_backgrounds: "bg/a.png;bg/missing.png",
      virtual_backgrounds_mode: "replace",
    });
    expect(shape(row)).toEqual([["virtual_background", 1, "a.png"]]);
    expect(row.invalid.map((i) => [i.index, i.target, i.code])).toEqual([
      [0, "(unlisted)", "E_BACKGROUNDS_REPLACE"],
      [2, "missing.png", "E_FILE_MISSING"],
    ]);
    expect(row.invalid[0]?.message).toBe(
      "row 3 (line 4): virtual_backgrounds_mode replace: the user's other backgrounds are not deleted, since missing.png cannot be uploaded (see its line); fix the listed files first.",
    );
  });

  it("refuses an unknown mode for the clean-up and every upload, and says so even without files", async () => {
    const row = await plan({
      user: "u@example.com",
      virtual_backgrounds: "bg/a.png",
      virtual_backgrounds_mode: "swap",
    });
    expect(row.operations).toEqual([]);
    const problem =
      'row 3 (line 4): virtual_backgrounds_mode: "swap" is not one of add, replace (an empty cell is add)';
    expect(row.invalid.map((i) => [i.index, i.target, i.code, i.message])).toEqual([
      [0, "(unlisted)", "E_BACKGROUNDS_MODE", `${problem}.`],
      [
        1,
        "a.png",
        "E_BACKGROUNDS_MODE",
        `${problem}; not uploaded either, since the row does not say whether to replace or add.`,
      ],
    ]);
    const alone = await plan({ user: "u@example.com", virtual_backgrounds_mode: "swap", job_title: "T" });
    expect(shape(alone)).toEqual([["profile", 0, ""]]);
    expect(refusals(alone)).toEqual([["virtual_background", 1, "E_BACKGROUNDS_MODE", `${problem}.`]]);
    // replace without files: an empty cell leaves the user's backgrounds alone
    expect(await plan({ user: "u@example.com", virtual_backgrounds_mode: "replace" })).toMatchObject({
      operations: [],
      invalid: [],
    });
  });
});

describe("[clear]", () => {
  it('sends "" for a clearable field, in any case and with spaces around it; an empty cell still means unchanged', async () => {
    const row = await plan({
      user: "u@example.com",
      job_title: "[clear]",
      manager: " [CLEAR] ",
      linkedin_url: "[Clear]",
      about_me: "[clear]",
      dept: "",
      company: "Acme",
    });
    expect(row.operations).toEqual([
      {
        ...base("u@example.com"),
        op: "profile",
        index: 0,
        endpoint: "updateUser",
        body: { job_title: "", manager: "", linkedin_url: "", about_me: "", company: "Acme" },
        target: "",
      },
    ]);
    // what the planner sends, the shared rules (and so the sandbox) accept
    expect(checkProfile(row.operations[0]?.body ?? {})).toEqual([]);
    expect(CLEARABLE_FIELDS).toEqual([
      "dept",
      "job_title",
      "company",
      "location",
      "phone_number",
      "phone_country",
      "manager",
      "pronouns",
      "about_me",
      "linkedin_url",
      "cost_center",
    ]);
  });

  it("is refused in any other field, with the list of the fields it works in", async () => {
    const row = await plan({ user: "u@example.com", first_name: "[clear]", pmi: "[clear]" });
    expect(refusals(row)).toEqual([
      [
        "profile",
        0,
        "E_CLEAR_NOT_ALLOWED",
        `row 3 (line 4): first_name: [clear] cannot empty this field; it empties only ${CLEAR_LIST}. Leave the cell empty to keep the value; pmi: [clear] cannot empty this field; it empties only ${CLEAR_LIST}. Leave the cell empty to keep the value.`,
      ],
    ]);
    // beside another kind of problem, the profile's usual code
    expect(refusals(await plan({ user: "u@example.com", timezone: "[clear]", host_key: "1" }))[0]?.[2]).toBe(
      "E_FIELD",
    );
    for (const [column, op] of [
      ["password", "password"],
      ["picture", "picture"],
      ["virtual_backgrounds", "virtual_background"],
      ["new_email", "email"],
    ] as const) {
      const other = await plan({ user: "u@example.com", [column]: "[clear]" });
      expect(other.operations).toEqual([]);
      expect(refusals(other)).toEqual([
        [
          op,
          0,
          "E_CLEAR_NOT_ALLOWED",
          `row 3 (line 4): ${column}: [clear] cannot empty this field; it empties only ${CLEAR_LIST}. Leave the cell empty to keep the value.`,
        ],
      ]);
    }
  });

  it("is refused in a create row's names, which POST /users takes", async () => {
    const row = await plan({
      user: "a@example.com",
      action: "create",
      last_name: "[clear]",
      job_title: "[clear]",
    });
    expect(refusals(row).map((r) => r.slice(0, 3))).toEqual([["create", 0, "E_CLEAR_NOT_ALLOWED"]]);
    expect(row.operations).toEqual([expect.objectContaining({ op: "profile", body: { job_title: "" } })]);
  });
});

describe("the action column", () => {
  it("refuses the whole row for an action it does not know, naming the value", async () => {
    for (const action of ["remove", 1, true]) {
      const row = await plan({ user: "u@example.com", action, job_title: "T" });
      expect(row).toEqual({
        ...base("u@example.com"),
        operations: [],
        invalid: [
          {
            ...base("u@example.com"),
            op: "row",
            index: 0,
            target: "",
            code: "E_ACTION",
            message: `row 3 (line 4): action: ${JSON.stringify(String(action))} is not one of update, create, activate, deactivate, delete, disassociate (an empty cell is update); nothing of the row is sent.`,
          },
        ],
      });
    }
  });

  it("treats empty and update alike", async () => {
    const update = await plan({ user: "u@example.com", action: "Update", job_title: "T" });
    expect(update).toEqual(await plan({ user: "u@example.com", action: "  ", job_title: "T" }));
    expect(update).toEqual(await plan({ user: "u@example.com", job_title: "T" }));
  });

  it("--only keeps each operation's index and plans only the kinds asked for", async () => {
    const only = (kinds: OpKind[]) => ({ only: new Set<OpKind>(kinds) });
    const fields = {
      user: "u@example.com",
      action: "deactivate",
      job_title: "T",
      new_email: "v@example.com",
    };
    expect(shape(await plan(fields, only(["status"])))).toEqual([["status", 2, "deactivate"]]);
    expect(shape(await plan(fields, only(["email", "profile"])))).toEqual([
      ["profile", 0, ""],
      ["email", 1, "v@example.com"],
    ]);
    const removal = await plan(
      { user: "u@example.com", action: "delete", job_title: "T" },
      only(["profile"]),
    );
    expect([shape(removal), refusals(removal).map((r) => r.slice(0, 3))]).toEqual([
      [],
      [["profile", 1, "E_ACTION_DELETE_FIELDS"]],
    ]);
  });
});
