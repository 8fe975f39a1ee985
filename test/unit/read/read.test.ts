import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManifestError } from "../../../src/errors.js";
import {
  countRecords,
  MAX_RECORD_CHARS,
  openManifest,
  type ManifestOptions,
} from "../../../src/read/index.js";
import { CsvTokenizer } from "../../../src/read/csv.js";
import type { ManifestRecord } from "../../../src/types.js";

const dir = mkdtempSync(join(tmpdir(), "zb-read-"));
let n = 0;
function file(ext: string, content: string | Buffer): string {
  const path = join(dir, `m${++n}${ext}`);
  writeFileSync(path, content);
  return path;
}

async function read(path: string, options: ManifestOptions = {}): Promise<ManifestRecord[]> {
  const manifest = await openManifest(path, options);
  const records: ManifestRecord[] = [];
  for await (const record of manifest.records()) records.push(record);
  return records;
}

/** Reads with 64 KiB chunks and with 1-, 2- and 7-byte chunks: records split anywhere read the same. */
async function readAllWays(path: string, options: ManifestOptions = {}): Promise<ManifestRecord[]> {
  const whole = await read(path, options);
  for (const chunkBytes of [1, 2, 7]) expect(await read(path, { ...options, chunkBytes })).toEqual(whole);
  return whole;
}

async function manifestError(path: string, options: ManifestOptions = {}): Promise<ManifestError> {
  const error: unknown = await openManifest(path, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ManifestError);
  return error as ManifestError;
}

