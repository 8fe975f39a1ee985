import { describe, expect, it } from "vitest";
import { NetworkError } from "../../../src/errors.js";
import { createExecutor } from "../../../src/send/execute.js";
import type { Operation } from "../../../src/types.js";
import { answer, harness, NOW, op, settings, upload } from "./harness.js";

/**
 * Joiners, movers and leavers in the executor, against the fakes of ./harness.ts: each test
 * asserts the result and the whole event log (slots, starts, requests, waits).
 */

const EMAIL = "new@example.com";
const create = (fields: Partial<Operation> = {}): Operation =>
  op({
    user: EMAIL,
    op: "create",
    endpoint: "createUser",
    body: { action: "create", user_info: { email: EMAIL, type: 1 } },
    ...fields,
  });
const email = (to: string, fields: Partial<Operation> = {}): Operation =>
  op({ op: "email", endpoint: "updateEmail", body: { email: to }, ...fields });
const remove = (): Operation => {
  const { body: _body, ...rest } = op({ op: "delete", endpoint: "deleteUser", query: { action: "delete" } });
  return rest;
};
const lost = (): NetworkError =>
  new NetworkError("No answer from Zoom: UND_ERR_SOCKET other side closed", true);
const notFound = (user: string) => answer(404, { zoomCode: 1001, message: `User does not exist: ${user}.` });
const taken = answer(409, { zoomCode: 1005, message: `Email "${EMAIL}" has already been used.` });
const DAILY = {
  zoomCode: 429,
  message: "You have reached the maximum daily rate limit for this API.",
  headers: { "x-ratelimit-type": "Daily-limit", "retry-after": "2026-03-11T00:00:00Z" },
};
const sends = (events: string[]) => events.filter((e) => e.startsWith("send"));

