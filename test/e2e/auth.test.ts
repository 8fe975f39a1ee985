import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthError, ConfigError, NetworkError } from "../../src/errors.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { checkUrl, createTokenProvider, isLoopback, staticToken } from "../../src/send/auth.js";

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

  it("reports an unreachable token endpoint as a NetworkError that was not applied", async () => {
    const closed = await startSandbox({ users: 0 });
    const url = closed.oauthUrl;
    await closed.close();
    const tokens = createTokenProvider({ oauthUrl: url, ...sandbox.credentials });
    const error = await tokens.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).maybeApplied).toBe(false);
    expect((error as Error).message).not.toContain(sandbox.credentials.clientSecret);
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
