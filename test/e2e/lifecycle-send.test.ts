import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLimiters, type Limiters } from "../../src/limit/index.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import type { SeedUser } from "../../src/sandbox/users-model.js";
import { createTokenProvider } from "../../src/send/auth.js";
import { createExecutor, type Executor } from "../../src/send/execute.js";
import { createRetryPolicy } from "../../src/send/retry.js";
import { createSender, type Sender } from "../../src/send/sender.js";
import type { Operation, UploadFile } from "../../src/types.js";

/**
 * Joiners, movers and leavers through the real sender, limiters and executor against the
 * sandbox: create exactly once (lost answers, 5xx, timeouts, 409/1005, --resume, the daily cap),
 * email changes (the 3-a-day limit, lost answers), status, delete, and backgrounds without
 * duplicates (one GET settings per row). Each test asserts the sandbox's request log and the
 * account it leaves.
 */

const SEED: SeedUser[] = [
  { email: "owner@corp.example", role_name: "Owner" },
  ...["ann", "ben", "cat", "dan", "eve", "fay", "gus", "hal", "ivy", "jon", "kim", "lea"].map((n) => ({
    email: `${n}@corp.example`,
  })),
  { email: "old@corp.example", status: "inactive" as const },
  { email: "heir@corp.example" },
];

// ---- operations, written by hand as the planner will make them

let row = 0;
function op(user: string, fields: Pick<Operation, "op" | "endpoint"> & Partial<Operation>): Operation {
  row++;
  return { row, line: row + 1, user, index: 0, target: "", ...fields };
}
const create = (email: string, extra: Partial<Operation> = {}, action = "create"): Operation =>
  op(email, {
    op: "create",
    endpoint: "createUser",
    body: { action, user_info: { email, type: 1, first_name: "New", last_name: "Hire" } },
    ...extra,
  });
const changeEmail = (user: string, to: string): Operation =>
  op(user, { op: "email", endpoint: "updateEmail", body: { email: to } });
const status = (user: string, action: "activate" | "deactivate"): Operation =>
  op(user, { op: "status", endpoint: "updateStatus", body: { action } });
const remove = (user: string, query: Record<string, string>): Operation =>
  op(user, { op: "delete", endpoint: "deleteUser", query });
const profile = (user: string, body: Record<string, unknown>): Operation =>
  op(user, { op: "profile", endpoint: "updateUser", body });

