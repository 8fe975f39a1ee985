/**
 * The lifecycle rules of src/zoom/rules.ts (issue 14) held to Zoom's spec through the extract
 * (test/fixtures/zoom-spec.json): POST /users, PUT /users/{userId}/status, PUT
 * /users/{userId}/email and DELETE /users/{userId}; then the job's own judgements where the spec
 * is silent (email syntax, which fields `[clear]` may empty).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isEmail } from "../../../src/sandbox/fields.js";
import {
  checkEmailSyntax,
  checkField,
  CLEARABLE_FIELDS,
  CREATE_ACTIONS,
  CREATE_DAILY_CAPS,
  CREATE_PROFILE_FIELDS,
  CREATE_USER_INFO,
  DELETE_ACTIONS,
  DELETE_QUERY,
  DELETE_TRANSFERS,
  EMAIL_RULE,
  isClearToken,
  NEW_EMAIL_LENGTH_BELOW,
  PROFILE_FIELDS,
  STATUS_ACTIONS,
  type FieldRule,
} from "../../../src/zoom/rules.js";

interface Facts {
  type?: string;
  enum?: unknown[];
  maxLength?: number;
  minLength?: number;
  required?: boolean;
  lengthBelowInDescription?: number;
}
interface SpecEndpoint {
  body: Record<string, Facts>;
  query: Record<string, Facts>;
  notes?: Record<string, Record<string, unknown>>;
}
const extract = JSON.parse(
  readFileSync(join(import.meta.dirname, "..", "..", "fixtures", "zoom-spec.json"), "utf8"),
) as { endpoints: Record<string, SpecEndpoint> };
const spec = (key: string): SpecEndpoint => {
  const found = extract.endpoints[key];
  if (!found) throw new Error(`${key} is not in the extract`);
  return found;
};

/** One line per disagreement between a rule and the spec's facts. */
function disagreements(path: string, rule: FieldRule, facts: Facts | undefined): string[] {
  if (!facts) return [`${path}: not in the spec`];
  const out: string[] = [];
  const differ = (what: string, theirs: unknown, ours: unknown): void => {
    if (JSON.stringify(theirs) !== JSON.stringify(ours))
      out.push(`${path}: spec ${what} ${JSON.stringify(theirs)}, rules.ts ${JSON.stringify(ours)}`);
  };
  differ("type", facts.type, rule.type);
  if (rule.type === "string") {
    differ("maxLength", facts.maxLength, rule.maxLength);
    differ("minLength", facts.minLength, rule.minLength);
  }
  if (rule.type === "integer") differ("enum", facts.enum, rule.enum);
  return out;
}

describe("POST /users", () => {
  const create = spec("POST /users");

  it("takes the spec's four create actions", () => {
    expect([...CREATE_ACTIONS]).toEqual(create.body.action?.enum);
  });

  it("holds user_info's email, type, names and password to the spec's types, lengths and enums", () => {
    const problems = Object.entries(CREATE_USER_INFO).flatMap(([field, rule]) =>
      disagreements(`user_info.${field}`, rule, create.body[`user_info.${field}`]),
    );
    expect(problems).toEqual([]);
    // the spec's required user_info fields are always sent (type defaults to 1); license_info_list's
    // required item fields do not matter, since the job sends no license_info_list
    const required = Object.entries(create.body)
      .filter(([path, f]) => /^user_info\.[a-z_]+$/.test(path) && f.required)
      .map(([path]) => path.slice("user_info.".length));
    expect(required.sort()).toEqual(["email", "type"]);
  });

  it("PATCHes the other profile fields: the create row's columns that go into user_info are profile fields", () => {
    for (const field of CREATE_PROFILE_FIELDS) {
      expect(Object.hasOwn(PROFILE_FIELDS, field), field).toBe(true);
      expect(Object.hasOwn(CREATE_USER_INFO, field), field).toBe(true);
    }
  });

  it("knows the daily create caps of the spec's note", () => {
    const caps = create.notes?.dailyCreateCaps;
    expect(CREATE_DAILY_CAPS).toEqual({ free: caps?.Free, pro: caps?.Pro, business: caps?.["Business+"] });
  });
});

