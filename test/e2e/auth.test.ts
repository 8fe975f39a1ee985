import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthError, ConfigError, DependencyError, exitCodeFor } from "../../src/errors.js";
import { createLimiters } from "../../src/limit/index.js";
import { runBatch } from "../../src/run/index.js";
import { sandboxTarget, startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import {
  checkUrl,
  createTokenProvider,
  isLoopback,
  renewMarginMs,
  staticToken,
} from "../../src/send/auth.js";
import { createExecutor } from "../../src/send/execute.js";
import { createSender } from "../../src/send/sender.js";
import type { Operation } from "../../src/types.js";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({
    users: 2,
    credentials: { clientSecret: "s3cr3t-Client-Secret-Value" },
  });
});
afterAll(() => sandbox.close());

const tokenRequests = (): number => sandbox.state.log.filter((e) => e.path === "/oauth/token").length;

describe("createTokenProvider (against the sandbox)", () => {
  it("fetches one token for many concurrent callers, then serves it from memory", async () => {
    const before = tokenRequests();
    const tokens = createTokenProvider({ oauthUrl: sandbox.oauthUrl, ...sandbox.credentials });
    const got = await Promise.all(Array.from({ length: 10 }, () => tokens.get()));
    expect(new Set(got).size).toBe(1);
    expect(sandbox.state.checkToken(got[0])).toBe("ok");
    expect(tokenRequests() - before).toBe(1);
    expect(await tokens.get()).toBe(got[0]);
    expect(tokenRequests() - before).toBe(1);
  });

  it("sends Basic auth and a form body with grant_type=account_credentials", async () => {
    const before = sandbox.state.log.length;
    const tokens = createTokenProvider({ oauthUrl: sandbox.oauthUrl, ...sandbox.credentials });
    await tokens.get();
    const entry = sandbox.state.log.slice(before).find((e) => e.path === "/oauth/token");
    // The sandbox reads both from the body and the Authorization header; no query string is used.
    expect(entry).toMatchObject({ method: "POST", status: 200 });
    expect(entry?.query).toBeUndefined();
  });

  it("renews the token shortly before it expires", async () => {
    const before = tokenRequests();
    const tokens = createTokenProvider({
      oauthUrl: sandbox.oauthUrl,
      ...sandbox.credentials,
      clock: sandbox.clock,
      renewBeforeMs: 60_000,
    });
    const first = await tokens.get();
    sandbox.clock.advance(3600_000 - 61_000);
    expect(await tokens.get()).toBe(first);
    sandbox.clock.advance(2_000); // now within 60 s of expiry
    const second = await tokens.get();
    expect(second).not.toBe(first);
    expect(sandbox.state.checkToken(second)).toBe("ok");
    expect(tokenRequests() - before).toBe(2);
  });

  it("renews after invalidate(current), but not for a token that was already replaced", async () => {
    const before = tokenRequests();
    const tokens = createTokenProvider({ oauthUrl: sandbox.oauthUrl, ...sandbox.credentials });
    const first = await tokens.get();
    // Many workers see the same 401 at once: one renewal.
    for (let i = 0; i < 5; i++) tokens.invalidate(first);
    const [a, b] = await Promise.all([tokens.get(), tokens.get()]);
    expect(a).toBe(b);
    expect(a).not.toBe(first);
    tokens.invalidate(first); // a late 401 for the old token changes nothing
    expect(await tokens.get()).toBe(a);
    expect(tokenRequests() - before).toBe(2);
  });

  it("names the variables to check when the credentials are refused, and never shows the secret", async () => {
    const secret = "wrong-Secret-Do-Not-Print";
    const tokens = createTokenProvider({
      oauthUrl: sandbox.oauthUrl,
      ...sandbox.credentials,
      clientSecret: secret,
    });
    const error = await tokens.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    const message = (error as AuthError).message;
    expect(message).toMatch(/ZOOM_ACCOUNT_ID/);
    expect(message).toMatch(/ZOOM_CLIENT_ID/);
    expect(message).toMatch(/ZOOM_CLIENT_SECRET/);
    expect(message).toMatch(/invalid_client/);
    expect(message).not.toContain(secret);
    expect(message).not.toContain(
      Buffer.from(`${sandbox.credentials.clientId}:${secret}`).toString("base64"),
    );
    expect(JSON.stringify(error)).not.toContain(secret);
  });

  it("refuses a wrong account id with an AuthError", async () => {
    const tokens = createTokenProvider({
      oauthUrl: sandbox.oauthUrl,
      ...sandbox.credentials,
      accountId: "nope",
    });
    const error = await tokens.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toMatch(/ZOOM_ACCOUNT_ID/);
    expect((error as Error).message).not.toContain(sandbox.credentials.clientSecret);
  });

  it("does not cache a failure: the next get tries again", async () => {
    const tokens = createTokenProvider({
      oauthUrl: sandbox.oauthUrl,
      ...sandbox.credentials,
      accountId: "nope",
    });
    await expect(tokens.get()).rejects.toBeInstanceOf(AuthError);
    const before = tokenRequests();
    await expect(tokens.get()).rejects.toBeInstanceOf(AuthError);
    expect(tokenRequests() - before).toBe(1);
  });

  it("reports an unreachable token endpoint as DependencyError(oauth), exit 6, not as refused credentials", async () => {
    const closed = await startSandbox({ users: 0 });
    const url = closed.oauthUrl;
    await closed.close();
    const tokens = createTokenProvider({ oauthUrl: url, ...sandbox.credentials });
    const error = await tokens.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyError);
    expect(error).not.toBeInstanceOf(AuthError);
    expect((error as DependencyError).dependency).toBe("oauth");
    expect((error as DependencyError).code).toBe("E_OAUTH_UNREACHABLE");
    expect(exitCodeFor(error)).toBe(6);
    expect((error as Error).message).toMatch(/token endpoint .* could not be reached.*ECONNREFUSED/);
    expect((error as Error).message).not.toContain(sandbox.credentials.clientSecret);
  });
});