const dir = mkdtempSync(join(tmpdir(), "zoom-bulk-lifecycle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
function png(name: string, size: number): UploadFile & { sha256: string } {
  const bytes = Buffer.alloc(size);
  PNG.copy(bytes);
  for (let i = PNG.length; i < size; i++) bytes[i] = (i * 7 + name.length) % 251;
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, name, size, format: "png", sha256: createHash("sha256").update(bytes).digest("hex") };
}
const background = (user: string, file: UploadFile, checkFirst = true): Operation =>
  op(user, {
    op: "virtual_background",
    endpoint: "uploadVirtualBackground",
    file,
    target: file.name,
    ...(checkFirst ? { checkFirst } : {}),
  });
const cleanUp = (user: string, keep: UploadFile[]): Operation =>
  op(user, {
    op: "virtual_background",
    endpoint: "deleteVirtualBackgrounds",
    target: "(unlisted)",
    keep: keep.map((f) => ({ name: f.name, size: f.size })),
  });

// ---- one sandbox, a fresh stack per test

const fastPolicy = createRetryPolicy({ rateLimitWaitMs: 20, rateLimitJitterMs: 20, backoffBaseMs: 10 });

interface Stack {
  sender: Sender;
  limiters: Limiters;
  executor: Executor;
  logs: Record<string, unknown>[];
}
const stacks: Stack[] = [];

function stack(
  on: Sandbox,
  options: {
    requestTimeoutMs?: number;
    signal?: AbortSignal;
    onLog?: (l: Record<string, unknown>) => void;
  } = {},
): Stack {
  const tokens = createTokenProvider({ oauthUrl: on.oauthUrl, ...on.credentials });
  const sender = createSender({
    apiUrl: on.apiUrl,
    tokens,
    ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
  });
  const limiters = createLimiters({ plan: "pro", share: 0.8 });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      const line = JSON.parse(chunk.toString()) as Record<string, unknown>;
      logs.push(line);
      options.onLog?.(line);
      done();
    },
  });
  const executor = createExecutor({
    sender,
    limiters,
    tokens,
    policy: fastPolicy,
    logger: pino({ level: "debug" }, sink),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const s = { sender, limiters, executor, logs };
  stacks.push(s);
  return s;
}

let sandbox: Sandbox;
const signal = new AbortController().signal;

beforeAll(async () => {
  sandbox = await startSandbox({ users: SEED, plan: "pro", seed: 11 });
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.state.reset();
  sandbox.state.clearForced();
  sandbox.state.setFaults({});
});
afterEach(async () => {
  for (const s of stacks.splice(0)) {
    await s.limiters.stop();
    await s.sender.close();
  }
});

/** The request log: method, the job's endpoint, status (or the fault), query. */
const requests = (on: Sandbox = sandbox) =>
  on.state.log
    .filter((e) => e.path.startsWith("/v2/"))
    .map((e) => [e.method, e.endpoint ?? e.operation, e.fault ?? e.status, ...(e.query ? [e.query] : [])]);
const usersNamed = (email: string) =>
  sandbox.state.users().filter((u) => u.email.toLowerCase() === email.toLowerCase());
const notFound = (user: string) => ({
  endpoint: "getUser" as const,
  status: 404,
  body: { code: 1001, message: `User does not exist: ${user}.` },
});

describe("create exactly once", () => {
  it("a new user: ok with one POST; an existing one: unchanged (409/1005), no second user", async () => {
    const { executor } = stack(sandbox);
    const made = await executor.execute(create("new1@corp.example"), signal);
    expect(made).toMatchObject({ outcome: "ok", http_status: 201, attempts: 1, message: "" });
    const again = await executor.execute(create("ANN@corp.example"), signal);
    expect(again).toMatchObject({
      outcome: "unchanged",
      http_status: 409,
      zoom_code: 1005,
      attempts: 1,
      message: "The user already exists.",
    });
    expect(requests()).toEqual([
      ["POST", "createUser", 201],
      ["POST", "createUser", 409],
    ]);
    expect(usersNamed("new1@corp.example")).toMatchObject([
      { status: "pending", profile: { first_name: "New" } },
    ]);
    expect(usersNamed("ann@corp.example")).toHaveLength(1);
  });

  it("a lost answer after the user was made: looked up, found, never POSTed twice", async () => {
    const { executor, logs } = stack(sandbox);
    sandbox.state.failNext({ endpoint: "createUser", fault: "lost-create" });
    const result = await executor.execute(create("lost1@corp.example"), signal);
    expect(result).toMatchObject({
      outcome: "ok",
      http_status: 200,
      attempts: 2,
      message: "Created: the user was found by a lookup after its answer was lost.",
    });
    expect(requests()).toEqual([
      ["POST", "createUser", "lost-create"],
      ["GET", "getUser", 200],
    ]);
    expect(usersNamed("lost1@corp.example")).toHaveLength(1);
    expect(logs.map((l) => l.msg)).toContain("op.reconcile");
  });

  it("lostCreate on every create: each is looked up once, and no user is made twice", async () => {
    const { executor } = stack(sandbox);
    sandbox.state.setFaults({ lostCreate: 1 });
    const emails = ["drawn1@corp.example", "drawn2@corp.example", "drawn3@corp.example"];
    const results = await Promise.all(emails.map((e) => executor.execute(create(e), signal)));
    expect(results.map((r) => [r.outcome, r.attempts])).toEqual([
      ["ok", 2],
      ["ok", 2],
      ["ok", 2],
    ]);
    for (const e of emails) expect(usersNamed(e)).toHaveLength(1);
    const log = sandbox.state.log.filter((e) => e.path.startsWith("/v2/"));
    expect(log.filter((e) => e.method === "POST")).toHaveLength(3);
    expect(log.filter((e) => e.method === "GET").map((e) => e.status)).toEqual([200, 200, 200]);
  });

  it("a 5xx: looked up (absent, 404/1001), then created once", async () => {
    const { executor } = stack(sandbox);
    sandbox.state.failNext({ endpoint: "createUser", status: 503 });
    const result = await executor.execute(create("five@corp.example"), signal);
    expect(result).toMatchObject({ outcome: "ok", http_status: 201, attempts: 3 });
    expect(requests()).toEqual([
      ["POST", "createUser", 503],
      ["GET", "getUser", 404],
      ["POST", "createUser", 201],
    ]);
    expect(usersNamed("five@corp.example")).toHaveLength(1);
  });

  it("a timeout: looked up before the second POST", async () => {
    const { executor } = stack(sandbox, { requestTimeoutMs: 300 });
    sandbox.state.failNext({ endpoint: "createUser", fault: "hang" });
    const result = await executor.execute(create("slow@corp.example"), signal);
    expect(result).toMatchObject({ outcome: "ok", http_status: 201, attempts: 3 });
    expect(requests()).toEqual([
      ["POST", "createUser", "hang"],
      ["GET", "getUser", 404],
      ["POST", "createUser", 201],
    ]);
    expect(usersNamed("slow@corp.example")).toHaveLength(1);
  });

  it("a 409/1005 after our own lost create (the lookup did not see it yet): ok", async () => {
    const { executor } = stack(sandbox);
    sandbox.state.failNext({ endpoint: "createUser", fault: "lost-create" });
    sandbox.state.failNext(notFound("late@corp.example"));
    const result = await executor.execute(create("late@corp.example"), signal);
    expect(result).toMatchObject({ outcome: "ok", http_status: 409, zoom_code: 1005, attempts: 3 });
    expect(result.message).toMatch(/^Created: an earlier attempt may have been applied/);
    expect(requests()).toEqual([
      ["POST", "createUser", "lost-create"],
      ["GET", "getUser", 404],
      ["POST", "createUser", 409],
    ]);
    expect(usersNamed("late@corp.example")).toHaveLength(1);
  });

  it("checkFirst (a --resume): present, so ok with one GET; absent, so GET then POST", async () => {
    const { executor } = stack(sandbox);
    const present = await executor.execute(create("ben@corp.example", { checkFirst: true }), signal);
    expect(present).toMatchObject({
      outcome: "ok",
      http_status: 200,
      attempts: 1,
      message: "Already created (found by a lookup before creating).",
    });
    const absent = await executor.execute(create("resumed@corp.example", { checkFirst: true }), signal);
    expect(absent).toMatchObject({ outcome: "ok", http_status: 201, attempts: 2 });
    expect(requests()).toEqual([
      ["GET", "getUser", 200],
      ["GET", "getUser", 404],
      ["POST", "createUser", 201],
    ]);
    expect(usersNamed("resumed@corp.example")).toHaveLength(1);
  });

  it("a drain while the lost create is being checked: nothing more is sent, and it says so", async () => {
    const drain = new AbortController();
    const { executor } = stack(sandbox, {
      signal: drain.signal,
      onLog: (l) => {
        if (l.msg === "op.reconcile") drain.abort(new Error("SIGTERM"));
      },
    });
    sandbox.state.failNext({ endpoint: "createUser", fault: "lost-create" });
    const result = await executor.execute(create("drained@corp.example"));
    expect(result).toMatchObject({ outcome: "failed", attempts: 1, http_status: "" });
    expect(result.message).toBe(
      "The create could not be checked after its answer was lost, so it was not sent again: Interrupted before Zoom's answer was known.",
    );
    expect(requests()).toEqual([["POST", "createUser", "lost-create"]]);
    // A --resume sends it with checkFirst: found, so ok, and still one user.
    const { executor: resumed } = stack(sandbox);
    expect(await resumed.execute(create("drained@corp.example", { checkFirst: true }), signal)).toMatchObject(
      {
        outcome: "ok",
        attempts: 1,
      },
    );
    expect(usersNamed("drained@corp.example")).toHaveLength(1);
  });
});

describe("the daily create cap", () => {
  let capped: Sandbox;
  beforeAll(async () => {
    capped = await startSandbox({ users: SEED, plan: "pro", seed: 3, dailyCreateLimit: 1 });
  });
  afterAll(() => capped.close());

  it("defers the creates past the cap until midnight UTC; later creates are not sent; Light goes on", async () => {
    const { executor, limiters } = stack(capped);
    expect((await executor.execute(create("cap1@corp.example"), signal)).outcome).toBe("ok");
    const d = new Date();
    const midnight = new Date(
      Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1),
    ).toISOString();
    const second = await executor.execute(create("cap2@corp.example"), signal);
    expect(second).toEqual({
      outcome: "deferred",
      http_status: 429,
      zoom_code: 429,
      message: `Deferred: Zoom's daily cap on new users (POST /users with action=create) is used up; run again with --resume after ${midnight}.`,
      attempts: 1,
      duration_ms: expect.any(Number) as number,
      tracking_id: expect.any(String) as string,
      until: midnight,
    });
    const third = await executor.execute(create("cap3@corp.example"), signal);
    expect(third).toMatchObject({ outcome: "deferred", attempts: 0, http_status: "", until: midnight });
    // Light is not stopped: a profile update and an uncapped autoCreate still go.
    expect(limiters.isStopped("light")).toBeUndefined();
    expect((await executor.execute(profile("ann@corp.example", { dept: "HR" }), signal)).outcome).toBe("ok");
    const auto = create("auto@corp.example", {}, "autoCreate");
    expect((await executor.execute(auto, signal)).outcome).toBe("ok");
    expect(requests(capped)).toEqual([
      ["POST", "createUser", 201],
      ["POST", "createUser", 429],
      ["PATCH", "updateUser", 204],
      ["POST", "createUser", 201],
    ]);
    expect(capped.state.getUser("cap2@corp.example")).toBeUndefined();
  });
});

