import { describe, expect, it } from "vitest";
import {
  createRetryPolicy,
  dailyResumeAt,
  decideRetry,
  nextUtcMidnight,
  parseRetryAfter,
  rateLimitKind,
  type Attempt,
  type Decision,
  type Failure,
} from "../../../src/send/retry.js";

const NOW = Date.parse("2026-03-10T15:30:00Z");
const MIDNIGHT = Date.parse("2026-03-11T00:00:00Z");

const http = (
  status: number,
  zoomCode?: number,
  message = "",
  headers: Record<string, string> = {},
): Failure => ({
  kind: "http",
  status,
  zoomCode,
  message,
  headers,
});
const net = (maybeApplied: boolean): Failure => ({
  kind: "network",
  maybeApplied,
  message: "socket hang up",
});
const at = (number: number, idempotent = true, renewals = 0): Attempt => ({ number, renewals, idempotent });

const QPS_MSG = "You have reached the maximum per-second rate limit for this API. Try again later.";
const DAILY_MSG =
  "You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request.";

// [name, failure, attempt, random, expected decision]
const table: [string, Failure, Attempt, number, Decision][] = [
  // Per-second 429s: about 1 s + 0..1 s of jitter, bounded.
  [
    "QPS 429 by header",
    http(429, 429, QPS_MSG, { "x-ratelimit-type": "QPS" }),
    at(1),
    0,
    { action: "retry", waitMs: 1000, reason: "qps" },
  ],
  [
    "QPS 429 with jitter",
    http(429, 429, QPS_MSG, { "x-ratelimit-type": "QPS" }),
    at(2),
    0.5,
    { action: "retry", waitMs: 1500, reason: "qps" },
  ],
  [
    "429 without any type header",
    http(429, 429, QPS_MSG),
    at(1),
    0.999,
    { action: "retry", waitMs: 1999, reason: "qps" },
  ],
  [
    "429 with no body at all",
    http(429, undefined, ""),
    at(3),
    0.25,
    { action: "retry", waitMs: 1250, reason: "qps" },
  ],
  [
    "QPS 429 honours a short Retry-After (seconds)",
    http(429, 429, QPS_MSG, { "retry-after": "3" }),
    at(1),
    0,
    { action: "retry", waitMs: 3000, reason: "qps" },
  ],
  [
    "QPS 429 ignores a far Retry-After",
    http(429, 429, QPS_MSG, { "retry-after": "3600" }),
    at(1),
    0,
    { action: "retry", waitMs: 1000, reason: "qps" },
  ],
  [
    "QPS 429 on the 5th attempt still retries",
    http(429, 429, QPS_MSG),
    at(5),
    0,
    { action: "retry", waitMs: 1000, reason: "qps" },
  ],
  [
    "QPS 429 on the 6th attempt gives up",
    http(429, 429, QPS_MSG),
    at(6),
    0,
    { action: "give-up", outcome: "failed", reason: "qps" },
  ],
  [
    "concurrent-requests 429",
    http(
      429,
      429,
      "Too many concurrent requests. A request to disassociate this user has already been made.",
    ),
    at(1),
    0.1,
    { action: "retry", waitMs: 1100, reason: "concurrency" },
  ],
  [
    "concurrent-requests 429, bounded",
    http(429, 429, "Too many concurrent requests."),
    at(6),
    0.1,
    { action: "give-up", outcome: "failed", reason: "concurrency" },
  ],
  // Daily 429s: deferred until Retry-After, or the next 00:00 UTC.
  [
    "daily 429 by header, ISO Retry-After",
    http(429, 429, DAILY_MSG, { "x-ratelimit-type": "Daily-limit", "retry-after": "2026-03-11T00:00:00Z" }),
    at(1),
    0.7,
    { action: "give-up", outcome: "deferred", until: MIDNIGHT, reason: "daily" },
  ],
  [
    "daily 429 by message only",
    http(429, 429, DAILY_MSG, { "retry-after": "2026-03-12T06:00:00Z" }),
    at(1),
    0,
    { action: "give-up", outcome: "deferred", until: Date.parse("2026-03-12T06:00:00Z"), reason: "daily" },
  ],
  [
    "daily 429 with numeric Retry-After beyond the next midnight",
    http(429, 429, DAILY_MSG, { "x-ratelimit-type": "Daily-limit", "retry-after": "36000" }),
    at(1),
    0,
    { action: "give-up", outcome: "deferred", until: NOW + 36_000_000, reason: "daily" },
  ],
  [
    "daily 429 with a Retry-After before the next midnight: the limit resets at 00:00 UTC",
    http(429, 429, DAILY_MSG, { "x-ratelimit-type": "Daily-limit", "retry-after": "120" }),
    at(1),
    0,
    { action: "give-up", outcome: "deferred", until: MIDNIGHT, reason: "daily" },
  ],
  [
    "daily 429 with an absurd numeric Retry-After: out of a Date's range, so the next midnight",
    http(429, 429, DAILY_MSG, { "x-ratelimit-type": "Daily-limit", "retry-after": "99999999999999" }),
    at(1),
    0,
    { action: "give-up", outcome: "deferred", until: MIDNIGHT, reason: "daily" },
  ],
  [
    "daily 429 with a Retry-After years ahead: at most 48 h",
    http(429, 429, DAILY_MSG, { "x-ratelimit-type": "Daily-limit", "retry-after": "2031-01-01T00:00:00Z" }),
    at(1),
    0,
    { action: "give-up", outcome: "deferred", until: NOW + 48 * 3600_000, reason: "daily" },
  ],
  [
    "daily 429 with a Retry-After in the past: still stopped, until the next midnight",
    http(429, 429, DAILY_MSG, { "x-ratelimit-type": "Daily-limit", "retry-after": "2020-05-31T00:00:00Z" }),
    at(1),
    0,
    { action: "give-up", outcome: "deferred", until: MIDNIGHT, reason: "daily" },
  ],
  [
    "daily 429 without Retry-After",
    http(429, 429, DAILY_MSG, { "x-ratelimit-type": "Daily-limit" }),
    at(1),
    0,
    { action: "give-up", outcome: "deferred", until: MIDNIGHT, reason: "daily" },
  ],
  [
    "daily 429 with garbage Retry-After",
    http(429, 429, "", { "x-ratelimit-type": "daily-limit", "retry-after": "soon" }),
    at(4),
    0,
    { action: "give-up", outcome: "deferred", until: MIDNIGHT, reason: "daily" },
  ],
  // Tokens.
  ["401/124 expired: renew", http(401, 124, "Access token is expired."), at(1), 0, { action: "renew-token" }],
  ["400/124 invalid: renew", http(400, 124, "Invalid access token."), at(1), 0, { action: "renew-token" }],
  ["401 without a code: renew", http(401, undefined, ""), at(2), 0, { action: "renew-token" }],
  [
    "401/124 after a renewal: fatal",
    http(401, 124, "Invalid access token."),
    at(2, true, 1),
    0,
    { action: "give-up", outcome: "failed", fatal: "auth" },
  ],
  [
    "4711 missing scope: fatal",
    http(400, 4711, "Invalid access token, does not contain scopes:[user:update:user:admin]."),
    at(1),
    0,
    { action: "give-up", outcome: "failed", fatal: "auth" },
  ],
  [
    "4700: fatal",
    http(400, 4700, "Invalid access token, does not contain scopes"),
    at(1),
    0,
    { action: "give-up", outcome: "failed", fatal: "auth" },
  ],
  // 5xx and network errors: capped exponential backoff with full jitter, idempotent calls only.
  [
    "500 idempotent, attempt 1",
    http(500, 500, "Internal error"),
    at(1),
    1,
    { action: "retry", waitMs: 250, reason: "server" },
  ],
  [
    "503 idempotent, attempt 3",
    http(503, undefined, ""),
    at(3),
    0.5,
    { action: "retry", waitMs: 500, reason: "server" },
  ],
  [
    "502 idempotent, full jitter can be 0",
    http(502, undefined, ""),
    at(2),
    0,
    { action: "retry", waitMs: 0, reason: "server" },
  ],
  [
    "500 idempotent, attempt 5: give up",
    http(500, undefined, ""),
    at(5),
    0.5,
    { action: "give-up", outcome: "failed" },
  ],
  ["500 non-idempotent: reconcile", http(500, undefined, ""), at(1, false), 0.5, { action: "reconcile" }],
  [
    "500 non-idempotent, attempt 5: look, but do not send again",
    http(500, undefined, ""),
    at(5, false),
    0.5,
    { action: "reconcile", last: true },
  ],
  ["reset, idempotent", net(true), at(1), 0.5, { action: "retry", waitMs: 125, reason: "network" }],
  [
    "reset before sending, not idempotent",
    net(false),
    at(2, false),
    1,
    { action: "retry", waitMs: 500, reason: "network" },
  ],
  ["lost answer, not idempotent: reconcile", net(true), at(1, false), 0.5, { action: "reconcile" }],
  ["network, attempt 5: give up", net(true), at(5), 0.5, { action: "give-up", outcome: "failed" }],
  [
    "lost answer, not idempotent, attempt 5: look, but do not send again",
    net(true),
    at(5, false),
    0.5,
    { action: "reconcile", last: true },
  ],
  [
    "never left, not idempotent, attempt 5: give up (nothing to look for)",
    net(false),
    at(5, false),
    0.5,
    { action: "give-up", outcome: "failed" },
  ],
  // Zoom's final word.
  [
    "404/1001 no such user",
    http(404, 1001, "User does not exist: a@b.c."),
    at(1),
    0,
    { action: "give-up", outcome: "failed" },
  ],
  [
    "400/300 validation",
    http(400, 300, "Validation Failed."),
    at(1),
    0,
    { action: "give-up", outcome: "failed" },
  ],
  [
    "400/120 file too large",
    http(400, 120, "File size cannot exceed 2M."),
    at(1, false),
    0,
    { action: "give-up", outcome: "failed" },
  ],
  ["403 denied", http(403, 200, "No permission."), at(1), 0, { action: "give-up", outcome: "failed" }],
  [
    "409 conflict",
    http(409, 1005, "Email has already been used."),
    at(1, false),
    0,
    { action: "give-up", outcome: "failed" },
  ],
  [
    "302 redirect (never followed)",
    http(302, undefined, "Found"),
    at(1),
    0,
    { action: "give-up", outcome: "failed" },
  ],
];

