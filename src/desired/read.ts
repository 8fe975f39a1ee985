/**
 * The read stage of desired state: what Zoom holds for the users a manifest names.
 *
 * 1. `collectWanted`: a first pass over the planned rows notes each user (lower-cased email or
 *    id) and what the list cannot tell about it: profile fields List users lacks (one GET user,
 *    Light) and backgrounds (one GET settings, Medium).
 * 2. `readCurrent`: List users (Medium) per status (active, inactive, pending, side by side),
 *    `include_fields=custom_attributes`, with the largest page size that works: 2000 (the spec)
 *    first, 300 (the pagination guide) when Zoom refuses it; a Zoom that caps it answers fewer
 *    users and says so in `page_size`. Only users the manifest names are kept, so memory follows
 *    the manifest, not the account (zoom-api.md §2 "List users").
 *    Page 1 tells `page_count`; pages 2..page_count are then asked by `page_number` (deprecated,
 *    still honoured), at most `ReadOptions.pagesInFlight` at once over the three statuses, so
 *    the Medium limiter, not the round trip, sets the pace (`fetchPages`). Page 1 itself is asked
 *    without `page_number` (its default is 1), so it is the same request a token chain starts
 *    from. A Zoom that ignores `page_number` (an answer with another `page_number`, or page 1's
 *    first user again) or refuses it (400) is noted once (`desired.page_number_ignored`) and the
 *    listings follow `next_page_token` from page 1, one page per round trip, as Zoom wants (the
 *    same query with the token).
 *    An offset listing can shift when users are removed, (de)activated or re-ordered while it
 *    runs: a user may be read twice (kept once: users are keyed by email or id) or missed. A
 *    missed user counts as absent, which is safe here: `--prune` only deactivates users the
 *    listing saw (prune.ts), never one it missed; a missed user's row is sent as if the user were
 *    absent: a profile PATCH with all the row's fields (Zoom applies them, the user exists), a
 *    create that Zoom refuses with 409/1005, which the row runner reports `unchanged` and goes
 *    on with the rest of the row as an update (send/create.ts, run/row-runner.ts). The one loss:
 *    a delete or disassociate row of a missed user reads "already gone" (`unchanged`) and is
 *    not sent; the next run sends it.
 *    A manifest small beside its account (a few movers in 1,000,000 users) is instead looked up
 *    user by user (GET user, Light) when the first page shows that to be quicker
 *    (`ReadOptions.lookupPerSecond`, against `listPerSecond` for the pages side by side, else one
 *    page per round trip).
 * 3. Then GET user and GET settings only where step 1 asked for them, a bounded number at once
 *    (the limiters pace them).
 *
 * A page token lasts 15 minutes (zoom-api.md §2, pagination). When Zoom refuses one as invalid or
 * expired (400/300) mid-listing, that status's listing starts again from its first page, keeping
 * what was read (users are kept by email or id, so a user seen twice is one user), at most
 * `MAX_LIST_RESTARTS` times, each logged (`desired.list_restarted`).
 *
 * With `--prune` (`ReadOptions.prune`), every active user listed is also shown to the prune index
 * (src/desired/prune.ts), and the account is always listed (a scope cannot be looked up user by user).
 *
 * Every request goes through the retry loop and the limiters (src/desired/client.ts).
 */
import type { Logger } from "pino";
import { Semaphore } from "../limit/semaphore.js";
import { virtualBackgrounds } from "../send/backgrounds.js";
import { DependencyError } from "../errors.js";
import type { Operation, PlannedRow } from "../types.js";
import type { EndpointName } from "../zoom/endpoints.js";
import { PLAN_LIMITS, type Plan } from "../zoom/labels.js";
import type { ReadAnswer, ReadClient } from "./client.js";
import type { CurrentUser } from "./diff.js";
import { isEmpty } from "./normalise.js";
import type { PruneIndex } from "./prune.js";

/** Profile fields an item of List users carries (`custom_attributes` through `include_fields`). */
export const LIST_FIELDS: readonly string[] = [
  "first_name",
  "last_name",
  "display_name",
  "type",
  "pmi",
  "timezone",
  "dept",
  "plan_united_type",
  "custom_attributes",
];

