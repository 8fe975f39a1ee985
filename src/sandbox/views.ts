import type { BackgroundFile, SandboxUser } from "./users-model.js";

/**
 * How the sandbox shows a user, shaped by the response schemas of Zoom's spec: GET
 * /users/{userId} (`user`), an item of GET /users (`listItem`) and the 201 of POST /users. The
 * conformance test holds every key these return to the spec extract's `responseFields`.
 */

const ROLE_IDS = { Owner: "0", Admin: "1", Member: "2" } as const;

export function roleId(user: SandboxUser): string {
  return ROLE_IDS[user.role_name];
}

/** Profile fields GET /users/{userId} returns as stored (the spec's user object). */
export const USER_PROFILE_FIELDS = [
  "first_name",
  "last_name",
  "display_name",
  "type",
  "pmi",
  "use_pmi",
  "timezone",
  "language",
  "dept",
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
  "custom_attributes",
  "plan_united_type",
  "division_ids",
] as const;

/**
 * Profile fields an item of List users carries (the rest needs GET /users/{userId}); `host_key`
 * and `custom_attributes` only when `include_fields` asks for them.
 */
export const LIST_PROFILE_FIELDS = [
  "first_name",
  "last_name",
  "display_name",
  "type",
  "pmi",
  "timezone",
  "dept",
  "plan_united_type",
  "division_ids",
] as const;

export type IncludeField = "custom_attributes" | "host_key";

function pick(profile: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) if (profile[field] !== undefined) out[field] = profile[field];
  return out;
}

/** Group ids: seeded `group_ids`, or the `group_id` a PATCH gave a pending user. */
export function groupIds(user: SandboxUser): string[] {
  const { group_ids: ids, group_id: id } = user.profile;
  if (Array.isArray(ids)) return ids.filter((g): g is string => typeof g === "string");
  return typeof id === "string" && id !== "" ? [id] : [];
}

/** The user object of GET /users/{userId}, shaped like Zoom's. */
export function userView(user: SandboxUser, accountId: string): Record<string, unknown> {
  const profile = pick(user.profile, USER_PROFILE_FIELDS);
  const view: Record<string, unknown> = {
    id: user.id,
    ...profile,
    email: user.email,
    role_name: user.role_name,
    role_id: roleId(user),
    personal_meeting_url: `https://zoom.us/j/${String(user.profile.pmi)}`,
    verified: 1,
    created_at: user.created_at,
    user_created_at: user.created_at,
    account_id: accountId,
    account_number: 10_009_239,
    cluster: "us06",
    jid: `${user.id.toLowerCase()}@xmpp.zoom.us`,
    login_types: [100],
    group_ids: groupIds(user),
    im_group_ids: [],
    status: user.status,
  };
  if (typeof user.profile.vanity_name === "string" && user.profile.vanity_name !== "")
    view.vanity_url = `https://zoom.us/my/${user.profile.vanity_name}`;
  if (user.picture) view.pic_url = pictureUrl(user);
  return view;
}

/**
 * One user of GET /users. As the spec says, a pending user has no `id` in the list (GET
 * /users/{email} finds it).
 */
export function listItem(user: SandboxUser, include: readonly IncludeField[]): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  if (user.status !== "pending") item.id = user.id;
  for (const field of LIST_PROFILE_FIELDS) {
    const value = user.profile[field];
    if (value !== undefined) item[field] = value;
  }
  item.email = user.email;
  item.verified = 1;
  item.created_at = user.created_at;
  item.user_created_at = user.created_at;
  item.status = user.status;
  item.role_id = roleId(user);
  item.group_ids = groupIds(user);
  item.im_group_ids = [];
  for (const field of include) if (user.profile[field] !== undefined) item[field] = user.profile[field];
  return item;
}

/** The 201 body of POST /users. */
export function createdView(user: SandboxUser): Record<string, unknown> {
  const p = user.profile;
  return { id: user.id, email: user.email, first_name: p.first_name, last_name: p.last_name, type: p.type };
}

export function pictureUrl(user: SandboxUser): string {
  const { sha256, format } = user.picture ?? { sha256: "", format: "png" };
  return `https://sandbox.zoom.us/p/v2/${sha256.slice(0, 32)}/${user.id}.${format === "jpeg" ? "jpg" : format}`;
}

/** A virtual background file as Zoom lists it (no hash). */
export function publicFile(file: BackgroundFile): Record<string, unknown> {
  return { id: file.id, is_default: file.is_default, name: file.name, size: file.size, type: file.type };
}
