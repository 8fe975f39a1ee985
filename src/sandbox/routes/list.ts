/**
 * GET /users ("List users", Medium), as the spec and Zoom's pagination guide describe it:
 * - `status` active (default) | inactive | pending; `role_id` filters by role (0 owner, 1 admin,
 *   2 member); `license` filters by a license no sandbox user holds (so: none).
 * - `include_fields` custom_attributes | host_key adds that field to each item.
 * - `page_size` (default 30): the spec allows up to 2000 (more is a 400), the pagination guide
 *   says 300 (zoom-api.md §2). The sandbox answers at most `listPageSizeMax` users a page (option,
 *   default 300) and says so in `page_size`, so a client that asks for 2000 must follow what it
 *   gets; set `listPageSizeMax: 2000` to simulate an account that honours the spec.
 * - `next_page_token`: empty on the last page; valid for 15 minutes of the sandbox clock and only
 *   with the same filters, else 400/300 "The next page token is invalid or expired.". It is a
 *   cursor (the last user's creation number), so users created or removed between pages neither
 *   repeat nor skip the others.
 * - `page_number` (deprecated, typed a string: "1", "2", …): the page at offset
 *   (page_number - 1) × page_size over the same filtered, creation-ordered users, `page_number`
 *   echoed; past the last page, no users. Not a positive integer: 400/300. An offset, so users
 *   created before it or removed while a client reads page after page shift the pages (Zoom's
 *   reason to phase it out). With a `next_page_token` too, the token decides and `page_number` is
 *   ignored: the token is the supported way, and it already says where the page starts. Option
 *   `listIgnoresPageNumber` simulates a Zoom that has dropped it: ignored, page 1 answered.
 * - Items carry what Zoom's list carries (views.ts listItem); a pending user has no `id`.
 */
import type { Handler, RouteSpec } from "../context.js";
import { readQueryFields } from "../context.js";
import { validationFailed, zoomError } from "../http.js";
import type { SandboxState } from "../state.js";
import type { SandboxUser, UserStatus } from "../users-model.js";
import type { IncludeField } from "../views.js";
import { listItem, roleId } from "../views.js";

/** "The expiration period for this token is 15 minutes." */
export const PAGE_TOKEN_TTL_MS = 15 * 60_000;

interface Filters {
  status: UserStatus;
  role: string | undefined;
  license: string | undefined;
}

/** The page token: filters, the last user's sequence number, expiry. Opaque to clients. */
interface PageToken {
  f: string;
  after: number;
  exp: number;
}

const encodeToken = (token: PageToken): string => Buffer.from(JSON.stringify(token)).toString("base64url");

function decodeToken(text: string): PageToken | undefined {
  try {
    const value = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as Partial<PageToken>;
    if (typeof value.f === "string" && typeof value.after === "number" && typeof value.exp === "number")
      return value as PageToken;
  } catch {
    // invalid below
  }
  return undefined;
}

function matches(user: SandboxUser, filters: Filters): boolean {
  if (user.status !== filters.status) return false;
  if (filters.role !== undefined && roleId(user) !== filters.role) return false;
  return filters.license === undefined;
}

/** Where a page starts: after a cursor (a page token's), or at an offset (`page_number`'s). */
type Start = { after: number } | { offset: number };

/**
 * One page from `start`: the users, the total and how many users come before the page. One pass
 * over the account without copying it: a List users call on 100,000 users at Medium's 60/s must
 * not stall the sandbox, or its arrival stamps (where the limits are judged) bunch up.
 */
function page(state: SandboxState, filters: Filters, start: Start, size: number) {
  const users: SandboxUser[] = [];
  let total = 0;
  let before = 0;
  for (const user of state.directory.values()) {
    if (!matches(user, filters)) continue;
    total++;
    const ahead = "offset" in start ? total <= start.offset : state.directory.seq(user) <= start.after;
    if (ahead) before++;
    else if (users.length < size) users.push(user);
  }
  return { users, total, before: "offset" in start ? start.offset : before };
}

/** `page_number` as the spec types it: a string, here of a positive integer. */
const PAGE_NUMBER = /^[1-9]\d{0,8}$/;

const listUsers: Handler = (ctx) => {
  const query = readQueryFields(ctx);
  if ("reply" in query) return query.reply;
  const q = query.values;
  const requested = q.page_size as number;
  if (requested < 1) return validationFailed([{ field: "page_size", message: "Must be at least 1." }]);
  const size = Math.min(requested, ctx.state.listPageSizeMax);
  const filters: Filters = {
    status: q.status as UserStatus,
    role: q.role_id as string | undefined,
    license: q.license as string | undefined,
  };
  const key = JSON.stringify(filters);
  const now = ctx.state.clock.now();
  let start: Start = { after: 0 };
  if (typeof q.next_page_token === "string") {
    // the token wins over a page_number given with it
    const token = decodeToken(q.next_page_token);
    if (!token || token.f !== key || token.exp < now)
      return zoomError(400, 300, "The next page token is invalid or expired.");
    start = { after: token.after };
  } else if (typeof q.page_number === "string" && !ctx.state.listIgnoresPageNumber) {
    if (!PAGE_NUMBER.test(q.page_number))
      return validationFailed([{ field: "page_number", message: "Must be a positive integer." }]);
    start = { offset: (Number(q.page_number) - 1) * size };
  }
  const found = page(ctx.state, filters, start, size);
  const last = found.users.at(-1);
  const more = last !== undefined && found.before + found.users.length < found.total;
  const include = q.include_fields === undefined ? [] : [q.include_fields as IncludeField];
  return {
    status: 200,
    body: {
      next_page_token: more
        ? encodeToken({ f: key, after: ctx.state.directory.seq(last), exp: now + PAGE_TOKEN_TTL_MS })
        : "",
      page_count: Math.ceil(found.total / size),
      page_number: Math.floor(found.before / size) + 1,
      page_size: size,
      total_records: found.total,
      users: found.users.map((user) => listItem(user, include)),
    },
  };
};

export const listRoutes = {
  listUsers: {
    handler: listUsers,
    query: {
      status: { type: "string", enum: ["active", "inactive", "pending"], default: "active" },
      page_size: { type: "integer", maximum: 2000, default: 30 },
      role_id: { type: "string" },
      include_fields: { type: "string", enum: ["custom_attributes", "host_key"] },
      next_page_token: { type: "string" },
      page_number: { type: "string" },
      license: { type: "string", enum: ["zoom_workforce_management", "zoom_compliance_management"] },
    },
  },
} satisfies Record<string, RouteSpec>;
