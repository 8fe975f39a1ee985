/**
 * The sandbox: a simulated Zoom account over real HTTP on 127.0.0.1 that behaves like the Users
 * API zoom-bulk speaks (../../shared/zoom-api.md): S2S OAuth, the endpoints in SANDBOX_ENDPOINTS
 * (the job's ENDPOINTS plus the lifecycle ones) with Zoom's validation and error codes, per-label
 * per-plan rate limits over every sliding window, daily caps (the labels' and POST /users'), the
 * per-user concurrency 429, latency and faults. It keeps a request log (arrival times), a record
 * of writes that changed nothing and of removed users. Tests, benchmarks, `npm start` and
 * `--sandbox` run against it.
 *
 * Decisions where Zoom's behaviour is not documented (zoom-api.md §10):
 * - A missing or wrong `account_id` at /oauth/token answers 400
 *   `{"reason":"Invalid account_id","error":"invalid_request"}`.
 * - A call is checked in this order: route (unknown → 404 `{"code":404,…}`), token (401/124),
 *   forced faults (`state.failNext`), daily cap, sliding window, one call per user, random faults,
 *   handler, latency, then a lost answer (lost-upload, lost-create, lost-response: the call was
 *   applied, the connection is destroyed). Only calls that pass every limit count towards the
 *   window and the day.
 * - The per-user concurrency 429 carries `X-RateLimit-Category` only (no Type, Limit or
 *   Remaining): a client tells it from a QPS 429 by the missing `X-RateLimit-Type` and its message.
 * - `X-RateLimit-Limit` on a QPS 429 is the account's (plan) limit, also when other apps spend a
 *   share of it. Successes carry `X-RateLimit-Category`, plus Limit/Remaining of the daily cap
 *   when the label has one (as observed on Free accounts).
 * - Latency applies to accepted API calls only; 401s, 429s and OAuth answer at once.
 * - `{userId}` names one user whether given as id, email (any case) or `me`, so two calls naming
 *   the same user differently still collide; an unknown user's calls collide by the lower-cased text.
 * - Where Zoom documents no answer for a lifecycle case (a 4th email change in 24 h, an email
 *   another user holds, a pending user's status, a transfer target that does not exist), the
 *   routes/ module says what the sandbox answers.
 *
 * Layout: server.ts dispatches each request to api.ts (the call pipeline above), oauth.ts or
 * control.ts (/_sandbox/…); router.ts pairs endpoints.ts's table with one module per resource
 * group under routes/; state.ts holds the account (directory.ts users, quotas.ts, limits.ts,
 * faults.ts/forced.ts, the log and the no-op record of noop.ts); pacing.ts measures a log.
 */
import type { AddressInfo } from "node:net";
import { randomInt } from "node:crypto";
import type { ZoomTarget } from "../config.js";
import { ConfigError } from "../errors.js";
import type { Label, Plan } from "../zoom/labels.js";
import { PLANS } from "../zoom/labels.js";
import type { SandboxClock } from "./clock.js";
import { createClock } from "./clock.js";
import type { FaultSpec, LatencySpec } from "./faults.js";
import { Limits } from "./limits.js";
import type { Credentials } from "./oauth.js";
import { Quotas } from "./quotas.js";
import { createRng } from "./rng.js";
import { createSandboxServer } from "./server.js";
import { SandboxState } from "./state.js";
import type { SeedUser } from "./users-model.js";
import { checkSeedUsers, demoUsers, numberedUsers } from "./users-model.js";

export type { SandboxClock } from "./clock.js";
export type { SandboxEndpoint, SandboxEndpointName } from "./endpoints.js";
export { SANDBOX_ENDPOINTS } from "./endpoints.js";
export type { FaultSpec, ForcedFault, LatencySpec, LostFault } from "./faults.js";
export { parseFaults, parseLatency } from "./faults.js";
export type { LabelStats, RejectKind } from "./limits.js";
export { MESSAGES_429 } from "./limits.js";
export type { NoopWrite } from "./noop.js";
export type { Credentials } from "./oauth.js";
export { busiestSecondByLabel, busiestWindow } from "./pacing.js";
export { DAILY_CREATE_CAPS, EMAIL_CHANGES_PER_DAY } from "./quotas.js";
export type { LogEntry, RemovedUser } from "./state.js";
export { SandboxState } from "./state.js";
export type { BackgroundFile, PictureInfo, SandboxUser, SeedUser } from "./users-model.js";
export { demoUsers, loadSeedUsers, stableId } from "./users-model.js";

