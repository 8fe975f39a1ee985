import { Agent, request, type Dispatcher } from "undici";
import { AuthError, ConfigError, NetworkError } from "../errors.js";

/**
 * Server-to-Server OAuth (../shared/zoom-api.md §4): one token for the whole process, fetched once
 * however many workers ask at the same time, renewed shortly before `expires_in` runs out, and
 * renewed early when Zoom answers 401/124 for the token that is still current.
 */
export interface TokenProvider {
  /** A bearer token that Zoom should still accept. */
  get(): Promise<string>;
  /** Zoom refused `token` (401 or code 124): forget it, unless a newer one already replaced it. */
  invalidate(token: string): void;
}

export interface TokenProviderOptions {
  /** `https://zoom.us/oauth/token`, or the sandbox's. */
  oauthUrl: string;
  accountId: string;
  clientId: string;
  clientSecret: string;
  /** undici dispatcher for the token requests. Default: a keep-alive Agent with 10 s timeouts. */
  dispatcher?: Dispatcher;
  /** Clock for the token's expiry (epoch ms). Default `Date.now`. */
  clock?: { now(): number };
  /** Renew this long before the token expires. Default 60 s, as Zoom's own Rivet SDK does. */
  renewBeforeMs?: number;
}

const CHECK_CREDENTIALS =
  "Check ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET (the Server-to-Server OAuth app's Account ID, Client ID and Client secret), and that the app is activated.";

export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  const clock = options.clock ?? { now: Date.now };
  const renewBeforeMs = options.renewBeforeMs ?? 60_000;
  const dispatcher =
    options.dispatcher ?? new Agent({ connectTimeout: 10_000, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const basic = Buffer.from(`${options.clientId}:${options.clientSecret}`).toString("base64");
  const form = new URLSearchParams({
    grant_type: "account_credentials",
    account_id: options.accountId,
  }).toString();

  let current: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;

  /** Never lets the secret (or the Basic credentials) reach a message. */
  const scrub = (text: string): string =>
    [options.clientSecret, basic].reduce(
      (t, secret) => (secret ? t.split(secret).join("[redacted]") : t),
      text,
    );

  async function fetchToken(): Promise<string> {
    const issuedAt = clock.now();
    let res: Dispatcher.ResponseData;
    try {
      res = await request(options.oauthUrl, {
        dispatcher,
        method: "POST",
        headers: {
          authorization: `Basic ${basic}`,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: form,
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      throw new NetworkError(
        scrub(
          `Could not reach the Zoom token endpoint (${options.oauthUrl}): ${code || (error as Error).message}.`,
        ),
        false,
      );
    }
    const text = await res.body.text();
    const json = parseJson(text);
    if (
      res.statusCode === 200 &&
      typeof json?.access_token === "string" &&
      typeof json.expires_in === "number"
    ) {
      current = { token: json.access_token, renewAt: issuedAt + json.expires_in * 1000 - renewBeforeMs };
      return json.access_token;
    }
    if (res.statusCode === 400 || res.statusCode === 401 || res.statusCode === 403) {
      const reason = [json?.error, json?.reason].filter((v) => typeof v === "string" && v).join(": ");
      throw new AuthError(
        scrub(
          `The Zoom token endpoint refused the credentials (HTTP ${res.statusCode}${reason ? ` ${reason}` : ""}). ${CHECK_CREDENTIALS}`,
        ),
      );
    }
    if (res.statusCode === 200)
      throw new AuthError(`The Zoom token endpoint answered without an access token. ${CHECK_CREDENTIALS}`);
    // 429 or 5xx: nothing reached the API, so the caller's retry policy may try again.
    throw new NetworkError(`The Zoom token endpoint answered HTTP ${res.statusCode}.`, false);
  }

  return {
    get() {
      if (current && clock.now() < current.renewAt) return Promise.resolve(current.token);
      // Single flight: every worker waiting for a token shares this one request.
      pending ??= fetchToken().finally(() => {
        pending = undefined;
      });
      return pending;
    },
    invalidate(token) {
      if (current?.token === token) current = undefined;
    },
  };
}

/** A token from elsewhere (ZOOM_ACCESS_TOKEN). It cannot be renewed: once Zoom refuses it, `get` says so. */
export function staticToken(token: string): TokenProvider {
  let refused = false;
  return {
    get() {
      if (refused)
        return Promise.reject(
          new AuthError(
            "Zoom refused ZOOM_ACCESS_TOKEN (expired or invalid). Set a fresh ZOOM_ACCESS_TOKEN, or unset it and set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET so the job can renew its own tokens.",
          ),
        );
      return Promise.resolve(token);
    },
    invalidate(failed) {
      if (failed === token) refused = true;
    },
  };
}

/**
 * Plain http:// would send the token and the client secret in clear text; it is allowed only for
 * a loopback host (127.0.0.0/8, ::1, localhost), which is where the sandbox runs.
 * Returns the URL without trailing slashes.
 */
export function checkUrl(url: string, name: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`${name}: expected a URL such as https://api.zoom.us/v2, got "${url}".`);
  }
  const ok = parsed.protocol === "https:" || (parsed.protocol === "http:" && isLoopback(parsed.hostname));
  if (!ok)
    throw new ConfigError(
      `${name}: only https:// is allowed (plain http:// only for a loopback host such as the sandbox), got "${parsed.protocol}//${parsed.host}". Set ${name} to an https:// URL.`,
    );
  return url.replace(/\/+$/, "");
}

export function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (host === "localhost" || host === "::1" || host === "0:0:0:0:0:0:0:1") return true;
  const parts = host.split(".");
  return (
    parts.length === 4 && parts[0] === "127" && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)
  );
}

interface TokenResponse {
  access_token?: unknown;
  expires_in?: unknown;
  error?: unknown;
  reason?: unknown;
}

function parseJson(text: string): TokenResponse | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" ? (value as TokenResponse) : undefined;
  } catch {
    return undefined;
  }
}
