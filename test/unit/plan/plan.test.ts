import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createPlanner, type PlanContext } from "../../../src/plan/index.js";
import { openManifest } from "../../../src/read/index.js";
import type { ManifestRecord, OpKind, PlannedRow } from "../../../src/types.js";
import { BACKGROUND_MAX_BYTES, PICTURE_MAX_BYTES } from "../../../src/zoom/rules.js";

const root = mkdtempSync(join(tmpdir(), "zb-plan-"));
const dir = join(root, "job"); // the manifest's folder
const assets = join(dir, "assets");
const outside = join(root, "elsewhere");
mkdirSync(assets, { recursive: true });
mkdirSync(outside);

const PNG = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52,
]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1]);
const GIF = Buffer.from("GIF89a\x01\x00\x01\x00\x00\x00\x00\x00\x00\x00", "latin1");
const MP4 = Buffer.from("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00", "latin1");
const MOV = Buffer.from("\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", "latin1");

/** A file of `size` bytes starting with `head`. */
function put(path: string, head: Buffer | string, size?: number): string {
  const bytes = Buffer.alloc(size ?? Buffer.byteLength(head));
  Buffer.from(head).copy(bytes);
  writeFileSync(path, bytes);
  return path;
}

put(join(dir, "face.png"), PNG, 1000);
put(join(dir, "face.jpg"), JPEG, 2000);
put(join(assets, "in.png"), PNG, 100);
put(join(dir, "anim.gif"), GIF, 500);
put(join(dir, "clip.mp4"), MP4, 5000);
put(join(dir, "clip.mov"), MOV, 5000);
put(join(dir, "empty.png"), "");
put(join(dir, "text.png"), "just some text, not an image");
put(join(dir, "big.png"), PNG, PICTURE_MAX_BYTES + 1);
put(join(dir, "max.png"), PNG, PICTURE_MAX_BYTES);
put(join(dir, "huge.mp4"), MP4, 16 * 1024 * 1024);
put(join(dir, "maxbg.jpg"), JPEG, BACKGROUND_MAX_BYTES);
put(join(outside, "secret.png"), PNG, 100);
mkdirSync(join(dir, "folder.png"));
symlinkSync(join(outside, "secret.png"), join(assets, "link.png"));
writeFileSync(join(dir, "pw.txt"), "Str0ngPassw0rd\n");
writeFileSync(join(dir, "weak.txt"), "abc");
let fifo: string | undefined;
try {
  execFileSync("mkfifo", [join(dir, "pipe.png")]);
  fifo = join(dir, "pipe.png");
} catch {
  // no mkfifo here: the FIFO test is skipped
}

const ctx: PlanContext = { manifestDir: dir, env: { ZB_PW: "Env0nlyPassw0rd", EMPTY: "" } };

function plan(fields: Record<string, unknown>, over: Partial<PlanContext> = {}): Promise<PlannedRow> {
  return createPlanner({ ...ctx, ...over })({ row: 3, line: 4, fields });
}

const file = (name: string, size: number, format: string, at = dir) => ({
  path: join(at, name),
  name,
  size,
  format,
});

/** The single invalid operation of a row, for short assertions. */
async function refusal(fields: Record<string, unknown>, over: Partial<PlanContext> = {}) {
  const row = await plan(fields, over);
  expect(row.operations).toEqual([]);
  expect(row.invalid).toHaveLength(1);
  const [only] = row.invalid;
  return { code: only?.code, message: only?.message, op: only?.op, target: only?.target };
}

