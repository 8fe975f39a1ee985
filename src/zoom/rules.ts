import type { Plan } from "./labels.js";

/**
 * Zoom's validation rules for the fields zoom-bulk sends, in one place: the planner refuses a row
 * with them before anything is sent, and the sandbox answers with them as Zoom does. Source:
 * PATCH /users/{userId} and PUT /users/{userId}/password in ../shared/zoom-openapi/users.openapi.json
 * (a conformance test holds this table to the spec) and ../shared/zoom-api.md §1.
 */

export type FieldRule =
  | {
      type: "string";
      minLength?: number;
      maxLength?: number;
      check?: (value: string) => string | undefined;
      /** Zoom takes "" for this field, which empties it (the manifest's `[clear]`; see CLEAR_TOKEN). */
      clearable?: true;
    }
  | { type: "integer"; enum?: readonly number[]; digits?: number }
  | { type: "boolean" }
  | { type: "array"; maxItems: number; items: Record<string, FieldRule>; required?: readonly string[] }
  | { type: "object"; properties: Record<string, FieldRule> };

type StringRule = Extract<FieldRule, { type: "string" }>;

/**
 * A table of rules keyed by name, without a prototype: user data names the keys looked up here
 * (a JSON cell's `__proto__`, `constructor` or `toString`), and a plain object would answer those
 * with Object's own members instead of "no such field".
 */
export function ruleTable(rules: Record<string, FieldRule>): Record<string, FieldRule> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, FieldRule>, rules));
}

/** The rule for `key` when the table itself holds one; never an inherited member. */
export function ruleFor(rules: Record<string, FieldRule>, key: string): FieldRule | undefined {
  return Object.hasOwn(rules, key) ? rules[key] : undefined;
}

const str = (maxLength?: number, minLength?: number): StringRule => ({
  type: "string",
  ...(maxLength === undefined ? {} : { maxLength }),
  ...(minLength === undefined ? {} : { minLength }),
});

/** A string field that `[clear]` may empty: free text whose "" Zoom stores as "no value". */
const clearable = (rule: StringRule): StringRule => ({ ...rule, clearable: true });

const noLinksOrHtml = (value: string): string | undefined =>
  /<[a-z/!][^>]*>|https?:\/\/|www\./i.test(value) ? "Hyperlinks or HTML code are not allowed." : undefined;
const oneOf =
  (values: readonly string[]) =>
  (value: string): string | undefined =>
    values.includes(value) ? undefined : `Must be one of ${values.join(", ")}.`;
const linkedinOnly = (value: string): string | undefined =>
  value.includes("linkedin.com") ? undefined : "The URL must contain linkedin.com.";

/** IANA names as this Node knows them (canonical ones only: Node's list leaves out aliases). */
let zoneNames: Set<string> | undefined;
/** Lower-case name -> the IANA spelling, for a hint when only the case is wrong. */
let zoneByLower: Map<string, string> | undefined;
/** Names already judged (a manifest repeats a handful of zones), "" for accepted; bounded. */
const zoneVerdicts = new Map<string, string>();

/**
 * Zoom takes IANA time zone IDs (its list: https://developers.zoom.us/docs/api/references/abbreviations/#timezones),
 * including aliases such as `UTC`, `Etc/GMT+5` or `Asia/Calcutta`. Accepted: a name in
 * `Intl.supportedValuesOf("timeZone")`, or any IANA-shaped name the runtime's time zone database
 * accepts (that list omits the aliases). Offsets such as `+01:00` and case-mangled names are refused.
 */
export function checkTimeZone(value: string): string | undefined {
  const known = zoneVerdicts.get(value); // one lookup per row: this runs for every row of a manifest
  if (known !== undefined) return known === "" ? undefined : known;
  const verdict = judgeTimeZone(value);
  if (zoneVerdicts.size < 1000) zoneVerdicts.set(value, verdict ?? "");
  return verdict;
}