/** Profile fields GET /users/{userId} returns besides those. The rest (host_key, vanity_name…) no read shows. */
export const USER_FIELDS: readonly string[] = [
  ...LIST_FIELDS,
  "use_pmi",
  "language",
  "job_title",
  "company",
  "location",
  "manager",
  "pronouns",
  "pronouns_option",
  "phone_number",
  "phone_country",
  "phone_numbers",
  "cms_user_id",
  "cost_center",
];

const LISTED = new Set(LIST_FIELDS);
const READABLE = new Set(USER_FIELDS);

export const NEED_USER = 1;
export const NEED_SETTINGS = 2;

/**
 * The users a manifest names (lower-cased email or id) with what each needs read beyond the list
 * (`NEED_USER`, `NEED_SETTINGS`), and the profile fields any row sets: only those are kept of
 * each user read, so memory follows the manifest. Once the list shows a user with nothing else to
 * keep, its entry holds its status instead, as a negative number (`CurrentUsers`).
 */
export class Wanted {
  readonly users = new Map<string, number>();
  readonly fields = new Set<string>();

  /** What `key` needs read beyond the list (NEED_* bits; 0 once it is read, or when it needs nothing). */
  needs(key: string): number {
    return Math.max(0, this.users.get(key) ?? 0);
  }

  /** Notes a planned row's user, its needs and its profile fields. */
  note(planned: PlannedRow): void {
    if (planned.user === "") return;
    const key = planned.user.toLowerCase();
    let needs = this.users.get(key) ?? 0;
    for (const op of planned.operations) {
      if (op.op === "virtual_background") needs |= NEED_SETTINGS;
      if (op.op === "profile")
        for (const field of Object.keys(op.body ?? {})) {
          this.fields.add(field);
          if (!LISTED.has(field) && READABLE.has(field)) needs |= NEED_USER;
        }
    }
    this.users.set(key, needs);
  }
}

/** `Wanted.note` as a function. */
export function noteWanted(wanted: Wanted, planned: PlannedRow): void {
  wanted.note(planned);
}

/** A `Wanted` from every row (the first pass). */
export async function collectWanted(rows: AsyncIterable<PlannedRow>): Promise<Wanted> {
  const wanted = new Wanted();
  for await (const planned of rows) wanted.note(planned);
  return wanted;
}

export const STATUSES = ["active", "inactive", "pending"] as const;

/**
 * What Zoom holds of the manifest's users, under the lower-cased email or id the manifest names
 * them by. Most listed users hold nothing but their status: the email is the key (Zoom spells it
 * in lower case), no id or profile field is needed. Such a user is no object at all: its status
 * is a negative number in `Wanted.users`, under the key the first pass put there, so the read
 * allocates nothing per user to keep and grows no second table; `get` builds the CurrentUser when
 * asked. Other users are objects in a map of their own.
 *
 * Why: what survives garbage collection makes V8 grow its young generation, and Node 26's grows
 * to 64 MB where Node 20's stops at 32. One object and one table slot per user was enough to get
 * there, and the `plan` bench (100,000 users) peaked at 193–208 MB on Node 26; now 145–160.
 */
export class CurrentUsers {
  private readonly held = new Map<string, CurrentUser>();
  private listed = 0;

  constructor(private readonly wanted: Wanted) {}

  get size(): number {
    return this.held.size + this.listed;
  }

  has(key: string): boolean {
    return this.held.has(key) || this.statusOf(key) !== undefined;
  }

  get(key: string): CurrentUser | undefined {
    const user = this.held.get(key);
    if (user) return user;
    const status = this.statusOf(key);
    return status === undefined ? undefined : { email: key, status, profile: NOTHING, known: LISTED };
  }

  set(key: string, user: CurrentUser): void {
    if (this.statusOf(key) !== undefined) {
      this.listed--;
      this.wanted.users.set(key, 0);
    }
    this.held.set(key, user);
  }

  /** A listed user whose email is `key` and who needs nothing else kept (`Wanted.users` holds `key`, at 0). */
  setListed(key: string, status: number): void {
    if (this.statusOf(key) === undefined) this.listed++;
    this.held.delete(key);
    this.wanted.users.set(key, -1 - status);
  }

  *keys(): IterableIterator<string> {
    yield* this.held.keys();
    for (const [key, value] of this.wanted.users) if (value < 0) yield key;
  }

  private statusOf(key: string): string | undefined {
    const value = this.wanted.users.get(key) ?? 0;
    return value < 0 ? STATUSES[-1 - value] : undefined;
  }
}