describe("email changes", () => {
  it("three changes go through; the fourth is deferred for 24 h, sent once and not retried", async () => {
    const { executor, limiters } = stack(sandbox);
    const chain = ["cat@corp.example", "cat2@corp.example", "cat3@corp.example", "cat4@corp.example"];
    for (let i = 0; i < 3; i++)
      expect(await executor.execute(changeEmail(chain[i]!, chain[i + 1]!), signal)).toMatchObject({
        outcome: "ok",
        http_status: 204,
        attempts: 1,
      });
    const before = Date.now();
    const fourth = await executor.execute(changeEmail("cat4@corp.example", "cat5@corp.example"), signal);
    const after = Date.now();
    expect(fourth).toMatchObject({ outcome: "deferred", http_status: 400, zoom_code: 300, attempts: 1 });
    const until = Date.parse(fourth.until ?? "");
    expect(until).toBeGreaterThanOrEqual(before + 24 * 3600_000);
    expect(until).toBeLessThanOrEqual(after + 24 * 3600_000);
    expect(fourth.message).toMatch(/^Deferred: Zoom allows 3 email changes per user in 24 hours/);
    expect(fourth.message).toContain(`run again with --resume after ${fourth.until}`);
    expect(requests()).toEqual([
      ["PUT", "updateEmail", 204],
      ["PUT", "updateEmail", 204],
      ["PUT", "updateEmail", 204],
      ["PUT", "updateEmail", 400],
    ]);
    expect(limiters.isStopped("light")).toBeUndefined();
    expect(sandbox.state.getUser("cat4@corp.example")).toBeDefined();
    expect(sandbox.state.getUser("cat@corp.example")).toBeUndefined();
  });

  it("404/1001: failed as usual; the email the operation already names: unchanged, no request", async () => {
    const { executor } = stack(sandbox);
    expect(
      await executor.execute(changeEmail("nobody@corp.example", "x@corp.example"), signal),
    ).toMatchObject({
      outcome: "failed",
      http_status: 404,
      zoom_code: 1001,
      attempts: 1,
    });
    expect(await executor.execute(changeEmail("dan@corp.example", "dan@corp.example"), signal)).toMatchObject(
      {
        outcome: "unchanged",
        attempts: 0,
        message: "The email is already dan@corp.example.",
      },
    );
    expect(requests()).toEqual([["PUT", "updateEmail", 404]]);
  });

  it("a lost answer: the retry meets 404/1001, the user answers to the new email, so ok (one change)", async () => {
    const { executor } = stack(sandbox);
    sandbox.state.failNext({ endpoint: "updateEmail", fault: "lost-response" });
    const result = await executor.execute(changeEmail("eve@corp.example", "eve.new@corp.example"), signal);
    expect(result).toMatchObject({
      outcome: "ok",
      http_status: 200,
      attempts: 3,
      message: "Already changed: eve@corp.example is gone and the user answers to eve.new@corp.example.",
    });
    expect(requests()).toEqual([
      ["PUT", "updateEmail", "lost-response"],
      ["PUT", "updateEmail", 404],
      ["GET", "getUser", 200],
    ]);
    const user = sandbox.state.getUser("eve.new@corp.example");
    expect(user).toBeDefined();
    expect(sandbox.state.quotas.emailBlockedUntil(user!.id)).toBeUndefined(); // one change of three
  });
});