describe("planner: rows and users", () => {
  it("plans every operation of a full row, in order, with indexes", async () => {
    const row = await plan({
      user: " a+b%c@x.com ",
      first_name: " Ann ",
      type: "2",
      use_pmi: "yes",
      custom_attributes: '[{"key":"k","name":"n","value":"v"}]',
      login_type: "100",
      remove_tsp_credentials: "false",
      password: "Str0ngPassw0rd",
      picture: "face.png",
      virtual_backgrounds: "face.jpg; anim.gif ;clip.mp4;clip.mov",
    });
    const base = { row: 3, line: 4, user: "a+b%c@x.com" };
    expect(row).toEqual({
      ...base,
      operations: [
        {
          ...base,
          op: "profile",
          index: 0,
          endpoint: "updateUser",
          body: {
            first_name: "Ann",
            type: 2,
            use_pmi: true,
            custom_attributes: [{ key: "k", name: "n", value: "v" }],
          },
          query: { login_type: "100", remove_tsp_credentials: "false" },
          target: "",
        },
        {
          ...base,
          op: "password",
          index: 1,
          endpoint: "updatePassword",
          body: { password: "Str0ngPassw0rd" },
          target: "",
        },
        {
          ...base,
          op: "picture",
          index: 2,
          endpoint: "uploadPicture",
          file: file("face.png", 1000, "png"),
          target: "face.png",
        },
        ...[
          file("face.jpg", 2000, "jpeg"),
          file("anim.gif", 500, "gif"),
          file("clip.mp4", 5000, "mp4"),
          file("clip.mov", 5000, "mov"),
        ].map((f, i) => ({
          ...base,
          op: "virtual_background",
          index: 3 + i,
          endpoint: "uploadVirtualBackground",
          file: f,
          target: f.name,
          checkFirst: true,
        })),
      ],
      invalid: [],
    });
  });

  it("turns an unreadable record into one `row` refusal carrying the reader's error", async () => {
    const record: ManifestRecord = {
      row: 7,
      line: 9,
      error: { code: "E_ROW_COLUMNS", message: "row 7 (line 9): has 3 cells." },
    };
    expect(await createPlanner(ctx)(record)).toEqual({
      row: 7,
      line: 9,
      user: "",
      operations: [],
      invalid: [
        {
          row: 7,
          line: 9,
          user: "",
          op: "row",
          index: 0,
          target: "",
          code: "E_ROW_COLUMNS",
          message: "row 7 (line 9): has 3 cells.",
        },
      ],
    });
  });

  it("refuses a missing, `me`, too long or spaced user for the whole row", async () => {
    expect(await plan({ first_name: "Ann" })).toEqual({
      row: 3,
      line: 4,
      user: "",
      operations: [],
      invalid: [
        {
          row: 3,
          line: 4,
          user: "",
          op: "row",
          index: 0,
          target: "",
          code: "E_USER_MISSING",
          message: "row 3 (line 4): user: missing; fill in the user's email or Zoom user ID.",
        },
      ],
    });
    expect(await refusal({ user: " ME ", first_name: "Ann" })).toEqual({
      code: "E_USER_ME",
      message: `row 3 (line 4): user: "me" means the app's own account and is refused; give the user's email or Zoom user ID.`,
      op: "row",
      target: "",
    });
    expect((await refusal({ user: "a b@x.com" })).code).toBe("E_USER_INVALID");
    expect((await refusal({ user: "a\u0007@x.com" })).code).toBe("E_USER_INVALID");
    expect((await refusal({ user: `${"a".repeat(123)}@x.com` })).code).toBe("E_USER_INVALID");
    expect((await refusal({ user: { id: 1 } })).code).toBe("E_USER_INVALID");
    expect(await plan({ user: "KDcuGIm1QgePTO8WbOqwIQ" })).toEqual({
      row: 3,
      line: 4,
      user: "KDcuGIm1QgePTO8WbOqwIQ",
      operations: [],
      invalid: [],
    });
  });

  it("--only drops other operations but keeps each operation's index", async () => {
    const row = await plan(
      { user: "u", first_name: "x".repeat(100), password: "weak", picture: "face.png" },
      { only: new Set<OpKind>(["picture"]) },
    );
    expect(row.invalid).toEqual([]);
    expect(row.operations.map((o) => [o.op, o.index])).toEqual([["picture", 2]]);
  });
});