/** Times one status's listing starts again after Zoom refused its page token as expired. */
export const MAX_LIST_RESTARTS = 3;

/**
 * List users pages asked by `page_number` in flight at once, over the statuses. The Medium limiter
 * paces them and holds its own bound (rate × latency); this one only keeps the answers held in
 * memory bounded (a page of 2000 users is about 1 MB) while staying above what the budget needs:
 * 60/s × 0.15 s ≈ 9 on Business at 150 ms, 32 still fill it at 0.5 s.
 */
export const PAGES_IN_FLIGHT = 32;

/**
 * Users in the pages in flight, at most: 32 pages of 300. Pages of 2000 (about 1 MB of JSON each,
 * several times that parsed) get 4 at once, which keeps a 100,000-user read under 200 MB.
 */
export const PAGE_USERS_IN_FLIGHT = PAGES_IN_FLIGHT * 300;

/** The profile of a user the list shows nothing of that the manifest sets (shared, never written). */
const NOTHING: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

export interface ReadOptions {
  /** First page size asked for; default 2000 (the spec's maximum). */
  pageSize?: number;
  /** Page size when Zoom refuses the first; default 300 (the pagination guide's). */
  fallbackPageSize?: number;
  /** GET user / GET settings in flight at once (the limiters pace them); default 64. */
  concurrency?: number;
  /**
   * Ask pages 2..page_count by `page_number`, side by side; default true. False: follow
   * `next_page_token` only, one page per round trip (what a Zoom that ignores `page_number` gets).
   */
  pageNumbers?: boolean;
  /**
   * List users pages asked by `page_number` in flight at once; default `PAGES_IN_FLIGHT`, fewer
   * for large pages (`PAGE_USERS_IN_FLIGHT` users at most, but 2 pages at least).
   */
  pagesInFlight?: number;
  /**
   * The pace of List users (Medium: the plan's limit × share), requests per second. With
   * `lookupPerSecond`, the choice between looking users up and listing counts the pages as read
   * at this pace (by `page_number`); default: one page per round trip (a token chain).
   */
  listPerSecond?: number;
  /**
   * The pace of per-user reads (GET user, Light: the plan's limit × share), requests per second.
   * When set, a manifest small beside its account is read user by user when that is quicker than
   * listing the account (judged after the first page). Default: always list.
   */
  lookupPerSecond?: number;
  /** Told of each List users page read (for progress). */
  onPage?: (status: string, users: number) => void;
  /** `--prune`: shown every active user listed; the whole account is then listed. */
  prune?: PruneIndex;
  /** Listings restarted after an expired page token, and a Zoom ignoring `page_number`, are logged here. */
  logger?: Logger;
}

export interface ReadReport {
  /** The manifest's users found, under the lower-cased email or id the manifest names them by. */
  users: CurrentUsers;
  /** The page size Zoom honoured. */
  pageSize: number;
  pages: number;
  /** Users read one by one (GET user) instead of listing the account; 0 when it was listed. */
  lookups: number;
  /** Users the account holds (the three statuses' `total_records`). */
  accountUsers: number;
  /** Per-user reads that failed: the user's fields or backgrounds stay unknown (sent as they are). */
  failures: { user: string; message: string }[];
  /** Listings started again from their first page after Zoom refused a page token as expired. */
  restarts: number;
}

/** The account could not be listed: no plan can be trusted. `fatal` as the result said. */
export class ReadError extends DependencyError {
  readonly fatal: "auth" | "dependency" | undefined;
  constructor(message: string, fatal?: "auth" | "dependency") {
    super("zoom", message);
    this.fatal = fatal;
  }
}