describe("createTokenProvider against hostile token endpoints", () => {
  let server: Server;
  let mode: "hang" | "trickle" | "503" | "huge" = "hang";
  let url = "";
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      if (mode === "503") {
        res.writeHead(503, { "content-type": "application/json" });
        res.end(JSON.stringify({ reason: `echo ${req.headers.authorization ?? ""}`, error: "unavailable" }));
      } else if (mode === "trickle") {
        res.writeHead(200, { "content-type": "application/json" });
        res.write("{");
        const timer = setInterval(() => res.write(" "), 20);
        res.on("close", () => clearInterval(timer));
      } else if (mode === "huge") {
        res.writeHead(200, { "content-type": "application/json" });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = (): void => {
          while (res.write(chunk));
        };
        res.on("drain", pump);
        pump();
      }
      // hang: never answer
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it.each(["hang", "trickle"] as const)(
    "a token endpoint that %ss is a DependencyError within the token timeout",
    async (m) => {
      mode = m;
      const tokens = createTokenProvider({ oauthUrl: url, ...sandbox.credentials, timeoutMs: 300 });
      const began = performance.now();
      const error = await tokens.get().catch((e: unknown) => e);
      expect(performance.now() - began).toBeLessThan(2000);
      expect(error).toBeInstanceOf(DependencyError);
      expect((error as Error).message).toMatch(/did not answer within 0\.3 s/);
    },
  );

  it("a 503 from the token endpoint is a DependencyError: the endpoint is there but not serving", async () => {
    mode = "503";
    const tokens = createTokenProvider({ oauthUrl: url, ...sandbox.credentials });
    const error = await tokens.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as Error).message).toMatch(/answered HTTP 503/);
  });

  it("a token answer with an endless body is cut, not read into memory", async () => {
    mode = "huge";
    const tokens = createTokenProvider({ oauthUrl: url, ...sandbox.credentials });
    const error = await tokens.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as Error).message).toMatch(/too large to be a token/);
  });
});