describe("decideRetry", () => {
  it.each(table)("%s", (_name, failure, attempt, random, expected) => {
    expect(decideRetry(failure, attempt, NOW, () => random)).toEqual(expected);
  });

  it("caps the backoff at 30 s", () => {
    const policy = createRetryPolicy({ maxErrorAttempts: 20 });
    expect(policy(http(500), at(12), NOW, () => 1)).toEqual({
      action: "retry",
      waitMs: 30_000,
      reason: "server",
    });
  });

  it("bounds an operation's total time: no retry whose wait ends past maxTotalMs", () => {
    const policy = createRetryPolicy({ maxTotalMs: 10_000 });
    const late = (n: number, elapsedMs: number): Attempt => ({ ...at(n), elapsedMs });
    expect(policy(net(true), late(2, 9_000), NOW, () => 1)).toEqual({
      action: "retry",
      waitMs: 500,
      reason: "network",
    });
    expect(policy(net(true), late(2, 9_600), NOW, () => 1)).toEqual({
      action: "give-up",
      outcome: "failed",
      reason: "time",
    });
    expect(policy(http(503), late(3, 9_600), NOW, () => 0.5)).toMatchObject({ reason: "time" });
    expect(policy(http(429, 429, QPS_MSG), late(1, 9_500), NOW, () => 0)).toMatchObject({ reason: "time" });
    // Decisions without a wait are not bounded by it: a token renewal, a check, a daily deferral.
    expect(policy(http(401, 124), late(1, 60_000), NOW, () => 0)).toEqual({ action: "renew-token" });
    expect(policy(net(true), { ...late(1, 60_000), idempotent: false }, NOW, () => 0)).toEqual({
      action: "reconcile",
    });
    // The default: two minutes.
    expect(decideRetry(net(true), late(2, 119_800), NOW, () => 1)).toMatchObject({ reason: "time" });
  });

  it("never returns a daily `until` that is not a valid future Date, whatever Retry-After says", () => {
    const values = [
      "99999999999999",
      "1e400",
      "-5",
      "0",
      "NaN",
      "Infinity",
      "9".repeat(400),
      "2020-01-01",
      "+275760-09-13T00:00:00Z",
      "Tue, 31 Dec 1969 23:59:59 GMT",
      "\u0000",
      " ",
    ];
    for (const value of values) {
      const d = decideRetry(http(429, 429, DAILY_MSG, { "retry-after": value }), at(1), NOW, () => 0);
      expect(d.action, value).toBe("give-up");
      if (d.action !== "give-up" || d.until === undefined) throw new Error(`no until for ${value}`);
      expect(() => new Date(d.until as number).toISOString(), value).not.toThrow();
      expect(d.until, value).toBeGreaterThan(NOW);
      expect(d.until, value).toBeLessThanOrEqual(NOW + 48 * 3600_000);
    }
  });

  it("is pure: the same input gives the same decision", () => {
    const failure = http(429, 429, QPS_MSG);
    const a = decideRetry(failure, at(2), NOW, () => 0.3);
    const b = decideRetry(failure, at(2), NOW, () => 0.3);
    expect(a).toEqual(b);
  });

  it("keeps every wait within bounds for any random value", () => {
    for (let i = 0; i <= 100; i++) {
      const r = i / 100;
      for (let n = 1; n < 5; n++) {
        const d = decideRetry(http(500), at(n), NOW, () => r);
        expect(d.action).toBe("retry");
        if (d.action === "retry") expect(d.waitMs).toBeLessThanOrEqual(Math.min(30_000, 500 * 2 ** (n - 1)));
        const q = decideRetry(http(429), at(n), NOW, () => r);
        if (q.action === "retry") expect(q.waitMs).toBeGreaterThanOrEqual(1000);
        if (q.action === "retry") expect(q.waitMs).toBeLessThanOrEqual(2000);
      }
    }
  });
});

