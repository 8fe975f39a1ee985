/**
 * The bad-input corpus (issue 6): every way a manifest from an HR system, a spreadsheet or a script
 * can be broken or hostile, each with the exact outcome it must get, run through the real CLI
 * in-process against one sandbox. A case either
 *  - stops the run before anything is sent: exit 2, a message that says what to fix, and an empty
 *    sandbox API log; or
 *  - becomes `invalid` results naming the row, line and field, while the rest of the manifest runs
 *    (a valid row beside the bad one gets its `ok` and its request), and the sandbox log holds a
 *    request for exactly the operations that were sent.
 * No case may crash, print a stack trace or hang. Small manifests live in fixtures/bad (listed in
 * fixtures/bad/README.md); big or special files (10 MB cell, million columns, 16 MB background,
 * FIFO, symlinks) are made here in a temporary folder.
 *
 * The second part feeds random bytes and random CSV/JSON structures through the whole `runBatch`.
 */
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { ManifestError } from "../../src/errors.js";
import { unescapeCell } from "../../src/report/results.js";
import { runBatch } from "../../src/run/index.js";
import { demoUsers, startSandbox, type Sandbox, sandboxTarget } from "../../src/sandbox/index.js";
import type { PlannedRow, ResultLine } from "../../src/types.js";
import { readResults, sortResults } from ".././helpers/results.js";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures", "bad");
const MB = 1024 * 1024;
const PNG_HEAD = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const OK_PNG = readFileSync(join(FIXTURES, "assets", "ok.png"));
/** A user the sandbox holds, for the email with `+` and `%`. */
const PLUS_PERCENT = "first+last%2541@example.com";

/** One expected result line: row, line, op, outcome, zoom_code, and a part of the message. */
type Expected = [number, number, ResultLine["op"], ResultLine["outcome"], number | string, string];

/** The row every CSV fixture carries beside its bad ones: it must still be sent and succeed. */
const okProfile = (row: number, line = row + 1): Expected => [row, line, "profile", "ok", "", ""];

interface Case {
  name: string;
  /** A manifest in fixtures/bad, copied into the case's folder (with fixtures/bad/assets). */
  fixture?: string;
  /** Or the name of the manifest `setup` writes into the case's folder. */
  manifest?: string;
  /** Makes generated files; `dir` is the case's folder (it already holds assets/). */
  setup?: (dir: string) => void;
  /** Extra flags; `{dir}` is replaced with the case's folder. */
  args?: string[];
  skip?: boolean;
  expect:
    | { exit: 2; stderr: RegExp }
    | {
        exit: 0 | 1;
        results: Expected[];
        /** Checks on the raw results file (formula escaping). */
        raw?: RegExp[];
        /** Request paths the sandbox must have seen, as sent (encoded). */
        paths?: string[];
        /** Text that must appear nowhere: results, summary, log, stdout, stderr (a secret). */
        absent?: string[];
      };
}

const mkfifo = (path: string): void => {
  execFileSync("mkfifo", [path]);
};
const canFifo = process.platform !== "win32";

/** A file of `size` bytes that starts like a PNG. */
const pngOfSize = (path: string, size: number): void => {
  const bytes = Buffer.alloc(size);
  PNG_HEAD.copy(bytes);
  writeFileSync(path, bytes);
};

const stop = (stderr: RegExp): Case["expect"] => ({ exit: 2, stderr });