describe("token renewal by lifetime", () => {
  it("renews min(60 s, 10%) before expiry: a 20 s token is fetched about once per lifetime", async () => {
    expect(renewMarginMs(3600_000)).toBe(60_000);
    expect(renewMarginMs(20_000)).toBe(2_000);
    expect(renewMarginMs(0)).toBe(0);
    const short = await startSandbox({ users: 1, tokenTtlSeconds: 20 });
    try {
      const tokens = createTokenProvider({
        oauthUrl: short.oauthUrl,
        ...short.credentials,
        clock: short.clock,
      });
      const fetched = (): number => short.state.log.filter((e) => e.path === "/oauth/token").length;
      const first = await tokens.get();
      short.clock.advance(17_500);
      expect(await tokens.get()).toBe(first); // 2.5 s left: still in use
      short.clock.advance(1_000);
      const second = await tokens.get(); // 1.5 s left: within the 2 s margin
      expect(second).not.toBe(first);
      expect(short.state.checkToken(second)).toBe("ok");
      expect(fetched()).toBe(2);
    } finally {
      await short.close();
    }
  });
});

describe("issue 13 §4: tokens fetched per run", () => {
  it("60 s of sending with 20 s tokens fetches about 60/20 tokens, with concurrent callers sharing each fetch", async () => {
    const short = await startSandbox({ users: 200, plan: "business", tokenTtlSeconds: 20 });
    const tokens = createTokenProvider({
      oauthUrl: short.oauthUrl,
      ...short.credentials,
      clock: short.clock,
    });
    const sender = createSender({ apiUrl: short.apiUrl, tokens });
    const limiters = createLimiters({ plan: "business", share: 1, limitsScale: 10 });
    const executor = createExecutor({ sender, limiters, tokens });
    const signal = new AbortController().signal;
    // The sandbox clock (which the provider reads too) runs about 10x: 60 s pass in 6 s of sending.
    const simulatedMs = 60_000;
    const began = short.clock.now();
    const tick = setInterval(() => short.clock.advance(100), 10);
    try {
      let sent = 0;
      await Promise.all(
        Array.from({ length: 10 }, async (_, w) => {
          for (let k = 0; short.clock.now() - began < simulatedMs; k++) {
            const user = `user${((w + 10 * k) % 200) + 1}@example.com`;
            const op: Operation = {
              row: sent,
              line: sent + 1,
              user,
              op: "profile",
              index: 0,
              endpoint: "updateUser",
              target: "",
              body: { dept: `D${k}` },
            };
            sent++;
            const result = await executor.execute(op, signal);
            expect(result.outcome).toBe("ok");
          }
        }),
      );
      const log = short.state.log;
      const fetched = log.filter((e) => e.path === "/oauth/token").length;
      const refused = log.filter((e) => e.status === 401).length;
      expect(sent).toBeGreaterThan(50);
      // One per lifetime (renewed 2 s before the end: every 18 s), plus one per 401/124.
      expect(fetched).toBeGreaterThanOrEqual(Math.floor(simulatedMs / 20_000));
      expect(fetched).toBeLessThanOrEqual(Math.ceil(simulatedMs / 18_000) + 1 + refused);
      // A request may be held up (the limiter, a busy machine) past the 2 s margin of the
      // compressed clock, and be refused; never more than a few.
      expect(refused).toBeLessThanOrEqual(3);
    } finally {
      clearInterval(tick);
      await limiters.stop();
      await sender.close();
      await short.close();
    }
  });

  it("a whole run with 2 s tokens fetches about one per 1.8 s of the run, and none is refused", async () => {
    const short = await startSandbox({ users: 100, plan: "pro", tokenTtlSeconds: 2 });
    try {
      const dir = mkdtempSync(join(tmpdir(), "zb-tokens-"));
      writeFileSync(
        join(dir, "m.csv"),
        ["user,dept", ...Array.from({ length: 100 }, (_, i) => `user${i + 1}@example.com,T${i}`)].join("\n") +
          "\n",
      );
      const began = performance.now();
      const summary = await runBatch({
        manifest: join(dir, "m.csv"),
        results: join(dir, "r.csv"),
        plan: "pro",
        share: 0.8,
        zoom: sandboxTarget(short),
      });
      const seconds = (performance.now() - began) / 1000;
      expect(summary.outcomes.ok).toBe(100);
      const fetched = short.state.log.filter((e) => e.path === "/oauth/token").length;
      expect(short.state.log.filter((e) => e.status === 401)).toEqual([]);
      expect(seconds).toBeGreaterThan(3); // 100 PATCHes at 24/s
      expect(fetched).toBeGreaterThanOrEqual(Math.floor(seconds / 2));
      expect(fetched).toBeLessThanOrEqual(Math.ceil(seconds / 1.8) + 1);
    } finally {
      await short.close();
    }
  });
});