export async function readCurrent(
  wanted: Wanted,
  client: ReadClient,
  options: ReadOptions = {},
): Promise<ReadReport> {
  const first = options.pageSize ?? 2000;
  const fallback = options.fallbackPageSize ?? 300;
  const report: ReadReport = {
    users: new CurrentUsers(wanted),
    pageSize: first,
    pages: 0,
    lookups: 0,
    accountUsers: 0,
    failures: [],
    restarts: 0,
  };
  let decided: Promise<number> | undefined;
  const most = Math.max(1, options.pagesInFlight ?? PAGES_IN_FLIGHT);
  const slots = new Semaphore(most);
  /** Cleared when Zoom ignored or refused `page_number`: every listing follows tokens then. */
  let byPageNumber = options.pageNumbers ?? true;

  const page = (status: string, size: number, token?: string, pageNumber?: number): Promise<ReadAnswer> =>
    client.get(
      readOp("listUsers", "", {
        status,
        page_size: String(size),
        include_fields: "custom_attributes",
        ...(token ? { next_page_token: token } : {}),
        ...(pageNumber !== undefined ? { page_number: String(pageNumber) } : {}),
      }),
    );

  const take = (status: string, body: ListBody, count = true): void =>
    takePage(wanted, report, options, { status, body, count });

  /**
   * One status's listing: page 1, then pages 2..page_count by `page_number` side by side; the
   * token chain from page 1 when there is one page, or when Zoom does not honour `page_number`.
   */
  async function listing(status: string, first?: { answer: ReadAnswer; size: number }): Promise<void> {
    const opened = first ?? (await firstPage(status));
    if (!opened.answer.ok || !byPageNumber) return chain(status, opened);
    const body = opened.answer.body as ListBody;
    const more = typeof body.next_page_token === "string" && body.next_page_token !== "";
    const count =
      typeof body.page_count === "number" && Number.isSafeInteger(body.page_count) ? body.page_count : 0;
    if (!more || count <= 1) return chain(status, opened);
    take(status, body);
    // pages by offset: the size Zoom answered with, so each page starts where page_count counted it
    const size =
      typeof body.page_size === "number" && body.page_size >= 1
        ? Math.min(body.page_size, opened.size)
        : opened.size;
    slots.resize(Math.min(most, Math.max(2, Math.floor(PAGE_USERS_IN_FLIGHT / size))));
    const ignored = await fetchPages({
      status,
      pageCount: count,
      firstUser: userKey(body.users?.[0]),
      slots,
      fetch: (n) => page(status, size, undefined, n),
      take: (answer) => take(status, answer),
      stopped: () => !byPageNumber,
    });
    if (ignored === undefined) {
      report.accountUsers += typeof body.total_records === "number" ? body.total_records : 0;
      return;
    }
    if (byPageNumber) {
      byPageNumber = false;
      options.logger?.warn({ status, reason: ignored }, "desired.page_number_ignored");
    }
    // page 1's token chain; page 1 is shown to the prune index again, after its count restarts
    if (status === "active" && options.prune) {
      options.prune.restarted();
      take(status, body, false);
    }
    return chain(status, opened, true);
  }

  /** The first page: the first chain probes the large size; the others wait for its verdict. */
  async function firstPage(status: string): Promise<{ answer: ReadAnswer; size: number }> {
    if (decided) {
      const size = await decided;
      return { answer: await page(status, size), size };
    }
    let settle: (size: number) => void = () => {};
    decided = new Promise((resolve) => (settle = resolve));
    const answer = await page(status, first);
    if (answer.ok || first <= fallback || !refusedSize(answer)) {
      settle(first);
      return { answer, size: first };
    }
    settle(fallback);
    return { answer: await page(status, fallback), size: fallback };
  }

  /** Follows `next_page_token` from page 1 (`taken`: page 1's users were taken already). */
  async function chain(
    status: string,
    opened: { answer: ReadAnswer; size: number },
    taken = false,
  ): Promise<void> {
    const size = opened.size;
    let answer = opened.answer;
    let token: string | undefined; // the token the answer was asked with
    let restarts = 0;
    let skip = taken;
    for (;;) {
      if (!answer.ok && token !== undefined && expiredToken(answer)) {
        restarts = restartListing(status, restarts, report, options);
        token = undefined;
        answer = await page(status, size);
        continue;
      }
      if (!answer.ok)
        throw new ReadError(
          `List users (status ${status}) failed: ${answer.result.message || `HTTP ${String(answer.result.http_status)}`}. Nothing was planned; check the credentials' scopes (user:read:list_users:admin) and retry.`,
          answer.result.fatal,
        );
      const body = answer.body as ListBody;
      if (!skip) take(status, body);
      skip = false;
      if (body.next_page_token === undefined || body.next_page_token === "")
        report.accountUsers += typeof body.total_records === "number" ? body.total_records : 0;
      const next = body.next_page_token;
      if (typeof next !== "string" || next === "") return;
      token = next;
      answer = await page(status, size, token);
    }
  }

  // The first page tells the account's size and a page's time: listing it all, or looking each
  // of a small manifest's users up (GET user, Light), whichever is quicker.
  const opened = await firstPage("active");
  if (
    options.prune === undefined &&
    options.lookupPerSecond !== undefined &&
    lookupIsQuicker(opened, wanted, options.lookupPerSecond, options.listPerSecond, byPageNumber)
  ) {
    const body = (opened.answer as { body: unknown }).body as ListBody;
    report.pages++;
    report.accountUsers = typeof body.total_records === "number" ? body.total_records : 0;
    for (const item of body.users ?? []) keep(wanted, report, item); // page 1's users need no look-up
    await lookUp(wanted, report, client, options.concurrency ?? 64);
  } else
    await Promise.all(STATUSES.map((status) => listing(status, status === "active" ? opened : undefined)));
  await details(wanted, report, client, options.concurrency ?? 64);
  return report;
}