describe("create exactly once", () => {
  it("201: ok, one request", async () => {
    const h = harness([answer(201, { body: { id: "u1" } })]);
    const result = await createExecutor(h.deps).execute(create(), h.signal);
    expect(result).toMatchObject({ outcome: "ok", http_status: 201, attempts: 1, message: "" });
    expect(h.events).toEqual(["slot light", "start light", `send createUser ${EMAIL}`]);
  });

  it("409/1005 on the first attempt: unchanged, the user already exists", async () => {
    const h = harness([taken]);
    const result = await createExecutor(h.deps).execute(create(), h.signal);
    expect(result).toEqual({
      outcome: "unchanged",
      http_status: 409,
      zoom_code: 1005,
      message: "The user already exists.",
      attempts: 1,
      duration_ms: 10,
      tracking_id: "t-409",
    });
  });

  it("a lost answer: looks the user up before any second POST; found, so ok", async () => {
    const h = harness([lost(), answer(200, { body: { id: "u1", email: EMAIL } })]);
    const result = await createExecutor(h.deps).execute(create(), h.signal);
    expect(result).toMatchObject({
      outcome: "ok",
      http_status: 200,
      attempts: 2,
      message: "Created: the user was found by a lookup after its answer was lost.",
    });
    expect(sends(h.events)).toEqual([`send createUser ${EMAIL}`, `send getUser ${EMAIL}`]);
    expect(h.logs.map((l) => l.msg)).toContain("op.reconcile");
  });

  it("a 5xx: looks first; absent (404/1001), so created again, with no wait", async () => {
    const h = harness([answer(503), notFound(EMAIL), answer(201)]);
    const result = await createExecutor(h.deps).execute(create(), h.signal);
    expect(result).toMatchObject({ outcome: "ok", http_status: 201, attempts: 3 });
    expect(sends(h.events)).toEqual([
      `send createUser ${EMAIL}`,
      `send getUser ${EMAIL}`,
      `send createUser ${EMAIL}`,
    ]);
    expect(h.events.some((e) => e.startsWith("sleep"))).toBe(false);
  });

  it("a 409/1005 after our own lost create: ok", async () => {
    const h = harness([lost(), notFound(EMAIL), taken]);
    const result = await createExecutor(h.deps).execute(create(), h.signal);
    expect(result).toMatchObject({ outcome: "ok", http_status: 409, zoom_code: 1005, attempts: 3 });
    expect(result.message).toMatch(/^Created: an earlier attempt may have been applied/);
  });

  it("a request that never left is simply sent again (nothing to look for)", async () => {
    const h = harness([new NetworkError("No answer from Zoom: ECONNREFUSED", false), answer(201)]);
    const result = await createExecutor(h.deps).execute(create(), h.signal);
    expect(result).toMatchObject({ outcome: "ok", attempts: 2 });
    expect(sends(h.events)).toEqual([`send createUser ${EMAIL}`, `send createUser ${EMAIL}`]);
  });

  it("a lookup that fails itself is the last word: the create is not sent again", async () => {
    const h = harness([
      lost(),
      answer(400, {
        zoomCode: 4711,
        message: "Invalid access token, does not contain scopes:[user:read:user:admin].",
      }),
    ]);
    const result = await createExecutor(h.deps).execute(create(), h.signal);
    expect(result).toMatchObject({
      outcome: "failed",
      http_status: 400,
      zoom_code: 4711,
      attempts: 2,
      fatal: "auth",
    });
    expect(result.message).toMatch(
      /^The create could not be checked after its answer was lost, so it was not sent again: Invalid access token/,
    );
    expect(sends(h.events)).toHaveLength(2);
  });

  it("attempts spent: the last lost answer is still looked up, and not sent again", async () => {
    const h = harness([
      lost(),
      notFound(EMAIL),
      lost(),
      notFound(EMAIL),
      lost(),
      notFound(EMAIL),
      lost(),
      notFound(EMAIL),
      lost(),
      notFound(EMAIL),
    ]);
    const result = await createExecutor(h.deps).execute(create(), h.signal);
    expect(result).toMatchObject({ outcome: "failed", http_status: "", attempts: 10 });
    expect(result.message).toBe(
      "No answer from Zoom: UND_ERR_SOCKET other side closed A lookup found it was not applied.",
    );
    expect(sends(h.events).filter((e) => e.includes("createUser"))).toHaveLength(5);
  });

  it("checkFirst (a --resume): present, so ok without a POST", async () => {
    const h = harness([answer(200, { body: { id: "u1" } })]);
    const result = await createExecutor(h.deps).execute(create({ checkFirst: true }), h.signal);
    expect(result).toMatchObject({
      outcome: "ok",
      http_status: 200,
      attempts: 1,
      message: "Already created (found by a lookup before creating).",
    });
    expect(sends(h.events)).toEqual([`send getUser ${EMAIL}`]);
  });

  it("checkFirst: absent, so created; a lookup that fails sends nothing more", async () => {
    const h = harness([notFound(EMAIL), answer(201)]);
    const result = await createExecutor(h.deps).execute(create({ checkFirst: true }), h.signal);
    expect(result).toMatchObject({ outcome: "ok", http_status: 201, attempts: 2 });
    expect(sends(h.events)).toEqual([`send getUser ${EMAIL}`, `send createUser ${EMAIL}`]);

    const h2 = harness([answer(500), answer(500), answer(500), answer(500), answer(500)]);
    const failed = await createExecutor(h2.deps).execute(create({ checkFirst: true }), h2.signal);
    expect(failed).toMatchObject({ outcome: "failed", http_status: 500, attempts: 5 });
    expect(failed.message).toMatch(/^The user could not be looked up before creating it: /);
    expect(sends(h2.events).every((e) => e.startsWith("send getUser"))).toBe(true);
  });

  it("the daily create cap defers the creates only: later creates are not sent, other Light calls are", async () => {
    const h = harness([answer(429, DAILY), answer(201), answer(204)]);
    const executor = createExecutor(h.deps);
    const first = await executor.execute(create(), h.signal);
    expect(first).toMatchObject({
      outcome: "deferred",
      http_status: 429,
      attempts: 1,
      until: "2026-03-11T00:00:00.000Z",
      message:
        "Deferred: Zoom's daily cap on new users (POST /users with action=create) is used up; run again with --resume after 2026-03-11T00:00:00.000Z.",
    });
    const second = await executor.execute(create({ user: "b@example.com" }), h.signal);
    expect(second).toMatchObject({
      outcome: "deferred",
      attempts: 0,
      http_status: "",
      until: "2026-03-11T00:00:00.000Z",
    });
    // autoCreate is not capped, and Light is not stopped
    const auto = await executor.execute(
      create({
        user: "c@example.com",
        body: { action: "autoCreate", user_info: { email: "c@example.com", type: 1 } },
      }),
      h.signal,
    );
    expect(auto.outcome).toBe("ok");
    expect((await executor.execute(op(), h.signal)).outcome).toBe("ok");
    expect(
      h.events.filter((e) => e.startsWith("send") || e.startsWith("stop") || e.startsWith("429")),
    ).toEqual([
      `send createUser ${EMAIL}`,
      "429 light daily",
      "send createUser c@example.com",
      "send updateUser a@example.com",
    ]);
    expect(h.logs.find((l) => l.msg === "limit.daily")).toMatchObject({ label: "light", cap: "create" });
  });

  it("a stop before the lookup: nothing sent, nothing counted", async () => {
    const h = harness([]);
    const stop = new AbortController();
    stop.abort(new Error("SIGTERM"));
    const result = await createExecutor(h.deps).execute(create({ checkFirst: true }), stop.signal);
    expect(result).toMatchObject({
      outcome: "failed",
      attempts: 0,
      message:
        "The user could not be looked up before creating it: Interrupted before Zoom's answer was known.",
    });
    expect(h.events).toEqual([]);
  });
});