describe("429 helpers", () => {
  it("classifies 429s", () => {
    expect(rateLimitKind({ "x-ratelimit-type": "QPS" }, "")).toBe("qps");
    expect(rateLimitKind({ "x-ratelimit-type": "Daily-limit" }, "")).toBe("daily");
    expect(rateLimitKind({}, DAILY_MSG)).toBe("daily");
    expect(rateLimitKind({}, "Too many concurrent requests.")).toBe("concurrency");
    expect(rateLimitKind({}, "")).toBe("qps");
  });

  it("parses Retry-After as a date or as seconds", () => {
    expect(parseRetryAfter("2020-05-31T00:00:00Z", NOW)).toBe(Date.parse("2020-05-31T00:00:00Z"));
    expect(parseRetryAfter("Wed, 11 Mar 2026 00:00:00 GMT", NOW)).toBe(MIDNIGHT);
    expect(parseRetryAfter(" 5 ", NOW)).toBe(NOW + 5000);
    expect(parseRetryAfter("", NOW)).toBeUndefined();
    expect(parseRetryAfter("later", NOW)).toBeUndefined();
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter("99999999999999", NOW)).toBeUndefined();
    expect(parseRetryAfter("1e400", NOW)).toBeUndefined();
  });

  it("keeps a daily resume time within [next midnight, now + the cap]", () => {
    const cap = 48 * 3600_000;
    expect(dailyResumeAt(undefined, NOW, cap)).toBe(MIDNIGHT);
    expect(dailyResumeAt("2026-03-10T15:29:59Z", NOW, cap)).toBe(MIDNIGHT);
    expect(dailyResumeAt("2026-03-10T18:00:00Z", NOW, cap)).toBe(MIDNIGHT);
    expect(dailyResumeAt("2026-03-11T00:00:00Z", NOW, cap)).toBe(MIDNIGHT);
    expect(dailyResumeAt("2026-03-12T00:00:00Z", NOW, cap)).toBe(Date.parse("2026-03-12T00:00:00Z"));
    expect(dailyResumeAt("2026-04-01T00:00:00Z", NOW, cap)).toBe(NOW + cap);
  });

  it("finds the next 00:00 UTC", () => {
    expect(nextUtcMidnight(NOW)).toBe(MIDNIGHT);
    expect(nextUtcMidnight(Date.parse("2026-12-31T23:59:59Z"))).toBe(Date.parse("2027-01-01T00:00:00Z"));
    expect(nextUtcMidnight(MIDNIGHT)).toBe(Date.parse("2026-03-12T00:00:00Z"));
  });
});
