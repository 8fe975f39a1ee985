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

/** One page after the cursor `after`: the users, and whether more follow. */
function page(state: SandboxState, filters: Filters, after: number, size: number) {
  const all = state.users().filter((user) => matches(user, filters));
  // creation numbers grow along the list: binary search for the first one after the cursor
  let lo = 0;
  let hi = all.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (state.directory.seq(all[mid] as SandboxUser) > after) hi = mid;
    else lo = mid + 1;
  }
  return { users: all.slice(lo, lo + size), total: all.length, before: lo };
}

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
  let after = 0;
  if (typeof q.next_page_token === "string") {
    const token = decodeToken(q.next_page_token);
    if (!token || token.f !== key || token.exp < now)
      return zoomError(400, 300, "The next page token is invalid or expired.");
    after = token.after;
  }
  const found = page(ctx.state, filters, after, size);
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
      license: { type: "string", enum: ["zoom_workforce_management", "zoom_compliance_management"] },
    },
  },
} satisfies Record<string, RouteSpec>;
