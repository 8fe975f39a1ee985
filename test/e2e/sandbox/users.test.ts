import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../../../src/sandbox/index.js";
import { stableId, startSandbox } from "../../../src/sandbox/index.js";
import type { Answer } from "./helpers.js";
import { TRACKING, client, getToken } from "./helpers.js";

let sandbox: Sandbox;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  sandbox = await startSandbox({ unlimited: true, seed: 1, startTime: Date.parse("2026-11-24T12:00:00Z") });
  api = client(sandbox, await getToken(sandbox));
});
afterAll(() => sandbox.close());

const strip = (answer: Answer) => [answer.status, answer.body];

describe("PATCH /users/{userId}", () => {
  it("applies the fields, answers 204 with no body, and derives display_name from the names", async () => {
    const answer = await api("PATCH", "/users/bob@example.com", {
      json: {
        first_name: "Robert",
        last_name: "Builder",
        job_title: "Engineer",
        custom_attributes: [{ key: "k", name: "n", value: "v" }],
      },
    });
    expect(answer.status).toBe(204);
    expect(answer.body).toBeUndefined();
    expect(answer.headers["x-ratelimit-category"]).toBe("Light");
    expect(answer.headers["x-zm-trackingid"]).toMatch(TRACKING);
    const user = sandbox.state.getUser("BOB@example.com");
    expect(user?.profile).toMatchObject({
      first_name: "Robert",
      last_name: "Builder",
      display_name: "Robert Builder",
      job_title: "Engineer",
      custom_attributes: [{ key: "k", name: "n", value: "v" }],
    });
    await api("PATCH", `/users/${user?.id}`, { json: { display_name: "Bob B." } });
    expect(sandbox.state.getUser("bob@example.com")?.profile.display_name).toBe("Bob B.");
  });

  it("answers Zoom's validation error with every failing field", async () => {
    const answer = await api("PATCH", "/users/bob@example.com?login_type=5", {
      json: { first_name: "x".repeat(65), type: 3, pmi: 123, nickname: "b" },
    });
    expect(strip(answer)).toEqual([
      400,
      {
        code: 300,
        message: "Validation Failed.",
        errors: [
          { field: "login_type", message: "Must be one of 0, 1, 11, 21, 23, 24, 27, 97, 98, 99, 100, 101." },
          { field: "first_name", message: "Must be at most 64 characters (got 65)." },
          { field: "type", message: "Must be one of 1, 2, 4, 99." },
          { field: "pmi", message: "Must have exactly 10 digits." },
          { field: "nickname", message: "Unknown field." },
        ],
      },
    ]);
    expect(
      (await api("PATCH", "/users/bob@example.com?login_type=100&remove_tsp_credentials=true", { json: {} }))
        .status,
    ).toBe(204);
  });

  it("refuses malformed JSON, a non-object and a wrong content type", async () => {
    expect(strip(await api("PATCH", "/users/bob@example.com", { raw: "{first_name:" }))).toEqual([
      400,
      { code: 300, message: "Request Body should be a valid JSON object." },
    ]);
    expect(strip(await api("PATCH", "/users/bob@example.com", { raw: "[1]" }))).toEqual([
      400,
      { code: 300, message: "Request Body should be a valid JSON object." },
    ]);
    const form = await api("PATCH", "/users/bob@example.com", {
      raw: "first_name=x",
      contentType: "application/x-www-form-urlencoded",
    });
    expect(strip(form)).toEqual([
      400,
      {
        code: 300,
        message:
          'Unsupported Content-Type "application/x-www-form-urlencoded": this endpoint accepts application/json only.',
      },
    ]);
  });

  it("answers 404/1001 for an unknown user, by id or email", async () => {
    expect(strip(await api("PATCH", "/users/nobody%40example.com", { json: { dept: "x" } }))).toEqual([
      404,
      { code: 1001, message: "User does not exist: nobody@example.com." },
    ]);
    expect(strip(await api("GET", "/users/NoSuchId"))).toEqual([
      404,
      { code: 1001, message: "User does not exist: NoSuchId." },
    ]);
  });
});

