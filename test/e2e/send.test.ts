import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { Agent } from "undici";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { NetworkError } from "../../src/errors.js";
import { createLimiters, type Limiters } from "../../src/limit/index.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { createTokenProvider, staticToken, type TokenProvider } from "../../src/send/auth.js";
import { createExecutor, type Executor } from "../../src/send/execute.js";
import { createRetryPolicy } from "../../src/send/retry.js";
import { createSender, type Sender } from "../../src/send/sender.js";
import type { Operation, UploadFile } from "../../src/types.js";

// ---- fixtures: real image files made of magic bytes and padding

const dir = mkdtempSync(join(tmpdir(), "zoom-bulk-send-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]);

function imageFile(name: string, magic: Buffer, size: number): UploadFile & { sha256: string } {
  const bytes = Buffer.alloc(size);
  magic.copy(bytes);
  for (let i = magic.length; i < size; i++) bytes[i] = (i * 31) % 251;
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return {
    path,
    name,
    size,
    format: magic === PNG ? "png" : "jpeg",
    sha256: createHash("sha256").update(bytes).digest("hex"),
  };
}

let row = 0;
function op(user: string, fields: Partial<Operation> & Pick<Operation, "endpoint" | "op">): Operation {
  row++;
  return { row, line: row + 1, user, index: 0, target: "", ...fields };
}
const profile = (user: string, body: Record<string, unknown>, query?: Record<string, string>): Operation =>
  op(user, { op: "profile", endpoint: "updateUser", body, ...(query ? { query } : {}) });
const password = (user: string, value: string): Operation =>
  op(user, { op: "password", endpoint: "updatePassword", body: { password: value } });
const picture = (user: string, file: UploadFile): Operation =>
  op(user, { op: "picture", endpoint: "uploadPicture", file, target: file.name });
const background = (user: string, file: UploadFile): Operation =>
  op(user, { op: "virtual_background", endpoint: "uploadVirtualBackground", file, target: file.name });

// ---- one sandbox, a fresh stack per test

/** Retry waits scaled down (the policy's rules are covered in retry.test.ts). */
const fastPolicy = createRetryPolicy({ rateLimitWaitMs: 20, rateLimitJitterMs: 20, backoffBaseMs: 10 });

interface Stack {
  tokens: TokenProvider;
  sender: Sender;
  limiters: Limiters;
  executor: Executor;
  logs: Record<string, unknown>[];
}

function stack(
  options: { tokens?: TokenProvider; plan?: "pro" | "business"; share?: number; slowRetries?: boolean } = {},
): Stack {
  const tokens =
    options.tokens ?? createTokenProvider({ oauthUrl: sandbox.oauthUrl, ...sandbox.credentials });
  const sender = createSender({ apiUrl: sandbox.apiUrl, tokens, timeouts: { headersMs: 400 } });
  const limiters = createLimiters({ plan: options.plan ?? "pro", share: options.share ?? 0.8 });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const executor = createExecutor({
    sender,
    limiters,
    tokens,
    ...(options.slowRetries ? {} : { policy: fastPolicy }),
    logger: pino({ level: "debug" }, sink),
  });
  const s = { tokens, sender, limiters, executor, logs };
  stacks.push(s);
  return s;
}

let sandbox: Sandbox;
const stacks: Stack[] = [];
const signal = new AbortController().signal;

beforeAll(async () => {
  sandbox = await startSandbox({ users: 40, plan: "pro", seed: 7 });
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

const apiLog = () => sandbox.state.log.filter((e) => e.path.startsWith("/v2/"));
const user = (email: string) => {
  const u = sandbox.state.getUser(email);
  if (!u) throw new Error(`no sandbox user ${email}`);
  return u;
};

describe("sender and executor against the sandbox", () => {
  it("applies a PATCH with a JSON body and its query options", async () => {
    const { executor } = stack();
    const result = await executor.execute(
      profile("user1@example.com", { first_name: "Ada", job_title: "Engineer" }, { login_type: "100" }),
      signal,
    );
    expect(result).toMatchObject({
      outcome: "ok",
      http_status: 204,
      zoom_code: "",
      message: "",
      attempts: 1,
    });
    expect(result.tracking_id).not.toBe("");
    expect(user("user1@example.com").profile).toMatchObject({ first_name: "Ada", job_title: "Engineer" });
    expect(apiLog()).toMatchObject([
      { method: "PATCH", path: "/v2/users/user1%40example.com", query: "login_type=100", status: 204 },
    ]);
  });

  it("updates a password with PUT and never logs it", async () => {
    const { executor, logs } = stack();
    const result = await executor.execute(password("user2@example.com", "Zb7#kq9!Lp"), signal);
    expect(result).toMatchObject({ outcome: "ok", http_status: 204, attempts: 1 });
    expect(sandbox.state.passwordMatches("user2@example.com", "Zb7#kq9!Lp")).toBe(true);
    expect(JSON.stringify(logs)).not.toContain("Zb7#kq9!Lp");
    expect(logs.map((l) => l.msg)).toContain("op.sent");
  });

  it("streams a picture upload as multipart pic_file and Zoom stores exactly those bytes", async () => {
    const { executor } = stack();
    const file = imageFile("portrait.png", PNG, 300_000);
    const result = await executor.execute(picture("user3@example.com", file), signal);
    expect(result).toMatchObject({ outcome: "ok", http_status: 201, attempts: 1 });
    expect(user("user3@example.com").picture).toEqual({
      size: file.size,
      sha256: file.sha256,
      format: "png",
    });
  });

  it("streams a virtual background upload and Zoom stores it under its name", async () => {
    const { executor } = stack();
    const file = imageFile("office.jpg", JPEG, 5_000_000);
    const result = await executor.execute(background("user4@example.com", file), signal);
    expect(result).toMatchObject({ outcome: "ok", http_status: 201, attempts: 1 });
    expect(user("user4@example.com").backgrounds).toMatchObject([
      { name: "office.jpg", size: file.size, sha256: file.sha256, type: "image" },
    ]);
  });

  it("fails an upload whose file vanished, without retrying", async () => {
    const { executor } = stack();
    const file = { ...imageFile("gone.png", PNG, 4000) };
    rmSync(file.path);
    const result = await executor.execute(background("user16@example.com", file), signal);
    expect(result).toMatchObject({ outcome: "failed", zoom_code: "E_FILE", attempts: 0 }); // nothing left for Zoom
    expect(result.message).toMatch(/gone\.png.*ENOENT/);
    expect(user("user16@example.com").backgrounds).toHaveLength(0);
  });

  it("returns Zoom's error as a failed result without retrying", async () => {
    const { executor } = stack();
    const result = await executor.execute(profile("nobody@example.com", { first_name: "X" }), signal);
    expect(result).toMatchObject({ outcome: "failed", http_status: 404, zoom_code: 1001, attempts: 1 });
    expect(result.message).toMatch(/does not exist/);
    expect(result.tracking_id).not.toBe("");
  });

  it("keeps ../, ? and # inside the userId path segment", async () => {
    const { executor } = stack();
    const result = await executor.execute(profile("../admin?x=1#frag", { first_name: "X" }), signal);
    expect(result).toMatchObject({ outcome: "failed", http_status: 404, zoom_code: 1001 });
    expect(apiLog()).toMatchObject([
      {
        method: "PATCH",
        path: "/v2/users/..%2Fadmin%3Fx%3D1%23frag",
        user: "../admin?x=1#frag",
        endpoint: "updateUser",
      },
    ]);
    expect(apiLog()[0]?.query).toBeUndefined();
  });

  it("retries 5xx answers for an idempotent call", async () => {
    const { executor, logs } = stack();
    sandbox.state.failNext({ endpoint: "updateUser", status: 503, count: 2 });
    const result = await executor.execute(profile("user5@example.com", { dept: "Ops" }), signal);
    expect(result).toMatchObject({ outcome: "ok", http_status: 204, attempts: 3 });
    expect(apiLog().map((e) => e.status)).toEqual([503, 503, 204]);
    expect(user("user5@example.com").profile.dept).toBe("Ops");
    expect(logs.filter((l) => l.msg === "op.retry")).toHaveLength(2);
  });

  it("retries connection resets and hangs for idempotent calls", async () => {
    const { executor } = stack();
    sandbox.state.failNext({ endpoint: "updatePassword", fault: "reset" });
    sandbox.state.failNext({ endpoint: "updatePassword", fault: "hang" });
    const result = await executor.execute(password("user6@example.com", "Qm4$vx8!Tr"), signal);
    expect(result).toMatchObject({ outcome: "ok", http_status: 204, attempts: 3 });
    expect(apiLog().map((e) => e.fault ?? e.status)).toEqual(["reset", "hang", 204]);
  });

  it("gives up after bounded 5xx retries with Zoom's message", async () => {
    const { executor } = stack();
    sandbox.state.failNext({ endpoint: "updateUser", status: 500, count: 10 });
    const result = await executor.execute(profile("user7@example.com", { dept: "X" }), signal);
    expect(result).toMatchObject({ outcome: "failed", http_status: 500, zoom_code: 500, attempts: 5 });
    expect(apiLog()).toHaveLength(5);
  });

  it("reconciles a lost virtual background answer: found, so exactly one file", async () => {
    const { executor, logs } = stack();
    const file = imageFile("lost.png", PNG, 120_000);
    sandbox.state.failNext({ endpoint: "uploadVirtualBackground", fault: "lost-upload" });
    const result = await executor.execute(background("user8@example.com", file), signal);
    expect(result.outcome).toBe("ok");
    expect(result.message).toMatch(/Already uploaded: lost\.png .* after its answer was lost/);
    expect(result).toMatchObject({ http_status: 200, attempts: 2 });
    expect(user("user8@example.com").backgrounds).toMatchObject([
      { name: "lost.png", size: file.size, sha256: file.sha256 },
    ]);
    expect(apiLog().map((e) => [e.method, e.endpoint, e.fault ?? e.status])).toEqual([
      ["POST", "uploadVirtualBackground", "lost-upload"],
      ["GET", "getSettings", 200],
    ]);
    expect(logs.map((l) => l.msg)).toContain("op.reconcile");
  });

  it("fails a lost virtual background upload when the check itself is refused, carrying its fatal flag", async () => {
    const { executor } = stack();
    sandbox.state.failNext({ endpoint: "uploadVirtualBackground", fault: "lost-upload" });
    sandbox.state.failNext({
      endpoint: "getSettings",
      status: 400,
      body: {
        code: 4711,
        message: "Invalid access token, does not contain scopes:[user:read:settings:admin].",
      },
    });
    const result = await executor.execute(
      background("user17@example.com", imageFile("c.png", PNG, 3000)),
      signal,
    );
    expect(result).toMatchObject({
      outcome: "failed",
      http_status: 400,
      zoom_code: 4711,
      attempts: 2,
      fatal: "auth",
    });
    expect(result.message).toMatch(/could not be checked after its answer was lost: Invalid access token/);
    expect(user("user17@example.com").backgrounds).toHaveLength(1);
  });

  it("reconciles a 5xx on a virtual background upload: not there, so uploads once more", async () => {
    const { executor } = stack();
    const file = imageFile("retry.png", PNG, 80_000);
    sandbox.state.failNext({ endpoint: "uploadVirtualBackground", status: 502 });
    const result = await executor.execute(background("user9@example.com", file), signal);
    expect(result).toMatchObject({ outcome: "ok", http_status: 201, attempts: 3 });
    expect(user("user9@example.com").backgrounds).toHaveLength(1);
    expect(apiLog().map((e) => [e.method, e.status])).toEqual([
      ["POST", 502],
      ["GET", 200],
      ["POST", 201],
    ]);
  });

  it("retries a reset picture upload (idempotent: it replaces)", async () => {
    const { executor } = stack();
    const file = imageFile("again.jpg", JPEG, 50_000);
    sandbox.state.failNext({ endpoint: "uploadPicture", fault: "reset" });
    const result = await executor.execute(picture("user10@example.com", file), signal);
    expect(result).toMatchObject({ outcome: "ok", http_status: 201, attempts: 2 });
    expect(user("user10@example.com").picture?.sha256).toBe(file.sha256);
  });

  it("retries a per-second 429 after about a second and counts it", async () => {
    const { executor, limiters } = stack({ slowRetries: true });
    sandbox.state.failNext({ endpoint: "updateUser", status: 429, rateLimit: "qps" });
    const began = performance.now();
    const result = await executor.execute(profile("user11@example.com", { dept: "QPS" }), signal);
    const elapsed = performance.now() - began;
    expect(result).toMatchObject({ outcome: "ok", http_status: 204, attempts: 2 });
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(3000);
    expect(limiters.stats().light.rate_limited).toEqual({ qps: 1, daily: 0, concurrency: 0 });
    expect(limiters.stats().light.requests).toBe(2);
  });

  it("treats a missing scope (4711) as fatal for the job", async () => {
    const { executor } = stack();
    sandbox.state.failNext({
      endpoint: "updateUser",
      status: 400,
      body: {
        code: 4711,
        message: "Invalid access token, does not contain scopes:[user:update:user:admin].",
      },
    });
    const result = await executor.execute(profile("user12@example.com", { dept: "X" }), signal);
    expect(result).toMatchObject({
      outcome: "failed",
      http_status: 400,
      zoom_code: 4711,
      attempts: 1,
      fatal: "auth",
    });
  });

  it("renews an expired token once mid-run and the operation succeeds", async () => {
    const { executor, tokens } = stack();
    expect((await executor.execute(profile("user13@example.com", { dept: "A" }), signal)).outcome).toBe("ok");
    const before = await tokens.get();
    sandbox.clock.advance(3601_000); // the sandbox now sees the token as expired; the provider does not know
    const result = await executor.execute(profile("user13@example.com", { dept: "B" }), signal);
    expect(result).toMatchObject({ outcome: "ok", http_status: 204, attempts: 2 });
    expect(await tokens.get()).not.toBe(before);
    expect(sandbox.state.log.map((e) => [e.path, e.status, e.zoomCode])).toEqual([
      ["/oauth/token", 200, undefined],
      ["/v2/users/user13%40example.com", 204, undefined],
      ["/v2/users/user13%40example.com", 401, 124],
      ["/oauth/token", 200, undefined],
      ["/v2/users/user13%40example.com", 204, undefined],
    ]);
    expect(user("user13@example.com").profile.dept).toBe("B");
  });

  it("stops the job when a static token is refused", async () => {
    const { executor } = stack({ tokens: staticToken("not-a-real-token") });
    const result = await executor.execute(profile("user14@example.com", { dept: "X" }), signal);
    expect(result).toMatchObject({ outcome: "failed", http_status: 401, zoom_code: 124, fatal: "auth" });
    expect(result.message).toMatch(/ZOOM_ACCESS_TOKEN/);
    expect(result.message).not.toContain("not-a-real-token");
    expect(apiLog()).toHaveLength(1);
  });

  it("abandons a retry wait when the signal aborts", async () => {
    const { executor } = stack({ slowRetries: true });
    sandbox.state.failNext({ endpoint: "updateUser", status: 429, rateLimit: "qps" });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const began = performance.now();
    const result = await executor.execute(profile("user15@example.com", { dept: "X" }), controller.signal);
    expect(performance.now() - began).toBeLessThan(900);
    expect(result.outcome).toBe("failed");
    expect(result.message).toMatch(/Interrupted/);
    expect(apiLog()).toHaveLength(1);
  });

  it("issue 13 §5: a run's signal gets a listener per stage, not per request, and still stops requests in flight", async () => {
    const { executor } = stack({ share: 1 });
    const run = new AbortController();
    let added = 0;
    const add = run.signal.addEventListener.bind(run.signal);
    run.signal.addEventListener = ((...args: Parameters<AbortSignal["addEventListener"]>) => {
      added++;
      add(...args);
    }) as AbortSignal["addEventListener"];
    const users = Array.from({ length: 30 }, (_, i) => `user${i + 1}@example.com`);
    const results = await Promise.all(
      users.map((u) => executor.execute(profile(u, { dept: "L" }), run.signal)),
    );
    expect(results.every((r) => r.outcome === "ok")).toBe(true);
    expect(added).toBeLessThanOrEqual(2); // the executor's one, the limiter's one
    // A request hanging in flight ends when the run stops, not at its deadline.
    sandbox.state.failNext({ endpoint: "updateUser", fault: "hang" });
    const hanging = executor.execute(profile("user31@example.com", { dept: "H" }), run.signal);
    setTimeout(() => run.abort(new Error("SIGTERM")), 100);
    const began = performance.now();
    expect(await hanging).toMatchObject({
      outcome: "failed",
      attempts: 1,
      message: "Interrupted before Zoom's answer was known.",
    });
    expect(performance.now() - began).toBeLessThan(300);
    expect(added).toBeLessThanOrEqual(2);
  });

  it("keeps every sliding second within the plan's limit end to end", async () => {
    // Pro Light: 30 in any second. At share 1 the job may use all of it, and must never get a 429.
    const { executor, limiters } = stack({ share: 1 });
    const users = Array.from({ length: 40 }, (_, i) => `user${i + 1}@example.com`);
    const results = await Promise.all(
      users.map((u) => executor.execute(profile(u, { cost_center: "CC1" }), signal)),
    );
    expect(results.every((r) => r.outcome === "ok" && r.attempts === 1)).toBe(true);
    const stats = sandbox.state.stats().light;
    expect(stats.rejected429.qps).toBe(0);
    expect(stats.maxInSlidingSecond).toBeLessThanOrEqual(30);
    expect(limiters.stats().light).toMatchObject({ requests: 40, pace_per_second: 30 });
  });
});

describe("daily limits", () => {
  let daily: Sandbox;
  beforeAll(async () => {
    daily = await startSandbox({ users: 5, dailyLimits: { medium: 1 } });
  });
  afterAll(() => daily.close());

  it("defers at a daily 429 until Retry-After, then defers the label's later operations without sending", async () => {
    const tokens = createTokenProvider({ oauthUrl: daily.oauthUrl, ...daily.credentials });
    const sender = createSender({ apiUrl: daily.apiUrl, tokens });
    const limiters = createLimiters({ plan: "pro", share: 0.8 });
    const logs: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        logs.push(chunk.toString());
        done();
      },
    });
    const executor = createExecutor({ sender, limiters, tokens, logger: pino(sink) });
    try {
      expect((await executor.execute(password("user1@example.com", "Aa1!xyzQ9w"), signal)).outcome).toBe(
        "ok",
      );
      const result = await executor.execute(password("user2@example.com", "Bb2!xyzQ9w"), signal);
      const d = new Date(daily.clock.now());
      const midnight = new Date(
        Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1),
      ).toISOString();
      expect(result).toMatchObject({
        outcome: "deferred",
        http_status: 429,
        zoom_code: 429,
        attempts: 1,
        until: midnight,
      });
      expect(result.message).toMatch(/daily limit for Medium/);
      expect(limiters.isStopped("medium")).toBe(Date.parse(midnight));
      expect(limiters.stats().medium.rate_limited.daily).toBe(1);
      expect(logs.some((l) => l.includes('"msg":"limit.daily"'))).toBe(true);

      const sent = daily.state.log.length;
      const later = await executor.execute(
        picture("user3@example.com", imageFile("d.png", PNG, 1000)),
        signal,
      );
      expect(later).toMatchObject({ outcome: "deferred", http_status: "", attempts: 0, until: midnight });
      expect(daily.state.log.length).toBe(sent);
      // Light has its own budget and still works.
      expect((await executor.execute(profile("user4@example.com", { dept: "L" }), signal)).outcome).toBe(
        "ok",
      );
    } finally {
      await limiters.stop();
      await sender.close();
    }
  });
});