describe("planner: profile", () => {
  const check = async (fields: Record<string, unknown>) => {
    const row = await plan({ user: "u", ...fields });
    return row.invalid.map((i) => [i.code, i.message]);
  };

  it("makes no profile operation from query options or blank values alone", async () => {
    expect((await plan({ user: "u", login_type: "100" })).operations).toEqual([]);
    expect(await plan({ user: "u", first_name: "   ", login_type: "5" })).toEqual({
      row: 3,
      line: 4,
      user: "u",
      operations: [],
      invalid: [],
    });
  });

  it("refuses each kind of field rule with the field named", async () => {
    expect(await check({ job_title: "x".repeat(140) })).toEqual([
      ["E_FIELD_JOB_TITLE", "row 3 (line 4): job_title: Must be at most 128 characters (got 140)."],
    ]);
    expect(await check({ host_key: "123" })).toEqual([
      ["E_FIELD_HOST_KEY", "row 3 (line 4): host_key: Must be at least 6 characters (got 3)."],
    ]);
    expect(await check({ type: "3" })).toEqual([
      ["E_FIELD_TYPE", "row 3 (line 4): type: Must be one of 1, 2, 4, 99."],
    ]);
    expect(await check({ type: "two" })).toEqual([
      ["E_FIELD_TYPE", "row 3 (line 4): type: Must be an integer."],
    ]);
    expect(await check({ pmi: "12345" })).toEqual([
      ["E_FIELD_PMI", "row 3 (line 4): pmi: Must have exactly 10 digits."],
    ]);
    expect(await check({ use_pmi: "maybe" })).toEqual([
      ["E_FIELD_USE_PMI", "row 3 (line 4): use_pmi: Must be true or false."],
    ]);
    expect(await check({ about_me: "see https://x.io" })).toEqual([
      ["E_FIELD_ABOUT_ME", "row 3 (line 4): about_me: Hyperlinks or HTML code are not allowed."],
    ]);
    expect(await check({ linkedin_url: "https://example.com/me" })).toEqual([
      ["E_FIELD_LINKEDIN_URL", "row 3 (line 4): linkedin_url: The URL must contain linkedin.com."],
    ]);
    expect(await check({ phone_numbers: '[{"label":"Cell","number":"1"}]' })).toEqual([
      [
        "E_FIELD_PHONE_NUMBERS",
        "row 3 (line 4): phone_numbers[0].label: Must be one of Mobile, Office, Home, Fax.",
      ],
    ]);
    expect(await check({ custom_attributes: JSON.stringify(Array(6).fill({ key: "k" })) })).toEqual([
      ["E_FIELD_CUSTOM_ATTRIBUTES", "row 3 (line 4): custom_attributes: At most 5 items are allowed."],
    ]);
    expect(await check({ feature: '{"zoom_phone":"yes"}' })).toEqual([
      ["E_FIELD_FEATURE", "row 3 (line 4): feature.zoom_phone: Must be true or false."],
    ]);
    expect(await check({ login_type: "5", first_name: "A" })).toEqual([
      [
        "E_FIELD_LOGIN_TYPE",
        "row 3 (line 4): login_type: Must be one of 0, 1, 11, 21, 23, 24, 27, 97, 98, 99, 100, 101.",
      ],
    ]);
  });

  it("refuses invalid JSON in a JSON-valued column and collects every problem of the row", async () => {
    expect(
      await check({ custom_attributes: "[{key:1}", first_name: "x".repeat(65), pronouns_option: "4" }),
    ).toEqual([
      [
        "E_FIELD",
        "row 3 (line 4): custom_attributes: Must be valid JSON; first_name: Must be at most 64 characters (got 65); pronouns_option: Must be one of 1, 2, 3.",
      ],
    ]);
  });

  it("checks JSON values as they are, and refuses numbers beyond 2^53 instead of rounding them", async () => {
    expect(await check({ type: 2, use_pmi: true, phone_numbers: [{ label: "Home", number: "5" }] })).toEqual(
      [],
    );
    expect(await check({ use_pmi: 1, first_name: 5 })).toEqual([
      ["E_FIELD", "row 3 (line 4): use_pmi: Must be true or false; first_name: Must be a string."],
    ]);
    const big = "The number is too large to be read exactly (more than 2^53); check it, or write it as text.";
    expect(await check({ pmi: Number("12345678901234567890") })).toEqual([
      ["E_FIELD_PMI", `row 3 (line 4): pmi: ${big}`],
    ]);
    expect(await check({ pmi: "12345678901234567890" })).toEqual([
      ["E_FIELD_PMI", `row 3 (line 4): pmi: ${big}`],
    ]);
    expect((await refusal({ user: 2 ** 64 })).code).toBe("E_USER_INVALID");
    expect((await plan({ user: 42 })).user).toBe("42");
  });
});