/** A page's users: counted (unless `count` is false), kept when the manifest names them, shown to the prune index. */
function takePage(
  wanted: Wanted,
  report: ReadReport,
  options: ReadOptions,
  page: { status: string; body: ListBody; count: boolean },
): void {
  const { status, body } = page;
  const users = Array.isArray(body.users) ? body.users : [];
  for (const item of users) {
    if (status === "active") options.prune?.consider(item);
    keep(wanted, report, item);
  }
  if (!page.count) return;
  report.pages++;
  if (typeof body.page_size === "number") report.pageSize = Math.min(report.pageSize, body.page_size);
  options.onPage?.(status, users.length);
}

/**
 * A page token Zoom refused as expired: that status's listing starts again from page 1 (counted,
 * logged, the prune index told), or, after MAX_LIST_RESTARTS, the read fails. Returns the restarts.
 */
function restartListing(status: string, restarts: number, report: ReadReport, options: ReadOptions): number {
  if (restarts === MAX_LIST_RESTARTS)
    throw new ReadError(
      `List users (status ${status}): Zoom refused the next page token as invalid or expired after ${MAX_LIST_RESTARTS} fresh starts of the listing (a token lasts 15 minutes). Nothing was planned; retry when the account's Medium budget is less busy, or with a larger --share.`,
    );
  report.restarts++;
  options.logger?.warn(
    { status, restarts: restarts + 1, pages: report.pages, max_restarts: MAX_LIST_RESTARTS },
    "desired.list_restarted",
  );
  if (status === "active") options.prune?.restarted();
  return restarts + 1;
}

/**
 * Keeps a listed user when the manifest names it (by email or id), as small as it can be held
 * (`CurrentUsers`). Others are dropped.
 */
function keep(wanted: Wanted, report: ReadReport, item: Record<string, unknown>): void {
  const email = typeof item.email === "string" ? item.email.toLowerCase() : "";
  const id = typeof item.id === "string" ? item.id.toLowerCase() : "";
  const byEmail = email !== "" && wanted.users.has(email);
  const byId = id !== "" && wanted.users.has(id);
  if (!byEmail && !byId) return; // not the manifest's: dropped
  const needs = (byEmail ? wanted.needs(email) : 0) | (byId ? wanted.needs(id) : 0);
  let profile: Record<string, unknown> = NOTHING;
  for (const field of LIST_FIELDS)
    if (wanted.fields.has(field) && !isEmpty(item[field])) {
      if (profile === NOTHING) profile = {};
      profile[field] = item[field];
    }
  // Kept small, as 1,000,000 of them may be held: the email as the key when it is spelt so, the
  // id only when a later read needs it, an empty field not at all (Zoom shows "", null and absent
  // alike: src/desired/normalise.ts), and a user with nothing else as its status alone.
  const given = typeof item.email === "string" ? item.email : "";
  const status = STATUSES.findIndex((s) => s === item.status);
  if (!byId && needs === 0 && profile === NOTHING && given === email && status >= 0)
    return report.users.setListed(email, status);
  const user: CurrentUser = {
    email: given === email ? email : given,
    status: STATUSES[status] ?? String(item.status ?? ""),
    profile: needs & NEED_USER && profile === NOTHING ? {} : profile,
    known: LISTED,
  };
  if (typeof item.id === "string" && (needs !== 0 || byId)) user.id = item.id;
  // under the name(s) the manifest uses
  if (byEmail) report.users.set(email, user);
  if (byId) report.users.set(id, user);
}