describe("CSV manifests", () => {
  it("reads a header and records, with the line each record starts on", async () => {
    const path = file(".csv", "user,first_name,job_title\na@x.com,Ann,\nb@x.com,,Boss\n");
    const manifest = await openManifest(path);
    expect(manifest.format).toBe("csv");
    expect(manifest.columns).toEqual(["user", "first_name", "job_title"]);
    expect(await readAllWays(path)).toEqual([
      { row: 1, line: 2, fields: { user: "a@x.com", first_name: "Ann" } },
      { row: 2, line: 3, fields: { user: "b@x.com", job_title: "Boss" } },
    ]);
  });

  it("drops a UTF-8 BOM, accepts CRLF, quoted commas and newlines, and counts lines in the source", async () => {
    const text =
      "\uFEFFemail,first_name,about_me\r\n" +
      'a@x.com,"Smith, Ann","two\r\nlines"\r\n' +
      "\r\n" +
      'b@x.com,Bob,"say ""hi"""\r\n' +
      'c@x.com,"three\nline\rcell",x\r\n' +
      "d@x.com,Dee,last"; // no final line break
    const path = file(".csv", text);
    expect(await readAllWays(path)).toEqual([
      { row: 1, line: 2, fields: { user: "a@x.com", first_name: "Smith, Ann", about_me: "two\r\nlines" } },
      { row: 2, line: 5, fields: { user: "b@x.com", first_name: "Bob", about_me: 'say "hi"' } },
      { row: 3, line: 6, fields: { user: "c@x.com", first_name: "three\nline\rcell", about_me: "x" } },
      { row: 4, line: 9, fields: { user: "d@x.com", first_name: "Dee", about_me: "last" } },
    ]);
  });

  it("keeps `;`-separated backgrounds as one cell for the planner, and leaves empty cells out", async () => {
    const path = file(".csv", "user,picture,virtual_backgrounds,first_name\nu1,,a.png; b.jpg ,  \n");
    expect(await read(path)).toEqual([
      { row: 1, line: 2, fields: { user: "u1", virtual_backgrounds: "a.png; b.jpg " } },
    ]);
  });

  it("accepts the user aliases and matches header names trimmed and case-insensitively", async () => {
    for (const alias of ["user", "email", "user_id", "userId", "id", " Email ", "USERID"]) {
      const path = file(".csv", `${alias},First_Name\nu1,Ann\n`);
      const manifest = await openManifest(path);
      expect(manifest.columns).toEqual(["user", "first_name"]);
      expect(await read(path)).toEqual([{ row: 1, line: 2, fields: { user: "u1", first_name: "Ann" } }]);
    }
  });

  it("applies a job mapping: a column mapped to a canonical name, another ignored", async () => {
    const path = file(".csv", "Work Email,Title,Notes\nu1,CTO,ignore me\n");
    const mapping = { "work email": "email", Title: "job_title", Notes: null };
    const manifest = await openManifest(path, { mapping });
    expect(manifest.columns).toEqual(["user", "job_title"]);
    expect(await read(path, { mapping })).toEqual([
      { row: 1, line: 2, fields: { user: "u1", job_title: "CTO" } },
    ]);
    const bad = await manifestError(path, { mapping: { Title: "jobtitle" } });
    expect(bad.code).toBe("E_MAPPING_TARGET");
  });

  it("stops on an unknown column, naming it and suggesting the closest known one", async () => {
    const error = await manifestError(file(".csv", "user,frist_name\nu1,Ann\n"));
    expect(error.code).toBe("E_MANIFEST_UNKNOWN_COLUMN");
    expect(error.message).toMatch(
      /^Unknown column "frist_name" \(header, line 1\)\. Did you mean "first_name"\? Known columns: user, first_name, /,
    );
    expect(error.message).toContain("map or ignore it in the job's mapping");
  });

  it("stops on a duplicate column, two user columns, no user column, and an unnamed column", async () => {
    expect((await manifestError(file(".csv", "user,dept,Dept\n"))).code).toBe("E_MANIFEST_DUPLICATE_COLUMN");
    const twoUsers = await manifestError(file(".csv", "email,user_id,dept\n"));
    expect(twoUsers.code).toBe("E_MANIFEST_DUPLICATE_USER");
    expect(twoUsers.message).toBe(
      'Columns "email" and "user_id" both name the user (header, line 1); keep one of them.',
    );
    const noUser = await manifestError(file(".csv", "first_name,dept\nAnn,IT\n"));
    expect(noUser.code).toBe("E_MANIFEST_NO_USER");
    expect(noUser.message).toContain("add one named user (or email, user_id, userId, id)");
    expect((await manifestError(file(".csv", "user,dept,\n"))).code).toBe("E_MANIFEST_HEADER");
  });

  it("stops on an empty file; a header alone is a manifest with no records", async () => {
    expect((await manifestError(file(".csv", ""))).code).toBe("E_MANIFEST_EMPTY");
    expect((await manifestError(file(".csv", "\uFEFF\r\n  \n"))).code).toBe("E_MANIFEST_EMPTY");
    expect(await read(file(".csv", "user,dept\r\n"))).toEqual([]);
    expect(await countRecords(file(".csv", "user\nu1\nu2\n"))).toBe(2);
  });

  it("stops on UTF-16 with a fix, a missing file and an unknown extension", async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("user\r\nu1\r\n", "utf16le")]);
    const error = await manifestError(file(".csv", utf16));
    expect(error.code).toBe("E_MANIFEST_ENCODING");
    expect(error.message).toContain("re-save it as UTF-8");
    expect((await manifestError(file(".csv", Buffer.from("user\r\n", "utf16le")))).code).toBe(
      "E_MANIFEST_ENCODING",
    );
    expect((await manifestError(join(dir, "missing.csv"))).code).toBe("E_MANIFEST_OPEN");
    expect((await manifestError(file(".xml", "user\n"))).code).toBe("E_MANIFEST_FORMAT");
  });

  it("makes a ragged row unreadable and reads on", async () => {
    const path = file(".csv", "user,dept\nu1,IT\nu2,Sales,extra\nu3\nu4,HR\n");
    expect(await readAllWays(path)).toEqual([
      { row: 1, line: 2, fields: { user: "u1", dept: "IT" } },
      {
        row: 2,
        line: 3,
        error: {
          code: "E_ROW_COLUMNS",
          message:
            "row 2 (line 3): has 3 cells but the header has 2 columns; quote cells that contain commas.",
        },
      },
      {
        row: 3,
        line: 4,
        error: {
          code: "E_ROW_COLUMNS",
          message:
            "row 3 (line 4): has 1 cells but the header has 2 columns; quote cells that contain commas.",
        },
      },
      { row: 4, line: 5, fields: { user: "u4", dept: "HR" } },
    ]);
  });

  it("makes text after a closing quote unreadable and resumes at the next line", async () => {
    const path = file(".csv", 'user,dept\nu1,"IT"x\nu2,HR\n');
    expect(await readAllWays(path)).toEqual([
      {
        row: 1,
        line: 2,
        error: {
          code: "E_ROW_QUOTE",
          message:
            'row 1 (line 2): column 2 has text after its closing quote; a quote inside a quoted cell must be doubled ("").',
        },
      },
      { row: 2, line: 3, fields: { user: "u2", dept: "HR" } },
    ]);
  });

  it("reports an unclosed quote as one unreadable record running to the end", async () => {
    const path = file(".csv", 'user,dept\nu1,IT\nu2,"HR\nu3,Ops\n');
    expect(await readAllWays(path)).toEqual([
      { row: 1, line: 2, fields: { user: "u1", dept: "IT" } },
      {
        row: 2,
        line: 3,
        error: {
          code: "E_ROW_QUOTE",
          message:
            "row 2 (line 3): the quote opened on line 3 is never closed, so the rest of the file could not be read; close or double the quote.",
        },
      },
    ]);
  });

  it("makes a record with invalid UTF-8 or a NUL unreadable", async () => {
    const path = file(
      ".csv",
      Buffer.concat([
        Buffer.from("user,dept\nu1,caf"),
        Buffer.from([0xe9]),
        Buffer.from("\nu2,a\0b\nu3,ok\n"),
      ]),
    );
    const records = await readAllWays(path);
    expect(records.map((r) => r.error?.code ?? r.fields)).toEqual([
      "E_ROW_ENCODING",
      "E_ROW_ENCODING",
      { user: "u3", dept: "ok" },
    ]);
    expect(records[0]?.error?.message).toBe(
      "row 1 (line 2): column 2 holds bytes that are not valid UTF-8; re-save the file as UTF-8.",
    );
  });

  it("refuses a 10 MB cell as one unreadable record without holding it, and reads on", async () => {
    const big = "x".repeat(10 * 1024 * 1024);
    const path = file(".csv", `user,about_me\nu1,${big}\nu2,"${big}"\nu3,fine\n`);
    const records = await read(path);
    expect(records).toEqual([
      {
        row: 1,
        line: 2,
        error: {
          code: "E_ROW_TOO_LARGE",
          message: `row 1 (line 2): the record is larger than ${MAX_RECORD_CHARS} characters; check for an unclosed quote or a runaway cell.`,
        },
      },
      expect.objectContaining({
        row: 2,
        line: 3,
        error: expect.objectContaining({ code: "E_ROW_TOO_LARGE" }),
      }),
      { row: 3, line: 4, fields: { user: "u3", about_me: "fine" } },
    ]);
  });

  it("tokenizes with a small record cap exactly as with chunked input", () => {
    const tokenizer = new CsvTokenizer(10);
    const out: unknown[] = [];
    tokenizer.write("a,b\n0123456789abc,d\ne,f", out as never);
    tokenizer.end(out as never);
    expect(out).toEqual([
      { line: 1, endLine: 1, cells: ["a", "b"] },
      { line: 2, endLine: 2, problem: expect.objectContaining({ code: "E_ROW_TOO_LARGE" }) },
      { line: 3, endLine: 3, cells: ["e", "f"] },
    ]);
  });
});