describe("status and delete", () => {
  it("deactivate and activate: ok", async () => {
    const { executor } = stack(sandbox);
    expect(await executor.execute(status("fay@corp.example", "deactivate"), signal)).toMatchObject({
      outcome: "ok",
      http_status: 204,
      attempts: 1,
    });
    expect(await executor.execute(status("old@corp.example", "activate"), signal)).toMatchObject({
      outcome: "ok",
    });
    expect(sandbox.state.getUser("fay@corp.example")?.status).toBe("inactive");
    expect(sandbox.state.getUser("old@corp.example")?.status).toBe("active");
  });

  it("delete with a transfer: ok; the same delete again (a resume): unchanged, the user is already gone", async () => {
    const { executor } = stack(sandbox);
    const query = { action: "delete", transfer_email: "heir@corp.example", transfer_meeting: "true" };
    expect(await executor.execute(remove("gus@corp.example", query), signal)).toMatchObject({
      outcome: "ok",
      http_status: 204,
      attempts: 1,
    });
    expect(await executor.execute(remove("gus@corp.example", query), signal)).toMatchObject({
      outcome: "unchanged",
      http_status: 404,
      zoom_code: 1001,
      attempts: 1,
      message: "The user is already gone.",
    });
    expect(sandbox.state.removedUsers.filter((u) => u.email === "gus@corp.example")).toMatchObject([
      { action: "delete", transferTo: "heir@corp.example", transferred: ["meeting"] },
    ]);
  });

  it("a delete whose answer was lost: the retry meets 404/1001, so ok", async () => {
    const { executor } = stack(sandbox);
    sandbox.state.failNext({ endpoint: "deleteUser", fault: "lost-response" });
    const result = await executor.execute(remove("hal@corp.example", { action: "disassociate" }), signal);
    expect(result).toMatchObject({ outcome: "ok", http_status: 404, attempts: 2 });
    expect(result.message).toMatch(/^Deleted: an earlier attempt may have been applied/);
    expect(requests()).toEqual([
      ["DELETE", "deleteUser", "lost-response", "action=disassociate"],
      ["DELETE", "deleteUser", 404, "action=disassociate"],
    ]);
  });
});

