import type { IncomingMessage } from "node:http";
import type { EndpointName } from "../zoom/endpoints.js";
import type { FieldError, FileFormat } from "../zoom/rules.js";
import {
  BACKGROUND_FORMATS,
  BACKGROUND_MAX_BYTES,
  BACKGROUND_MAX_FILES,
  FORMAT_INFO,
  PICTURE_FORMATS,
  PICTURE_MAX_BYTES,
  PROFILE_FIELDS,
  PROFILE_QUERY,
  UPLOAD_MESSAGES,
  checkField,
  checkPassword,
  checkProfile,
  fromText,
  isPlainObject,
  sniffFormat,
} from "../zoom/rules.js";
import type { Reply } from "./http.js";
import { mediaType, readJsonObject, userNotFound, validationFailed, zoomError } from "./http.js";
import type { UploadedFile } from "./multipart.js";
import { readUpload } from "./multipart.js";
import { randomId } from "./rng.js";
import type { SandboxState } from "./state.js";
import type { SandboxUser, UserStatus } from "./users-model.js";

/** What a Users API handler gets. */
export interface ApiContext {
  req: IncomingMessage;
  state: SandboxState;
  query: URLSearchParams;
  /** `{userId}` of the path, URL-decoded ("" for /users). */
  userParam: string;
  user: SandboxUser | undefined;
  accountId: string;
}

type Handler = (ctx: ApiContext) => Promise<Reply> | Reply;

/** Runs `then` on the user the path names, or answers 404/1001 (discarding the request body). */
function withUser(
  ctx: ApiContext,
  then: (user: SandboxUser) => Promise<Reply> | Reply,
): Promise<Reply> | Reply {
  if (ctx.user) return then(ctx.user);
  ctx.req.resume();
  return userNotFound(ctx.userParam);
}

// ---- PATCH /users/{userId}

function checkQuery(query: URLSearchParams): FieldError[] {
  return Object.entries(PROFILE_QUERY).flatMap(([name, rule]) => {
    const text = query.get(name);
    if (text === null) return [];
    const parsed = fromText(rule, text);
    return "error" in parsed
      ? [{ field: name, message: parsed.error }]
      : checkField(name, rule, parsed.value);
  });
}

const updateUser: Handler = (ctx) =>
  withUser(ctx, async (user) => {
    const body = await readJsonObject(ctx.req);
    if ("reply" in body) return body.reply;
    const errors = [...checkQuery(ctx.query), ...checkProfile(body.value)];
    if (errors.length > 0) return validationFailed(errors);
    const { feature, ...fields } = body.value;
    Object.assign(user.profile, fields);
    if (isPlainObject(feature))
      user.profile.feature = { ...(user.profile.feature as Record<string, unknown> | undefined), ...feature };
    const namesChanged = "first_name" in fields || "last_name" in fields;
    if (namesChanged && (fields.display_name === undefined || fields.display_name === ""))
      user.profile.display_name =
        `${String(user.profile.first_name ?? "")} ${String(user.profile.last_name ?? "")}`.trim();
    return { status: 204 };
  });

// ---- PUT /users/{userId}/password

const updatePassword: Handler = (ctx) =>
  withUser(ctx, async (user) => {
    const body = await readJsonObject(ctx.req);
    if ("reply" in body) return body.reply;
    const { password } = body.value;
    if (typeof password !== "string")
      return validationFailed([
        { field: "password", message: password === undefined ? "Required." : "Must be a string." },
      ]);
    const problem = checkPassword(password);
    if (problem) return zoomError(400, problem.code, problem.message);
    if (user.password === password)
      return zoomError(400, 300, "Your new password can not match the old password.");
    user.password = password;
    return { status: 204 };
  });

// ---- uploads