describe("planner: keys named like Object's members (issue 12)", () => {
  const check = async (fields: Record<string, unknown>) => {
    const row = await plan({ user: "u", ...fields });
    return row.invalid.map((i) => [i.code, i.message]);
  };

  it("refuses them at every depth as unknown fields, naming the field and row, never crashing", async () => {
    expect(await check({ custom_attributes: '[{"toString":"x"}]' })).toEqual([
      ["E_FIELD_CUSTOM_ATTRIBUTES", "row 3 (line 4): custom_attributes[0].toString: Unknown field."],
    ]);
    expect(await check({ feature: '{"__proto__":{}}' })).toEqual([
      ["E_FIELD_FEATURE", "row 3 (line 4): feature.__proto__: Unknown field."],
    ]);
    expect(await check({ phone_numbers: '[{"constructor":1}]' })).toEqual([
      ["E_FIELD_PHONE_NUMBERS", "row 3 (line 4): phone_numbers[0].constructor: Unknown field."],
    ]);
    for (const key of ["hasOwnProperty", "prototype", "valueOf", "__defineGetter__"])
      expect(await check({ custom_attributes: [{ key: "k", [key]: "v" }] })).toEqual([
        ["E_FIELD_CUSTOM_ATTRIBUTES", `row 3 (line 4): custom_attributes[0].${key}: Unknown field.`],
      ]);
    // JSON values (not text) the same way, and as top-level fields of a record
    expect(await check({ feature: JSON.parse('{"zoom_phone":true,"__proto__":{"x":1}}') })).toEqual([
      ["E_FIELD_FEATURE", "row 3 (line 4): feature.__proto__: Unknown field."],
    ]);
    const top = await plan(
      JSON.parse('{"user":"u","__proto__":"x","constructor":"y","toString":1}') as Record<string, unknown>,
    );
    expect(top).toEqual({ row: 3, line: 4, user: "u", operations: [], invalid: [] });
  });
});

describe("planner: time zones", () => {
  it("accepts IANA names and aliases, refuses the rest with a hint", async () => {
    const row = await plan({ user: "u", timezone: "Etc/GMT+5" });
    expect(row.operations.map((o) => o.body)).toEqual([{ timezone: "Etc/GMT+5" }]);
    const bad = await plan({ user: "u", timezone: "Eastern Time" });
    expect(bad.invalid.map((i) => [i.code, i.message])).toEqual([
      [
        "E_FIELD_TIMEZONE",
        "row 3 (line 4): timezone: Must be an IANA time zone ID such as America/New_York or UTC.",
      ],
    ]);
  });
});

describe("planner: password", () => {
  it("refuses a password Zoom would refuse, with Zoom's message and code but never the password", async () => {
    for (const [password, zoom] of [
      ["Sh0rt", "Have at least 8 characters. (Zoom would refuse it with code 1124"],
      [
        "alllowercase1",
        "Password must include both uppercase and lowercase characters. (Zoom would refuse it with code 1128",
      ],
      ["NoNumbersHere", "Password must contain at least 1 number. (Zoom would refuse it with code 1126"],
      ["Abcd1234xyzQ", "consecutive characters"],
    ] as const) {
      const { code, message, op } = await refusal({ user: "u", password });
      expect([code, op]).toEqual(["E_PASSWORD", "password"]);
      expect(message).toContain(zoom);
      expect(message).not.toContain(password);
    }
  });

  it("resolves env: and file: references, and refuses missing ones clearly", async () => {
    const ok = await plan({ user: "u", password: "env:ZB_PW" });
    expect(ok.operations.map((o) => o.body)).toEqual([{ password: "Env0nlyPassw0rd" }]);
    const fromFile = await plan({ user: "u", password: "file:pw.txt" });
    expect(fromFile.operations.map((o) => o.body)).toEqual([{ password: "Str0ngPassw0rd" }]);
    expect(await refusal({ user: "u", password: "env:NOPE" })).toEqual({
      code: "E_PASSWORD_REF",
      message:
        "row 3 (line 4): password: environment variable NOPE is not set or empty; set it or fix the env: reference.",
      op: "password",
      target: "",
    });
    expect((await refusal({ user: "u", password: "env:EMPTY" })).code).toBe("E_PASSWORD_REF");
    expect((await refusal({ user: "u", password: "file:nope.txt" })).message).toBe(
      `row 3 (line 4): password: password file ${join(dir, "nope.txt")} cannot be read (not found).`,
    );
    const weak = await refusal({ user: "u", password: "file:weak.txt" });
    expect([weak.code, weak.message?.includes("abc")]).toEqual(["E_PASSWORD", false]);
    expect((await refusal({ user: "u", password: "file:pw.txt" }, { assetsDir: assets })).code).toBe(
      "E_PASSWORD_REF",
    );
  });
});

