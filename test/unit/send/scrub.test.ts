import { describe, expect, it } from "vitest";
import { REDACTED, scrub, scrubRequest } from "../../../src/send/scrub.js";

const TOKEN = "eyJhbGciOiJIUzUxMiJ9.live-access-token.sig";
const SECRET = "s3cr3t-Client-Secret";
const BASIC = Buffer.from(`client:${SECRET}`).toString("base64");
const PASSWORD = 'Pa"ss\\w0rd&1';

describe("scrub", () => {
  it("removes a bearer token, the client secret, the Basic value and the password Zoom echoed", () => {
    const echoed = [
      `Invalid header Authorization: Bearer ${TOKEN}`,
      `basic=${BASIC}`,
      `secret ${SECRET}`,
      `body {"password":${JSON.stringify(PASSWORD)}}`,
      `form password=${encodeURIComponent(PASSWORD)}`,
      `raw ${PASSWORD}`,
      `host key 864209`,
    ].join("; ");
    const out = scrubRequest(echoed, {
      token: TOKEN,
      credentials: [SECRET, BASIC],
      body: { password: PASSWORD, dept: "Sales", host_key: "864209" },
    });
    expect(out).toBe(
      [
        `Invalid header Authorization: Bearer ${REDACTED}`,
        `basic=${REDACTED}`,
        `secret ${REDACTED}`,
        `body {"password":"${REDACTED}"}`,
        `form password=${REDACTED}`,
        `raw ${REDACTED}`,
        `host key ${REDACTED}`,
      ].join("; "),
    );
    for (const secret of [
      TOKEN,
      SECRET,
      BASIC,
      PASSWORD,
      JSON.stringify(PASSWORD),
      encodeURIComponent(PASSWORD),
    ])
      expect(out).not.toContain(secret);
  });

  it("removes any Authorization-shaped value, even one it was not told about", () => {
    expect(scrub("got Bearer abc.def-ghi and basic dXNlcjpwYXNz then", [])).toBe(
      `got Bearer ${REDACTED} and basic ${REDACTED} then`,
    );
    expect(scrub("Authorization%3A%20Bearer%20abcdef123", [])).toBe(`Authorization%3A%20Bearer ${REDACTED}`);
  });

  it("leaves ordinary messages alone, and ignores empty or very short secrets", () => {
    const message = "User does not exist: a@b.c.";
    expect(scrub(message, ["", undefined, "a", "b.c"])).toBe(message);
    expect(scrubRequest("", { token: TOKEN, credentials: [] })).toBe("");
    expect(scrub("Bearer of bad news", [])).toBe("Bearer of bad news");
  });
});
