/**
 * Joiners, movers and leavers as the sandbox serves them: POST /users (four actions, 409/1005,
 * daily create caps, lost answers), PUT /users/{userId}/status, PUT /users/{userId}/email (three a
 * day), DELETE /users/{userId} (with transfers) and DELETE /users/{userId}/picture. Every answer
 * they give is checked against the spec extract at the end.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { Sandbox, SandboxOptions, SeedUser } from "../../../src/sandbox/index.js";
import { startSandbox } from "../../../src/sandbox/index.js";
import type { Answer } from "./helpers.js";
import { PNG, client, file, form, getToken, undocumentedAnswers } from "./helpers.js";

const START = Date.parse("2026-11-24T12:00:00Z");
const SEED: SeedUser[] = [
  { email: "owner@corp.example", role_name: "Owner", first_name: "Olga" },
  { email: "admin@corp.example", role_name: "Admin" },
  ...["ann", "ben", "cat", "dan", "eve", "fay", "gus"].map((name) => ({ email: `${name}@corp.example` })),
  { email: "old@corp.example", status: "inactive" as const },
  { email: "invited@corp.example", status: "pending" as const },
];

const strip = (answer: Answer) => [answer.status, answer.body];
const errorCode = (error: unknown): string => String((error as { code?: string }).code);
const created = (email: string, action = "create", extra: Record<string, unknown> = {}) => ({
  json: { action, user_info: { email, type: 1, ...extra } },
});

let sandbox: Sandbox;
let api: ReturnType<typeof client>;
const logs: Sandbox["state"]["log"] = [];

async function open(options: SandboxOptions = {}): Promise<void> {
  sandbox = await startSandbox({ unlimited: true, seed: 7, startTime: START, users: SEED, ...options });
  api = client(sandbox, await getToken(sandbox));
}
afterEach(async () => {
  logs.push(...sandbox.state.log);
  await sandbox.close();
});
afterAll(() => {
  // every answer the tests saw is one the spec documents for that endpoint, or a declared choice
  expect(logs.length).toBeGreaterThan(50);
  expect(undocumentedAnswers(logs)).toEqual([]);
});

describe("POST /users", () => {
  it("creates with each action: `create` makes a pending user, the others an active one", async () => {
    await open();
    const statuses: Record<string, string | undefined> = {};
    for (const action of ["create", "autoCreate", "custCreate", "ssoCreate"]) {
      const email = `${action.toLowerCase()}@corp.example`;
      const extra = action === "autoCreate" ? { password: "Zx9-long-Pw", first_name: "Au" } : {};
      const answer = await api("POST", "/users", created(email, action, extra));
      expect(answer.status).toBe(201);
      const user = sandbox.state.getUser(email);
      expect(answer.body).toEqual({
        id: user?.id,
        email,
        first_name: action === "autoCreate" ? "Au" : "",
        last_name: "",
        type: 1,
      });
      statuses[action] = user?.status;
    }
    expect(statuses).toEqual({
      create: "pending",
      autoCreate: "active",
      custCreate: "active",
      ssoCreate: "active",
    });
    expect(sandbox.state.passwordMatches("autocreate@corp.example", "Zx9-long-Pw")).toBe(true);
    expect(sandbox.state.getUser("create@corp.example")?.password).toBeUndefined();
  });

  it("answers 409/1005 for an email in use (any case, any status) and checks type 99 and passwords", async () => {
    await open();
    for (const email of ["ANN@corp.example", "old@corp.example", "invited@corp.example"])
      expect(strip(await api("POST", "/users", created(email)))).toEqual([
        409,
        { code: 1005, message: `Email "${email}" has already been used.` },
      ]);
    expect(strip(await api("POST", "/users", created("x99@corp.example", "create", { type: 99 })))).toEqual([
      400,
      {
        code: 300,
        message: "Validation Failed.",
        errors: [{ field: "user_info.type", message: "Type 99 can only be set with ssoCreate." }],
      },
    ]);
    expect(
      (await api("POST", "/users", created("sso99@corp.example", "ssoCreate", { type: 99 }))).status,
    ).toBe(201);
    expect(
      strip(
        await api("POST", "/users", created("weak@corp.example", "autoCreate", { password: "abcdefg9x" })),
      ),
    ).toEqual([
      400,
      { code: 1128, message: "Password must include both uppercase and lowercase characters." },
    ]);
    expect(strip(await api("POST", "/users", { json: { action: "create" } }))).toEqual([
      400,
      { code: 300, message: "Validation Failed.", errors: [{ field: "user_info", message: "Required." }] },
    ]);
    expect(
      strip(await api("POST", "/users", { json: { action: "create", user_info: { email: "a@b.example" } } })),
    ).toEqual([
      400,
      {
        code: 300,
        message: "Validation Failed.",
        errors: [{ field: "user_info.type", message: "Required." }],
      },
    ]);
    expect(sandbox.state.getUser("weak@corp.example")).toBeUndefined();
  });

  it("stops `create` at the daily cap with Zoom's daily-limit 429, and lets it go again the next UTC day", async () => {
    await open({ dailyCreateLimit: 2 });
    expect((await api("POST", "/users", created("n1@corp.example"))).status).toBe(201);
    expect((await api("POST", "/users", created("ann@corp.example"))).status).toBe(409); // counts too
    const refused = await api("POST", "/users", created("n3@corp.example"));
    expect(strip(refused)).toEqual([
      429,
      {
        code: 429,
        message:
          "You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request.",
      },
    ]);
    expect(refused.headers).toMatchObject({
      "x-ratelimit-category": "Light",
      "x-ratelimit-type": "Daily-limit",
      "x-ratelimit-limit": "2",
      "x-ratelimit-remaining": "0",
      "retry-after": "2026-11-25T00:00:00Z",
    });
    expect(sandbox.state.getUser("n3@corp.example")).toBeUndefined();
    // the other actions are not capped, and other Light calls go on
    expect((await api("POST", "/users", created("n4@corp.example", "autoCreate"))).status).toBe(201);
    expect((await api("GET", "/users/ann@corp.example")).status).toBe(200);
    expect(sandbox.state.stats().light.rejected429.daily).toBe(1);
    expect(sandbox.state.snapshot()).toMatchObject({ quotas: { createsToday: 2, createCap: 2 } });
    sandbox.clock.set(Date.parse("2026-11-25T00:00:01Z"));
    api = client(sandbox, await getToken(sandbox));
    expect((await api("POST", "/users", created("n3@corp.example"))).status).toBe(201);
  });

  it("has the plan's create caps: Free 50, Pro 1,500, Business 10,000; none when unlimited", async () => {
    const caps: Record<string, number | undefined> = {};
    for (const plan of ["free", "pro", "business"] as const) {
      await open({ plan, unlimited: false });
      caps[plan] = sandbox.state.quotas.createCap();
      await sandbox.close();
    }
    await open();
    expect({ ...caps, unlimited: sandbox.state.quotas.createCap() }).toEqual({
      free: 50,
      pro: 1500,
      business: 10_000,
      unlimited: undefined,
    });
  });

  it("loses a create's answer after making the user (forced or drawn); a lookup finds it, a retry gets 409", async () => {
    await open();
    sandbox.state.failNext({ endpoint: "createUser", fault: "lost-create" });
    const lost = await api("POST", "/users", created("lost@corp.example")).catch((e: unknown) => e);
    expect(errorCode(lost)).toMatch(/UND_ERR_SOCKET|ECONNRESET/);
    expect(sandbox.state.log.at(-1)).toMatchObject({
      status: 0,
      fault: "lost-create",
      operation: "createUser",
    });
    expect((await api("GET", "/users/lost@corp.example")).status).toBe(200);
    expect((await api("POST", "/users", created("lost@corp.example"))).status).toBe(409);

    sandbox.state.setFaults({ lostCreate: 1 });
    // a refused create is answered (nothing was made, so nothing is lost) …
    expect((await api("POST", "/users", created("ann@corp.example"))).status).toBe(409);
    // … and other calls are not hit
    expect((await api("PATCH", "/users/ann@corp.example", { json: { dept: "x" } })).status).toBe(204);
    const drawn = await api("POST", "/users", created("drawn@corp.example")).catch((e: unknown) => e);
    expect(errorCode(drawn)).toMatch(/UND_ERR_SOCKET|ECONNRESET/);
    expect(sandbox.state.getUser("drawn@corp.example")?.status).toBe("pending");

    sandbox.state.setFaults({});
    sandbox.state.failNext({ endpoint: "updateUser", fault: "lost-response" });
    const patch = await api("PATCH", "/users/ben@corp.example", { json: { dept: "D" } }).catch(
      (e: unknown) => e,
    );
    expect(errorCode(patch)).toMatch(/UND_ERR_SOCKET|ECONNRESET/);
    expect(sandbox.state.getUser("ben@corp.example")?.profile.dept).toBe("D");
  });
});

describe("GET /users/email", () => {
  it("says whether an email is taken in the account (any case, any status), Light", async () => {
    await open();
    const check = async (email: string) => {
      const answer = await api("GET", `/users/email?email=${encodeURIComponent(email)}`);
      expect(answer.headers["x-ratelimit-category"]).toBe("Light");
      return strip(answer);
    };
    expect(await check("ANN@corp.example")).toEqual([200, { existed_email: true }]);
    expect(await check("invited@corp.example")).toEqual([200, { existed_email: true }]);
    expect(await check("new@corp.example")).toEqual([200, { existed_email: false }]);
    expect(strip(await api("GET", "/users/email"))).toEqual([
      400,
      { code: 300, message: "Email is required." },
    ]);
  });
});

describe("PUT /users/{userId}/status", () => {
  it("deactivates and activates members; refuses owners, admins and pending users", async () => {
    await open();
    const put = (user: string, action: string) => api("PUT", `/users/${user}/status`, { json: { action } });
    expect((await put("ann@corp.example", "deactivate")).status).toBe(204);
    expect(sandbox.state.getUser("ann@corp.example")?.status).toBe("inactive");
    expect((await put("old@corp.example", "activate")).status).toBe(204);
    expect(sandbox.state.getUser("old@corp.example")?.status).toBe("active");
    expect((await put("ben@corp.example", "clock_in")).status).toBe(204);
    for (const user of ["owner@corp.example", "admin@corp.example"])
      expect(strip(await put(user, "deactivate"))).toEqual([
        400,
        { code: 200, message: "Zoom Room and Admin users' status cannot be activated or deactivated." },
      ]);
    expect(strip(await put("invited@corp.example", "activate"))).toEqual([
      400,
      { code: 300, message: "User has not accepted the invitation yet: invited@corp.example." },
    ]);
    expect(strip(await put("nobody@corp.example", "activate"))).toEqual([
      404,
      { code: 1001, message: "User does not exist: nobody@corp.example." },
    ]);
    expect((await api("PUT", "/users/ann@corp.example/status", { json: {} })).body).toEqual({
      code: 300,
      message: "Validation Failed.",
      errors: [{ field: "action", message: "Required." }],
    });
  });
});

describe("PUT /users/{userId}/email", () => {
  it("changes the login email: the old one is gone, the id stays", async () => {
    await open();
    const id = sandbox.state.getUser("cat@corp.example")?.id;
    const answer = await api("PUT", "/users/cat@corp.example/email", {
      json: { email: "Cat.New@corp.example" },
    });
    expect([answer.status, answer.body, answer.headers["x-ratelimit-category"]]).toEqual([
      204,
      undefined,
      "Light",
    ]);
    expect(sandbox.state.getUser("cat@corp.example")).toBeUndefined();
    expect(sandbox.state.getUser("cat.new@corp.example")?.id).toBe(id);
    expect((await api("GET", `/users/${id}`)).body).toMatchObject({ email: "Cat.New@corp.example" });
    expect(
      strip(await api("PUT", "/users/cat@corp.example/email", { json: { email: "c@corp.example" } })),
    ).toEqual([404, { code: 1001, message: "User does not exist: cat@corp.example." }]);
  });

  it("allows three changes per user in any 24 h of the sandbox clock, then answers 400/300", async () => {
    await open();
    const id = sandbox.state.getUser("dan@corp.example")?.id ?? "";
    const change = (email: string) => api("PUT", `/users/${id}/email`, { json: { email } });
    for (const n of [1, 2, 3]) expect((await change(`dan${n}@corp.example`)).status).toBe(204);
    // the same email again changes nothing and does not count
    expect((await change("dan3@corp.example")).status).toBe(204);
    expect(strip(await change("dan4@corp.example"))).toEqual([
      400,
      {
        code: 300,
        message:
          "This email cannot be changed because it has already been changed the maximum number of times over the past 24 hours.",
      },
    ]);
    // another user is not affected
    expect(
      (await api("PUT", "/users/eve@corp.example/email", { json: { email: "eve2@corp.example" } })).status,
    ).toBe(204);
    sandbox.clock.advance(23 * 3_600_000);
    expect(
      (
        await client(sandbox, await getToken(sandbox))("PUT", `/users/${id}/email`, {
          json: { email: "d@corp.example" },
        })
      ).status,
    ).toBe(400);
    sandbox.clock.advance(3_600_000 + 1000);
    api = client(sandbox, await getToken(sandbox));
    expect((await change("dan4@corp.example")).status).toBe(204);
    expect(sandbox.state.getUser(id)?.email).toBe("dan4@corp.example");
  });

  it("refuses an email another user holds (409/1005), a malformed one and one of 128 characters", async () => {
    await open();
    const put = (json: unknown) => api("PUT", "/users/fay@corp.example/email", { json });
    expect(strip(await put({ email: "GUS@corp.example" }))).toEqual([
      409,
      { code: 1005, message: 'Email "GUS@corp.example" has already been used.' },
    ]);
    const invalid = (field: string, message: string) => [
      400,
      { code: 300, message: "Validation Failed.", errors: [{ field, message }] },
    ];
    expect(strip(await put({ email: "not-an-email" }))).toEqual(invalid("email", "Invalid field."));
    expect(strip(await put({}))).toEqual(invalid("email", "Required."));
    const long = `${"a".repeat(128 - "@corp.example".length)}@corp.example`;
    expect(strip(await put({ email: long }))).toEqual(invalid("email", "Must be fewer than 128 characters."));
    expect(sandbox.state.getUser("fay@corp.example")).toBeDefined();
  });
});

describe("DELETE /users/{userId}", () => {
  it("disassociates by default and deletes with action=delete; both take the user out of the account", async () => {
    await open();
    const answer = await api("DELETE", "/users/ann@corp.example");
    expect([answer.status, answer.body, answer.headers["x-ratelimit-category"]]).toEqual([
      204,
      undefined,
      "Light",
    ]);
    expect((await api("GET", "/users/ann@corp.example")).status).toBe(404);
    expect((await api("DELETE", "/users/ben@corp.example?action=delete")).status).toBe(204);
    expect((await api("DELETE", "/users/ben@corp.example?action=delete")).status).toBe(404);
    expect(
      sandbox.state.removedUsers.map(({ email, action, transferred }) => [email, action, transferred]),
    ).toEqual([
      ["ann@corp.example", "disassociate", []],
      ["ben@corp.example", "delete", []],
    ]);
    expect(strip(await api("DELETE", "/users/cat@corp.example?action=remove"))).toEqual([
      400,
      {
        code: 300,
        message: "Validation Failed.",
        errors: [{ field: "action", message: "Must be one of disassociate, delete." }],
      },
    ]);
  });

  it("hands data to an active transfer target, and refuses a missing, inactive or same target", async () => {
    await open();
    const del = (user: string, query: string) => api("DELETE", `/users/${user}?${query}`);
    expect(
      (
        await del(
          "cat@corp.example",
          "action=delete&transfer_email=dan@corp.example&transfer_meeting=true&transfer_recording=true&transfer_webinar=false",
        )
      ).status,
    ).toBe(204);
    expect(sandbox.state.removedUsers[0]).toMatchObject({
      email: "cat@corp.example",
      action: "delete",
      transferTo: "dan@corp.example",
      transferred: ["meeting", "recording"],
      time: "2026-11-24T12:00:00Z",
    });
    const refused = (message: string) => [400, { code: 300, message }];
    expect(
      strip(await del("eve@corp.example", "transfer_email=ghost@corp.example&transfer_meeting=true")),
    ).toEqual(refused("The transfer-to user does not exist in this account: ghost@corp.example."));
    expect(strip(await del("eve@corp.example", "transfer_email=old@corp.example"))).toEqual(
      refused("The transfer-to user is not active: old@corp.example."),
    );
    expect(strip(await del("eve@corp.example", "transfer_email=EVE@corp.example"))).toEqual(
      refused(
        "The transfer-to email address cannot be the same as the unlinked or deleted user's email address.",
      ),
    );
    expect(strip(await del("eve@corp.example", "transfer_docs=true"))).toEqual(
      refused("transfer_email is required to transfer data."),
    );
    expect(strip(await del("eve@corp.example", "transfer_docs=yes"))).toEqual([
      400,
      {
        code: 300,
        message: "Validation Failed.",
        errors: [{ field: "transfer_docs", message: "Must be true or false." }],
      },
    ]);
    expect(sandbox.state.getUser("eve@corp.example")).toBeDefined();
  });

  it("keeps the owner, cannot disassociate an admin (1117), and removes a pending user only by disassociating", async () => {
    await open();
    const del = (user: string, action: string) => api("DELETE", `/users/${user}?action=${action}`);
    expect(strip(await del("owner@corp.example", "delete"))).toEqual([
      400,
      { code: 200, message: "Cannot delete the account owner." },
    ]);
    expect(strip(await del("admin@corp.example", "disassociate"))).toEqual([
      400,
      { code: 1117, message: "You can not disassociate an Admin user." },
    ]);
    expect((await del("admin@corp.example", "delete")).status).toBe(204);
    expect(strip(await del("invited@corp.example", "delete"))).toEqual([
      400,
      { code: 300, message: "To delete a pending user, use action=disassociate." },
    ]);
    expect((await del("invited@corp.example", "disassociate")).status).toBe(204);
    expect(sandbox.state.userCount).toBe(SEED.length - 2);
  });
});

describe("DELETE /users/{userId}/picture", () => {
  it("removes the picture (204, Medium); a user without one answers 204 too", async () => {
    await open();
    const upload = await api("POST", "/users/gus@corp.example/picture", {
      form: form("pic_file", file(PNG), "g.png"),
    });
    expect(upload.status).toBe(201);
    const answer = await api("DELETE", "/users/gus@corp.example/picture");
    expect([answer.status, answer.headers["x-ratelimit-category"]]).toEqual([204, "Medium"]);
    expect(sandbox.state.getUser("gus@corp.example")?.picture).toBeUndefined();
    expect((await api("GET", "/users/gus@corp.example")).body).not.toHaveProperty("pic_url");
    expect((await api("DELETE", "/users/gus@corp.example/picture")).status).toBe(204);
    expect((await api("DELETE", "/users/nobody@corp.example/picture")).status).toBe(404);
  });
});
