import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { Sandbox, SandboxOptions } from "../../../src/sandbox/index.js";
import { startSandbox } from "../../../src/sandbox/index.js";
import type { Answer } from "./helpers.js";
import { TRACKING, client, getToken } from "./helpers.js";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function open(options: SandboxOptions) {
  sandbox = await startSandbox(options);
  return { sandbox, api: client(sandbox, await getToken(sandbox)) };
}

const QPS_BODY = {
  code: 429,
  message: "You have reached the maximum per-second rate limit for this API. Try again later.",
};
const rateHeaders = (a: Answer) =>
  Object.fromEntries(
    Object.entries(a.headers).filter(([name]) => name.startsWith("x-ratelimit") || name === "retry-after"),
  );

describe("per-second limits (sliding window, per label, per plan)", () => {
  it("lets the Free plan's 4 Light calls through and answers the rest 429 QPS with Zoom's headers", async () => {
    const { sandbox, api } = await open({ plan: "free", users: 10 });
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => api("GET", `/users/user${i + 1}@example.com`)),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 429, 429]);
    const ok = answers.find((a) => a.status === 200);
    // the Free plan caps Light at 6,000 a day, so successes carry that count too
    expect(rateHeaders(ok as Answer)).toMatchObject({
      "x-ratelimit-category": "Light",
      "x-ratelimit-limit": "6000",
    });
    for (const refused of answers.filter((a) => a.status === 429)) {
      expect(refused.body).toEqual(QPS_BODY);
      expect(rateHeaders(refused)).toEqual({
        "x-ratelimit-category": "Light",
        "x-ratelimit-type": "QPS",
        "x-ratelimit-limit": "4",
        "x-ratelimit-remaining": "0",
      });
      expect(refused.headers["x-zm-trackingid"]).toMatch(TRACKING);
    }
    // Medium has its own budget
    expect((await api("GET", "/users/user1@example.com/settings")).status).toBe(200);
    expect(sandbox.state.stats()).toMatchObject({
      light: {
        requests: 6,
        accepted: 4,
        maxInSlidingSecond: 6,
        rejected429: { qps: 2, daily: 0, concurrency: 0 },
      },
      medium: {
        requests: 1,
        accepted: 1,
        maxInSlidingSecond: 1,
        rejected429: { qps: 0, daily: 0, concurrency: 0 },
      },
    });
    expect(sandbox.state.log.filter((e) => e.status === 429).map((e) => [e.label, e.zoomCode])).toEqual([
      ["light", 429],
      ["light", 429],
    ]);
  });

  it("counts over a sliding window, not whole clock seconds", async () => {
    const { api } = await open({ plan: "free", users: 10 });
    const get = (i: number) => api("GET", `/users/user${i}@example.com`);
    expect((await Promise.all([get(1), get(2)])).map((a) => a.status)).toEqual([200, 200]);
    await sleep(600);
    expect((await Promise.all([get(3), get(4)])).map((a) => a.status)).toEqual([200, 200]);
    expect((await get(5)).status).toBe(429); // 4 in the last second, whatever second boundary passed
    await sleep(500); // the first two have left the window, the next two have not
    const later = await Promise.all([get(6), get(7), get(8)]);
    expect(later.map((a) => a.status).sort()).toEqual([200, 200, 429]);
  });

  it("gives other apps their share: the job gets floor(limit × (1 − share)) per window", async () => {
    const { sandbox, api } = await open({ plan: "pro", users: 40, faults: { otherApps: { light: 0.5 } } });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => api("GET", `/users/user${i + 1}@example.com`)),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(15);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(5);
    expect(rateHeaders(refused[0] as Answer)).toEqual({
      "x-ratelimit-category": "Light",
      "x-ratelimit-type": "QPS",
      "x-ratelimit-limit": "30",
      "x-ratelimit-remaining": "0",
    });
    expect(sandbox.state.stats().light.rejected429.qps).toBe(5);
    // the Medium label is not shared in this setup
    const medium = await Promise.all(
      Array.from({ length: 20 }, (_, i) => api("GET", `/users/user${i + 1}@example.com/settings`)),
    );
    expect(medium.every((a) => a.status === 200)).toBe(true);
  });
});

describe("daily limits (per UTC day of the sandbox clock)", () => {
  it("answers 429 Daily-limit with Retry-After at the next 00:00 UTC, and resets the next day", async () => {
    const { sandbox, api } = await open({
      dailyLimits: { light: 3 },
      startTime: new Date("2026-11-24T23:59:00Z"),
    });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await api("GET", "/users/bob@example.com");
      expect(answer.status).toBe(200);
      expect(answer.headers["x-ratelimit-limit"]).toBe("3");
      remaining.push(answer.headers["x-ratelimit-remaining"] ?? "");
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    const refused = await api("GET", "/users/bob@example.com");
    expect([refused.status, refused.body]).toEqual([
      429,
      {
        code: 429,
        message:
          "You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request.",
      },
    ]);
    expect(rateHeaders(refused)).toEqual({
      "x-ratelimit-category": "Light",
      "x-ratelimit-type": "Daily-limit",
      "x-ratelimit-limit": "3",
      "x-ratelimit-remaining": "0",
      "retry-after": "2026-11-25T00:00:00Z",
    });
    // Medium has no daily cap on Pro
    expect(
      (await api("GET", "/users/bob@example.com/settings")).headers["x-ratelimit-limit"],
    ).toBeUndefined();
    sandbox.clock.advance(60_000);
    const tomorrow = await api("GET", "/users/bob@example.com");
    expect([tomorrow.status, tomorrow.headers["x-ratelimit-remaining"]]).toEqual([200, "2"]);
    expect(sandbox.state.stats().light.rejected429).toEqual({ qps: 0, daily: 1, concurrency: 0 });
  });
});

describe("one call at a time per user", () => {
  it("answers 429 'Too many concurrent requests.' to a second call on a user in flight, by id or email", async () => {
    const { sandbox, api } = await open({ latency: { minMs: 150, maxMs: 150 } });
    const id = sandbox.state.getUser("dave@example.com")?.id ?? "";
    const [first, second, other] = await Promise.all([
      api("PATCH", "/users/dave@example.com", { json: { dept: "A" } }),
      sleep(30).then(() => api("PATCH", `/users/${id}`, { json: { dept: "B" } })),
      sleep(30).then(() => api("PATCH", "/users/erin@example.com", { json: { dept: "C" } })),
    ]);
    expect([first.status, other.status]).toEqual([204, 204]);
    expect([second.status, second.body]).toEqual([
      429,
      { code: 429, message: "Too many concurrent requests." },
    ]);
    expect(rateHeaders(second)).toEqual({ "x-ratelimit-category": "Light" });
    expect(sandbox.state.getUser("dave@example.com")?.profile.dept).toBe("A");
    expect(sandbox.state.stats().light.rejected429).toEqual({ qps: 0, daily: 0, concurrency: 1 });
  });

  it("never refuses a client that waits for each answer", async () => {
    const { sandbox, api } = await open({ unlimited: true });
    for (let i = 0; i < 30; i++)
      expect((await api("PATCH", "/users/dave@example.com", { json: { dept: `D${i}` } })).status).toBe(204);
    expect(sandbox.state.stats().light.rejected429.concurrency).toBe(0);
  });
});
