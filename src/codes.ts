/**
 * Every `E_…` code zoom-bulk writes (results, summary, logs, error messages), in one table: what it
 * means, what it leads to, and what the operator should do. The HTML report explains codes from
 * here, and test/unit/codes.test.ts fails when a code in src/ is missing from it.
 *
 * To add a code: one line in CODES (or CODE_FAMILIES for a code made at run time from a prefix),
 * with `leads_to` saying whether it is a result line's outcome (the run goes on) or the exit code
 * of a command that stops.
 */
import { EXIT } from "./errors.js";

/** What a code leads to. Row-level codes are a result line's outcome; the others stop the command. */
export const LEADS_TO = {
  invalid: { exit: EXIT.someFailed, text: "outcome invalid: nothing sent for it, the run goes on (exit 1)" },
  failed: { exit: EXIT.someFailed, text: "outcome failed: the run goes on (exit 1)" },
  skipped: { exit: EXIT.someFailed, text: "outcome skipped: nothing sent for it, the rest goes on (exit 1)" },
  usage: { exit: EXIT.usage, text: "exit 2: the command stops before anything is sent" },
  auth: { exit: EXIT.auth, text: "exit 3: the run stops; credentials or scopes need fixing" },
  safety: { exit: EXIT.safetyStop, text: "exit 5: a safety rail stopped the run; --resume continues" },
  dependency: {
    exit: EXIT.dependency,
    text: "exit 6: a dependency failed; --resume continues once it is back",
  },
  internal: { exit: EXIT.internal, text: "exit 70: a bug in zoom-bulk; results so far are kept" },
} as const;
export type LeadsTo = keyof typeof LEADS_TO;

export interface CodeInfo {
  /** One line: what happened. */
  meaning: string;
  leads_to: LeadsTo;
  /** One line: what the operator should do. */
  todo: string;
}

type Table = Readonly<Record<string, CodeInfo>>;

/** A frozen table without a prototype, so a code such as `constructor` finds nothing. */
function table(entries: Record<string, CodeInfo>): Table {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, CodeInfo>, entries));
}

const c = (leads_to: LeadsTo, meaning: string, todo: string): CodeInfo => ({ meaning, leads_to, todo });

const FIX_ROW = "Fix the record at the given line of the manifest and run the row again.";
const FIX_FILE = "Fix the file or the path in the manifest (paths are relative to the manifest's folder).";

