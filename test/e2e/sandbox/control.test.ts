import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors.js";
import type { Sandbox } from "../../../src/sandbox/index.js";
import {
  loadSeedUsers,
  parseFaults,
  parseLatency,
  sandboxEnv,
  stableId,
  startSandbox,
} from "../../../src/sandbox/index.js";
import { call, client, getToken } from "./helpers.js";

describe("parseLatency and parseFaults (CLI)", () => {
  it("parses a fixed latency and a range", () => {
    expect(parseLatency("150")).toEqual({ minMs: 150, maxMs: 150 });
    expect(parseLatency("100-200")).toEqual({ minMs: 100, maxMs: 200 });
  });

  it("refuses bad latency with a ConfigError naming the option, the expectation and the input", () => {
    for (const text of ["fast", "200-100", "-5", ""]) {
      expect(() => parseLatency(text)).toThrow(ConfigError);
      expect(() => parseLatency(text)).toThrow(
        `--latency: expected milliseconds as "150" or a range "100-200" (min <= max), got "${text}"`,
      );
    }
  });

  it("parses every fault key", () => {
    expect(
      parseFaults("5xx=0.02,reset=0.01,hang=0.005,lost-upload=0.02,lost-create=0.03,other-apps=0.4"),
    ).toEqual({
      error5xx: 0.02,
      reset: 0.01,
      hang: 0.005,
      lostUpload: 0.02,
      lostCreate: 0.03,
      otherApps: 0.4,
    });
    expect(parseFaults("other-apps.light=0.5, other-apps.medium=0.25")).toEqual({
      otherApps: { light: 0.5, medium: 0.25 },
    });
    expect(parseFaults("")).toEqual({});
  });

  it("refuses unknown keys and probabilities outside 0..1", () => {
    const expected =
      "--faults: expected comma-separated key=probability pairs with keys 5xx, reset, hang, lost-upload, lost-create, other-apps, other-apps.<label> and probabilities from 0 to 1";
    expect(() => parseFaults("5xx=2")).toThrow(`${expected}, got "5xx=2" in "5xx=2"`);
    expect(() => parseFaults("reset")).toThrow(`${expected}, got "reset" in "reset"`);
    expect(() => parseFaults("drop=0.1")).toThrow(`${expected}, got the key "drop" in "drop=0.1"`);
    expect(() => parseFaults("drop=0.1")).toThrow(ConfigError);
  });
});

describe("seed users", () => {
  let sandbox: Sandbox | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  it("loads a JSON array file, and refuses anything else with a ConfigError", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sandbox-seed-"));
    const good = join(dir, "users.json");
    await writeFile(
      good,
      JSON.stringify([
        { email: "x@corp.example", first_name: "X", role_name: "Owner" },
        { email: "y@corp.example", id: "fixed-id" },
      ]),
    );
    const users = await loadSeedUsers(good);
    expect(users).toEqual([
      { email: "x@corp.example", first_name: "X", role_name: "Owner" },
      { email: "y@corp.example", id: "fixed-id" },
    ]);
    sandbox = await startSandbox({ users });
    expect(sandbox.state.users().map((u) => [u.id, u.email, u.profile.display_name])).toEqual([
      [stableId("x@corp.example"), "x@corp.example", "X"],
      ["fixed-id", "y@corp.example", ""],
    ]);
    const bad = join(dir, "bad.json");
    await writeFile(bad, JSON.stringify({ email: "x@corp.example" }));
    await expect(loadSeedUsers(bad)).rejects.toThrow(
      `--users (${bad}): expected a JSON array of user objects, got {"email":"x@corp.example"}`,
    );
    await writeFile(bad, JSON.stringify([{ mail: "x" }]));
    await expect(loadSeedUsers(bad)).rejects.toThrow(
      `--users (${bad}): item 0 must be an object with an "email" string, got {"mail":"x"}`,
    );
    await expect(loadSeedUsers(join(dir, "missing.json"))).rejects.toBeInstanceOf(ConfigError);
  });

  it("generates user1 … usern with stable ids, and the demo account by default", async () => {
    sandbox = await startSandbox({ users: 3 });
    expect(sandbox.state.users().map((u) => [u.id, u.email])).toEqual(
      [1, 2, 3].map((i) => [stableId(`user${i}@example.com`), `user${i}@example.com`]),
    );
    await sandbox.close();
    sandbox = await startSandbox();
    const emails = sandbox.state.users().map((u) => u.email);
    expect(emails.slice(0, 8)).toEqual(
      ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"].map((n) => `${n}@example.com`),
    );
    expect(emails.slice(8)).toEqual(Array.from({ length: 20 }, (_, i) => `user${i + 1}@example.com`));
    expect(sandbox.state.owner()?.email).toBe("alice@example.com");
  });
});