/**
 * Whether looking up the manifest's users one by one (at `perSecond`, the Light pace) beats
 * listing the rest of the account: at `listPerSecond` (pages side by side) plus one round trip,
 * or without it page by page (each page as long as the first took).
 */
function lookupIsQuicker(
  opened: { answer: ReadAnswer; size: number },
  wanted: Wanted,
  perSecond: number,
  listPerSecond: number | undefined,
  pageNumbers: boolean,
): boolean {
  if (!opened.answer.ok) return false;
  const body = opened.answer.body as ListBody;
  if (typeof body.next_page_token !== "string" || body.next_page_token === "") return false;
  const total = typeof body.total_records === "number" ? body.total_records : 0;
  const listed = Array.isArray(body.users) ? body.users.length : 0;
  const pageMs = Math.max(1, opened.answer.result.duration_ms);
  const pages = Math.ceil((total - listed) / Math.max(1, listed));
  const listMs = listPerSecond && pageNumbers ? (pages / listPerSecond) * 1000 + pageMs : pages * pageMs;
  const lookupMs = (wanted.users.size / perSecond) * 1000 + pageMs;
  return lookupMs < listMs;
}

/** GET /users/{user} for each wanted user the first page did not show: 404/1001 is "not in Zoom". */
async function lookUp(wanted: Wanted, report: ReadReport, client: ReadClient, concurrency: number) {
  const keys = [...wanted.users.keys()].filter((key) => !report.users.has(key));
  report.lookups = keys.length;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const key = keys[next++] as string;
      const answer = await client.get(readOp("getUser", key));
      if (!answer.ok) {
        if (answer.result.http_status === 404 && answer.result.zoom_code === 1001) continue;
        throw new ReadError(
          `Get user ${key} failed: ${answer.result.message || `HTTP ${String(answer.result.http_status)}`}. Nothing was planned; retry.`,
          answer.result.fatal,
        );
      }
      const body = answer.body as Record<string, unknown>;
      const profile: Record<string, unknown> = {};
      for (const field of USER_FIELDS)
        if (wanted.fields.has(field) && body[field] !== undefined) profile[field] = body[field];
      report.users.set(key, {
        ...(typeof body.id === "string" ? { id: body.id } : {}),
        email: typeof body.email === "string" ? body.email : key,
        status: STATUSES.find((s) => s === body.status) ?? String(body.status ?? ""),
        profile,
        known: READABLE,
      });
      // the user's fields are read: only backgrounds may be left to read
      wanted.users.set(key, wanted.needs(key) & NEED_SETTINGS);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, worker));
}

interface ListBody {
  next_page_token?: string;
  page_count?: number;
  page_number?: number;
  page_size?: number;
  total_records?: number;
  users?: Record<string, unknown>[];
}

/** A list item's identity (id, else email; lower case), to see a page repeated. */
function userKey(item: Record<string, unknown> | undefined): string | undefined {
  const value = item?.id ?? item?.email;
  return typeof value === "string" ? value.toLowerCase() : undefined;
}

interface PageFetch {
  status: string;
  /** Page 1's `page_count`. */
  pageCount: number;
  /** Page 1's first user (`userKey`): a page that starts with it again is page 1 again. */
  firstUser: string | undefined;
  /** Pages in flight, shared by the statuses. */
  slots: Semaphore;
  fetch(pageNumber: number): Promise<ReadAnswer>;
  take(body: ListBody): void;
  /** Another status found `page_number` ignored: ask no more pages. */
  stopped(): boolean;
}

/**
 * Pages 2..pageCount by `page_number`, as many in flight as `slots` lets (the Medium limiter paces
 * them), each answer's users taken as it comes. Returns why Zoom does not honour `page_number`
 * (then no more pages are asked, and the ones in flight are waited for), or undefined when every
 * page was read. A failed page (after the read client's retries) throws `ReadError`.
 */
