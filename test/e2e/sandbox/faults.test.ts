import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import type { Sandbox, SandboxOptions } from "../../../src/sandbox/index.js";
import { startSandbox } from "../../../src/sandbox/index.js";
import { PNG, TRACKING, client, file, form, getToken } from "./helpers.js";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function open(options: SandboxOptions) {
  sandbox = await startSandbox({ unlimited: true, ...options });
  const token = await getToken(sandbox);
  sandbox.state.reset(); // the log then holds API calls only
  return { sandbox, token, api: client(sandbox, token) };
}

const errorCode = (error: unknown): string => String((error as { code?: string }).code);

describe("random faults", () => {
  it("answers 500/502/503 with Zoom-like bodies and does not apply the call", async () => {
    const { sandbox, api } = await open({ seed: 3, faults: { error5xx: 1 } });
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        api("PATCH", `/users/user${i + 1}@example.com`, { json: { dept: "X" } }),
      ),
    );
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([500, 502, 503]));
    for (const answer of answers) {
      expect(answer.body).toEqual({ code: answer.status, message: expect.any(String) });
      expect(answer.headers["x-zm-trackingid"]).toMatch(TRACKING);
    }
    expect(sandbox.state.users().filter((u) => u.profile.dept === "X")).toEqual([]);
    expect(sandbox.state.log.every((e) => e.fault === "5xx")).toBe(true);
  });

  it("is deterministic for a seed", async () => {
    const run = async () => {
      const { api } = await open({ seed: 42, faults: { error5xx: 0.5 } });
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++) statuses.push((await api("GET", "/users/bob@example.com")).status);
      await sandbox?.close();
      return statuses;
    };
    const first = await run();
    expect(first).toContain(200);
    expect(first.some((s) => s >= 500)).toBe(true);
    expect(await run()).toEqual(first);
  });

  it("resets the connection without answering or applying", async () => {
    const { sandbox, api } = await open({ faults: { reset: 1 } });
    const error = await api("PATCH", "/users/bob@example.com", { json: { dept: "R" } }).catch(
      (e: unknown) => e,
    );
    expect(errorCode(error)).toMatch(/UND_ERR_SOCKET|ECONNRESET/);
    expect(sandbox.state.getUser("bob@example.com")?.profile.dept).toBe("");
    expect(sandbox.state.log.map(({ status, fault, path }) => ({ status, fault, path }))).toEqual([
      { status: 0, fault: "reset", path: "/v2/users/bob@example.com" },
    ]);
    sandbox.state.setFaults({});
    expect((await api("PATCH", "/users/bob@example.com", { json: { dept: "R" } })).status).toBe(204);
  });

  it("hangs until the client gives up, frees the user then, and never blocks close()", async () => {
    const { sandbox, token } = await open({ faults: { hang: 1 } });
    const hung = request(`${sandbox.apiUrl}/users/carol@example.com`, {
      headers: { authorization: `Bearer ${token}` },
      headersTimeout: 200,
    });
    expect(errorCode(await hung.catch((e: unknown) => e))).toBe("UND_ERR_HEADERS_TIMEOUT");
    await sleep(50);
    sandbox.state.setFaults({});
    expect((await client(sandbox, token)("GET", "/users/carol@example.com")).status).toBe(200);
    sandbox.state.setFaults({ hang: 1 });
    const pending = request(`${sandbox.apiUrl}/users/carol@example.com`, {
      headers: { authorization: `Bearer ${token}` },
    });
    pending.catch(() => undefined);
    await sleep(50);
    const started = Date.now();
    await sandbox.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(errorCode(await pending.catch((e: unknown) => e))).toMatch(/UND_ERR_SOCKET|ECONNRESET/);
  });

  it("loses an upload's answer after storing the file; other calls are not hit", async () => {
    const { sandbox, api } = await open({ faults: { lostUpload: 1 } });
    const png = file(PNG, 300);
    const error = await api("POST", "/users/grace@example.com/picture", {
      form: form("pic_file", png, "g.png"),
    }).catch((e: unknown) => e);
    expect(errorCode(error)).toMatch(/UND_ERR_SOCKET|ECONNRESET/);
    expect(sandbox.state.getUser("grace@example.com")?.picture?.size).toBe(300);
    expect(sandbox.state.log.at(-1)).toMatchObject({
      status: 0,
      fault: "lost-upload",
      endpoint: "uploadPicture",
    });
    expect((await api("PATCH", "/users/grace@example.com", { json: { dept: "ok" } })).status).toBe(204);
    // a refused upload is answered: nothing was stored, so nothing is lost
    const refused = await api("POST", "/users/grace@example.com/picture", {
      form: form("pic_file", Buffer.alloc(0), "e.png"),
    });
    expect(refused.status).toBe(400);
  });

  it("adds the configured latency, changeable at runtime", async () => {
    const { sandbox, api } = await open({ latency: { minMs: 120, maxMs: 120 } });
    let started = performance.now();
    await api("GET", "/users/bob@example.com");
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
    sandbox.state.setLatency({ minMs: 0, maxMs: 0 });
    started = performance.now();
    await api("GET", "/users/bob@example.com");
    expect(performance.now() - started).toBeLessThan(100);
  });
});

describe("state.failNext", () => {
  it("forces the next N answers for a user, whatever form of the user the call names", async () => {
    const { sandbox, api } = await open({});
    sandbox.state.failNext({ user: "BOB@example.com", status: 429, rateLimit: "daily", count: 2 });
    const id = sandbox.state.getUser("bob@example.com")?.id ?? "";
    const first = await api("GET", `/users/${id}`);
    expect([first.status, first.body]).toEqual([
      429,
      {
        code: 429,
        message:
          "You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request.",
      },
    ]);
    expect(first.headers["x-ratelimit-type"]).toBe("Daily-limit");
    expect(first.headers["retry-after"]).toMatch(/^\d{4}-\d\d-\d\dT00:00:00Z$/);
    expect((await api("GET", "/users/carol@example.com")).status).toBe(200);
    expect((await api("PATCH", "/users/bob@example.com", { json: {} })).status).toBe(429);
    expect((await api("GET", "/users/bob@example.com")).status).toBe(200);
    expect(sandbox.state.stats().light.rejected429.daily).toBe(2);
  });

  it("forces a status on an endpoint or path, and lost uploads on demand", async () => {
    const { sandbox, api } = await open({});
    sandbox.state.failNext({ endpoint: "updatePassword", status: 503 });
    const answer = await api("PUT", "/users/bob@example.com/password", { json: { password: "Abc9xyzQ!" } });
    expect([answer.status, answer.body]).toEqual([
      503,
      { code: 503, message: "Service is temporarily unavailable. Please try again later." },
    ]);
    sandbox.state.failNext({
      path: "/users/carol@example.com",
      status: 404,
      body: { code: 1001, message: "User does not exist: carol@example.com." },
    });
    expect((await api("GET", "/users/carol@example.com")).body).toEqual({
      code: 1001,
      message: "User does not exist: carol@example.com.",
    });
    sandbox.state.failNext({ path: "/users/{userId}/picture", fault: "lost-upload" });
    const lost = await api("POST", "/users/dave@example.com/picture", {
      form: form("pic_file", file(PNG), "d.png"),
    }).catch((e: unknown) => e);
    expect(errorCode(lost)).toMatch(/UND_ERR_SOCKET|ECONNRESET/);
    expect(sandbox.state.getUser("dave@example.com")?.picture?.format).toBe("png");
    expect(
      (await api("POST", "/users/dave@example.com/picture", { form: form("pic_file", file(PNG), "d.png") }))
        .status,
    ).toBe(201);
  });
});