describe("staticToken", () => {
  it("serves ZOOM_ACCESS_TOKEN until Zoom refuses it", async () => {
    const tokens = staticToken("tok-123-abc");
    expect(await tokens.get()).toBe("tok-123-abc");
    tokens.invalidate("another");
    expect(await tokens.get()).toBe("tok-123-abc");
    tokens.invalidate("tok-123-abc");
    const error = await tokens.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toMatch(/ZOOM_ACCESS_TOKEN/);
    expect((error as Error).message).not.toContain("tok-123-abc");
  });
});

describe("checkUrl", () => {
  it.each([
    ["https://api.zoom.us/v2", "https://api.zoom.us/v2"],
    ["https://api-eu.zoom.us/v2/", "https://api-eu.zoom.us/v2"],
    ["http://127.0.0.1:8080/v2", "http://127.0.0.1:8080/v2"],
    ["http://127.45.6.7/v2", "http://127.45.6.7/v2"],
    ["http://localhost:3000/oauth/token", "http://localhost:3000/oauth/token"],
    ["http://LOCALHOST/v2", "http://LOCALHOST/v2"],
    ["http://[::1]:9000/v2", "http://[::1]:9000/v2"],
  ])("accepts %s", (url, expected) => {
    expect(checkUrl(url, "ZOOM_API_URL")).toBe(expected);
  });

  it.each([
    ["http://api.zoom.us/v2", "ZOOM_API_URL"],
    ["http://10.0.0.5/v2", "ZOOM_API_URL"],
    ["http://127.0.0.1.evil.example/v2", "ZOOM_API_URL"],
    ["http://localhost.evil.example/oauth/token", "ZOOM_OAUTH_URL"],
    ["http://[::2]/v2", "ZOOM_API_URL"],
    ["ftp://127.0.0.1/v2", "ZOOM_API_URL"],
    ["not a url", "ZOOM_OAUTH_URL"],
  ])("refuses %s, naming %s", (url, name) => {
    let error: unknown;
    try {
      checkUrl(url, name);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(name);
  });

  it("never repeats credentials embedded in a refused URL", () => {
    expect(() => checkUrl("http://user:hunter2@example.com/v2", "ZOOM_API_URL")).toThrow(/^(?!.*hunter2)/s);
  });

  it("knows loopback hosts", () => {
    expect(isLoopback("127.0.0.1")).toBe(true);
    expect(isLoopback("127.255.255.254")).toBe(true);
    expect(isLoopback("[::1]")).toBe(true);
    expect(isLoopback("128.0.0.1")).toBe(false);
    expect(isLoopback("127.0.0.256")).toBe(false);
    expect(isLoopback("127.0.0")).toBe(false);
  });
});