async function fetchPages(p: PageFetch): Promise<string | undefined> {
  let ignored: string | undefined;
  let failure: unknown;
  const inFlight = new Set<Promise<void>>();
  const judge = (n: number, answer: ReadAnswer): void => {
    if (!answer.ok) {
      const { http_status: status, zoom_code: code } = answer.result;
      if (status === 400 && code !== 124) ignored ??= `page ${n} refused: 400/${String(code)}`;
      else
        failure ??= new ReadError(
          `List users (status ${p.status}, page ${n} of ${p.pageCount}) failed: ${answer.result.message || `HTTP ${String(status)}`}. Nothing was planned; check the credentials' scopes (user:read:list_users:admin) and retry.`,
          answer.result.fatal,
        );
      return;
    }
    const body = answer.body as ListBody;
    if (typeof body.page_number === "number" && body.page_number !== n)
      ignored ??= `asked page ${n}, answered page ${body.page_number}`;
    else if (p.firstUser !== undefined && userKey(body.users?.[0]) === p.firstUser)
      ignored ??= `asked page ${n}, answered page 1's users`;
    else p.take(body);
  };
  const done = (): boolean => ignored !== undefined || failure !== undefined || p.stopped();
  let n = 2;
  for (; n <= p.pageCount && !done(); n++) {
    await p.slots.acquire();
    if (done()) {
      p.slots.release();
      break;
    }
    const asked = n;
    const request: Promise<void> = p
      .fetch(asked)
      .then((answer) => judge(asked, answer))
      .catch((error: unknown) => {
        failure ??= error; // a stop (the signal), thrown as it came
      })
      .finally(() => {
        p.slots.release();
        inFlight.delete(request);
      });
    inFlight.add(request);
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
  return ignored ?? (n <= p.pageCount ? "another status's listing found it ignored" : undefined);
}

/**
 * Zoom refused a page token: 400/300 "The next page token is invalid or expired." (a token lasts
 * 15 minutes). Only asked of answers to a request that carried a token.
 */
function expiredToken(answer: ReadAnswer): boolean {
  return answer.result.http_status === 400 && answer.result.zoom_code === 300;
}

/** Zoom refused the page size itself (a 400 validation or 300), or the answer was too big to read. */
function refusedSize(answer: ReadAnswer): boolean {
  const { http_status: status, zoom_code: code } = answer.result;
  return (status === 400 && code !== 124) || code === "E_RESPONSE_TOO_LARGE";
}

/** GET user and GET settings where the manifest's rows need them, `concurrency` at once. */
async function details(wanted: Wanted, report: ReadReport, client: ReadClient, concurrency: number) {
  const jobs: { key: string; needs: number }[] = [];
  for (const [key, needs] of wanted.users) if (needs > 0 && report.users.has(key)) jobs.push({ key, needs });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++] as { key: string; needs: number };
      const user = report.users.get(job.key) as CurrentUser;
      const target = user.id ?? user.email;
      if (job.needs & NEED_USER) {
        const answer = await client.get(readOp("getUser", target));
        if (answer.ok) {
          const body = answer.body as Record<string, unknown>;
          for (const field of USER_FIELDS)
            if (wanted.fields.has(field) && body[field] !== undefined) user.profile[field] = body[field];
          user.known = READABLE;
        } else report.failures.push({ user: target, message: answer.result.message });
      }
      if (job.needs & NEED_SETTINGS) {
        const answer = await client.get(readOp("getSettings", target));
        if (answer.ok) user.backgrounds = virtualBackgrounds(answer.body);
        else report.failures.push({ user: target, message: answer.result.message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
}

/**
 * A read as an Operation for the retry loop: op kind `profile` stands in (reads have none of
 * their own), row 0, the endpoint and query are what matter.
 */
export function readOp(endpoint: EndpointName, user: string, query?: Record<string, string>): Operation {
  return {
    row: 0,
    line: 0,
    user,
    op: "profile",
    index: 0,
    endpoint,
    target: "",
    ...(query ? { query } : {}),
  };
}

/** The current state of a row's user, by the name the row gives (email or id, any case). */
export function currentOf(report: Pick<ReadReport, "users">, user: string): CurrentUser | undefined {
  return report.users.get(user.toLowerCase());
}

/**
 * The paces the reader weighs listing against looking users up by: GET user (Light) and List
 * users pages (Medium), per second, at the run's plan and share.
 */
export function readPaces(
  plan: Plan,
  share: number,
  limitsScale = 1,
): Pick<ReadOptions, "lookupPerSecond" | "listPerSecond"> {
  const { light, medium } = PLAN_LIMITS[plan];
  const perSecond = (l: { limit: number; windowMs: number }): number =>
    (l.limit * share * limitsScale * 1000) / l.windowMs;
  return { lookupPerSecond: perSecond(light), listPerSecond: perSecond(medium) };
}