describe("email changes", () => {
  it("204: ok; the fourth change in 24 h: deferred for 24 h, not retried, Light not stopped", async () => {
    const limit =
      "This email cannot be changed because it has already been changed the maximum number of times over the past 24 hours.";
    const h = harness([answer(204), answer(400, { zoomCode: 300, message: limit })]);
    const executor = createExecutor(h.deps);
    expect(await executor.execute(email("b@example.com"), h.signal)).toMatchObject({
      outcome: "ok",
      attempts: 1,
    });
    const deferred = await executor.execute(email("c@example.com"), h.signal);
    const until = new Date(NOW + 20 + 24 * 3600_000).toISOString();
    expect(deferred).toMatchObject({
      outcome: "deferred",
      http_status: 400,
      zoom_code: 300,
      attempts: 1,
      until,
    });
    expect(deferred.message).toContain(`run again with --resume after ${until}`);
    expect(sends(h.events)).toHaveLength(2);
    expect(h.events.some((e) => e.startsWith("stop"))).toBe(false);
  });

  it("404/1001: failed as usual, no lookup", async () => {
    const h = harness([notFound("a@example.com")]);
    const result = await createExecutor(h.deps).execute(email("b@example.com"), h.signal);
    expect(result).toMatchObject({ outcome: "failed", http_status: 404, zoom_code: 1001, attempts: 1 });
  });

  it("a lost answer, then 404/1001 for the old email: the user answers to the new one, so ok", async () => {
    const h = harness([lost(), notFound("a@example.com"), answer(200, { body: { email: "b@example.com" } })]);
    const result = await createExecutor(h.deps).execute(email("b@example.com"), h.signal);
    expect(result).toMatchObject({
      outcome: "ok",
      http_status: 200,
      attempts: 3,
      message: "Already changed: a@example.com is gone and the user answers to b@example.com.",
    });
    expect(sends(h.events)).toEqual([
      "send updateEmail a@example.com",
      "send updateEmail a@example.com",
      "send getUser b@example.com",
    ]);
  });

  it("checkFirst (a --resume): 404/1001 for the old email and none for the new: failed with Zoom's 404", async () => {
    const h = harness([notFound("a@example.com"), notFound("b@example.com")]);
    const result = await createExecutor(h.deps).execute(
      email("b@example.com", { checkFirst: true }),
      h.signal,
    );
    expect(result).toMatchObject({
      outcome: "failed",
      http_status: 404,
      zoom_code: 1001,
      attempts: 2,
      message: "User does not exist: a@example.com.",
    });
  });

  it("the email the operation already names: unchanged, no request", async () => {
    const h = harness([]);
    const result = await createExecutor(h.deps).execute(email("a@example.com"), h.signal);
    expect(result).toMatchObject({
      outcome: "unchanged",
      attempts: 0,
      message: "The email is already a@example.com.",
    });
    expect(h.events).toEqual([]);
  });
});

