import type { IncomingMessage } from "node:http";
import type { Reply } from "./http.js";
import { mediaType, readBody } from "./http.js";
import type { SandboxState } from "./state.js";

export interface Credentials {
  accountId: string;
  clientId: string;
  clientSecret: string;
}

/** The granular scopes a Server-to-Server app needs for what zoom-bulk does (zoom-api.md §4.3). */
export const SANDBOX_SCOPE = [
  "user:read:user:admin",
  "user:read:list_users:admin",
  "user:read:settings:admin",
  "user:update:user:admin",
  "user:update:password:admin",
  "user:write:profile_picture:admin",
  "user:write:virtual_background_files:admin",
  "user:delete:virtual_background_files:admin",
  "user:write:user:admin",
  "user:update:status:admin",
  "user:update:email:admin",
  "user:delete:user:admin",
  "user:read:email:admin",
].join(" ");

const oauthError = (reason: string, error: string): Reply => ({ status: 400, body: { reason, error } });

/**
 * POST /oauth/token, Server-to-Server OAuth (zoom-api.md §4.1): HTTP Basic client id and secret,
 * `grant_type=account_credentials` and `account_id` in the query or an x-www-form-urlencoded body.
 * A missing or wrong account id answers 400 `{"reason":"Invalid account_id","error":"invalid_request"}`
 * (Zoom's exact answer is not documented).
 */
export async function tokenEndpoint(
  req: IncomingMessage,
  query: URLSearchParams,
  state: SandboxState,
  credentials: Credentials,
  origin: string,
): Promise<Reply> {
  const params = new URLSearchParams(query);
  if (mediaType(req) === "application/x-www-form-urlencoded") {
    const body = await readBody(req, 64 * 1024);
    if (body === undefined) return oauthError("Request body is too large", "invalid_request");
    for (const [key, value] of new URLSearchParams(body.toString("utf8"))) params.set(key, value);
  } else req.resume();
  if (!basicMatches(req.headers.authorization, credentials))
    return oauthError("Invalid client_id or client_secret", "invalid_client");
  if (params.get("grant_type") !== "account_credentials")
    return oauthError("unsupported grant type", "unsupported_grant_type");
  if (params.get("account_id") !== credentials.accountId)
    return oauthError("Invalid account_id", "invalid_request");
  const { token, expiresIn } = state.issueToken();
  return {
    status: 200,
    body: {
      access_token: token,
      token_type: "bearer",
      expires_in: expiresIn,
      scope: SANDBOX_SCOPE,
      api_url: origin,
    },
  };
}

function basicMatches(header: string | undefined, credentials: Credentials): boolean {
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match?.[1]) return false;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return (
    colon >= 0 &&
    decoded.slice(0, colon) === credentials.clientId &&
    decoded.slice(colon + 1) === credentials.clientSecret
  );
}