export interface SandboxOptions {
  /** TCP port; default 0 (a free one). The host is always 127.0.0.1. */
  port?: number;
  /** Which plan's limits apply (labels.ts PLAN_LIMITS); default "pro". */
  plan?: Plan;
  /**
   * Latency added to every accepted API call, in ms: a number (fixed) or a range
   * `{ minMs, maxMs }` drawn uniformly per call from the seeded RNG (`seed`); default none. 401s,
   * 429s and OAuth answer at once. Change it with `state.setLatency`.
   */
  latency?: LatencySpec | number;
  /** Fault probabilities, all 0 by default. Change them with `state.setFaults`. */
  faults?: FaultSpec;
  /** Seed of the RNG behind latency, faults and background-file ids; default random. */
  seed?: number;
  /**
   * Seed users, or a number n for user1@example.com … user<n>@example.com (stable ids). Default:
   * the demo account (alice@example.com, the owner, … heidi@example.com, user1 … user20).
   */
  users?: SeedUser[] | number;
  /** Defaults: "sandbox-account", "sandbox-client", "sandbox-secret". */
  credentials?: Partial<Credentials>;
  /** Token lifetime on the sandbox clock; default 3600 (Zoom's). */
  tokenTtlSeconds?: number;
  /** Daily caps per label, over the plan's (PLAN_LIMITS: the Free plan has them on every label). */
  dailyLimits?: Partial<Record<Label, number>>;
  /** Where the sandbox clock starts; default now. */
  startTime?: number | Date;
  /** Keep the request log (state.log); default true. Turn off for long benchmarks. */
  logRequests?: boolean;
  /**
   * Multiplies every per-window limit (not the daily caps); default 1. Use 0.1 to make limits
   * bite with fewer requests.
   */
  limitsScale?: number;
  /**
   * Lifts the per-window limits and the daily caps, the plan's daily create cap included (the
   * per-user concurrency 429 stays); for benchmarks.
   */
  unlimited?: boolean;
  /**
   * Creates (POST /users, `action: "create"`) allowed per UTC day of the sandbox clock; default the
   * plan's (Free 50, Pro 1,500, Business 10,000). Applies also with `unlimited`. Use a small number
   * to test deferral after the cap.
   */
  dailyCreateLimit?: number;
  /**
   * Most users one List users page holds; default 300 (Zoom's pagination guide), at most 2000
   * (the spec). A larger `page_size` gets this many, and `page_size` in the answer says so.
   */
  listPageSizeMax?: number;
  /**
   * Simulate a Zoom that has dropped List users' deprecated `page_number` ("We will no longer
   * support this field in a future release"): the parameter is ignored and a request without a
   * page token gets page 1. Default false: honoured, as Zoom still does. For testing a reader's
   * fallback to `next_page_token`.
   */
  listIgnoresPageNumber?: boolean;
}

export interface Sandbox {
  /** `http://127.0.0.1:<port>/v2` */
  apiUrl: string;
  /** `http://127.0.0.1:<port>/oauth/token` */
  oauthUrl: string;
  credentials: Credentials;
  state: SandboxState;
  clock: SandboxClock;
  /** Stops the server and destroys every socket (keep-alive and hanging ones), so it never blocks. */
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const plan = options.plan ?? "pro";
  if (!PLANS.includes(plan))
    throw new ConfigError(`plan: expected one of ${PLANS.join(", ")}, got "${String(plan)}"`);
  const limitsScale = options.limitsScale ?? 1;
  if (!(limitsScale > 0)) throw new ConfigError(`limitsScale: expected a number above 0, got ${limitsScale}`);
  const listPageSizeMax = options.listPageSizeMax ?? 300;
  if (!(Number.isInteger(listPageSizeMax) && listPageSizeMax >= 1 && listPageSizeMax <= 2000))
    throw new ConfigError(`listPageSizeMax: expected an integer from 1 to 2000, got ${listPageSizeMax}`);
  const dailyCreateLimit = options.dailyCreateLimit;
  if (dailyCreateLimit !== undefined && !(Number.isInteger(dailyCreateLimit) && dailyCreateLimit >= 0))
    throw new ConfigError(`dailyCreateLimit: expected an integer of 0 or more, got ${dailyCreateLimit}`);
  const clock = createClock(options.startTime);
  const seed = options.seed ?? randomInt(2 ** 31);
  const users =
    typeof options.users === "number"
      ? numberedUsers(options.users)
      : options.users === undefined
        ? demoUsers()
        : checkSeedUsers(options.users, "users");
  const credentials: Credentials = {
    accountId: options.credentials?.accountId ?? "sandbox-account",
    clientId: options.credentials?.clientId ?? "sandbox-client",
    clientSecret: options.credentials?.clientSecret ?? "sandbox-secret",
  };
  const state = new SandboxState({
    clock,
    limits: new Limits({
      plan,
      clock,
      limitsScale,
      unlimited: options.unlimited ?? false,
      dailyLimits: options.dailyLimits ?? {},
    }),
    quotas: new Quotas({ plan, clock, dailyCreateLimit, unlimited: options.unlimited ?? false }),
    rng: { latency: createRng(seed), faults: createRng(seed + 1), ids: createRng(seed + 2) },
    faults: options.faults ?? {},
    latency: options.latency ?? { minMs: 0, maxMs: 0 },
    logRequests: options.logRequests ?? true,
    users,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
    listPageSizeMax,
    listIgnoresPageNumber: options.listIgnoresPageNumber ?? false,
  });
  let origin = "";
  const server = createSandboxServer({ state, credentials, origin: () => origin });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closing: Promise<void> | undefined;
  return {
    apiUrl: `${origin}/v2`,
    oauthUrl: `${origin}/oauth/token`,
    credentials,
    state,
    clock,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Where a run sends to use this sandbox, with its credentials. */
export function sandboxTarget(sandbox: Pick<Sandbox, "apiUrl" | "oauthUrl" | "credentials">): ZoomTarget {
  return {
    apiUrl: sandbox.apiUrl,
    oauthUrl: sandbox.oauthUrl,
    auth: { kind: "s2s", ...sandbox.credentials },
  };
}

/** The settings a run needs to use this sandbox, as `zoom-bulk sandbox` prints them (NAME=value). */
export function sandboxEnv(
  sandbox: Pick<Sandbox, "apiUrl" | "oauthUrl" | "credentials">,
): Record<string, string> {
  return {
    ZOOM_API_URL: sandbox.apiUrl,
    ZOOM_OAUTH_URL: sandbox.oauthUrl,
    ZOOM_ACCOUNT_ID: sandbox.credentials.accountId,
    ZOOM_CLIENT_ID: sandbox.credentials.clientId,
    ZOOM_CLIENT_SECRET: sandbox.credentials.clientSecret,
  };
}