async function readFilePart(
  ctx: ApiContext,
  field: string,
  maxBytes: number,
): Promise<{ file: UploadedFile | undefined } | { reply: Reply }> {
  if (mediaType(ctx.req) !== "multipart/form-data") {
    ctx.req.resume();
    return {
      reply: zoomError(
        400,
        300,
        `Unsupported Content-Type "${mediaType(ctx.req) || "(none)"}": this endpoint accepts multipart/form-data only, with the file in the "${field}" field.`,
      ),
    };
  }
  const result = await readUpload(ctx.req, field, maxBytes);
  return "error" in result ? { reply: zoomError(400, 300, result.error) } : result;
}

const uploadPicture: Handler = (ctx) =>
  withUser(ctx, async (user) => {
    const part = await readFilePart(ctx, "pic_file", PICTURE_MAX_BYTES);
    if ("reply" in part) return part.reply;
    const { file } = part;
    if (!file || file.size === 0) return zoomError(400, 120, UPLOAD_MESSAGES.pictureEmpty);
    if (file.tooLarge) return zoomError(400, 120, UPLOAD_MESSAGES.pictureTooLarge);
    const format = sniffFormat(file.head);
    if (!format || !PICTURE_FORMATS.includes(format))
      return zoomError(400, 120, UPLOAD_MESSAGES.pictureFormat);
    user.picture = { size: file.size, sha256: file.sha256, format };
    return { status: 201, body: {} };
  });

const uploadVirtualBackground: Handler = (ctx) =>
  withUser(ctx, async (user) => {
    const part = await readFilePart(ctx, "file", BACKGROUND_MAX_BYTES);
    if ("reply" in part) return part.reply;
    const { file } = part;
    if (!file || file.size === 0) return zoomError(400, 120, UPLOAD_MESSAGES.backgroundMissing);
    if (file.tooLarge) return zoomError(400, 120, UPLOAD_MESSAGES.backgroundTooLarge);
    const format = sniffFormat(file.head);
    if (!format || !BACKGROUND_FORMATS.includes(format))
      return zoomError(400, 120, UPLOAD_MESSAGES.backgroundFormat);
    if (user.backgrounds.length >= BACKGROUND_MAX_FILES)
      return zoomError(400, 120, UPLOAD_MESSAGES.backgroundTooMany);
    const stored = {
      id: randomId(ctx.state.rng.ids),
      name: file.filename || `background.${extension(format)}`,
      size: file.size,
      type: FORMAT_INFO[format].kind,
      sha256: file.sha256,
      is_default: false,
    };
    user.backgrounds.push(stored);
    return { status: 201, body: publicFile(stored) };
  });

function extension(format: FileFormat): string {
  return format === "jpeg" ? "jpg" : format;
}

function publicFile(file: SandboxUser["backgrounds"][number]): Record<string, unknown> {
  return { id: file.id, is_default: file.is_default, name: file.name, size: file.size, type: file.type };
}

// ---- reads

const ROLE_IDS = { Owner: "0", Admin: "1", Member: "2" } as const;

/** The user object of GET /users/{userId}, shaped like Zoom's. */
export function userView(user: SandboxUser, accountId: string): Record<string, unknown> {
  const { feature: _feature, ...profile } = user.profile;
  const view: Record<string, unknown> = {
    id: user.id,
    ...profile,
    email: user.email,
    role_name: user.role_name,
    role_id: ROLE_IDS[user.role_name],
    personal_meeting_url: `https://zoom.us/j/${String(profile.pmi)}`,
    verified: 1,
    created_at: user.created_at,
    user_created_at: user.created_at,
    account_id: accountId,
    account_number: 10_009_239,
    cluster: "us06",
    jid: `${user.id.toLowerCase()}@xmpp.zoom.us`,
    login_types: [100],
    group_ids: [],
    im_group_ids: [],
    status: user.status,
  };
  if (user.picture) view.pic_url = pictureUrl(user);
  return view;
}

function pictureUrl(user: SandboxUser): string {
  const { sha256, format } = user.picture ?? { sha256: "", format: "png" };
  return `https://sandbox.zoom.us/p/v2/${sha256.slice(0, 32)}/${user.id}.${format === "jpeg" ? "jpg" : format}`;
}

const getUser: Handler = (ctx) =>
  withUser(ctx, (user) => ({ status: 200, body: userView(user, ctx.accountId) }));