describe("JSON manifests", () => {
  it("streams an array's elements, split across chunks, with their starting lines", async () => {
    const text = `[
  {"user": "a@x.com", "first_name": "A \\"quoted\\" [name] {x}", "type": 2},
  {
    "email": "b@x.com",
    "virtual_backgrounds": ["a.png", "b.png"],
    "custom_attributes": [{"key": "k", "name": "n", "value": "v"}],
    "use_pmi": false,
    "dept": null,
    "company": ""
  }
]
`;
    const path = file(".json", text);
    const manifest = await openManifest(path);
    expect(manifest.format).toBe("json");
    expect(manifest.columns).toEqual([
      "user",
      "first_name",
      "type",
      "virtual_backgrounds",
      "custom_attributes",
      "use_pmi",
      "dept",
      "company",
    ]);
    expect(await readAllWays(path)).toEqual([
      { row: 1, line: 2, fields: { user: "a@x.com", first_name: 'A "quoted" [name] {x}', type: 2 } },
      {
        row: 2,
        line: 3,
        fields: {
          user: "b@x.com",
          virtual_backgrounds: ["a.png", "b.png"],
          custom_attributes: [{ key: "k", name: "n", value: "v" }],
          use_pmi: false,
        },
      },
    ]);
  });

  it("makes a non-object or broken element unreadable and reads on", async () => {
    const path = file(".json", '[{"user":"a"}, 42, "text", null, [1], {"user": tru}, {"user":"b"}]');
    const records = await readAllWays(path);
    expect(records.map((r) => r.error?.code ?? r.fields)).toEqual([
      { user: "a" },
      "E_ROW_NOT_OBJECT",
      "E_ROW_NOT_OBJECT",
      "E_ROW_NOT_OBJECT",
      "E_ROW_NOT_OBJECT",
      "E_ROW_JSON",
      { user: "b" },
    ]);
    expect(records[1]?.error?.message).toBe("row 2 (line 1): expected a JSON object, got a number.");
    expect(records[3]?.error?.message).toBe("row 4 (line 1): expected a JSON object, got null.");
  });

  it("keeps numbers beyond 2^53 as read; the planner refuses them (see plan tests)", async () => {
    const path = file(".json", '[{"user":"a","pmi":12345678901234567890}]');
    expect(await read(path)).toEqual([
      { row: 1, line: 1, fields: { user: "a", pmi: Number("12345678901234567890") } },
    ]);
  });

  it("stops when the top level is not an array, not closed, or has junk between elements", async () => {
    const notArray = await manifestError(file(".json", '{"user":"a"}\n{"user":"b"}\n'));
    expect(notArray.code).toBe("E_MANIFEST_JSON");
    expect(notArray.message).toContain("name the file .jsonl");
    expect((await manifestError(file(".json", '[{"user":"a"},\n{"user":"b"'))).message).toContain(
      "the element that starts on line 2, column 1 never ends",
    );
    expect((await manifestError(file(".json", '[{"user":"a"} {"user":"b"}]'))).message).toContain(
      "missing comma",
    );
    expect((await manifestError(file(".json", '[{"user":"a"}] x'))).code).toBe("E_MANIFEST_JSON");
    expect((await manifestError(file(".json", "   "))).code).toBe("E_MANIFEST_EMPTY");
    expect(await read(file(".json", "[]"))).toEqual([]);
  });

  it("stops on an unknown key, two user keys in one object, and no user key at all", async () => {
    const unknown = await manifestError(file(".json", '[{"user":"a"},\n{"user":"b","titel":"x"}]'));
    expect(unknown.code).toBe("E_MANIFEST_UNKNOWN_COLUMN");
    expect(unknown.message).toMatch(/^Unknown column "titel" \(line 2\)\./);
    expect((await manifestError(file(".json", '[{"user":"a","email":"b"}]'))).code).toBe(
      "E_MANIFEST_DUPLICATE_USER",
    );
    expect((await manifestError(file(".json", '[{"dept":"a"}]'))).code).toBe("E_MANIFEST_NO_USER");
  });
});