export const CODES: Table = table({
  // ---- configuration and the manifest as a whole: nothing is sent
  E_CONFIG: c(
    "usage",
    "A flag, environment variable or setting is wrong.",
    "Read the message; fix the option it names.",
  ),
  E_DELIMITER: c(
    "usage",
    "--delimiter is not one of , ; | tab, or was given for a JSON manifest.",
    "Give , ; | or tab, or leave it out.",
  ),
  E_JOB: c(
    "usage",
    "The job file is wrong (a key, a value, a transform step or pattern).",
    "Fix the job file key the message names.",
  ),
  E_JOB_UNMAPPED_COLUMN: c(
    "usage",
    "A strict job's export has a column its mapping does not name.",
    "Map or ignore the column in the job's columns.",
  ),
  E_MAPPING_TARGET: c(
    "usage",
    "A job mapping sends a column to a name that is not a manifest column.",
    "Map it to a manifest column, or to null.",
  ),
  E_MANIFEST: c("usage", "The manifest cannot be used.", "Read the message and fix the manifest."),
  E_MANIFEST_OPEN: c(
    "usage",
    "The manifest cannot be opened (missing, a folder, a pipe, no permission).",
    "Check the path.",
  ),
  E_MANIFEST_FORMAT: c(
    "usage",
    "The manifest's extension is not .csv, .tsv, .txt, .json, .jsonl or .ndjson.",
    "Rename it to the format it holds.",
  ),
  E_MANIFEST_SPREADSHEET: c(
    "usage",
    "The manifest is a spreadsheet workbook (.xlsx, .xls), not CSV.",
    "Save it as CSV UTF-8 and run that file.",
  ),
  E_MANIFEST_ENCODING: c(
    "usage",
    "The manifest is not UTF-8 (UTF-16 or binary).",
    'Re-save it as UTF-8 (Excel: "CSV UTF-8").',
  ),
  E_MANIFEST_EMPTY: c(
    "usage",
    "The manifest has no header row or records.",
    "Check that the export wrote the file.",
  ),
  E_MANIFEST_HEADER: c(
    "usage",
    "The CSV header row cannot be read or has an unnamed column.",
    "Fix the header row.",
  ),
  E_MANIFEST_JSON: c(
    "usage",
    "The JSON manifest's structure is broken (not an array, not closed, junk).",
    "Fix the JSON at the line and column given.",
  ),
  E_MANIFEST_NO_USER: c(
    "usage",
    "No user column or key.",
    "Add a user (or email, user_id, userId, id) column.",
  ),
  E_MANIFEST_UNKNOWN_COLUMN: c(
    "usage",
    "A column or key the job does not know.",
    "Rename it, or map or ignore it in a job file.",
  ),
  E_MANIFEST_DUPLICATE_COLUMN: c("usage", "The same column appears twice.", "Remove one of them."),
  E_MANIFEST_DUPLICATE_USER: c("usage", "Two columns both name the user.", "Keep one of them."),

  // ---- records that cannot be read: one `row` result each
  E_ROW_QUOTE: c("invalid", "A CSV record has an unclosed quote or text after a closing quote.", FIX_ROW),
  E_ROW_COLUMNS: c(
    "invalid",
    "A CSV record has more or fewer cells than the header.",
    "Quote cells that contain the delimiter; " + FIX_ROW,
  ),
  E_ROW_ENCODING: c(
    "invalid",
    "A record holds bytes that are not UTF-8, or a NUL.",
    "Re-save the manifest as UTF-8.",
  ),
  E_ROW_TOO_LARGE: c("invalid", "A record is larger than 1 MiB (often an unclosed quote).", FIX_ROW),
  E_ROW_JSON: c("invalid", "A JSON record is not valid JSON.", "Fix the JSON at the line and column given."),
  E_ROW_NOT_OBJECT: c("invalid", "A JSON record is not an object.", "Make each record a JSON object."),
  E_ROW_UNREADABLE: c("invalid", "The record could not be read.", FIX_ROW),
  E_TRANSFORM: c(
    "invalid",
    "A job transform could not handle this row's value (a replace pattern ran out of time, or the value is too long).",
    "Simplify the job's replace pattern, or fix the cell.",
  ),

  // ---- the user column
  E_USER_MISSING: c(
    "invalid",
    "The user cell is empty.",
    "Put the user's email or Zoom user ID in the user column.",
  ),
  E_USER_ME: c(
    "invalid",
    "The user is `me`, the app's own account.",
    "Give the user's email or Zoom user ID.",
  ),
  E_USER_INVALID: c(
    "invalid",
    "The user is not text, too long, or holds spaces or control characters.",
    "Put the user's email or Zoom user ID in the user column.",
  ),

  // ---- field values Zoom would refuse
  E_FIELD: c(
    "invalid",
    "Profile values break Zoom's rules (length, format, allowed values); nothing was sent.",
    "Fix the cells named in the message.",
  ),
  E_PASSWORD: c(
    "invalid",
    "The password breaks Zoom's rules; it was not sent and is not shown.",
    "Use 8 to 32 characters with upper and lower case letters and a number.",
  ),
  E_PASSWORD_REF: c(
    "invalid",
    "A password's env: or file: reference cannot be read.",
    "Set the variable, or fix the file or its path.",
  ),

  // ---- lifecycle columns (PRODUCT.md "Lifecycle")
  E_ACTION: c(
    "invalid",
    "The action cell is not update, create, activate, deactivate, delete or disassociate; nothing of the row was sent.",
    "Fix the action cell (an empty cell means update).",
  ),
  E_CREATE_ACTION: c(
    "invalid",
    "create_action is not create, autoCreate, custCreate or ssoCreate; the user was not created.",
    "Fix the create_action cell (an empty cell means create).",
  ),
  E_CREATE_EMAIL: c(
    "invalid",
    "A create row's user is not an email Zoom accepts (syntax, at most 128 characters); the user was not created.",
    "Put the new user's email in the user column.",
  ),
  E_NEW_EMAIL: c(
    "invalid",
    "new_email is not an email Zoom accepts (syntax, fewer than 128 characters) or is the user's current email.",
    "Fix the new_email cell, or empty it to keep the email.",
  ),
  E_DELETE_TRANSFER: c(
    "invalid",
    "A delete row's transfer options break Zoom's rules (transfer_email not an email or the user itself, a transfer without transfer_email, not true/false); the user was not removed.",
    "Fix transfer_email and the transfer_* cells, then run the row again.",
  ),
  E_ACTION_DELETE_FIELDS: c(
    "invalid",
    "A row that deletes or disassociates its user also asks for other changes; those were not sent (the removal ran).",
    "Empty the other cells of delete rows, or put the changes in a row of their own.",
  ),
  E_BACKGROUNDS_MODE: c(
    "invalid",
    "virtual_backgrounds_mode is not add or replace; the row's backgrounds were not sent.",
    "Fix the virtual_backgrounds_mode cell (an empty cell means add).",
  ),
  E_BACKGROUNDS_REPLACE: c(
    "invalid",
    "replace was asked for, but a listed background cannot be uploaded, so the user's other files were not deleted.",
    "Fix the listed files (see the row's other lines), then run the row again.",
  ),
  E_CLEAR_NOT_ALLOWED: c(
    "invalid",
    "[clear] was given for a field Zoom does not let the job empty.",
    "Empty the cell to keep the value; [clear] works only in the fields the message lists.",
  ),

  // ---- files to upload
  E_PATH_INVALID: c("invalid", "A picture or background path is not text, or holds a NUL.", FIX_FILE),
  E_PATH_OUTSIDE_ASSETS: c(
    "invalid",
    "A path leaves --assets-dir (as written or through a symlink).",
    "Move the file into --assets-dir or fix the path.",
  ),
  E_ASSETS_DIR: c("invalid", "--assets-dir cannot be read.", "Check that the folder exists."),
  E_FILE_MISSING: c("invalid", "A picture or background file is not there.", FIX_FILE),
  E_FILE_UNREADABLE: c(
    "invalid",
    "A picture or background file cannot be read.",
    "Check the file's permissions.",
  ),
  E_FILE_NOT_REGULAR: c("invalid", "A path names a folder, pipe, device or socket.", FIX_FILE),
  E_FILE_EMPTY: c("invalid", "A picture or background file is empty.", FIX_FILE),
  E_FILE_TOO_LARGE: c(
    "invalid",
    "A file is over Zoom's limit (picture 2 MB, background 15 MB).",
    "Make the file smaller.",
  ),
  E_FILE_FORMAT: c(
    "invalid",
    "A file's content is not a format Zoom accepts for it (judged by its bytes).",
    "Use JPEG/PNG for pictures; JPG/PNG/GIF/MP4/MOV for backgrounds.",
  ),
  E_FILE: c(
    "failed",
    "A file to upload could not be read while it was being sent.",
    "Check the file and its disk, then --resume.",
  ),
  E_FILE_CHANGED: c(
    "failed",
    "The file changed between validation and upload (its size differs); nothing was sent.",
    "Leave the files alone while a run is going, then --resume.",
  ),
  E_BACKGROUND_TOO_MANY: c(
    "invalid",
    "A row lists more than 10 backgrounds.",
    "List at most 10 backgrounds per user.",
  ),

  // ---- sending
  E_NETWORK: c(
    "failed",
    "No answer from Zoom (connection refused or reset, timeout) after every retry.",
    "Check the network or proxy and run again with --resume.",
  ),
  E_READ: c(
    "dependency",
    "Reading what Zoom holds (List users, Get user) failed after retries: nothing was planned or sent.",
    "Check the app's user:read:admin scope and the network, then run the plan again.",
  ),
  E_CANNOT_UNDO: c(
    "skipped",
    "undo cannot put this change back: a password, a picture, a deleted user or file, or an old value Zoom did not show.",
    "Put it back by hand if it matters; undo lists each one at its end.",
  ),
  E_RESPONSE_TOO_LARGE: c(
    "failed",
    "An answer was larger than zoom-bulk reads; whether it was applied is unknown.",
    "Check ZOOM_API_URL and any proxy in between.",
  ),

  // ---- stops
  E_AUTH: c(
    "auth",
    "The token endpoint refused the credentials, or a scope is missing.",
    "Check the Server-to-Server app's credentials and scopes.",
  ),
  E_OAUTH_UNREACHABLE: c(
    "dependency",
    "The token endpoint cannot be reached.",
    "Check ZOOM_OAUTH_URL and the network, then --resume.",
  ),
  E_REDIS: c(
    "dependency",
    "Redis is down, frozen or refuses the password.",
    "Fix --redis, then run again with --resume.",
  ),
  E_DISK: c(
    "dependency",
    "The results or summary cannot be written (disk full, no permission).",
    "Free space or fix permissions, then --resume.",
  ),
  E_SAFETY_STOP: c(
    "safety",
    "A safety rail stopped the run (failure rate or mass change).",
    "Read the message; fix the cause, then --resume.",
  ),
  E_INTERNAL: c(
    "internal",
    "An error nobody planned for: a bug.",
    "Report it with the log; rerun with --resume.",
  ),
});

/** Codes made at run time from a prefix: `E_FIELD_JOB_TITLE` is E_FIELD_ + the field's name. */
export const CODE_FAMILIES: Table = table({
  E_FIELD_: c(
    "invalid",
    "A profile value breaks Zoom's rules for the field the code names; nothing was sent.",
    "Fix the cell named in the message.",
  ),
});

/** What a code means, or undefined for a code the table does not know (Zoom's own codes). */
export function lookupCode(code: string): CodeInfo | undefined {
  if (Object.hasOwn(CODES, code)) return CODES[code];
  const family = Object.keys(CODE_FAMILIES).find(
    (prefix) => code.startsWith(prefix) && code.length > prefix.length,
  );
  return family === undefined ? undefined : CODE_FAMILIES[family];
}