describe("PUT /users/{userId}/password", () => {
  it("sets the password (204), refuses the old one (300) and Zoom's rule breaks with their codes", async () => {
    const put = (password: unknown) =>
      api("PUT", "/users/carol@example.com/password", { json: { password } });
    const ok = await put("Secret-9x!Q");
    expect([ok.status, ok.body, ok.headers["x-ratelimit-category"]]).toEqual([204, undefined, "Medium"]);
    expect(sandbox.state.passwordMatches("carol@example.com", "Secret-9x!Q")).toBe(true);
    expect(strip(await put("Secret-9x!Q"))).toEqual([
      400,
      { code: 300, message: "Your new password can not match the old password." },
    ]);
    expect(strip(await put("Ab1"))).toEqual([400, { code: 1124, message: "Have at least 8 characters." }]);
    expect(strip(await put("abcdefg9x"))).toEqual([
      400,
      { code: 1128, message: "Password must include both uppercase and lowercase characters." },
    ]);
    expect(strip(await put("Xy1234zzQ"))).toEqual([
      400,
      {
        code: 1131,
        message: "Password cannot contain 4 or more consecutive characters, like 'abcd' or '1234'.",
      },
    ]);
    expect(strip(await put(undefined))).toEqual([
      400,
      { code: 300, message: "Validation Failed.", errors: [{ field: "password", message: "Required." }] },
    ]);
    expect(sandbox.state.passwordMatches("carol@example.com", "Secret-9x!Q")).toBe(true);
  });
});

describe("GET /users/{userId} and /settings", () => {
  it("returns Zoom's user object; `me` is the account owner", async () => {
    const answer = await api("GET", "/users/me");
    const alice = sandbox.state.getUser("alice@example.com");
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      id: stableId("alice@example.com"),
      email: "alice@example.com",
      first_name: "Alice",
      last_name: "Example",
      display_name: "Alice Example",
      type: 1,
      pmi: alice?.profile.pmi,
      use_pmi: false,
      timezone: "America/Los_Angeles",
      language: "en-US",
      dept: "",
      job_title: "",
      role_name: "Owner",
      role_id: "0",
      personal_meeting_url: `https://zoom.us/j/${String(alice?.profile.pmi)}`,
      verified: 1,
      created_at: "2026-11-24T12:00:00Z",
      user_created_at: "2026-11-24T12:00:00Z",
      account_id: "sandbox-account",
      account_number: 10009239,
      cluster: "us06",
      jid: `${alice?.id.toLowerCase()}@xmpp.zoom.us`,
      login_types: [100],
      group_ids: [],
      im_group_ids: [],
      status: "active",
    });
    expect(String(alice?.profile.pmi)).toMatch(/^\d{10}$/);
  });

  it("lists no virtual backgrounds in settings for a fresh user", async () => {
    const answer = await api("GET", "/users/dave@example.com/settings");
    expect(answer.status).toBe(200);
    expect(answer.headers["x-ratelimit-category"]).toBe("Medium");
    expect((answer.body as { in_meeting: unknown }).in_meeting).toMatchObject({
      virtual_background: true,
      virtual_background_settings: { enable: true, allow_videos: true, allow_upload_custom: true, files: [] },
    });
  });
});