describe("planner: picture", () => {
  const refused = async (picture: string, over: Partial<PlanContext> = {}) => {
    const { code, message, target } = await refusal({ user: "u", picture }, over);
    return { code, message, target };
  };

  it("accepts a PNG or JPEG judged by content, relative or absolute, up to 2 MB", async () => {
    const jpeg = await plan({ user: "u", picture: join(dir, "face.jpg") });
    expect(jpeg.operations.map((o) => o.file)).toEqual([file("face.jpg", 2000, "jpeg")]);
    const max = await plan({ user: "u", picture: "./max.png" });
    expect(max.operations.map((o) => o.file)).toEqual([file("max.png", PICTURE_MAX_BYTES, "png")]);
  });

  it("refuses missing, folder, empty, too large and wrongly typed files", async () => {
    expect(await refused("missing.png")).toEqual({
      code: "E_FILE_MISSING",
      message: `row 3 (line 4): picture: missing.png: file not found (looked for ${join(dir, "missing.png")}).`,
      target: "missing.png",
    });
    expect((await refused("folder.png")).code).toBe("E_FILE_NOT_REGULAR");
    expect(await refused("empty.png")).toEqual({
      code: "E_FILE_EMPTY",
      message: "row 3 (line 4): picture: empty.png: the file is empty (File is empty.).",
      target: "empty.png",
    });
    expect(await refused("big.png")).toEqual({
      code: "E_FILE_TOO_LARGE",
      message: `row 3 (line 4): picture: big.png: the file is ${PICTURE_MAX_BYTES + 1} bytes, more than the ${PICTURE_MAX_BYTES} Zoom accepts (File size cannot exceed 2M.).`,
      target: "big.png",
    });
    expect(await refused("text.png")).toEqual({
      code: "E_FILE_FORMAT",
      message:
        "row 3 (line 4): picture: text.png: the file's content is not a format Zoom accepts, whatever its name says (Only jpg/jpeg or png image file can be uploaded.).",
      target: "text.png",
    });
    expect((await refused("anim.gif")).message).toContain("the file's content is a GIF file");
  });

  it.skipIf(fifo === undefined)("refuses a FIFO without blocking on it", async () => {
    expect((await refused("pipe.png")).code).toBe("E_FILE_NOT_REGULAR");
  });

  it("keeps paths inside --assets-dir: ../, absolute paths and symlinks leaving it are refused", async () => {
    const inside = await plan({ user: "u", picture: "assets/in.png" }, { assetsDir: assets });
    expect(inside.operations.map((o) => o.file)).toEqual([file("in.png", 100, "png", assets)]);
    expect((await refused("assets/../face.png", { assetsDir: assets })).code).toBe("E_PATH_OUTSIDE_ASSETS");
    expect((await refused(join(outside, "secret.png"), { assetsDir: assets })).code).toBe(
      "E_PATH_OUTSIDE_ASSETS",
    );
    const link = await refused("assets/link.png", { assetsDir: assets });
    expect(link.code).toBe("E_PATH_OUTSIDE_ASSETS");
    expect(link.message).toContain("through a symlink");
    expect((await refused("assets/none.png", { assetsDir: assets })).code).toBe("E_FILE_MISSING");
  });
});

describe("planner: virtual backgrounds", () => {
  it("takes a JSON array, refuses files over 15 MB and an image-only format, and plans the rest", async () => {
    const row = await plan({ user: "u", virtual_backgrounds: ["maxbg.jpg", "huge.mp4", "text.png"] });
    expect(row.operations.map((o) => [o.index, o.file])).toEqual([
      [0, file("maxbg.jpg", BACKGROUND_MAX_BYTES, "jpeg")],
    ]);
    expect(row.invalid.map((i) => [i.op, i.index, i.target, i.code])).toEqual([
      ["virtual_background", 1, "huge.mp4", "E_FILE_TOO_LARGE"],
      ["virtual_background", 2, "text.png", "E_FILE_FORMAT"],
    ]);
    expect(row.invalid[0]?.message).toContain("(File size cannot exceed 15M.)");
  });

  it("plans the first ten files of a row and refuses the eleventh", async () => {
    const row = await plan({ user: "u", virtual_backgrounds: Array(11).fill("face.jpg").join(";") });
    expect(row.operations).toHaveLength(10);
    expect(row.invalid).toEqual([
      {
        row: 3,
        line: 4,
        user: "u",
        op: "virtual_background",
        index: 10,
        target: "face.jpg",
        code: "E_BACKGROUND_TOO_MANY",
        message:
          "row 3 (line 4): virtual_backgrounds: file 11 is one too many; a row may list at most 10 (A maximum of 10 files are allowed for a user.).",
      },
    ]);
  });

  it("refuses a non-text path in a JSON array", async () => {
    const row = await plan({ user: "u", virtual_backgrounds: [5, "face.jpg"] });
    expect(row.invalid.map((i) => [i.index, i.code, i.target])).toEqual([[0, "E_PATH_INVALID", ""]]);
    expect(row.operations.map((o) => o.index)).toEqual([1]);
  });
});

