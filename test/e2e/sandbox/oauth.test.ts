import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../../../src/sandbox/index.js";
import { startSandbox } from "../../../src/sandbox/index.js";
import { SANDBOX_SCOPE } from "../../../src/sandbox/oauth.js";
import { TRACKING, basic, call, client, getToken } from "./helpers.js";

describe("POST /oauth/token (Server-to-Server OAuth)", () => {
  let sandbox: Sandbox;
  const origin = (): string => sandbox.oauthUrl.replace("/oauth/token", "");
  const auth = (): string => basic("sandbox-client", "sandbox-secret");

  beforeAll(async () => {
    sandbox = await startSandbox({ tokenTtlSeconds: 600, faults: { error5xx: 1 } });
  });
  afterAll(() => sandbox.close());

  it("issues a bearer token for account_credentials in the query (faults never hit OAuth)", async () => {
    const answer = await call(
      `${sandbox.oauthUrl}?grant_type=account_credentials&account_id=sandbox-account`,
      {
        method: "POST",
        headers: { authorization: auth() },
      },
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      access_token: expect.stringMatching(/^[\w-]{43}$/),
      token_type: "bearer",
      expires_in: 600,
      scope: SANDBOX_SCOPE,
      api_url: origin(),
    });
    expect(answer.headers["x-zm-trackingid"]).toMatch(TRACKING);
    expect(answer.headers["content-type"]).toBe("application/json;charset=UTF-8");
  });

  it("accepts the parameters as an x-www-form-urlencoded body", async () => {
    const answer = await call(sandbox.oauthUrl, {
      method: "POST",
      headers: { authorization: auth(), "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=account_credentials&account_id=sandbox-account",
    });
    expect(answer.status).toBe(200);
    expect((answer.body as { token_type: string }).token_type).toBe("bearer");
  });

  it("refuses bad client credentials, a wrong grant and a wrong account id with Zoom's bodies", async () => {
    const post = (query: string, authorization?: string) =>
      call(`${sandbox.oauthUrl}?${query}`, {
        method: "POST",
        headers: authorization ? { authorization } : {},
      });
    const good = "grant_type=account_credentials&account_id=sandbox-account";
    const badSecret = await post(good, basic("sandbox-client", "nope"));
    expect([badSecret.status, badSecret.body]).toEqual([
      400,
      { reason: "Invalid client_id or client_secret", error: "invalid_client" },
    ]);
    expect(badSecret.headers["x-zm-trackingid"]).toMatch(TRACKING);
    const noAuth = await post(good);
    expect([noAuth.status, noAuth.body]).toEqual([
      400,
      { reason: "Invalid client_id or client_secret", error: "invalid_client" },
    ]);
    const grant = await post("grant_type=client_credentials&account_id=sandbox-account", auth());
    expect([grant.status, grant.body]).toEqual([
      400,
      { reason: "unsupported grant type", error: "unsupported_grant_type" },
    ]);
    const account = await post("grant_type=account_credentials&account_id=other", auth());
    expect([account.status, account.body]).toEqual([
      400,
      { reason: "Invalid account_id", error: "invalid_request" },
    ]);
  });

  it("answers 401/124 for a missing, unknown or expired token, by the sandbox clock", async () => {
    sandbox.state.setFaults({});
    const first = await getToken(sandbox);
    const api = client(sandbox, first);
    expect((await api("GET", "/users/bob@example.com")).status).toBe(200);
    sandbox.clock.advance(599_000);
    const second = await getToken(sandbox); // several valid tokens at once, as Zoom since 2023
    expect((await api("GET", "/users/bob@example.com")).status).toBe(200);
    sandbox.clock.advance(1_000);
    const expired = await api("GET", "/users/bob@example.com");
    expect([expired.status, expired.body]).toEqual([401, { code: 124, message: "Access token is expired." }]);
    expect(expired.headers["x-zm-trackingid"]).toMatch(TRACKING);
    expect((await client(sandbox, second)("GET", "/users/bob@example.com")).status).toBe(200);
    const unknown = await client(sandbox, "not-a-token")("GET", "/users/bob@example.com");
    expect([unknown.status, unknown.body]).toEqual([401, { code: 124, message: "Invalid access token." }]);
    const missing = await call(`${sandbox.apiUrl}/users/bob@example.com`);
    expect([missing.status, missing.body]).toEqual([401, { code: 124, message: "Invalid access token." }]);
  });
});
