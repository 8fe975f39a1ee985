import { Agent, request, type Dispatcher } from "undici";
import { AuthError, DependencyError } from "../errors.js";
import { AnswerError, seconds } from "./failure.js";
import { readBody } from "./response.js";
import { scrub } from "./scrub.js";

/**
 * One Server-to-Server OAuth token request (../shared/zoom-api.md §4.1): POST with HTTP Basic
 * client credentials and `grant_type=account_credentials`, under one deadline, its answer read
 * up to a bound. Refused credentials are an AuthError (exit 3); an endpoint that cannot be
 * reached, does not answer in time or answers 429/5xx is DependencyError("oauth") (exit 6).
 * Messages never show the client secret or the Basic credentials.
 */
export interface TokenEndpointOptions {
  oauthUrl: string;
  accountId: string;
  clientId: string;
  clientSecret: string;
  /** Default: a keep-alive Agent with 10 s connect, headers and body timeouts. */
  dispatcher?: Dispatcher;
  /** Deadline of one request, connect to last byte. */
  timeoutMs: number;
}

/** A token answer is about 1 KB; anything beyond this is not one. */
const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

const CHECK_CREDENTIALS =
  "Check ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET (the Server-to-Server OAuth app's Account ID, Client ID and Client secret), and that the app is activated.";

export class TokenEndpoint {
  /** The client secret and the Basic credentials: what no message may show. */
  readonly credentials: readonly string[];
  readonly #o: TokenEndpointOptions;
  readonly #dispatcher: Dispatcher;
  readonly #basic: string;
  readonly #form: string;

  constructor(options: TokenEndpointOptions) {
    this.#o = options;
    this.#dispatcher =
      options.dispatcher ??
      new Agent({ connectTimeout: 10_000, headersTimeout: 10_000, bodyTimeout: 10_000 });
    this.#basic = Buffer.from(`${options.clientId}:${options.clientSecret}`).toString("base64");
    this.credentials = [options.clientSecret, this.#basic];
    this.#form = new URLSearchParams({
      grant_type: "account_credentials",
      account_id: options.accountId,
    }).toString();
  }

  /** A new token and how long it lives (ms), or the error that says why not. */
  async fetch(): Promise<{ token: string; lifetimeMs: number }> {
    const { status, text } = await this.#post();
    const json = parseJson(text);
    if (status === 200 && typeof json?.access_token === "string" && typeof json.expires_in === "number")
      return { token: json.access_token, lifetimeMs: json.expires_in * 1000 };
    if (status === 400 || status === 401 || status === 403) {
      const reason = [json?.error, json?.reason].filter((v) => typeof v === "string" && v).join(": ");
      throw new AuthError(
        this.#clean(
          `The Zoom token endpoint refused the credentials (HTTP ${status}${reason ? ` ${reason}` : ""}). ${CHECK_CREDENTIALS}`,
        ),
      );
    }
    if (status === 200)
      throw new AuthError(`The Zoom token endpoint answered without an access token. ${CHECK_CREDENTIALS}`);
    // 429 or 5xx: the endpoint is there but not serving; the caller's retry policy may try again.
    throw this.#unreachable(`answered HTTP ${status}`);
  }

  /** One POST under its deadline: the status and the bounded body text. */
  async #post(): Promise<{ status: number; text: string }> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.#o.timeoutMs);
    try {
      const res = await request(this.#o.oauthUrl, {
        dispatcher: this.#dispatcher,
        method: "POST",
        headers: {
          authorization: `Basic ${this.#basic}`,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: this.#form,
        signal: deadline.signal,
      });
      const text = await readBody(res.body, res.statusCode, res.headers, MAX_TOKEN_RESPONSE_BYTES);
      return { status: res.statusCode, text };
    } catch (error) {
      if (deadline.signal.aborted)
        throw this.#unreachable(`did not answer within ${seconds(this.#o.timeoutMs)}`);
      if (error instanceof AnswerError)
        throw this.#unreachable("answered with a body too large to be a token");
      const code = (error as { code?: unknown }).code;
      throw this.#unreachable(
        `could not be reached or read: ${typeof code === "string" && code ? code : (error as Error).message}`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  #unreachable(why: string): DependencyError {
    return new DependencyError(
      "oauth",
      this.#clean(
        `The Zoom token endpoint (${this.#o.oauthUrl}) ${why}. Nothing was sent to Zoom's API for it; check the network path to the token endpoint (proxy, firewall, DNS), then run again (with --resume if the run had started).`,
      ),
    );
  }

  #clean(text: string): string {
    return scrub(text, this.credentials);
  }
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