describe("status and delete", () => {
  it("status 204: ok", async () => {
    const h = harness([answer(204)]);
    const result = await createExecutor(h.deps).execute(
      op({ op: "status", endpoint: "updateStatus", body: { action: "deactivate" } }),
      h.signal,
    );
    expect(result).toMatchObject({ outcome: "ok", http_status: 204, attempts: 1 });
  });

  it("delete 204: ok; 404/1001: unchanged (already gone); 404/1001 after a lost answer: ok", async () => {
    const h = harness([answer(204), notFound("a@example.com"), lost(), notFound("a@example.com")]);
    const executor = createExecutor(h.deps);
    expect(await executor.execute(remove(), h.signal)).toMatchObject({ outcome: "ok", attempts: 1 });
    expect(await executor.execute(remove(), h.signal)).toMatchObject({
      outcome: "unchanged",
      http_status: 404,
      zoom_code: 1001,
      attempts: 1,
      message: "The user is already gone.",
    });
    const retried = await executor.execute(remove(), h.signal);
    expect(retried).toMatchObject({ outcome: "ok", http_status: 404, attempts: 2 });
    expect(retried.message).toMatch(/^Deleted: an earlier attempt may have been applied/);
    expect(sends(h.events)).toEqual(Array(4).fill("send deleteUser a@example.com ?action=delete"));
  });
});