describe("PUT /users/{userId}/status, PUT /users/{userId}/email, DELETE /users/{userId}", () => {
  it("asks only for status actions the spec has", () => {
    const actions = spec("PUT /users/{userId}/status").body.action?.enum ?? [];
    for (const action of STATUS_ACTIONS) expect(actions).toContain(action);
  });

  it("wants a new email below the spec's length", () => {
    expect(NEW_EMAIL_LENGTH_BELOW).toBe(
      spec("PUT /users/{userId}/email").body.email?.lengthBelowInDescription,
    );
  });

  it("gives DELETE the spec's actions and every transfer option, each with the spec's type", () => {
    const { query } = spec("DELETE /users/{userId}");
    expect([...DELETE_ACTIONS].sort()).toEqual([...(query.action?.enum ?? [])].sort());
    const transfers = Object.keys(query).filter(
      (name) => name.startsWith("transfer_") && name !== "transfer_email",
    );
    expect([...DELETE_TRANSFERS].sort()).toEqual(transfers.sort());
    const problems = Object.entries(DELETE_QUERY).flatMap(([name, rule]) =>
      disagreements(`?${name}`, rule.type === "string" ? { type: "string" } : rule, query[name]),
    );
    expect(problems).toEqual([]);
  });
});

describe("email syntax (Zoom documents no rule; the job's)", () => {
  const good = [
    "a@example.com",
    "first.last@sub.example.co.uk",
    "first+last%2541@example.com",
    "o'brien@example.ie",
    "x@xn--bcher-kva.example",
    "UPPER@EXAMPLE.COM",
  ];
  const bad = [
    "",
    "plain",
    "@example.com",
    "a@",
    "a@example",
    "a@@example.com",
    "a b@example.com",
    ".a@example.com",
    "a.@example.com",
    "a..b@example.com",
    "a@-example.com",
    "a@example-.com",
    "a@example..com",
    "a@1.2.3.4",
    "a@exa_mple.com",
    "ü@example.com",
    `${"a".repeat(65)}@example.com`,
    "a@example.com\n",
  ];

  it("accepts usual addresses, which the sandbox accepts too", () => {
    for (const email of good) {
      expect(checkEmailSyntax(email), email).toBeUndefined();
      expect(isEmail(email), email).toBe(true);
    }
  });

  it("refuses the rest with one message", () => {
    for (const email of bad)
      expect(checkEmailSyntax(email), JSON.stringify(email)).toBe(
        "Must be an email address such as name@example.com.",
      );
  });

  it("holds emails to POST /users' 128 characters", () => {
    const at128 = `${"a".repeat(64)}@${"b".repeat(59)}.com`;
    expect(at128).toHaveLength(128);
    expect(checkField("email", EMAIL_RULE, at128)).toEqual([]);
    expect(checkField("email", EMAIL_RULE, `a${at128}`)).toEqual([
      { field: "email", message: "Must be at most 128 characters (got 129)." },
    ]);
  });
});

describe("[clear]", () => {
  it("is the token, trimmed and in any case, and nothing else", () => {
    for (const text of ["[clear]", " [CLEAR] ", "[Clear]\t"]) expect(isClearToken(text), text).toBe(true);
    for (const value of ["clear", "[clear", "[ clear ]", "", "[clear][clear]", ["[clear]"], null, undefined])
      expect(isClearToken(value), JSON.stringify(value)).toBe(false);
  });

  it('empties only free-text string fields without a minimum length, and the rules accept their ""', () => {
    for (const field of CLEARABLE_FIELDS) {
      const rule = PROFILE_FIELDS[field];
      expect(rule?.type, field).toBe("string");
      if (rule?.type === "string") expect(rule.minLength, field).toBeUndefined();
      if (rule) expect(checkField(field, rule, ""), field).toEqual([]);
    }
    // a check that "" would fail (linkedin_url must hold linkedin.com) lets "" through only there
    const linkedin = PROFILE_FIELDS.linkedin_url;
    if (!linkedin) throw new Error("no linkedin_url rule");
    expect(checkField("linkedin_url", linkedin, "https://example.com")).toHaveLength(1);
    for (const field of ["first_name", "last_name", "display_name", "timezone", "host_key", "vanity_name"])
      expect(CLEARABLE_FIELDS, field).not.toContain(field);
  });
});