describe("sandboxEnv and the HTTP control paths", () => {
  let sandbox: Sandbox | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  it("prints the settings a run needs", async () => {
    sandbox = await startSandbox({ credentials: { accountId: "acc", clientId: "cid", clientSecret: "sec" } });
    const origin = sandbox.apiUrl.slice(0, -3);
    expect(sandbox.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2$/);
    expect(sandboxEnv(sandbox)).toEqual({
      ZOOM_API_URL: `${origin}/v2`,
      ZOOM_OAUTH_URL: `${origin}/oauth/token`,
      ZOOM_ACCOUNT_ID: "acc",
      ZOOM_CLIENT_ID: "cid",
      ZOOM_CLIENT_SECRET: "sec",
    });
  });

  it("exposes state, log and stats, moves the clock and resets over HTTP", async () => {
    sandbox = await startSandbox({ startTime: Date.parse("2026-11-24T10:00:00Z"), seed: 5 });
    const base = sandbox.apiUrl.slice(0, -3) + "/_sandbox";
    const api = client(sandbox, await getToken(sandbox));
    await api("PUT", "/users/bob@example.com/password", { json: { password: "Zx9-long-Pw" } });
    await api("GET", "/users/nobody@example.com?login_type=100");

    const log = await call(`${base}/log`);
    expect(log.status).toBe(200);
    expect(
      (log.body as Record<string, unknown>[]).map(({ time, arrival, trackingId, ...rest }) => ({
        ...rest,
        time: typeof time,
        arrival: typeof arrival,
        trackingId: typeof trackingId,
      })),
    ).toEqual([
      {
        method: "POST",
        path: "/oauth/token",
        query: "grant_type=account_credentials&account_id=sandbox-account",
        status: 200,
        time: "number",
        arrival: "number",
        trackingId: "string",
      },
      {
        method: "PUT",
        path: "/v2/users/bob@example.com/password",
        endpoint: "updatePassword",
        operation: "updatePassword",
        label: "medium",
        user: "bob@example.com",
        status: 204,
        time: "number",
        arrival: "number",
        trackingId: "string",
      },
      {
        method: "GET",
        path: "/v2/users/nobody@example.com",
        query: "login_type=100",
        endpoint: "getUser",
        operation: "getUser",
        label: "light",
        user: "nobody@example.com",
        status: 404,
        zoomCode: 1001,
        time: "number",
        arrival: "number",
        trackingId: "string",
      },
    ]);

    const state = (await call(`${base}/state`)).body as { time: string; users: Record<string, unknown>[] };
    expect(state.time).toMatch(/^2026-11-24T10:00/);
    expect(state.users.find((u) => u.email === "bob@example.com")).toMatchObject({
      password_set: true,
      backgrounds: [],
    });
    expect(JSON.stringify(state)).not.toContain("Zx9-long-Pw");

    const stats = (await call(`${base}/stats`)).body as Record<string, { requests: number }>;
    expect([stats.light?.requests, stats.medium?.requests, stats.heavy?.requests]).toEqual([1, 1, 0]);

    const advanced = await call(`${base}/clock/advance?ms=86400000`, { method: "POST" });
    expect(advanced.body).toEqual({ now: expect.stringMatching(/^2026-11-25T10:00/) });
    expect((await call(`${base}/reset`, { method: "POST" })).status).toBe(204);
    expect((await call(`${base}/log`)).body).toEqual([]);

    const faults = await call(`${base}/faults`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ error5xx: 1 }),
    });
    expect(faults.status).toBe(204);
    // the day moved on, so the old token has expired
    expect((await api("GET", "/users/bob@example.com")).status).toBe(401);
    const fresh = client(sandbox, await getToken(sandbox));
    expect((await fresh("GET", "/users/bob@example.com")).status).toBeGreaterThanOrEqual(500);
    const wrong = await call(`${base}/faults`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ reset: 3 }),
    });
    expect([wrong.status, wrong.body]).toEqual([
      400,
      { code: 300, message: "faults.reset: expected a probability from 0 to 1, got 3" },
    ]);
  });
});