describe("reader + planner on arbitrary input", () => {
  it("never throws past a ManifestError and plans every record exactly once", async () => {
    const fuzzDir = mkdtempSync(join(tmpdir(), "zb-fuzz-"));
    const header = "user,first_name,type,password,picture,virtual_backgrounds,custom_attributes,feature\n";
    // JSON-valued cells with keys named like Object's members, at every depth (issue 12)
    const memberKey = fc.constantFrom(
      "__proto__",
      "constructor",
      "prototype",
      "hasOwnProperty",
      "toString",
      "key",
    );
    const jsonCell = fc
      .oneof(
        fc.dictionary(
          memberKey,
          fc.oneof(fc.string({ maxLength: 3 }), fc.dictionary(memberKey, fc.integer(), { maxKeys: 2 })),
          { maxKeys: 2 },
        ),
        fc.array(fc.dictionary(memberKey, fc.string({ maxLength: 3 }), { maxKeys: 2 }), { maxLength: 2 }),
      )
      .map((v) => `"${JSON.stringify(v).replaceAll('"', '""')}"`);
    const cell = fc.oneof(
      fc.constantFrom(
        "",
        "u@x.com",
        "me",
        '"',
        '""',
        ",",
        "\n",
        "\r\n",
        ";",
        "face.png",
        "2",
        "x".repeat(70),
        "\u0000",
        "é",
      ),
      fc.string({ maxLength: 8 }),
      jsonCell,
    );
    const csvText = fc
      .tuple(
        fc.array(fc.array(cell, { maxLength: 8 }), { maxLength: 20 }),
        fc.constantFrom("\n", "\r\n", "\r"),
      )
      .map(([rows, eol]) => header + rows.map((r) => r.join(",")).join(eol));
    const bytes = fc
      .uint8Array({ maxLength: 200 })
      .map((b) => Buffer.concat([Buffer.from(header), Buffer.from(b)]));
    const jsonRecord = fc.record({
      user: fc.constantFrom("u@x.com", "me", ""),
      custom_attributes: fc.array(fc.dictionary(memberKey, fc.jsonValue({ maxDepth: 1 })), { maxLength: 2 }),
      feature: fc.dictionary(memberKey, fc.jsonValue({ maxDepth: 1 })),
      phone_numbers: fc.array(fc.dictionary(memberKey, fc.string()), { maxLength: 2 }),
    });
    const jsonText = fc
      .array(fc.oneof(fc.jsonValue(), jsonRecord), { maxLength: 10 })
      .map((values) => JSON.stringify(values));
    let i = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(csvText, bytes, jsonText),
        fc.constantFrom(2, 3, 64 * 1024),
        async (content, chunkBytes) => {
          const ext = typeof content === "string" && content.startsWith("[") ? ".json" : ".csv";
          const path = join(fuzzDir, `f${i++}${ext}`);
          writeFileSync(path, content);
          let manifest;
          try {
            manifest = await openManifest(path, { chunkBytes });
          } catch (error) {
            expect((error as Error).name).toBe("ManifestError");
            return;
          }
          const planner = createPlanner({ manifestDir: dir });
          const rows: number[] = [];
          for await (const record of manifest.records()) {
            const planned = await planner(record);
            expect(planned.row).toBe(record.row);
            rows.push(planned.row);
          }
          expect(rows).toEqual(rows.map((_, k) => k + 1));
        },
      ),
      { numRuns: 300, interruptAfterTimeLimit: 20_000 },
    );
  }, 30_000);
});