describe("backgrounds: one listing per row", () => {
  const file = (name: string, size: number): Operation => ({
    ...upload(),
    target: name,
    file: { path: `/nowhere/${name}`, name, size, format: "png" },
    checkFirst: true,
  });
  const cleanUp = (keep: { name: string; size: number }[]): Operation => {
    const { file: _file, ...rest } = upload();
    return { ...rest, endpoint: "deleteVirtualBackgrounds", target: "(unlisted)", keep };
  };

  it("a row reads the user's files once: uploads only what is missing, then deletes what it does not list", async () => {
    const h = harness([
      settings([
        { id: "f1", name: "a.png", size: 10 },
        { id: "f2", name: "old.png", size: 5 },
        { id: "f3", name: "a.png", size: 10 },
      ]),
      answer(201, { body: { id: "f4", name: "b.png", size: 20 } }),
      answer(204),
    ]);
    const row = createExecutor(h.deps).row();
    const a = await row.execute(file("a.png", 10), h.signal);
    expect(a).toEqual({
      outcome: "unchanged",
      http_status: 200,
      zoom_code: "",
      message: "Already there: a.png (10 bytes) is among the user's virtual backgrounds; not uploaded again.",
      attempts: 1,
      duration_ms: 10,
      tracking_id: "t-200",
    });
    expect(await row.execute(file("b.png", 20), h.signal)).toMatchObject({
      outcome: "ok",
      http_status: 201,
      attempts: 1,
    });
    // b.png is now known to be there: no request at all
    expect(await row.execute(file("b.png", 20), h.signal)).toMatchObject({
      outcome: "unchanged",
      http_status: "",
      attempts: 0,
    });
    const cleaned = await row.execute(
      cleanUp([
        { name: "a.png", size: 10 },
        { name: "b.png", size: 20 },
      ]),
      h.signal,
    );
    expect(cleaned).toMatchObject({
      outcome: "ok",
      http_status: 204,
      attempts: 1,
      message: "Deleted 2 virtual backgrounds the row does not list: old.png, a.png.",
    });
    expect(
      await row.execute(
        cleanUp([
          { name: "a.png", size: 10 },
          { name: "b.png", size: 20 },
        ]),
        h.signal,
      ),
    ).toMatchObject({
      outcome: "unchanged",
      attempts: 0,
      message: "Nothing to delete: the user has no virtual backgrounds besides those the row lists.",
    });
    expect(sends(h.events)).toEqual([
      "send getSettings a@example.com",
      "send uploadVirtualBackground a@example.com",
      "send deleteVirtualBackgrounds a@example.com ?file_ids=f2%2Cf3",
    ]);
  });

  it("a clean-up first, then the uploads: still one read", async () => {
    const h = harness([
      settings([{ id: "f1", name: "x.png", size: 1 }]),
      answer(204),
      answer(201, { body: { id: "f2" } }),
    ]);
    const row = createExecutor(h.deps).row();
    expect((await row.execute(cleanUp([{ name: "a.png", size: 10 }]), h.signal)).outcome).toBe("ok");
    expect((await row.execute(file("a.png", 10), h.signal)).outcome).toBe("ok");
    expect(sends(h.events)).toEqual([
      "send getSettings a@example.com",
      "send deleteVirtualBackgrounds a@example.com ?file_ids=f1",
      "send uploadVirtualBackground a@example.com",
    ]);
  });

  it("a lost upload answer refreshes the row's listing from its own look", async () => {
    const h = harness([settings([]), lost(), settings([{ id: "f9", name: "a.png", size: 10 }])]);
    const row = createExecutor(h.deps).row();
    const a = await row.execute(file("a.png", 10), h.signal);
    expect(a).toMatchObject({ outcome: "ok", http_status: 200, attempts: 3 });
    expect(a.message).toMatch(/^Already uploaded: a\.png was found .* after its answer was lost\.$/);
    expect(await row.execute(file("a.png", 10), h.signal)).toMatchObject({
      outcome: "unchanged",
      attempts: 0,
    });
    expect(sends(h.events)).toEqual([
      "send getSettings a@example.com",
      "send uploadVirtualBackground a@example.com",
      "send getSettings a@example.com",
    ]);
  });

  it("an upload that may or may not have been stored drops the listing: the next one reads again", async () => {
    const stop = new AbortController();
    const h = harness([settings([]), lost(), settings([{ id: "f1", name: "a.png", size: 10 }])]);
    // The run stops while the upload is in flight (after it left).
    const { sender } = h.deps;
    h.deps.sender = {
      async send(o, s, start) {
        try {
          return await sender.send(o, s, start);
        } finally {
          if (o.endpoint === "uploadVirtualBackground") stop.abort(new Error("SIGTERM"));
        }
      },
    };
    const row = createExecutor(h.deps).row();
    expect(await row.execute(file("a.png", 10), stop.signal)).toMatchObject({
      outcome: "failed",
      attempts: 2,
      message: "Interrupted before Zoom's answer was known.",
    });
    // It was stored after all: the row reads again and finds it.
    expect(await row.execute(file("a.png", 10), h.signal)).toMatchObject({
      outcome: "unchanged",
      attempts: 1,
    });
    expect(sends(h.events)).toEqual([
      "send getSettings a@example.com",
      "send uploadVirtualBackground a@example.com",
      "send getSettings a@example.com",
    ]);
  });

  it("without a row session each checked upload reads the files itself", async () => {
    const h = harness([settings([{ name: "a.png", size: 10 }]), settings([{ name: "a.png", size: 10 }])]);
    const executor = createExecutor(h.deps);
    expect((await executor.execute(file("a.png", 10), h.signal)).outcome).toBe("unchanged");
    expect((await executor.execute(file("a.png", 10), h.signal)).outcome).toBe("unchanged");
    expect(sends(h.events)).toEqual(["send getSettings a@example.com", "send getSettings a@example.com"]);
  });
});
