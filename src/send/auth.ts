import type { Dispatcher } from "undici";
import { AuthError, ConfigError } from "../errors.js";
import type { ZoomTarget } from "../config.js";
import { TokenEndpoint } from "./token-endpoint.js";

/**
 * Server-to-Server OAuth (../shared/zoom-api.md §4): one token for the whole process, fetched once
 * however many workers ask at the same time, renewed shortly before `expires_in` runs out, and
 * renewed early when Zoom answers 401/124 for the token that is still current.
 *
 * A run fetches at most one token per lifetime, plus one after each 401/124 for the current token:
 * the renewal margin scales with the lifetime (`renewMarginMs`), so a 20 s token from a gateway is
 * not renewed before every request as a fixed 60 s margin would.
 */
export interface TokenProvider {
  /** A bearer token that Zoom should still accept. */
  get(): Promise<string>;
  /** Zoom refused `token` (401 or code 124): forget it, unless a newer one already replaced it. */
  invalidate(token: string): void;
  /**
   * Values no message may show (the client secret, the Basic credentials), for send/scrub.ts.
   * Optional: a provider without it has nothing beyond the token itself to hide.
   */
  secrets?(): readonly string[];
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
  /**
   * Renew this long before the token expires. Default `renewMarginMs`: min(60 s, 10% of the
   * token's lifetime), i.e. 60 s for Zoom's one-hour tokens, as Zoom's own Rivet SDK does.
   */
  renewBeforeMs?: number;
  /**
   * Deadline of one token request, connect to last byte. Default 15 s. When it passes, or the
   * endpoint cannot be reached or answers 429/5xx, `get` rejects with DependencyError("oauth")
   * (exit 6), distinct from refused credentials (AuthError, exit 3).
   */
  timeoutMs?: number;
}

const DEFAULT_TOKEN_TIMEOUT_MS = 15_000;

/** How long before expiry a token of `lifetimeMs` is renewed: min(60 s, 10% of its lifetime). */
export function renewMarginMs(lifetimeMs: number): number {
  return Math.max(0, Math.min(60_000, lifetimeMs * 0.1));
}

export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  const clock = options.clock ?? { now: Date.now };
  const endpoint = new TokenEndpoint({
    ...options,
    timeoutMs: options.timeoutMs ?? DEFAULT_TOKEN_TIMEOUT_MS,
  });
  let current: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    const issuedAt = clock.now(); // before the request: the token lives at most this long
    const { token, lifetimeMs } = await endpoint.fetch();
    const margin = options.renewBeforeMs ?? renewMarginMs(lifetimeMs);
    current = { token, renewAt: issuedAt + lifetimeMs - margin };
    return token;
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
    secrets: () => endpoint.credentials,
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

/** The token provider a Zoom target's credentials call for: renewable (S2S OAuth) or a ready token. */
export function tokenProviderFor(zoom: ZoomTarget): TokenProvider {
  return zoom.auth.kind === "token"
    ? staticToken(zoom.auth.token)
    : createTokenProvider({ oauthUrl: zoom.oauthUrl, ...zoom.auth });
}
