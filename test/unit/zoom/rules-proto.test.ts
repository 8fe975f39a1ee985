/**
 * User data never reaches object prototypes (issue 12): keys named like Object's own members, at
 * any depth of a JSON-valued cell, are unknown fields, never rules.
 */
import { describe, expect, it } from "vitest";
import { checkField, checkProfile, checkTimeZone, PROFILE_FIELDS, ruleFor } from "../../../src/zoom/rules.js";

const MEMBER_KEYS = ["__proto__", "constructor", "prototype", "hasOwnProperty", "toString", "valueOf"];

describe("rule lookups", () => {
  it("find no rule for Object's own member names", () => {
    for (const key of MEMBER_KEYS) expect(ruleFor(PROFILE_FIELDS, key)).toBeUndefined();
    expect(Object.getPrototypeOf(PROFILE_FIELDS)).toBeNull();
  });

  it("refuse member-named keys inside array items and objects as unknown fields, naming the path", () => {
    const rule = PROFILE_FIELDS.custom_attributes;
    if (!rule) throw new Error("no custom_attributes rule");
    expect(checkField("custom_attributes", rule, JSON.parse('[{"toString":"x"}]'))).toEqual([
      { field: "custom_attributes[0].toString", message: "Unknown field." },
    ]);
    expect(checkProfile(JSON.parse('{"feature":{"__proto__":{}}}') as Record<string, unknown>)).toEqual([
      { field: "feature.__proto__", message: "Unknown field." },
    ]);
    expect(
      checkProfile(JSON.parse('{"phone_numbers":[{"constructor":1}]}') as Record<string, unknown>),
    ).toEqual([{ field: "phone_numbers[0].constructor", message: "Unknown field." }]);
    for (const key of MEMBER_KEYS)
      expect(checkProfile(JSON.parse(`{"${key}":"x"}`) as Record<string, unknown>)).toEqual([
        { field: key, message: "Unknown field." },
      ]);
  });
});

describe("time zones", () => {
  it("accept IANA names and the aliases Zoom takes that Node's list omits", () => {
    for (const zone of [
      "America/New_York",
      "Europe/Berlin",
      "UTC",
      "Etc/UTC",
      "Etc/GMT+5",
      "GMT",
      "US/Eastern",
    ])
      expect(checkTimeZone(zone), zone).toBeUndefined();
  });

  it("refuse offsets, abbreviations Intl does not know, wrong case and nonsense, with a hint", () => {
    expect(checkTimeZone("+01:00")).toMatch(/Must be an IANA time zone ID such as America\/New_York/);
    expect(checkTimeZone("Mars/Olympus_Mons")).toMatch(/IANA time zone ID/);
    expect(checkTimeZone("america/new_york")).toBe("Must be an IANA time zone ID, spelled America/New_York.");
    expect(checkTimeZone("New York")).toMatch(/did you mean America\/New_York\?/);
    expect(checkTimeZone("")).toMatch(/IANA/);
  });
});
