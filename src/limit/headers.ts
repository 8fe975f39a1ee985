/**
 * What a 429's `X-RateLimit-*` headers said, when Zoom sent them (they are missing on some 429s,
 * and on the per-user concurrency 429 entirely). See
 * https://developers.zoom.us/docs/api/rate-limits/ and zoom-api.md §3.
 */
export interface RateLimitInfo {
  /** `X-RateLimit-Type`: "QPS" or "Daily-limit". */
  type?: string;
  /** `X-RateLimit-Limit`. */
  limit?: number;
  /** `X-RateLimit-Remaining`. */
  remaining?: number;
}

/** Reads `X-RateLimit-*` from lower-cased headers; absent or malformed values are left out. */
export function rateLimitInfo(headers: Record<string, string>): RateLimitInfo {
  const info: RateLimitInfo = {};
  const type = headers["x-ratelimit-type"];
  if (type) info.type = type;
  const limit = Number(headers["x-ratelimit-limit"]);
  if (headers["x-ratelimit-limit"] && Number.isInteger(limit) && limit > 0) info.limit = limit;
  const remaining = Number(headers["x-ratelimit-remaining"]);
  if (headers["x-ratelimit-remaining"] && Number.isInteger(remaining) && remaining >= 0)
    info.remaining = remaining;
  return info;
}