function judgeTimeZone(value: string): string | undefined {
  zoneNames ??= new Set(Intl.supportedValuesOf("timeZone"));
  zoneByLower ??= new Map([...zoneNames].map((z): [string, string] => [z.toLowerCase(), z]));
  if (zoneNames.has(value)) return undefined;
  const sameButCase = zoneByLower.get(value.toLowerCase());
  if (sameButCase) return `Must be an IANA time zone ID, spelled ${sameButCase}.`;
  if (/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(value) && runtimeAccepts(value)) return undefined;
  const city = [...zoneNames].find((z) =>
    z.toLowerCase().endsWith(`/${value.toLowerCase().replace(/ /g, "_")}`),
  );
  return `Must be an IANA time zone ID such as America/New_York or UTC${city ? ` (did you mean ${city}?)` : ""}.`;
}

function runtimeAccepts(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Body fields of PATCH /users/{userId} ("Update a user"). */
export const PROFILE_FIELDS: Record<string, FieldRule> = ruleTable({
  first_name: str(64),
  last_name: str(64),
  display_name: str(128),
  type: { type: "integer", enum: [1, 2, 4, 99] },
  pmi: { type: "integer", digits: 10 },
  use_pmi: { type: "boolean" },
  timezone: { type: "string", check: checkTimeZone },
  language: str(),
  dept: clearable(str()),
  vanity_name: str(),
  host_key: str(10, 6),
  cms_user_id: str(),
  job_title: clearable(str(128)),
  company: clearable(str(255)),
  location: clearable(str(256)),
  phone_number: clearable(str()),
  phone_country: clearable(str()),
  manager: clearable(str()),
  pronouns: clearable(str()),
  pronouns_option: { type: "integer", enum: [1, 2, 3] },
  about_me: clearable({ type: "string", maxLength: 150, check: noLinksOrHtml }),
  linkedin_url: clearable({ type: "string", check: linkedinOnly }),
  cost_center: clearable(str()),
  group_id: str(),
  plan_united_type: {
    type: "string",
    check: oneOf([
      "1",
      "2",
      "4",
      "8",
      "16",
      "32",
      "64",
      "128",
      "256",
      "512",
      "1024",
      "2048",
      "4096",
      "8192",
      "16384",
      "32768",
      "65536",
      "131072",
      "none",
    ]),
  },
  custom_attributes: {
    type: "array",
    maxItems: 5,
    items: ruleTable({ key: str(), name: str(), value: str() }),
  },
  phone_numbers: {
    type: "array",
    maxItems: 3,
    items: ruleTable({
      code: str(),
      country: str(),
      label: { type: "string", check: oneOf(["Mobile", "Office", "Home", "Fax"]) },
      number: str(),
    }),
  },
  division_ids: { type: "array", maxItems: 1, items: ruleTable({}) },
  feature: { type: "object", properties: ruleTable({ zoom_phone: { type: "boolean" } }) },
});

/** Query options of PATCH /users/{userId}. */
export const PROFILE_QUERY: Record<string, FieldRule> = ruleTable({
  login_type: { type: "integer", enum: [0, 1, 11, 21, 23, 24, 27, 97, 98, 99, 100, 101] },
  remove_tsp_credentials: { type: "boolean" },
});

/**
 * The manifest's way to empty a field (PRODUCT.md "Lifecycle"): a cell holding `[clear]` (exact,
 * case-insensitive, trimmed) sends "" for a clearable field. An empty cell still means "leave it".
 */
export const CLEAR_TOKEN = "[clear]";

export function isClearToken(value: unknown): boolean {
  if (typeof value !== "string") return false;
  const text = value.trim();
  // Runs for every cell of every row, so the length is compared before lower-casing a copy; only
  // U+0130 changes length when lower-cased (to "i" and a combining dot, not in "[clear]").
  return text.length === CLEAR_TOKEN.length && text.toLowerCase() === CLEAR_TOKEN;
}

/**
 * The profile fields `[clear]` may empty: free text Zoom stores "" for (titles, organisation,
 * contact and "about" text). Not names (Zoom rebuilds the display name from them), not fields with
 * a format or a minimum length (timezone, language, vanity_name, host_key, plan_united_type), not
 * IDs (cms_user_id, group_id: removing a group or link is a different call), not numbers,
 * booleans, lists or objects.
 */
export const CLEARABLE_FIELDS: readonly string[] = Object.entries(PROFILE_FIELDS)
  .filter(([, rule]) => rule.type === "string" && rule.clearable === true)
  .map(([field]) => field);

// ---- Lifecycle: POST /users, PUT /users/{userId}/status, PUT /users/{userId}/email, DELETE /users/{userId}
// (zoom-api.md §2; the spec extract test/fixtures/zoom-spec.json; test/unit/zoom/lifecycle-rules.test.ts
// holds these tables to it)

const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const DNS_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const LOCAL_PART = new RegExp(`^${ATEXT}(?:\\.${ATEXT})*$`);
const DOMAIN = new RegExp(`^(?:${DNS_LABEL}\\.)+${DNS_LABEL}$`);

/**
 * Email syntax, as far as it can be judged locally (Zoom does not document its exact rule): a
 * local part of RFC 5322 "atext" in dot-separated runs (at most 64 characters), `@`, and a domain
 * of at least two DNS labels (letters, digits, inner hyphens; at most 63 each) whose last label is
 * not all digits. Stricter than the sandbox's check (src/sandbox/fields.ts), so whatever passes
 * here passes there.
 */
export function checkEmailSyntax(value: string): string | undefined {
  const at = value.lastIndexOf("@");
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  const ok =
    at > 0 &&
    local.length <= 64 &&
    LOCAL_PART.test(local) &&
    DOMAIN.test(domain) &&
    !/^\d+$/.test(domain.slice(domain.lastIndexOf(".") + 1));
  return ok ? undefined : "Must be an email address such as name@example.com.";
}

/** POST /users `user_info.email` maxLength. */
export const EMAIL_MAX_LENGTH = 128;
/** An email the job sends in a body or a query (a new user's, a transfer target's). */
export const EMAIL_RULE: FieldRule = { type: "string", maxLength: EMAIL_MAX_LENGTH, check: checkEmailSyntax };
/** PUT /users/{userId}/email: "The length should be less than 128 characters." */
export const NEW_EMAIL_LENGTH_BELOW = 128;

/** POST /users `action`. Only `create` counts against the daily create caps (CREATE_DAILY_CAPS). */
export const CREATE_ACTIONS = ["create", "autoCreate", "custCreate", "ssoCreate"] as const;
export type CreateAction = (typeof CREATE_ACTIONS)[number];

/** `user_info.type` when the row gives none (Basic). */
export const CREATE_DEFAULT_TYPE = 1;

/**
 * POST /users `user_info` fields the job sends. The other spec fields (division_ids, feature,
 * plan_united_type, license_info_list) are not taken from a create row: a PATCH after the create
 * sets the profile fields it takes.
 */
export const CREATE_USER_INFO: Record<string, FieldRule> = ruleTable({
  email: EMAIL_RULE,
  type: { type: "integer", enum: [1, 2, 4, 99] },
  first_name: str(64),
  last_name: str(64),
  display_name: str(128),
  password: str(32, 8),
});

/** Manifest columns a create row puts into `user_info` (and so not into the PATCH after it). */
export const CREATE_PROFILE_FIELDS: readonly string[] = ["type", "first_name", "last_name", "display_name"];

/** The spec's note: type 99 ("None") "can only be set with `ssoCreate`". */
export const TYPE_99_ACTION: CreateAction = "ssoCreate";

/** "50 requests per day for Free accounts, 1,500 for Pro, 10,000 for Business+" (POST /users, `create` only). */
export const CREATE_DAILY_CAPS: Record<Plan, number> = { free: 50, pro: 1_500, business: 10_000 };

/** PUT /users/{userId}/status `action`s a row may ask for (the spec's clock_in/clock_out are not row actions). */
export const STATUS_ACTIONS = ["activate", "deactivate"] as const;

/** DELETE /users/{userId} `action` (the spec's default is `disassociate`; the job always sends one). */
export const DELETE_ACTIONS = ["delete", "disassociate"] as const;

/** DELETE /users/{userId} transfer options, in the spec's order; each needs `transfer_email` when true. */
export const DELETE_TRANSFERS = [
  "transfer_meeting",
  "transfer_webinar",
  "transfer_recording",
  "transfer_whiteboard",
  "transfer_clipfiles",
  "transfer_notes",
  "transfer_visitors",
  "transfer_docs",
] as const;

/** Query options of DELETE /users/{userId} a row may give (`action` comes from the row's action). */
export const DELETE_QUERY: Record<string, FieldRule> = ruleTable({
  transfer_email: EMAIL_RULE,
  ...Object.fromEntries(DELETE_TRANSFERS.map((t): [string, FieldRule] => [t, { type: "boolean" }])),
});

/** `virtual_backgrounds_mode`: `add` uploads the listed files; `replace` also deletes the user's others. */
export const BACKGROUND_MODES = ["add", "replace"] as const;
export type BackgroundMode = (typeof BACKGROUND_MODES)[number];

export interface FieldError {
  field: string;
  message: string;
  /** The job's own `E_…` code for this problem, when it has one (the planner's `[clear]` refusals). */
  code?: string;
}

/** Checks one value against its rule; returns the problems, each naming the field path. */
export function checkField(field: string, rule: FieldRule, value: unknown): FieldError[] {
  const fail = (message: string): FieldError[] => [{ field, message }];
  switch (rule.type) {
    case "string": {
      if (typeof value !== "string") return fail("Must be a string.");
      if (value === "" && rule.clearable) return [];
      const length = [...value].length;
      if (rule.maxLength !== undefined && length > rule.maxLength)
        return fail(`Must be at most ${rule.maxLength} characters (got ${length}).`);
      if (rule.minLength !== undefined && length < rule.minLength)
        return fail(`Must be at least ${rule.minLength} characters (got ${length}).`);
      const problem = rule.check?.(value);
      return problem ? fail(problem) : [];
    }
    case "integer": {
      if (typeof value !== "number" || !Number.isSafeInteger(value)) return fail("Must be an integer.");
      if (rule.enum && !rule.enum.includes(value)) return fail(`Must be one of ${rule.enum.join(", ")}.`);
      if (rule.digits !== undefined && String(value).length !== rule.digits)
        return fail(`Must have exactly ${rule.digits} digits.`);
      return [];
    }
    case "boolean":
      return typeof value === "boolean" ? [] : fail("Must be true or false.");
    case "array": {
      if (!Array.isArray(value)) return fail("Must be an array.");
      if (value.length > rule.maxItems) return fail(`At most ${rule.maxItems} items are allowed.`);
      const itemRules = Object.entries(rule.items);
      if (itemRules.length === 0)
        return value.every((v) => typeof v === "string") ? [] : fail("Items must be strings.");
      return value.flatMap((item, i) =>
        isPlainObject(item)
          ? checkObject(`${field}[${i}]`, rule.items, item)
          : [{ field: `${field}[${i}]`, message: "Must be an object." }],
      );
    }
    case "object":
      return isPlainObject(value) ? checkObject(field, rule.properties, value) : fail("Must be an object.");
    default:
      return fail("Has no rule zoom-bulk knows."); // unreachable with the tables above
  }
}

function checkObject(
  prefix: string,
  rules: Record<string, FieldRule>,
  value: Record<string, unknown>,
): FieldError[] {
  return Object.entries(value).flatMap(([key, v]) => {
    const rule = ruleFor(rules, key);
    const path = prefix ? `${prefix}.${key}` : key;
    return rule ? checkField(path, rule, v) : [{ field: path, message: "Unknown field." }];
  });
}

/** Validates a whole PATCH /users/{userId} body. */
export function checkProfile(body: Record<string, unknown>): FieldError[] {
  return checkObject("", PROFILE_FIELDS, body);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Turns a CSV cell into the value Zoom expects for `rule`: integers and booleans are parsed,
 * arrays and objects are JSON text. Returns an error message when the text does not fit.
 */
export function fromText(rule: FieldRule, text: string): { value: unknown } | { error: string } {
  switch (rule.type) {
    case "string":
      return { value: text };
    case "integer":
      return /^-?\d+$/.test(text.trim()) ? { value: Number(text.trim()) } : { error: "Must be an integer." };
    case "boolean": {
      const t = text.trim().toLowerCase();
      if (t === "true" || t === "1" || t === "yes") return { value: true };
      if (t === "false" || t === "0" || t === "no") return { value: false };
      return { error: "Must be true or false." };
    }
    case "array":
    case "object":
      try {
        return { value: JSON.parse(text) };
      } catch {
        return { error: "Must be valid JSON." };
      }
  }
}

/** A password rule Zoom enforces, with the code and message it answers (zoom-api.md §1.2). */
export interface PasswordProblem {
  code: number;
  message: string;
}

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 32;

/**
 * Zoom's default password rules (POST /users documents them; PUT /password answers 1124–1131):
 * 8 to 32 characters, a letter, a number, upper and lower case, no character repeated 4 times in
 * a row (1130) and no run of 4 consecutive characters such as "abcd" or "1234" (1131).
 * Messages never contain the password.
 */
export function checkPassword(password: string): PasswordProblem | undefined {
  const chars = [...password];
  if (chars.length < PASSWORD_MIN)
    return { code: 1124, message: `Have at least ${PASSWORD_MIN} characters.` };
  if (chars.length > PASSWORD_MAX) return { code: 300, message: "Invalid parameter: password." };
  if (!/\p{L}/u.test(password)) return { code: 1125, message: "Password must contain at least 1 letter." };
  if (!/\d/.test(password)) return { code: 1126, message: "Password must contain at least 1 number." };
  if (!/\p{Lu}/u.test(password) || !/\p{Ll}/u.test(password))
    return { code: 1128, message: "Password must include both uppercase and lowercase characters." };
  if (/(.)\1{3}/u.test(password))
    return { code: 1130, message: "Password cannot contain 4 or more repeated same characters." };
  if (hasSequence(chars, 4))
    return {
      code: 1131,
      message: "Password cannot contain 4 or more consecutive characters, like 'abcd' or '1234'.",
    };
  return undefined;
}

function hasSequence(chars: string[], run: number): boolean {
  let up = 1;
  let down = 1;
  for (let i = 1; i < chars.length; i++) {
    const step = (chars[i]?.codePointAt(0) ?? 0) - (chars[i - 1]?.codePointAt(0) ?? 0);
    up = step === 1 ? up + 1 : 1;
    down = step === -1 ? down + 1 : 1;
    if (up >= run || down >= run) return true;
  }
  return false;
}

/** Upload limits, from the endpoints' descriptions in Zoom's spec. */
export const PICTURE_MAX_BYTES = 2 * 1024 * 1024;
export const BACKGROUND_MAX_BYTES = 15 * 1024 * 1024;
export const BACKGROUND_MAX_FILES = 10;

export type FileFormat = "jpeg" | "png" | "gif" | "mp4" | "mov";

export const FORMAT_INFO: Record<FileFormat, { mime: string; kind: "image" | "video" }> = {
  jpeg: { mime: "image/jpeg", kind: "image" },
  png: { mime: "image/png", kind: "image" },
  gif: { mime: "image/gif", kind: "image" },
  mp4: { mime: "video/mp4", kind: "video" },
  mov: { mime: "video/quicktime", kind: "video" },
};

export const PICTURE_FORMATS: readonly FileFormat[] = ["jpeg", "png"];
export const BACKGROUND_FORMATS: readonly FileFormat[] = ["jpeg", "png", "gif", "mp4", "mov"];

/** How many leading bytes `sniffFormat` needs. */
export const SNIFF_BYTES = 16;

/** Judges a file's format by its content (magic bytes), never by its name. */
export function sniffFormat(head: Uint8Array): FileFormat | undefined {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpeg";
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return "png";
  const ascii = b.subarray(0, 12).toString("latin1");
  if (ascii.startsWith("GIF87a") || ascii.startsWith("GIF89a")) return "gif";
  if (ascii.slice(4, 8) === "ftyp") return ascii.slice(8, 12) === "qt  " ? "mov" : "mp4";
  return undefined;
}

/** Zoom's messages for upload refusals, all with code 120 (zoom-api.md §1.3, §1.4). */
export const UPLOAD_MESSAGES = {
  pictureEmpty: "File is empty.",
  pictureTooLarge: "File size cannot exceed 2M.",
  pictureFormat: "Only jpg/jpeg or png image file can be uploaded.",
  backgroundMissing: "No file uploaded, verify that a file has been uploaded.",
  backgroundTooLarge: "File size cannot exceed 15M.",
  backgroundTooMany: "A maximum of 10 files are allowed for a user.",
  backgroundFormat: "Only jpg/jpeg, gif or png image file can be uploaded.",
} as const;