describe("POST /users, PUT /users/{userId}/status, GET /users", () => {
  it("creates a user (201), refuses a used email (409/1005) and invalid input (300)", async () => {
    const created = await api("POST", "/users", {
      json: {
        action: "create",
        user_info: { email: "New.Person@example.com", type: 1, first_name: "New", last_name: "Person" },
      },
    });
    expect(strip(created)).toEqual([
      201,
      {
        id: stableId("new.person@example.com"),
        email: "New.Person@example.com",
        first_name: "New",
        last_name: "Person",
        type: 1,
      },
    ]);
    expect(sandbox.state.getUser("new.person@example.com")?.status).toBe("pending");
    const again = await api("POST", "/users", {
      json: { action: "create", user_info: { email: "new.person@example.com", type: 1 } },
    });
    expect(strip(again)).toEqual([
      409,
      { code: 1005, message: 'Email "new.person@example.com" has already been used.' },
    ]);
    const invalid = await api("POST", "/users", {
      json: { action: "make", user_info: { email: "not-an-email", type: 7 } },
    });
    expect(strip(invalid)).toEqual([
      400,
      {
        code: 300,
        message: "Validation Failed.",
        errors: [
          { field: "action", message: "Must be one of create, autoCreate, custCreate, ssoCreate." },
          { field: "user_info.email", message: "Invalid field." },
          { field: "user_info.type", message: "Must be one of 1, 2, 4, 99." },
        ],
      },
    ]);
  });

  it("deactivates and activates a user (204)", async () => {
    expect(
      (await api("PUT", "/users/erin@example.com/status", { json: { action: "deactivate" } })).status,
    ).toBe(204);
    expect(sandbox.state.getUser("erin@example.com")?.status).toBe("inactive");
    const inactive = await api("GET", "/users?status=inactive");
    expect((inactive.body as { users: { email: string }[] }).users.map((u) => u.email)).toEqual([
      "erin@example.com",
    ]);
    expect(
      (await api("PUT", "/users/erin@example.com/status", { json: { action: "activate" } })).status,
    ).toBe(204);
    expect(sandbox.state.getUser("erin@example.com")?.status).toBe("active");
    expect(strip(await api("PUT", "/users/erin@example.com/status", { json: { action: "pause" } }))).toEqual([
      400,
      {
        code: 300,
        message: "Validation Failed.",
        errors: [{ field: "action", message: "Must be one of activate, deactivate, clock_in, clock_out." }],
      },
    ]);
  });

  it("pages through active users with next_page_token", async () => {
    const first = await api("GET", "/users?page_size=10");
    const page1 = first.body as { next_page_token: string; users: { email: string }[] } & Record<
      string,
      unknown
    >;
    expect(first.headers["x-ratelimit-category"]).toBe("Medium");
    expect({ ...page1, next_page_token: "…", users: page1.users.length }).toEqual({
      next_page_token: "…",
      page_count: 3,
      page_number: 1,
      page_size: 10,
      total_records: 28,
      users: 10,
    });
    const emails = [...page1.users.map((u) => u.email)];
    let token = page1.next_page_token;
    while (token) {
      const next = (await api("GET", `/users?page_size=10&next_page_token=${token}`)).body as typeof page1;
      emails.push(...next.users.map((u) => u.email));
      token = next.next_page_token;
    }
    expect(emails).toEqual(
      sandbox.state
        .users()
        .filter((u) => u.status === "active")
        .map((u) => u.email),
    );
    expect(strip(await api("GET", "/users?next_page_token=garbage"))).toEqual([
      400,
      { code: 300, message: "The next page token is invalid or expired." },
    ]);
    // the spec allows 2000 a page, the sandbox (like the pagination guide) answers 300
    const big = (await api("GET", "/users?page_size=2000")).body as { page_size: number };
    expect(big.page_size).toBe(300);
    expect(strip(await api("GET", "/users?page_size=5000"))).toEqual([
      400,
      {
        code: 300,
        message: "Validation Failed.",
        errors: [{ field: "page_size", message: "Must be at most 2000." }],
      },
    ]);
  });
});

describe("unknown routes", () => {
  it("answers 404 with a Zoom-like body and a tracking id", async () => {
    const answer = await api("GET", "/meetings/123");
    expect(strip(answer)).toEqual([404, { code: 404, message: "No API at GET /v2/meetings/123." }]);
    expect(answer.headers["x-zm-trackingid"]).toMatch(TRACKING);
    const ids = new Set(
      (await Promise.all([1, 2, 3].map(() => api("GET", "/users/me")))).map(
        (a) => a.headers["x-zm-trackingid"],
      ),
    );
    expect(ids.size).toBe(3);
  });
});