const getSettings: Handler = (ctx) =>
  withUser(ctx, (user) => ({
    status: 200,
    body: {
      schedule_meeting: {
        host_video: true,
        participants_video: true,
        join_before_host: false,
        use_pmi_for_scheduled_meetings: false,
      },
      in_meeting: {
        e2e_encryption: false,
        chat: true,
        screen_sharing: true,
        virtual_background: true,
        virtual_background_settings: {
          enable: true,
          allow_videos: true,
          allow_upload_custom: true,
          files: user.backgrounds.map(publicFile),
        },
        waiting_room: false,
      },
      email_notification: { jbh_reminder: true, cancel_meeting_reminder: true, schedule_for_reminder: true },
      recording: { local_recording: true, cloud_recording: false, auto_recording: "none" },
      telephony: { third_party_audio: false, audio_conference_info: "" },
      feature: { meeting_capacity: 100, large_meeting: false, webinar: false, zoom_phone: false },
    },
  }));

// ---- DELETE /users/{userId}/settings/virtual_backgrounds?file_ids=a,b

const deleteVirtualBackgrounds: Handler = (ctx) =>
  withUser(ctx, (user) => {
    const ids = (ctx.query.get("file_ids") ?? "")
      .split(",")
      .map((id) => id.trim())
      .filter(Boolean);
    if (ids.length === 0) return zoomError(400, 300, "Invalid parameter: file_ids");
    user.backgrounds = user.backgrounds.filter((file) => !ids.includes(file.id));
    return { status: 204 };
  });

// ---- POST /users

const CREATE_ACTIONS = ["create", "autoCreate", "custCreate", "ssoCreate"];
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const createUser: Handler = async (ctx) => {
  const body = await readJsonObject(ctx.req);
  if ("reply" in body) return body.reply;
  const { action, user_info: info } = body.value;
  const errors: FieldError[] = [];
  if (typeof action !== "string" || !CREATE_ACTIONS.includes(action))
    errors.push({ field: "action", message: `Must be one of ${CREATE_ACTIONS.join(", ")}.` });
  if (!isPlainObject(info))
    return validationFailed([...errors, { field: "user_info", message: "Required." }]);
  const { email, type, first_name, last_name, display_name, password } = info;
  if (typeof email !== "string" || email.length > 128 || !EMAIL.test(email))
    errors.push({ field: "user_info.email", message: "Invalid field." });
  if (type === undefined) errors.push({ field: "user_info.type", message: "Required." });
  else errors.push(...checkField("user_info.type", PROFILE_FIELDS.type ?? { type: "integer" }, type));
  const names = { first_name, last_name, display_name };
  for (const [name, value] of Object.entries(names))
    if (value !== undefined)
      errors.push(...checkField(`user_info.${name}`, PROFILE_FIELDS[name] ?? { type: "string" }, value));
  if (password !== undefined && typeof password !== "string")
    errors.push({ field: "user_info.password", message: "Must be a string." });
  if (errors.length > 0) return validationFailed(errors);
  if (action === "autoCreate" && typeof password === "string") {
    const problem = checkPassword(password);
    if (problem) return zoomError(400, problem.code, problem.message);
  }
  const address = email as string;
  if (ctx.state.getUser(address)) return zoomError(409, 1005, `Email "${address}" has already been used.`);
  const user = ctx.state.addUser({
    email: address,
    type,
    ...(typeof first_name === "string" ? { first_name } : {}),
    ...(typeof last_name === "string" ? { last_name } : {}),
    ...(typeof display_name === "string" ? { display_name } : {}),
    ...(action === "autoCreate" && typeof password === "string" ? { password } : {}),
    status: action === "create" ? "pending" : "active",
  });
  const p = user.profile;
  return {
    status: 201,
    body: { id: user.id, email: user.email, first_name: p.first_name, last_name: p.last_name, type: p.type },
  };
};

// ---- PUT /users/{userId}/status

const STATUS_ACTIONS: Record<string, UserStatus | undefined> = {
  activate: "active",
  deactivate: "inactive",
  clock_in: undefined,
  clock_out: undefined,
};