describe("JSON Lines manifests", () => {
  it("reads one object per line, skips blank lines, and makes a bad line unreadable", async () => {
    const path = file(
      ".jsonl",
      '{"user":"a","type":1}\r\n\r\n{"user":\n{"user":"b","pronouns_option":2}\n[1]\n',
    );
    const manifest = await openManifest(path);
    expect(manifest.format).toBe("jsonl");
    const records = await readAllWays(path);
    expect(records).toEqual([
      { row: 1, line: 1, fields: { user: "a", type: 1 } },
      {
        row: 2,
        line: 3,
        error: { code: "E_ROW_JSON", message: expect.stringMatching(/^row 2 \(line 3\): not valid JSON/) },
      },
      { row: 3, line: 4, fields: { user: "b", pronouns_option: 2 } },
      {
        row: 4,
        line: 5,
        error: { code: "E_ROW_NOT_OBJECT", message: "row 4 (line 5): expected a JSON object, got an array." },
      },
    ]);
    expect((await openManifest(file(".ndjson", '{"user":"a"}'))).format).toBe("jsonl");
  });

  it("stops on an unknown key found by the pre-pass", async () => {
    const error = await manifestError(
      file(".jsonl", '{"user":"a"}\n{"user":"b"}\n{"user":"c","colour":"red"}\n'),
    );
    expect(error.message).toMatch(/^Unknown column "colour" \(line 3\)\./);
  });
});
