/**
 * The first hour with a real export (issue 11): semicolon- and tab-separated CSV, a workbook given
 * instead of a CSV, JSON mistakes located by line and column, and the record spans the retry and
 * invalid-rows files copy from.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, ManifestError } from "../../../src/errors.js";
import { openManifest, parseDelimiter, recordSpans, type ManifestOptions } from "../../../src/read/index.js";
import { locateJsonError } from "../../../src/read/json-errors.js";
import type { ManifestRecord } from "../../../src/types.js";

const dir = mkdtempSync(join(tmpdir(), "zb-formats-"));
let n = 0;
function file(ext: string, content: string | Buffer): string {
  const path = join(dir, `m${++n}${ext}`);
  writeFileSync(path, content);
  return path;
}

async function read(path: string, options: ManifestOptions = {}): Promise<ManifestRecord[]> {
  const records: ManifestRecord[] = [];
  for await (const record of (await openManifest(path, options)).records()) records.push(record);
  return records;
}

async function refusal(path: string, options: ManifestOptions = {}): Promise<Error> {
  const error: unknown = await openManifest(path, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe("CSV delimiters", () => {
  it("detects semicolons (European Excel) and tabs from the header line", async () => {
    const semi = file(".csv", 'email;first_name;job_title\r\na@x.com;Ann;"Lead; Support"\r\n');
    expect((await openManifest(semi)).delimiter).toBe(";");
    expect(await read(semi)).toEqual([
      { row: 1, line: 2, fields: { user: "a@x.com", first_name: "Ann", job_title: "Lead; Support" } },
    ]);
    const tab = file(".tsv", "\nuser\tdept\tjob_title\nb@x.com\tIT\tBoss, Big\n");
    expect((await openManifest(tab)).delimiter).toBe("\t");
    expect(await read(tab)).toEqual([
      { row: 1, line: 3, fields: { user: "b@x.com", dept: "IT", job_title: "Boss, Big" } },
    ]);
  });

  it("keeps commas when the header has them, even beside a quoted semicolon", async () => {
    const path = file(".csv", 'user,"job_title"\nu1,"a;b;c"\n');
    expect((await openManifest(path)).delimiter).toBe(",");
    expect(await read(path)).toEqual([{ row: 1, line: 2, fields: { user: "u1", job_title: "a;b;c" } }]);
    expect((await openManifest(file(".csv", "user\nu1\n"))).delimiter).toBe(",");
  });

  it("takes an explicit delimiter, names it in row messages, and refuses a bad one", async () => {
    const path = file(".csv", "user|dept\nu1|IT\nu2|IT|extra\n");
    const records = await read(path, { delimiter: "pipe" });
    expect(records[0]).toEqual({ row: 1, line: 2, fields: { user: "u1", dept: "IT" } });
    expect(records[1]?.error?.message).toBe(
      "row 2 (line 3): has 3 cells but the header has 2 columns; quote cells that contain pipes (|).",
    );
    const mixed = await refusal(file(".csv", "user;first,name\nu1;a,b\n"));
    expect(mixed.message).toMatch(
      /^Unknown column "user;first" \(header, line 1\)\. It holds ";": if that separates the columns, pass --delimiter ";"\. /,
    );
    const semi = await read(file(".csv", "user;dept\nu1;IT;x\n"));
    expect(semi[0]?.error?.message).toContain("quote cells that contain semicolons");
    expect(["tab", "\\t", "\t", "TAB", ";", "semicolon", ",", "comma", "|"].map(parseDelimiter)).toEqual([
      "\t",
      "\t",
      "\t",
      "\t",
      ";",
      ";",
      ",",
      ",",
      "|",
    ]);
    const bad = await refusal(path, { delimiter: "::" });
    expect(bad).toBeInstanceOf(ConfigError);
    expect(bad.message).toBe(
      '--delimiter: expected , ; | or tab (a tab character, \\t or the word tab), got "::".',
    );
    const json = await refusal(file(".json", '[{"user":"a"}]'), { delimiter: ";" });
    expect(json).toBeInstanceOf(ConfigError);
    expect(json.message).toContain("--delimiter applies to CSV manifests");
  });
});

describe("job mappings with headers named like Object's members", () => {
  it("map or ignore them when the mapping holds them as own keys or in a Map", async () => {
    const path = file(".csv", "Mail,__proto__,constructor\nu1,CTO,x\n");
    const fromJson = JSON.parse('{"Mail":"user","__proto__":"job_title","constructor":null}') as Record<
      string,
      string | null
    >;
    const expected = [{ row: 1, line: 2, fields: { user: "u1", job_title: "CTO" } }];
    expect(await read(path, { mapping: fromJson })).toEqual(expected);
    const asMap = new Map<string, string | null>([
      ["Mail", "user"],
      ["__proto__", "job_title"],
      ["constructor", null],
    ]);
    expect(await read(path, { mapping: asMap })).toEqual(expected);
    const unmapped = await refusal(file(".csv", "user,toString\nu1,x\n"));
    expect(unmapped.message).toMatch(/^Unknown column "toString" \(header, line 1\)/);
  });
});

describe("spreadsheets given as the manifest", () => {
  const hint = /is a spreadsheet workbook, not a CSV or JSON file; open it and save it as CSV UTF-8/;
  it("refuses .xlsx and .xls by name, and zip or OLE2 bytes under a CSV name, with the fix", async () => {
    for (const path of [
      file(".xlsx", "PK\u0003\u0004 not really a workbook"),
      file(".XLS", "anything"),
      file(".csv", Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0])),
      file(".csv", Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0])),
      file(".json", Buffer.from([0x50, 0x4b, 0x05, 0x06, 0, 0])),
    ]) {
      const error = await refusal(path);
      expect(error).toBeInstanceOf(ManifestError);
      expect((error as ManifestError).code).toBe("E_MANIFEST_SPREADSHEET");
      expect(error.message).toMatch(hint);
    }
  });
});

describe("JSON mistakes, located", () => {
  it("gives the line and column of a broken element inside an array, never quoting it", async () => {
    const text = '[\n  {"user": "a"},\n  {"user": "b",\n   "password": Secret12Zz}\n]\n';
    const records = await read(file(".json", text));
    expect(records[1]).toEqual({
      row: 2,
      line: 3,
      error: {
        code: "E_ROW_JSON",
        message:
          "row 2 (line 3): not valid JSON: unexpected text where a JSON value belongs (a text value without double quotes, a trailing comma or a stray character) (line 4, column 16).",
      },
    });
    expect(records[1]?.error?.message).not.toContain("Secret");
  });

  it("counts the element's own start column, and JSON Lines from column 1", async () => {
    const records = await read(file(".json", '[{"user":"a"}, {"user":"b",}]'));
    expect(records[1]?.error?.message).toBe(
      "row 2 (line 1): not valid JSON: expected a key in double quotes after the comma (a trailing comma?) (line 1, column 28).",
    );
    const lines = await read(file(".jsonl", '{"user":"a"}\n{"user" "b"}\n{"user":"é\u0001"}\n{"user":"x"'));
    expect(lines.map((r) => r.error?.message)).toEqual([
      undefined,
      "row 2 (line 2): not valid JSON: expected : after a key (line 2, column 9).",
      "row 3 (line 3): not valid JSON: a line break or control character inside a text value; write it as \\n or \\t (line 3, column 11).",
      "row 4 (line 4): not valid JSON: the record ends too early (a bracket, brace or quote is not closed) (line 4, column 12).",
    ]);
  });

  it("puts a line and column on broken array structure", async () => {
    expect((await refusal(file(".json", '[{"user":"a"}\n  {"user":"b"}]'))).message).toContain(
      "line 2, column 3: expected , or ] after the element before it",
    );
    expect((await refusal(file(".json", '[{"user":"a"}]\n\n   x'))).message).toContain(
      "line 3, column 4: text after the closing ] of the array",
    );
  });

  it("agrees with JSON.parse on what is valid, at any depth, without recursion", () => {
    for (const ok of ['{"a":[1,-2.5e3,true,false,null,"\\u00e9\\n"]}', "[]", "{}", ' "x" ', "0"])
      expect(locateJsonError(ok), ok).toBeUndefined();
    for (const bad of ["{", '{"a":1,}', "[1 2]", "01", '"\\x"', "tru", '{"a":1}}', ""])
      expect(locateJsonError(bad), bad).toBeDefined();
    expect(locateJsonError("[".repeat(1_000_000))?.problem).toMatch(/ends too early/);
  });
});

describe("record spans", () => {
  const spans = async (path: string, format: "csv" | "json" | "jsonl") => {
    const out = [];
    for await (const span of recordSpans(path, format)) out.push(span);
    return out;
  };

  it("give each CSV record its first and last line, multi-line cells and blank lines included", async () => {
    const path = file(".csv", 'user;about_me\r\n\r\nu1;"two\r\nlines"\r\nu2;"unclosed\nu3;x\n');
    expect(await spans(path, "csv")).toEqual([
      { row: 0, firstLine: 1, lastLine: 1 },
      { row: 1, firstLine: 3, lastLine: 4 },
      { row: 2, firstLine: 5, lastLine: 7 },
    ]);
  });

  it("give JSON array elements their text and JSON Lines their line", async () => {
    const json = file(".json", '[{"user":"a"},\n {"user":\n  "b"}, 7]');
    expect(await spans(json, "json")).toEqual([
      { row: 1, firstLine: 1, lastLine: 1, text: '{"user":"a"}' },
      { row: 2, firstLine: 2, lastLine: 2, text: '{"user":\n  "b"}' },
      { row: 3, firstLine: 3, lastLine: 3, text: "7" },
    ]);
    const jsonl = file(".jsonl", '{"user":"a"}\n\n{"user":"b"}\n');
    expect(await spans(jsonl, "jsonl")).toEqual([
      { row: 1, firstLine: 1, lastLine: 1 },
      { row: 2, firstLine: 3, lastLine: 3 },
    ]);
  });
});