const updateStatus: Handler = (ctx) =>
  withUser(ctx, async (user) => {
    const body = await readJsonObject(ctx.req);
    if ("reply" in body) return body.reply;
    const { action } = body.value;
    if (typeof action !== "string" || !(action in STATUS_ACTIONS))
      return validationFailed([
        { field: "action", message: `Must be one of ${Object.keys(STATUS_ACTIONS).join(", ")}.` },
      ]);
    const status = STATUS_ACTIONS[action];
    if (status) user.status = status;
    return { status: 204 };
  });

// ---- GET /users

const STATUSES: UserStatus[] = ["active", "inactive", "pending"];
const PAGE_SIZE_DEFAULT = 30;
/** Zoom's pagination guide says 300 (the current spec says 2000); zoom-api.md §2 advises 300. */
const PAGE_SIZE_MAX = 300;
/** "The expiration period for this token is 15 minutes." */
const PAGE_TOKEN_TTL_MS = 15 * 60_000;

const listUsers: Handler = (ctx) => {
  const { query, state } = ctx;
  const status = (query.get("status") ?? "active") as UserStatus;
  if (!STATUSES.includes(status))
    return validationFailed([{ field: "status", message: `Must be one of ${STATUSES.join(", ")}.` }]);
  const sizeText = query.get("page_size");
  const size = sizeText === null ? PAGE_SIZE_DEFAULT : Number(sizeText);
  if (!Number.isInteger(size) || size < 1)
    return validationFailed([{ field: "page_size", message: "Must be a positive integer." }]);
  const pageSize = Math.min(size, PAGE_SIZE_MAX);
  let offset = 0;
  const token = query.get("next_page_token");
  if (token) {
    const decoded = decodePageToken(token);
    if (!decoded || decoded.s !== status || decoded.x < state.clock.now())
      return zoomError(400, 300, "The next page token is invalid or expired.");
    offset = decoded.o;
  }
  const matching = state.users().filter((user) => user.status === status);
  const page = matching.slice(offset, offset + pageSize);
  const next = offset + pageSize;
  return {
    status: 200,
    body: {
      next_page_token:
        next < matching.length
          ? encodePageToken({ s: status, o: next, x: state.clock.now() + PAGE_TOKEN_TTL_MS })
          : "",
      page_count: Math.ceil(matching.length / pageSize),
      page_number: Math.floor(offset / pageSize) + 1,
      page_size: pageSize,
      total_records: matching.length,
      users: page.map((user) => listItem(user)),
    },
  };
};

function listItem(user: SandboxUser): Record<string, unknown> {
  const p = user.profile;
  const item: Record<string, unknown> = {
    id: user.id,
    first_name: p.first_name,
    last_name: p.last_name,
    display_name: p.display_name,
    email: user.email,
    type: p.type,
    pmi: p.pmi,
    timezone: p.timezone,
    verified: 1,
    dept: p.dept,
    created_at: user.created_at,
    user_created_at: user.created_at,
    language: p.language,
    status: user.status,
    role_id: ROLE_IDS[user.role_name],
  };
  if (user.picture) item.pic_url = pictureUrl(user);
  return item;
}

interface PageToken {
  s: UserStatus;
  o: number;
  x: number;
}

function encodePageToken(token: PageToken): string {
  return Buffer.from(JSON.stringify(token)).toString("base64url");
}

function decodePageToken(text: string): PageToken | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    if (
      isPlainObject(value) &&
      typeof value.o === "number" &&
      typeof value.x === "number" &&
      typeof value.s === "string"
    )
      return value as unknown as PageToken;
  } catch {
    // invalid below
  }
  return undefined;
}

/** One handler per ENDPOINTS entry: the router pairs them by name. */
export const HANDLERS: Record<EndpointName, Handler> = {
  updateUser,
  updatePassword,
  uploadPicture,
  uploadVirtualBackground,
  getUser,
  getSettings,
  deleteVirtualBackgrounds,
  createUser,
  updateStatus,
  listUsers,
};