describe("sender details", () => {
  let redirector: Server;
  let hits = 0;
  beforeAll(async () => {
    redirector = createServer((req, res) => {
      hits++;
      res.writeHead(302, {
        location: `${sandbox.apiUrl}/users/user1%40example.com`,
        "x-zm-trackingid": "t-302",
      });
      res.end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, "127.0.0.1", resolve));
  });
  afterAll(() => new Promise<void>((resolve) => redirector.close(() => resolve())));

  it("returns status, tracking id and rate-limit headers, and parses a 2xx JSON body", async () => {
    const { sender } = stack();
    const res = await sender.request({ method: "GET", path: "/users/user1%40example.com/settings" }, signal);
    expect(res.status).toBe(200);
    expect(res.trackingId).not.toBe("");
    expect(res.headers["x-ratelimit-category"]).toBe("Medium");
    expect(res.body).toMatchObject({ in_meeting: { virtual_background_settings: expect.any(Object) } });
    expect(JSON.stringify(res)).not.toContain(res.token); // the token is not serialised
  });

  it("never follows a redirect", async () => {
    const tokens = createTokenProvider({ oauthUrl: sandbox.oauthUrl, ...sandbox.credentials });
    const port = (redirector.address() as AddressInfo).port;
    const sender = createSender({ apiUrl: `http://127.0.0.1:${port}/v2`, tokens });
    try {
      const res = await sender.send(profile("user1@example.com", { dept: "R" }), signal);
      expect(res).toMatchObject({ status: 302, trackingId: "t-302" });
      expect(hits).toBe(1);
      expect(apiLog()).toHaveLength(0);
    } finally {
      await sender.close();
    }
  });

  it("throws NetworkError: not applied when nothing listens, maybe applied when the answer is lost", async () => {
    const gone = await startSandbox({ users: 1 });
    const url = gone.apiUrl;
    await gone.close();
    const tokens = createTokenProvider({ oauthUrl: sandbox.oauthUrl, ...sandbox.credentials });
    const offline = createSender({ apiUrl: url, tokens });
    const refused = await offline
      .send(profile("user1@example.com", { dept: "N" }), signal)
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NetworkError);
    expect((refused as NetworkError).maybeApplied).toBe(false);
    await offline.close();

    const { sender } = stack();
    sandbox.state.failNext({ endpoint: "uploadVirtualBackground", fault: "lost-upload" });
    const lost = await sender
      .send(background("user20@example.com", imageFile("n.png", PNG, 2000)), signal)
      .catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(NetworkError);
    expect((lost as NetworkError).maybeApplied).toBe(true);
    expect(user("user20@example.com").backgrounds).toHaveLength(1);
  });

  it("issue 13 §2: records a start when its request is written to the socket, not when the window let it go", async () => {
    // One connection, answers after 1.1 s: the second request is let go at once by the window
    // (Light has room) but waits in undici's pool for the connection, and leaves ~1.1 s later.
    const arrivals: number[] = [];
    const slow = createServer((req, res) => {
      arrivals.push(Date.now());
      req.resume();
      setTimeout(() => res.writeHead(204).end(), 1100);
    });
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
    const dispatcher = new Agent({ connections: 1 });
    try {
      const port = (slow.address() as AddressInfo).port;
      const sender = createSender({
        apiUrl: `http://127.0.0.1:${port}/v2`,
        tokens: staticToken("t"),
        dispatcher,
      });
      const limiters = createLimiters({ plan: "pro", share: 1 });
      const send = (dept: string) =>
        limiters.scheduleWithStart("light", (start) =>
          sender.send(profile("user1@example.com", { dept }), AbortSignal.timeout(10_000), start),
        );
      await Promise.all([send("A"), send("B")]);
      await limiters.stop();
      expect(arrivals).toHaveLength(2);
      expect((arrivals[1] as number) - (arrivals[0] as number)).toBeGreaterThanOrEqual(1000);
      // The seconds the starts were recorded in are the seconds they arrived in.
      const recorded = Object.entries(limiters.stats().light.starts_per_second);
      expect(recorded).toEqual(
        arrivals.map((t) => [new Date(Math.floor(t / 1000) * 1000).toISOString().replace(".000Z", "Z"), 1]),
      );
    } finally {
      await dispatcher.close();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });

  it("honours an aborted signal", async () => {
    const { sender } = stack();
    const controller = new AbortController();
    controller.abort(new Error("stopped"));
    await expect(sender.send(profile("user1@example.com", { dept: "Z" }), controller.signal)).rejects.toThrow(
      "stopped",
    );
    sandbox.state.failNext({ endpoint: "updateUser", fault: "hang" });
    const slow = new AbortController();
    setTimeout(() => slow.abort(new Error("late")), 100);
    await expect(sender.send(profile("user1@example.com", { dept: "Z" }), slow.signal)).rejects.toThrow(
      "late",
    );
  });
});