export const CASES: Case[] = [
  // ---- the manifest as a whole: exit 2, nothing sent
  { name: "an empty file", fixture: "empty.csv", expect: stop(/empty\.csv is empty; it needs a header row/) },
  { name: "only blank lines", fixture: "blank-lines.csv", expect: stop(/is empty; it needs a header row/) },
  {
    name: "only a byte order mark",
    fixture: "bom-only.csv",
    expect: stop(/is empty; it needs a header row/),
  },
  {
    name: "a duplicate header",
    fixture: "duplicate-header.csv",
    expect: stop(/Column "Job_Title" appears twice \(header, line 1, as "job_title" and "Job_Title"\)/),
  },
  {
    name: "two columns for the user",
    fixture: "two-user-columns.csv",
    expect: stop(/Columns "email" and "user" both name the user .*keep one of them/),
  },
  {
    name: "no user column",
    fixture: "no-user-column.csv",
    expect: stop(/has no user column; add one named user \(or email, user_id, userId, id\)/),
  },
  {
    name: "an unknown column",
    fixture: "unknown-column.csv",
    expect: stop(/Unknown column "job_titel" \(header, line 1\)\. Did you mean "job_title"\?/),
  },
  {
    name: "an unnamed column (trailing comma)",
    fixture: "unnamed-column.csv",
    expect: stop(/Column 3 of the header \(line 1\) has no name/),
  },
  {
    name: "an unclosed quote in the header",
    fixture: "header-unclosed-quote.csv",
    expect: stop(/header row \(line 1\) .* cannot be read: the quote opened on line 1 is never closed/),
  },
  {
    name: "UTF-16 LE with a byte order mark",
    fixture: "utf16le-bom.csv",
    expect: stop(/is not UTF-8 \(it looks like UTF-16 or a binary file\); re-save it as UTF-8/),
  },
  {
    name: "UTF-16 BE with a byte order mark",
    fixture: "utf16be-bom.csv",
    expect: stop(/is not UTF-8 \(it looks like UTF-16/),
  },
  {
    name: "UTF-16 without a byte order mark",
    fixture: "utf16le-no-bom.csv",
    expect: stop(/is not UTF-8 \(it looks like UTF-16/),
  },
  {
    name: "a binary file named .csv",
    manifest: "picture.csv",
    setup: (dir) => writeFileSync(join(dir, "picture.csv"), OK_PNG),
    expect: stop(
      /header row \(line 1\) of .*picture\.csv cannot be read: .*not valid UTF-8; re-save the file as UTF-8/,
    ),
  },
  {
    name: "an Excel workbook",
    fixture: "manifest.xlsx",
    expect: stop(
      /manifest\.xlsx is a spreadsheet workbook, not a CSV or JSON file; open it and save it as CSV UTF-8/,
    ),
  },
  {
    name: "a workbook renamed to .csv (zip bytes)",
    manifest: "export.csv",
    setup: (dir) =>
      writeFileSync(
        join(dir, "export.csv"),
        Buffer.from("PK\u0003\u0004\u0014\u0000\u0006\u0000xl/workbook.xml"),
      ),
    expect: stop(/export\.csv is a spreadsheet workbook.*save it as CSV UTF-8/),
  },
  {
    name: "an unknown extension",
    manifest: "manifest.xml",
    setup: (dir) => writeFileSync(join(dir, "manifest.xml"), "<users/>"),
    expect: stop(/Cannot tell the format of manifest .*manifest\.xml.*name it \.csv, \.json/),
  },
  {
    name: "a top-level column named __proto__",
    manifest: "m.csv",
    setup: (dir) => writeFileSync(join(dir, "m.csv"), "user,__proto__\nuser1@example.com,x\n"),
    expect: stop(/Unknown column "__proto__" \(header, line 1\)\./),
  },
  {
    name: "a top-level column named prototype beside known ones",
    manifest: "m.csv",
    setup: (dir) => writeFileSync(join(dir, "m.csv"), "user,job_title,prototype\nuser1@example.com,x,y\n"),
    expect: stop(/Unknown column "prototype" \(header, line 1\)\./),
  },
  {
    name: "top-level JSON keys named constructor and hasOwnProperty",
    manifest: "m.jsonl",
    setup: (dir) =>
      writeFileSync(
        join(dir, "m.jsonl"),
        '{"user":"user1@example.com","job_title":"Corpus OK"}\n{"user":"user2@example.com","constructor":"x","hasOwnProperty":1}\n',
      ),
    expect: stop(/Unknown column "constructor" \(line 2\)\./),
  },
  {
    name: "a top-level JSON key __proto__ (an own key after JSON.parse)",
    manifest: "m.json",
    setup: (dir) =>
      writeFileSync(join(dir, "m.json"), '[{"user":"user1@example.com","__proto__":{"job_title":"x"}}]'),
    expect: stop(/Unknown column "__proto__" \(line 1\)\./),
  },
  {
    name: "a manifest that does not exist",
    manifest: "missing.csv",
    expect: stop(/Cannot read manifest .*missing\.csv \(ENOENT\); check the path/),
  },
  {
    name: "a folder as the manifest",
    manifest: "folder.csv",
    setup: (dir) => mkdirSync(join(dir, "folder.csv")),
    expect: stop(/folder\.csv is not a regular file/),
  },
  {
    name: "a FIFO as the manifest (must not hang)",
    manifest: "fifo.csv",
    skip: !canFifo,
    setup: (dir) => mkfifo(join(dir, "fifo.csv")),
    expect: stop(/fifo\.csv is not a regular file/),
  },
  {
    name: "a million-column header",
    manifest: "wide-header.csv",
    setup: (dir) =>
      writeFileSync(join(dir, "wide-header.csv"), "user" + ",job_title".repeat(1_000_000) + "\nu@x.com\n"),
    expect: stop(/header row \(line 1\) .* cannot be read: the record is larger than 1048576 characters/),
  },
  {
    name: "JSON that is an object, not an array",
    fixture: "not-an-array.json",
    expect: stop(/starts with an object, not an array; wrap the records in \[ \] or.* name the file \.jsonl/),
  },
  {
    name: "JSON that is a string",
    fixture: "scalar.json",
    expect: stop(/must hold a JSON array of objects \(it starts with """\)/),
  },
  {
    name: "a JSON array never closed",
    fixture: "array-not-closed.json",
    expect: stop(
      /the array is never closed with \] \(the element that starts on line 3, column 1 never ends\)/,
    ),
  },
  {
    name: "text after a JSON array",
    fixture: "junk-after-array.json",
    expect: stop(/line 2, column 1: text after the closing \] of the array/),
  },
  {
    name: "a missing comma between JSON elements",
    fixture: "missing-comma.json",
    expect: stop(/line 2, column 1: expected , or \] .* check for a missing comma/),
  },
  {
    name: "an unknown key on a later JSON line",
    fixture: "unknown-key.jsonl",
    expect: stop(/Unknown column "jobtitle" \(line 2\)\. Did you mean "job_title"\?/),
  },
  {
    name: "no record with a user key",
    fixture: "no-user-key.json",
    expect: stop(/No record of .* has a user key; add "user"/),
  },
  {
    name: "two user keys in one JSON record",
    fixture: "two-user-keys.jsonl",
    expect: stop(/Columns "user" and "email" both name the user \(line 2\)/),
  },

  // ---- a header and nothing else: a manifest with nothing to do (exit 0, no result, no request)
  { name: "a header only", fixture: "header-only.csv", expect: { exit: 0, results: [] } },

  // ---- records that cannot be read: one `row` result each, the rest runs
  {
    name: "an unclosed quote (swallows the rest of the file)",
    fixture: "unclosed-quote.csv",
    expect: {
      exit: 1,
      results: [
        okProfile(1),
        [2, 3, "row", "invalid", "E_ROW_QUOTE", "the quote opened on line 3 is never closed"],
      ],
    },
  },
  {
    name: "text after a closing quote",
    fixture: "text-after-quote.csv",
    expect: {
      exit: 1,
      results: [
        [1, 2, "row", "invalid", "E_ROW_QUOTE", "column 2 has text after its closing quote"],
        okProfile(2),
      ],
    },
  },
  {
    name: "a ragged row with too few cells",
    fixture: "ragged-short.csv",
    expect: {
      exit: 1,
      results: [
        [1, 2, "row", "invalid", "E_ROW_COLUMNS", "has 2 cells but the header has 3 columns"],
        okProfile(2),
      ],
    },
  },
  {
    name: "a ragged row with an unquoted comma",
    fixture: "ragged-long.csv",
    expect: {
      exit: 1,
      results: [
        [1, 2, "row", "invalid", "E_ROW_COLUMNS", "has 3 cells but the header has 2 columns"],
        okProfile(2),
      ],
    },
  },
  {
    name: "a Latin-1 cell",
    fixture: "latin1.csv",
    expect: {
      exit: 1,
      results: [
        [1, 2, "row", "invalid", "E_ROW_ENCODING", "column 2 holds bytes that are not valid UTF-8"],
        okProfile(2),
      ],
    },
  },
  {
    name: "a NUL byte in a cell",
    fixture: "nul-byte.csv",
    expect: {
      exit: 1,
      results: [[1, 2, "row", "invalid", "E_ROW_ENCODING", "column 2 holds a NUL character"], okProfile(2)],
    },
  },
  {
    name: "a 10 MB cell",
    manifest: "huge-cell.csv",
    setup: (dir) =>
      writeFileSync(
        join(dir, "huge-cell.csv"),
        `user,job_title\nuser2@example.com,${"x".repeat(10 * MB)}\nuser1@example.com,Corpus OK\n`,
      ),
    expect: {
      exit: 1,
      results: [
        [1, 2, "row", "invalid", "E_ROW_TOO_LARGE", "the record is larger than 1048576 characters"],
        okProfile(2),
      ],
    },
  },
  {
    name: "a 10 MB JSON line",
    manifest: "huge-line.jsonl",
    setup: (dir) =>
      writeFileSync(
        join(dir, "huge-line.jsonl"),
        `{"user":"user2@example.com","job_title":"${"x".repeat(10 * MB)}"}\n{"user":"user1@example.com","job_title":"Corpus OK"}\n`,
      ),
    expect: {
      exit: 1,
      results: [
        [1, 1, "row", "invalid", "E_ROW_TOO_LARGE", "the record is larger than 1048576 characters"],
        okProfile(2, 2),
      ],
    },
  },
  {
    name: "a million-column line",
    manifest: "wide-row.csv",
    setup: (dir) =>
      writeFileSync(
        join(dir, "wide-row.csv"),
        `user,job_title\nuser2@example.com${",".repeat(1_000_000)}\nuser1@example.com,Corpus OK\n`,
      ),
    expect: {
      exit: 1,
      results: [
        [1, 2, "row", "invalid", "E_ROW_COLUMNS", "has 1000001 cells but the header has 2 columns"],
        okProfile(2),
      ],
    },
  },
  {
    name: "JSON array elements that are not objects",
    fixture: "not-objects.json",
    expect: {
      exit: 1,
      results: [
        okProfile(1, 2),
        [2, 3, "row", "invalid", "E_ROW_NOT_OBJECT", "expected a JSON object, got a number"],
        [3, 4, "row", "invalid", "E_ROW_NOT_OBJECT", "expected a JSON object, got a string"],
        [4, 5, "row", "invalid", "E_ROW_NOT_OBJECT", "expected a JSON object, got null"],
        [5, 6, "row", "invalid", "E_ROW_NOT_OBJECT", "expected a JSON object, got an array"],
      ],
    },
  },
  {
    name: "JSON Lines that are not objects or not JSON",
    fixture: "bad-lines.jsonl",
    expect: {
      exit: 1,
      results: [
        okProfile(1, 1),
        [2, 2, "row", "invalid", "E_ROW_NOT_OBJECT", "expected a JSON object, got an array"],
        [3, 3, "row", "invalid", "E_ROW_JSON", "not valid JSON"],
        [4, 4, "row", "invalid", "E_ROW_NOT_OBJECT", "expected a JSON object, got a boolean"],
      ],
    },
  },

  {
    name: "an unquoted password in JSON is refused without quoting it",
    fixture: "unquoted-password.jsonl",
    expect: {
      exit: 1,
      results: [
        [
          1,
          1,
          "row",
          "invalid",
          "E_ROW_JSON",
          "not valid JSON: unexpected text where a JSON value belongs (a text value without double quotes, a trailing comma or a stray character) (line 1, column 40)",
        ],
        okProfile(2, 2),
      ],
      absent: ["Unquoted7", "SecretZq"],
    },
  },

  // ---- fields Zoom would refuse
  {
    name: "numbers beyond 2^53 in JSON",
    fixture: "big-numbers.json",
    expect: {
      exit: 1,
      results: [
        okProfile(1, 2),
        [2, 3, "profile", "invalid", "E_FIELD_PMI", "pmi: The number is too large to be read exactly"],
        [3, 4, "row", "invalid", "E_USER_INVALID", "user: must be an email or a Zoom user ID"],
      ],
    },
  },
  {
    name: "fields over Zoom's lengths",
    fixture: "too-long.csv",
    expect: {
      exit: 1,
      results: [
        [
          1,
          2,
          "profile",
          "invalid",
          "E_FIELD_FIRST_NAME",
          "first_name: Must be at most 64 characters (got 65)",
        ],
        [2, 3, "profile", "invalid", "E_FIELD", "display_name: Must be at most 128 characters (got 129)"],
        [3, 4, "profile", "invalid", "E_FIELD", "location: Must be at most 256 characters (got 257)"],
        [
          4,
          5,
          "profile",
          "invalid",
          "E_FIELD_ABOUT_ME",
          "about_me: Must be at most 150 characters (got 151)",
        ],
        [5, 6, "profile", "invalid", "E_FIELD_HOST_KEY", "host_key: Must be at least 6 characters (got 5)"],
        okProfile(6),
      ],
    },
  },
  {
    name: "bad enums, booleans and digits",
    fixture: "bad-enums.csv",
    expect: {
      exit: 1,
      results: [
        [1, 2, "profile", "invalid", "E_FIELD_TYPE", "type: Must be one of 1, 2, 4, 99"],
        [2, 3, "profile", "invalid", "E_FIELD_PRONOUNS_OPTION", "pronouns_option: Must be one of 1, 2, 3"],
        [3, 4, "profile", "invalid", "E_FIELD_LOGIN_TYPE", "login_type: Must be one of 0, 1, 11"],
        [4, 5, "profile", "invalid", "E_FIELD_USE_PMI", "use_pmi: Must be true or false"],
        [5, 6, "profile", "invalid", "E_FIELD_PMI", "pmi: Must have exactly 10 digits"],
        okProfile(6),
      ],
    },
  },
  {
    name: "a link in about_me and a linkedin_url elsewhere",
    fixture: "about-me-link.jsonl",
    expect: {
      exit: 1,
      results: [
        [1, 1, "profile", "invalid", "E_FIELD_ABOUT_ME", "about_me: Hyperlinks or HTML code are not allowed"],
        [
          2,
          2,
          "profile",
          "invalid",
          "E_FIELD_LINKEDIN_URL",
          "linkedin_url: The URL must contain linkedin.com",
        ],
        okProfile(3, 3),
      ],
    },
  },
  {
    name: "phone_numbers with invalid JSON, a bad label, custom_attributes not an array",
    fixture: "phone-numbers.csv",
    expect: {
      exit: 1,
      results: [
        [1, 2, "profile", "invalid", "E_FIELD_PHONE_NUMBERS", "phone_numbers: Must be valid JSON"],
        [
          2,
          3,
          "profile",
          "invalid",
          "E_FIELD_PHONE_NUMBERS",
          "phone_numbers[0].label: Must be one of Mobile, Office, Home, Fax",
        ],
        [3, 4, "profile", "invalid", "E_FIELD_CUSTOM_ATTRIBUTES", "custom_attributes: Must be an array"],
        okProfile(4),
      ],
    },
  },

  // ---- keys named like Object's members (issue 12): an unknown field, never a crash
  {
    name: "nested keys toString, __proto__, constructor, hasOwnProperty, prototype in JSON-valued CSV cells",
    fixture: "proto-keys.csv",
    expect: {
      exit: 1,
      results: [
        [
          1,
          2,
          "profile",
          "invalid",
          "E_FIELD_CUSTOM_ATTRIBUTES",
          "custom_attributes[0].toString: Unknown field",
        ],
        [2, 3, "profile", "invalid", "E_FIELD_FEATURE", "feature.__proto__: Unknown field"],
        [3, 4, "profile", "invalid", "E_FIELD_PHONE_NUMBERS", "phone_numbers[0].constructor: Unknown field"],
        [
          4,
          5,
          "profile",
          "invalid",
          "E_FIELD",
          "custom_attributes[0].hasOwnProperty: Unknown field; feature.prototype: Unknown field",
        ],
        okProfile(5),
      ],
    },
  },
  {
    name: "the same keys as JSON values in JSON Lines",
    fixture: "proto-keys.jsonl",
    expect: {
      exit: 1,
      results: [
        [
          1,
          1,
          "profile",
          "invalid",
          "E_FIELD_CUSTOM_ATTRIBUTES",
          "custom_attributes[0].toString: Unknown field",
        ],
        [2, 2, "profile", "invalid", "E_FIELD_FEATURE", "feature.__proto__: Unknown field"],
        [3, 3, "profile", "invalid", "E_FIELD_PHONE_NUMBERS", "phone_numbers[0].constructor: Unknown field"],
        [4, 4, "profile", "invalid", "E_FIELD_FEATURE", "feature.valueOf: Unknown field"],
        okProfile(5, 5),
      ],
    },
  },

  // ---- delimiters and time zones (issue 11)
  {
    name: "a semicolon-separated export (European Excel), CRLF",
    fixture: "semicolon.csv",
    expect: { exit: 0, results: [okProfile(1), okProfile(2)] },
  },
  {
    name: "a tab-separated export",
    fixture: "tab.tsv",
    expect: { exit: 0, results: [okProfile(1)] },
  },
  {
    name: "time zones that are not IANA IDs",
    fixture: "timezones.csv",
    expect: {
      exit: 1,
      results: [
        [
          1,
          2,
          "profile",
          "invalid",
          "E_FIELD_TIMEZONE",
          "timezone: Must be an IANA time zone ID such as America/New_York",
        ],
        [
          2,
          3,
          "profile",
          "invalid",
          "E_FIELD_TIMEZONE",
          "timezone: Must be an IANA time zone ID such as America/New_York",
        ],
        [
          3,
          4,
          "profile",
          "invalid",
          "E_FIELD_TIMEZONE",
          "timezone: Must be an IANA time zone ID, spelled America/New_York",
        ],
        okProfile(4),
      ],
    },
  },

  // ---- users
  {
    name: "`me`, a missing user, spaces, and a user over 128 characters",
    fixture: "users.csv",
    expect: {
      exit: 1,
      results: [
        [1, 2, "row", "invalid", "E_USER_ME", 'user: "me" means the app\'s own account and is refused'],
        [2, 3, "row", "invalid", "E_USER_ME", 'user: "me" means'],
        [3, 4, "row", "invalid", "E_USER_MISSING", "user: missing; fill in the user's email"],
        [4, 5, "row", "invalid", "E_USER_INVALID", "user: holds spaces or control characters"],
        [5, 6, "row", "invalid", "E_USER_INVALID", "user: longer than 128 characters"],
        okProfile(6),
      ],
    },
  },
  {
    name: "`me` in JSON, a boolean user, no user key",
    fixture: "me.jsonl",
    expect: {
      exit: 1,
      results: [
        [1, 1, "row", "invalid", "E_USER_ME", 'user: "me" means'],
        [2, 2, "row", "invalid", "E_USER_ME", 'user: "me" means'],
        [3, 3, "row", "invalid", "E_USER_INVALID", "user: must be an email or a Zoom user ID (text)"],
        [4, 4, "row", "invalid", "E_USER_MISSING", "user: missing"],
        okProfile(5, 5),
      ],
    },
  },
  {
    name: "an email with + and % reaches that user, encoded",
    fixture: "plus-percent.csv",
    expect: {
      exit: 0,
      results: [okProfile(1), okProfile(2)],
      paths: ["/v2/users/first%2Blast%252541%40example.com"],
    },
  },
  {
    name: "a user ID with ../, /, ? and # cannot change the request path",
    fixture: "path-in-user.csv",
    expect: {
      exit: 1,
      results: [
        [1, 2, "profile", "failed", 1001, "User does not exist: ../../oauth/token."],
        [2, 3, "profile", "failed", 1001, "User does not exist: user2@example.com/password."],
        [3, 4, "profile", "failed", 1001, "User does not exist: user2@example.com?x=1#frag."],
        okProfile(4),
      ],
      paths: [
        "/v2/users/..%2F..%2Foauth%2Ftoken",
        "/v2/users/user2%40example.com%2Fpassword",
        "/v2/users/user2%40example.com%3Fx%3D1%23frag",
      ],
    },
  },
  {
    name: "formulas are escaped in the results file",
    fixture: "formula.csv",
    expect: {
      exit: 1,
      results: [
        [1, 2, "profile", "failed", 1001, "User does not exist: =1+2@example.com."],
        okProfile(2),
        okProfile(3, 4),
      ],
      raw: [/\n1,2,'=1\+2@example\.com,profile,/],
    },
  },

  {
    name: "fullwidth and small formula starts and | are escaped in the results file",
    fixture: "formula-fullwidth.csv",
    expect: {
      exit: 1,
      results: [
        [1, 2, "profile", "failed", 1001, "User does not exist: ＝1+1@example.com."],
        [2, 3, "profile", "failed", 1001, "User does not exist: ﹦1+1@example.com."],
        [3, 4, "profile", "failed", 1001, "User does not exist: |calc@example.com."],
        [4, 5, "profile", "failed", 1001, "User does not exist: ＠SUM(A1)@example.com."],
        okProfile(5),
      ],
      raw: [
        /\n1,2,'＝1\+1@example\.com,profile,/,
        /\n2,3,'﹦1\+1@example\.com,profile,/,
        /\n3,4,'\|calc@example\.com,profile,/,
        /\n4,5,'＠SUM\(A1\)@example\.com,profile,/,
      ],
    },
  },
  {
    name: "ESC, OSC, C1 and bidi characters from cells are written visibly, never raw",
    manifest: "m.csv",
    setup: (dir) =>
      writeFileSync(
        join(dir, "m.csv"),
        "user,picture,job_title\n" +
          "\u001b]0;pwned\u0007@example.com,,x\n" +
          "user2@example.com\u202e,,x\n" +
          "user2@example.com,assets/\u001b[31mred\u009b.png,\n" +
          "user1@example.com,,Corpus OK\n",
      ),
    expect: {
      exit: 1,
      results: [
        [1, 2, "row", "invalid", "E_USER_INVALID", "user: holds spaces or control characters"],
        [2, 3, "row", "invalid", "E_USER_INVALID", "user: holds spaces or control characters"],
        [
          3,
          4,
          "picture",
          "invalid",
          "E_FILE_MISSING",
          "picture: assets/\\x1B[31mred\\x9B.png: file not found",
        ],
        okProfile(4),
      ],
      raw: [
        // no raw control byte anywhere (the point of the case)
        // eslint-disable-next-line no-control-regex
        /^(?![\s\S]*[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069])/,
        /\n1,2,\\x1B\]0;pwned\\x07@example\.com,row,/,
        /\n2,3,user2@example\.com\\u202E,row,/,
        /,picture,\\x1B\[31mred\\x9B\.png,invalid,/,
      ],
    },
  },

  // ---- passwords
  {
    name: "passwords Zoom would refuse (40 characters, short, no upper case) and broken references",
    fixture: "passwords.csv",
    args: ["--assets-dir", "{dir}/assets"],
    expect: {
      exit: 1,
      results: [
        [
          1,
          2,
          "password",
          "invalid",
          "E_PASSWORD",
          "password: Invalid parameter: password. (Zoom would refuse",
        ],
        [2, 3, "password", "invalid", "E_PASSWORD", "password: Have at least 8 characters"],
        [3, 4, "password", "invalid", "E_PASSWORD", "uppercase and lowercase"],
        [4, 5, "password", "invalid", "E_PASSWORD_REF", "environment variable ZB_CORPUS_UNSET is not set"],
        [5, 6, "password", "invalid", "E_PASSWORD_REF", "file not found"],
        [6, 7, "password", "invalid", "E_PASSWORD_REF", "is outside --assets-dir"],
        okProfile(7),
      ],
    },
  },
  {
    name: "a password file reached through a symlink leaving --assets-dir",
    manifest: "m.csv",
    args: ["--assets-dir", "{dir}/assets"],
    setup: (dir) => {
      writeFileSync(join(dir, "secret.txt"), "Outside-Secret-9x\n");
      symlinkSync(join(dir, "secret.txt"), join(dir, "assets", "pw.txt"));
      writeFileSync(
        join(dir, "m.csv"),
        "user,password,job_title\nuser2@example.com,file:assets/pw.txt,\nuser1@example.com,,Corpus OK\n",
      );
    },
    expect: {
      exit: 1,
      results: [[1, 2, "password", "invalid", "E_PASSWORD_REF", "leads outside --assets-dir"], okProfile(2)],
    },
  },

  // ---- pictures and backgrounds
  {
    name: "a text file named .png, a 0-byte picture, a GIF as picture, a missing picture",
    fixture: "pictures.csv",
    expect: {
      exit: 1,
      results: [
        [1, 2, "picture", "invalid", "E_FILE_FORMAT", "not a format Zoom accepts, whatever its name says"],
        [2, 3, "picture", "invalid", "E_FILE_EMPTY", "the file is empty (File is empty.)"],
        [3, 4, "picture", "invalid", "E_FILE_FORMAT", "the file's content is a GIF file"],
        [4, 5, "picture", "invalid", "E_FILE_MISSING", "picture: assets/missing.png: file not found"],
        okProfile(5, 6),
        [5, 6, "picture", "ok", "", ""],
      ],
    },
  },
  {
    name: "../ and absolute paths outside --assets-dir",
    fixture: "paths.csv",
    args: ["--assets-dir", "{dir}/assets"],
    expect: {
      exit: 1,
      results: [
        [1, 2, "picture", "invalid", "E_PATH_OUTSIDE_ASSETS", "picture: ../outside.png: "],
        [2, 3, "picture", "invalid", "E_PATH_OUTSIDE_ASSETS", "picture: /etc/passwd: /etc/passwd is outside"],
        [3, 4, "picture", "invalid", "E_PATH_OUTSIDE_ASSETS", "picture: assets/../outside.png"],
        [4, 5, "virtual_background", "ok", "", ""],
        [
          4,
          5,
          "virtual_background",
          "invalid",
          "E_PATH_OUTSIDE_ASSETS",
          "virtual_backgrounds: ../outside.png",
        ],
        [5, 6, "picture", "ok", "", ""],
      ],
    },
  },
  {
    name: "a NUL in a path, a number, an array as picture",
    fixture: "path-types.jsonl",
    expect: {
      exit: 1,
      results: [
        [1, 1, "picture", "invalid", "E_PATH_INVALID", "the path holds a NUL character"],
        [2, 2, "picture", "invalid", "E_PATH_INVALID", "picture: a path must be text"],
        [3, 3, "virtual_background", "invalid", "E_PATH_INVALID", "virtual_backgrounds: a path must be text"],
        [3, 3, "virtual_background", "ok", "", ""],
        [4, 4, "picture", "invalid", "E_PATH_INVALID", "picture: a path must be text"],
        [5, 5, "picture", "ok", "", ""],
      ],
    },
  },
  {
    name: "a symlink leaving --assets-dir",
    manifest: "m.csv",
    args: ["--assets-dir", "{dir}/assets"],
    setup: (dir) => {
      writeFileSync(join(dir, "outside.png"), OK_PNG);
      symlinkSync(join(dir, "outside.png"), join(dir, "assets", "link.png"));
      writeFileSync(
        join(dir, "m.csv"),
        "user,picture\nuser2@example.com,assets/link.png\nuser1@example.com,assets/ok.png\n",
      );
    },
    expect: {
      exit: 1,
      results: [
        [1, 2, "picture", "invalid", "E_PATH_OUTSIDE_ASSETS", "leads outside --assets-dir"],
        [2, 3, "picture", "ok", "", ""],
      ],
    },
  },
  {
    name: "a folder as the picture",
    manifest: "m.csv",
    setup: (dir) => {
      mkdirSync(join(dir, "assets", "folder.png"));
      writeFileSync(
        join(dir, "m.csv"),
        "user,picture\nuser2@example.com,assets/folder.png\nuser1@example.com,assets/ok.png\n",
      );
    },
    expect: {
      exit: 1,
      results: [
        [1, 2, "picture", "invalid", "E_FILE_NOT_REGULAR", "is a folder, not a file"],
        [2, 3, "picture", "ok", "", ""],
      ],
    },
  },
  {
    name: "a FIFO as the picture (must not hang)",
    manifest: "m.csv",
    skip: !canFifo,
    setup: (dir) => {
      mkfifo(join(dir, "assets", "fifo.png"));
      writeFileSync(
        join(dir, "m.csv"),
        "user,picture\nuser2@example.com,assets/fifo.png\nuser1@example.com,assets/ok.png\n",
      );
    },
    expect: {
      exit: 1,
      results: [
        [
          1,
          2,
          "picture",
          "invalid",
          "E_FILE_NOT_REGULAR",
          "is not a regular file (a pipe, device or socket)",
        ],
        [2, 3, "picture", "ok", "", ""],
      ],
    },
  },
  {
    name: "a FIFO as the password file (must not hang)",
    manifest: "m.csv",
    skip: !canFifo,
    setup: (dir) => {
      mkfifo(join(dir, "assets", "pw.fifo"));
      writeFileSync(
        join(dir, "m.csv"),
        "user,password,job_title\nuser2@example.com,file:assets/pw.fifo,\nuser1@example.com,,Corpus OK\n",
      );
    },
    expect: {
      exit: 1,
      results: [[1, 2, "password", "invalid", "E_PASSWORD_REF", "is not a regular file"], okProfile(2)],
    },
  },
  {
    name: "a picture of 2 MB + 1 byte, beside one of exactly 2 MB",
    manifest: "m.csv",
    setup: (dir) => {
      pngOfSize(join(dir, "assets", "big.png"), 2 * MB + 1);
      pngOfSize(join(dir, "assets", "max.png"), 2 * MB);
      writeFileSync(
        join(dir, "m.csv"),
        "user,picture\nuser2@example.com,assets/big.png\nuser1@example.com,assets/max.png\n",
      );
    },
    expect: {
      exit: 1,
      results: [
        [1, 2, "picture", "invalid", "E_FILE_TOO_LARGE", "the file is 2097153 bytes, more than the 2097152"],
        [2, 3, "picture", "ok", "", ""],
      ],
    },
  },
  {
    name: "a 16 MB background",
    manifest: "m.csv",
    setup: (dir) => {
      pngOfSize(join(dir, "assets", "huge.png"), 16 * MB);
      writeFileSync(
        join(dir, "m.csv"),
        "user,virtual_backgrounds\nuser2@example.com,assets/huge.png\nuser1@example.com,assets/ok.png\n",
      );
    },
    expect: {
      exit: 1,
      results: [
        [1, 2, "virtual_background", "invalid", "E_FILE_TOO_LARGE", "(File size cannot exceed 15M.)"],
        [2, 3, "virtual_background", "ok", "", ""],
      ],
    },
  },
  {
    name: "eleven backgrounds for one user",
    manifest: "m.csv",
    setup: (dir) => {
      const names = Array.from({ length: 11 }, (_, i) => `assets/bg${String(i + 1).padStart(2, "0")}.png`);
      for (const name of names) writeFileSync(join(dir, name), OK_PNG);
      writeFileSync(join(dir, "m.csv"), `user,virtual_backgrounds\nuser9@example.com,${names.join(";")}\n`);
    },
    expect: {
      exit: 1,
      results: [
        ...Array.from({ length: 10 }, (): Expected => [1, 2, "virtual_background", "ok", "", ""]),
        [
          1,
          2,
          "virtual_background",
          "invalid",
          "E_BACKGROUND_TOO_MANY",
          "file 11 is one too many; a row may list at most 10",
        ],
      ],
    },
  },
  {
    name: "--assets-dir that does not exist",
    fixture: "pictures.csv",
    args: ["--assets-dir", "{dir}/no-such-folder"],
    expect: {
      exit: 1,
      results: [
        [1, 2, "picture", "invalid", "E_PATH_OUTSIDE_ASSETS", "is outside --assets-dir"],
        [2, 3, "picture", "invalid", "E_PATH_OUTSIDE_ASSETS", "is outside --assets-dir"],
        [3, 4, "picture", "invalid", "E_PATH_OUTSIDE_ASSETS", "is outside --assets-dir"],
        [4, 5, "picture", "invalid", "E_PATH_OUTSIDE_ASSETS", "is outside --assets-dir"],
        okProfile(5, 6),
        [5, 6, "picture", "invalid", "E_PATH_OUTSIDE_ASSETS", "is outside --assets-dir"],
      ],
    },
  },
];

const OP_OF: Partial<Record<string, ResultLine["op"]>> = {
  updateUser: "profile",
  updatePassword: "password",
  uploadPicture: "picture",
  uploadVirtualBackground: "virtual_background",
};

let sandbox: Sandbox;
const root = mkdtempSync(join(tmpdir(), "zb-corpus-"));

beforeAll(async () => {
  sandbox = await startSandbox({
    plan: "business",
    seed: 6,
    users: [...demoUsers(), { email: PLUS_PERCENT, first_name: "Plus", last_name: "Percent" }],
  });
});
afterAll(async () => {
  await sandbox.close();
  rmSync(root, { recursive: true, force: true });
});

function capture(env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) }, env },
    stdout: () => out.join(""),
    stderr: () => err.join(""),
  };
}

/** The API calls the sandbox saw (not the token requests). */
const apiLog = () => sandbox.state.log.filter((e) => e.path.startsWith("/v2/"));

/** `user op` of every write the sandbox saw, sorted (a look at a user's files before an upload is not one). */
const requestsSeen = (): string[] =>
  apiLog()
    .filter((e) => e.method !== "GET")
    .map((e) => `${e.user ?? "?"} ${e.endpoint ? (OP_OF[e.endpoint] ?? e.endpoint) : e.path}`)
    .sort();

/**
 * `user op` of every result that says a write was sent (ok or failed), sorted; CSV escaping undone.
 * A background upload looks at the user's files first: when that look answers 404/1001, nothing
 * was written.
 */
const operationsSent = (lines: ResultLine[]): string[] =>
  lines
    .filter((l) => l.outcome === "ok" || l.outcome === "failed")
    .filter((l) => !(l.op === "virtual_background" && l.http_status === 404))
    .map((l) => `${unescapeCell(l.user)} ${l.op}`)
    .sort();

/** No stack trace, no "unexpected error" or "internal error": a user mistake gets a message, never a crash. */
function expectNoCrash(text: string): void {
  expect(text).not.toMatch(/^\s+at .+\(.*:\d+:\d+\)$/m);
  expect(text).not.toMatch(/unexpected error|internal error/i);
  expect(text).not.toMatch(/\b(TypeError|RangeError|ReferenceError|SyntaxError)\b/);
}

describe("the bad-input corpus, run through the CLI against the sandbox", () => {
  it("has at least 40 cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  CASES.forEach((c, n) => {
    it.skipIf(c.skip === true)(
      `${n + 1}. ${c.name}`,
      async () => {
        const dir = join(root, `case${n + 1}`);
        mkdirSync(dir);
        cpSync(join(FIXTURES, "assets"), join(dir, "assets"), { recursive: true });
        if (c.fixture) cpSync(join(FIXTURES, c.fixture), join(dir, c.fixture));
        c.setup?.(dir);
        const manifest = join(dir, c.fixture ?? c.manifest ?? "manifest.csv");
        const results = join(dir, "results.csv");
        const logFile = join(dir, "log.jsonl");
        const args = (c.args ?? []).map((a) => a.replaceAll("{dir}", dir));
        const cli = capture({
          ZOOM_API_URL: sandbox.apiUrl,
          ZOOM_OAUTH_URL: sandbox.oauthUrl,
          ZOOM_ACCOUNT_ID: sandbox.credentials.accountId,
          ZOOM_CLIENT_ID: sandbox.credentials.clientId,
          ZOOM_CLIENT_SECRET: sandbox.credentials.clientSecret,
        });
        sandbox.state.reset();
        const argv = ["run", manifest, "--plan", "business", "--results", results];
        const code = await main([...argv, "--log-level", "debug", "--log-file", logFile, ...args], cli.io);

        expectNoCrash(cli.stderr());
        expectNoCrash(cli.stdout());
        if (existsSync(logFile)) expectNoCrash(readFileSync(logFile, "utf8"));
        const want = c.expect;
        if (want.exit === 2) {
          expect({ code, stderr: cli.stderr() }).toMatchObject({ code: 2 });
          expect(cli.stderr()).toMatch(want.stderr);
          expect(cli.stderr()).toMatch(/^zoom-bulk: .+\n$/);
          expect(apiLog(), "nothing may be sent").toEqual([]);
          expect(existsSync(results), "no results file for a run that never started").toBe(false);
          return;
        }

        const lines = sortResults(readResults(results));
        const actual = lines.map((l): Expected => [l.row, l.line, l.op, l.outcome, l.zoom_code, l.message]);
        expect(actual, cli.stderr()).toHaveLength(want.results.length);
        want.results.forEach((expected, i) => {
          const got = actual[i];
          expect(got?.slice(0, 5), `result ${i + 1}: ${JSON.stringify(got)}`).toEqual(expected.slice(0, 5));
          expect(got?.[5], `result ${i + 1}`).toContain(expected[5]);
        });
        for (const l of lines.filter((x) => x.outcome === "invalid")) {
          // an invalid result names the row and line, and for a field problem the field
          expect(l.message).toMatch(new RegExp(`^row ${l.row} \\(line ${l.line}\\): `));
          expect(l.attempts).toBe(0);
        }
        expect(code).toBe(want.exit);

        // The sandbox saw one request per sent operation and nothing else: none for invalid input.
        expect(requestsSeen()).toEqual(operationsSent(lines));
        expect(apiLog().every((e) => e.status < 300 || (e.status === 404 && e.zoomCode === 1001))).toBe(true);
        for (const path of want.paths ?? []) expect(apiLog().map((e) => e.path)).toContain(path);
        const raw = readFileSync(results, "utf8");
        for (const pattern of want.raw ?? []) expect(raw).toMatch(pattern);
        const everything = [cli.stdout(), cli.stderr(), raw, readFileSync(logFile, "utf8")].join("\n");
        for (const secret of want.absent ?? []) expect(everything).not.toContain(secret);
        expect(readFileSync(`${results}.summary.json`, "utf8")).toContain(`"exit_code": ${want.exit}`);
      },
      20_000,
    );
  });
});

describe("fuzzing the whole run (reader, planner, queue, sender) against the sandbox", () => {
  const fuzzRoot = join(root, "fuzz");
  mkdirSync(fuzzRoot, { recursive: true });
  writeFileSync(join(fuzzRoot, "ok.png"), OK_PNG);
  const users = ["user11@example.com", "user12@example.com", "ghost@example.com", "me", "", " "];
  const columns = [
    "user",
    "job_title",
    "type",
    "password",
    "picture",
    "virtual_backgrounds",
    "use_pmi",
    "custom_attributes",
    "feature",
    "phone_numbers",
  ];
  /** Keys named like Object's members (issue 12), at every level of a record. */
  const memberKeys = ["__proto__", "constructor", "prototype", "hasOwnProperty", "toString", "valueOf"];
  const nestedKey = fc.constantFrom(...memberKeys, "key", "value", "label", "zoom_phone");
  const nested = fc.oneof(
    fc.dictionary(nestedKey, fc.oneof(fc.string({ maxLength: 3 }), fc.boolean()), { maxKeys: 3 }),
    fc.array(fc.dictionary(nestedKey, fc.string({ maxLength: 3 }), { maxKeys: 3 }), { maxLength: 2 }),
  );
  const cell = fc.oneof(
    fc.constantFrom(
      ...users,
      "",
      '"',
      '""',
      ",",
      "\n",
      "\r\n",
      ";",
      "ok.png",
      "ok.png;ok.png",
      "../ok.png",
      "2",
      "7",
      "x".repeat(130),
      "Passw0rd-Fuzz",
      "env:NOPE",
      "\u0000",
      "\uFFFD",
      "=1+1",
      "true",
      '[{"toString":"x"}]',
      '{"feature":{"__proto__":{}}}',
      '{"__proto__":{}}',
      '[{"constructor":1}]',
      '[{"key":"k","hasOwnProperty":"v","prototype":1}]',
    ),
    fc.string({ maxLength: 6 }),
    nested.map((v) => JSON.stringify(v)),
  );
  const header = columns.join(",") + "\n";
  // Mostly well-formed rows (so operations really are sent), some ragged or broken ones.
  const sensible: Record<string, string[]> = {
    job_title: ["", "Engineer", "Lead, Support"],
    type: ["", "1", "2"],
    password: ["", "Passw0rd-Fuzz"],
    picture: ["", "ok.png"],
    virtual_backgrounds: ["", "ok.png"],
    use_pmi: ["", "true"],
    custom_attributes: ["", '[{"key":"k","value":"v"}]'],
    feature: ["", '{"zoom_phone":true}'],
    phone_numbers: ["", '[{"label":"Home","number":"5"}]'],
  };
  const quote = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  const goodRow = fc.tuple(
    fc.constantFrom(...users),
    ...columns
      .slice(1)
      .map((c) =>
        fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...(sensible[c] ?? [""])) }, cell).map(quote),
      ),
  );
  const anyRow = fc.oneof({ weight: 3, arbitrary: goodRow }, fc.array(cell, { maxLength: 9 }));
  const csvText = fc
    .tuple(fc.array(anyRow, { maxLength: 12 }), fc.constantFrom("\n", "\r\n", "\r"))
    .map(([rows, eol]) => ({ ext: ".csv", text: header + rows.map((r) => r.join(",")).join(eol) }));
  const value = fc.oneof(
    cell,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(cell, { maxLength: 3 }),
    nested,
  );
  const record = fc
    .tuple(
      fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...users) }, value),
      fc.dictionary(
        fc.oneof(
          { weight: 12, arbitrary: fc.constantFrom(...columns.slice(1)) },
          fc.constantFrom(...memberKeys),
        ),
        fc.oneof({ weight: 2, arbitrary: fc.constantFrom("Engineer", "2", "ok.png") }, value),
        { maxKeys: 4 },
      ),
    )
    .map(([user, rest]) => ({ user, ...rest }));
  const jsonText = fc
    .array(fc.oneof({ weight: 4, arbitrary: record }, fc.jsonValue({ maxDepth: 2 })), { maxLength: 10 })
    .map((values) => ({ ext: ".json", text: JSON.stringify(values) }));
  const jsonlText = fc
    .array(fc.oneof({ weight: 4, arbitrary: record.map((r) => JSON.stringify(r)) }, fc.string()), {
      maxLength: 10,
    })
    .map((values) => ({ ext: ".jsonl", text: values.join("\n") }));
  const bytes = fc
    .tuple(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(".csv", ".json", ".jsonl"))
    .map(([b, ext]) => ({ ext, text: Buffer.concat([Buffer.from(ext === ".csv" ? header : ""), b]) }));

  it("never throws past a ManifestError, gives every planned operation exactly one result, sends nothing invalid, in bounded time", async () => {
    let i = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(csvText, jsonText, jsonlText, bytes), async ({ ext, text }) => {
        const manifest = join(fuzzRoot, `f${i}${ext}`);
        const results = join(fuzzRoot, `f${i++}.results.jsonl`);
        writeFileSync(manifest, text);
        sandbox.state.reset();
        const planned: PlannedRow[] = [];
        const started = Date.now();
        try {
          await runBatch(
            {
              manifest,
              results,
              plan: "business",
              share: 0.8,
              zoom: sandboxTarget(sandbox),
            },
            { env: {}, observer: { planned: (row) => planned.push(row) } },
          );
        } catch (error) {
          expect(error).toBeInstanceOf(ManifestError);
          expect(apiLog()).toEqual([]);
          return;
        } finally {
          expect(Date.now() - started).toBeLessThan(10_000);
        }
        // every record read once, in order
        expect(planned.map((p) => p.row)).toEqual(planned.map((_, k) => k + 1));
        const lines = existsSync(results) ? readResults(results) : [];
        for (const row of planned) {
          const mine = lines.filter((l) => l.row === row.row);
          expect(mine).toHaveLength(row.operations.length + row.invalid.length);
          expect(mine.filter((l) => l.outcome === "invalid")).toHaveLength(row.invalid.length);
        }
        expect(lines.every((l) => planned.some((p) => p.row === l.row))).toBe(true);
        expect(requestsSeen()).toEqual(operationsSent(lines));
        expect(apiLog().some((e) => e.user?.toLowerCase() === "me")).toBe(false);
      }),
      { numRuns: 100 },
    );
  }, 60_000);
});