describe("backgrounds without duplicates", () => {
  it("a row reads the files once, uploads only what is missing, and replace deletes the rest", async () => {
    const { executor } = stack(sandbox);
    const a = png("a.png", 3000);
    const b = png("b.png", 4000);
    const old = png("old.png", 2000);
    // A user left as issue 11 found it: a.png twice (a re-run), and a file the row no longer lists.
    for (const f of [a, a, old])
      expect((await executor.execute(background("ivy@corp.example", f, false), signal)).outcome).toBe("ok");
    sandbox.state.reset();

    const session = executor.row();
    const results = [];
    for (const o of [
      background("ivy@corp.example", a),
      background("ivy@corp.example", b),
      cleanUp("ivy@corp.example", [a, b]),
    ])
      results.push(await session.execute(o, signal));
    expect(results.map((r) => [r.outcome, r.http_status, r.attempts, r.message])).toEqual([
      [
        "unchanged",
        200,
        1,
        "Already there: a.png (3000 bytes) is among the user's virtual backgrounds; not uploaded again.",
      ],
      ["ok", 201, 1, ""],
      ["ok", 204, 1, "Deleted 2 virtual backgrounds the row does not list: a.png, old.png."],
    ]);
    const files = sandbox.state.getUser("ivy@corp.example")?.backgrounds ?? [];
    expect(files.map((f) => [f.name, f.size, f.sha256])).toEqual([
      ["a.png", 3000, a.sha256],
      ["b.png", 4000, b.sha256],
    ]);
    const log = requests();
    expect(log.map((e) => e.slice(0, 3))).toEqual([
      ["GET", "getSettings", 200],
      ["POST", "uploadVirtualBackground", 201],
      ["DELETE", "deleteVirtualBackgrounds", 204],
    ]);

    // The same row again (a re-run): one GET settings, nothing else.
    sandbox.state.reset();
    const again = executor.row();
    for (const o of [
      background("ivy@corp.example", a),
      background("ivy@corp.example", b),
      cleanUp("ivy@corp.example", [a, b]),
    ])
      expect((await again.execute(o, signal)).outcome).toBe("unchanged");
    expect(requests()).toEqual([["GET", "getSettings", 200]]);
    expect(sandbox.state.getUser("ivy@corp.example")?.backgrounds).toHaveLength(2);
  });

  it("a lost upload in a row: looked for, found, and the row's next upload of it sends nothing", async () => {
    const { executor } = stack(sandbox);
    const c = png("c.png", 5000);
    sandbox.state.failNext({ endpoint: "uploadVirtualBackground", fault: "lost-upload" });
    const session = executor.row();
    const first = await session.execute(background("jon@corp.example", c), signal);
    expect(first).toMatchObject({ outcome: "ok", http_status: 200, attempts: 3 });
    expect(first.message).toMatch(/^Already uploaded: c\.png was found .* after its answer was lost\.$/);
    expect(await session.execute(background("jon@corp.example", c), signal)).toMatchObject({
      outcome: "unchanged",
      attempts: 0,
    });
    expect(requests()).toEqual([
      ["GET", "getSettings", 200],
      ["POST", "uploadVirtualBackground", "lost-upload"],
      ["GET", "getSettings", 200],
    ]);
    expect(sandbox.state.getUser("jon@corp.example")?.backgrounds).toHaveLength(1);
  });

  it("replace with nothing to delete: unchanged after one GET", async () => {
    const { executor } = stack(sandbox);
    const result = await executor.execute(cleanUp("kim@corp.example", []), signal);
    expect(result).toMatchObject({
      outcome: "unchanged",
      http_status: 200,
      attempts: 1,
      message: "Nothing to delete: the user has no virtual backgrounds besides those the row lists.",
    });
    expect(requests()).toEqual([["GET", "getSettings", 200]]);
  });
});
