import { describe, expect, it } from "vitest";
import { EMAIL_CHANGE_WINDOW_MS, meaningOf, type Meaning } from "../../../src/send/meaning.js";
import type { Failure } from "../../../src/send/retry.js";
import type { EndpointName } from "../../../src/zoom/endpoints.js";

/** What Zoom's refusals mean per endpoint, as a table: (endpoint, answer, history) -> meaning. */

const NOW = Date.parse("2026-03-10T15:30:00Z");
const http = (status: number, zoomCode?: number, message = ""): Failure => ({
  kind: "http",
  status,
  zoomCode,
  message,
  headers: {},
});
const LIMIT =
  "This email cannot be changed because it has already been changed the maximum number of times over the past 24 hours.";
const until = new Date(NOW + EMAIL_CHANGE_WINDOW_MS).toISOString();

const table: [
  string,
  EndpointName,
  Failure,
  { mayHaveApplied: boolean; checkFirst?: boolean },
  Meaning | undefined,
][] = [
  [
    "create 409/1005, first attempt: the user already exists",
    "createUser",
    http(409, 1005, 'Email "a@b.c" has already been used.'),
    { mayHaveApplied: false },
    { outcome: "unchanged", message: "The user already exists." },
  ],
  [
    "create 409/1005 after our own lost create: ours",
    "createUser",
    http(409, 1005, 'Email "a@b.c" has already been used.'),
    { mayHaveApplied: true },
    {
      outcome: "ok",
      message:
        "Created: an earlier attempt may have been applied (its answer was lost, or Zoom failed with a 5xx), and sending it again found the email taken (409/1005).",
    },
  ],
  [
    "create 409 with another code: the policy's",
    "createUser",
    http(409, 1009),
    { mayHaveApplied: false },
    undefined,
  ],
  [
    "create 400/1009 (another account): the policy's",
    "createUser",
    http(400, 1009),
    { mayHaveApplied: true },
    undefined,
  ],
  [
    "delete 404/1001: already gone",
    "deleteUser",
    http(404, 1001, "User does not exist: a@b.c."),
    { mayHaveApplied: false },
    { outcome: "unchanged", message: "The user is already gone." },
  ],
  [
    "delete 404/1001 after a lost answer: our delete",
    "deleteUser",
    http(404, 1001, "User does not exist: a@b.c."),
    { mayHaveApplied: true },
    {
      outcome: "ok",
      message:
        "Deleted: an earlier attempt may have been applied (its answer was lost, or Zoom failed with a 5xx), and the user is gone now.",
    },
  ],
  [
    "delete 400/1117 (an admin): the policy's",
    "deleteUser",
    http(400, 1117),
    { mayHaveApplied: false },
    undefined,
  ],
  [
    "email changed 3 times in 24 h: deferred for 24 h",
    "updateEmail",
    http(400, 300, LIMIT),
    { mayHaveApplied: false },
    {
      outcome: "deferred",
      until: NOW + EMAIL_CHANGE_WINDOW_MS,
      message: `Deferred: Zoom allows 3 email changes per user in 24 hours and this user has had them (Zoom: "${LIMIT}"); run again with --resume after ${until}.`,
    },
  ],
  [
    "email limit as a 429 with its own words: deferred, not the label's daily limit",
    "updateEmail",
    http(429, 429, "Email changed too many times."),
    { mayHaveApplied: false },
    expect.objectContaining({ outcome: "deferred", until: NOW + EMAIL_CHANGE_WINDOW_MS }) as Meaning,
  ],
  [
    "email other 400/300: the policy's",
    "updateEmail",
    http(400, 300, "Validation Failed."),
    { mayHaveApplied: false },
    undefined,
  ],
  ["email 404/1001: failed as usual", "updateEmail", http(404, 1001), { mayHaveApplied: false }, undefined],
  [
    "email 404/1001 after a lost answer: look",
    "updateEmail",
    http(404, 1001),
    { mayHaveApplied: true },
    { outcome: "look" },
  ],
  [
    "email 404/1001 with checkFirst (a --resume): look",
    "updateEmail",
    http(404, 1001),
    { mayHaveApplied: false, checkFirst: true },
    { outcome: "look" },
  ],
  [
    "email 409/1005 (taken by another user): the policy's",
    "updateEmail",
    http(409, 1005),
    { mayHaveApplied: false },
    undefined,
  ],
  ["status 404/1001: the policy's", "updateStatus", http(404, 1001), { mayHaveApplied: true }, undefined],
  ["profile 404/1001: the policy's", "updateUser", http(404, 1001), { mayHaveApplied: false }, undefined],
  [
    "a daily 429 on a create: the policy's (daily limits)",
    "createUser",
    http(429, 429, "You have reached the maximum daily rate limit for this API."),
    { mayHaveApplied: false },
    undefined,
  ],
];

describe("meaningOf", () => {
  it.each(table)("%s", (_name, endpoint, failure, history, expected) => {
    const op = { endpoint, ...(history.checkFirst ? { checkFirst: true } : {}) };
    expect(meaningOf(op, failure, { mayHaveApplied: history.mayHaveApplied }, NOW)).toEqual(expected);
  });

  it("means nothing for an answer that never came", () => {
    const lost: Failure = { kind: "network", maybeApplied: true, message: "No answer from Zoom" };
    expect(meaningOf({ endpoint: "createUser" }, lost, { mayHaveApplied: true }, NOW)).toBeUndefined();
  });
});
