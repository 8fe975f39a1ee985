/**
 * POST and DELETE /users/{userId}/settings/virtual_backgrounds: at most 10 files a user, each
 * JPG/PNG/GIF/MP4/MOV of at most 15 MB (zoom-api.md §1.4).
 */
import type { FileFormat } from "../../zoom/rules.js";
import {
  BACKGROUND_FORMATS,
  BACKGROUND_MAX_BYTES,
  BACKGROUND_MAX_FILES,
  FORMAT_INFO,
  UPLOAD_MESSAGES,
  sniffFormat,
} from "../../zoom/rules.js";
import type { Handler, RouteSpec } from "../context.js";
import { noteNoop, withUser } from "../context.js";
import { zoomError } from "../http.js";
import { readFilePart } from "../multipart.js";
import { randomId } from "../rng.js";
import { publicFile } from "../views.js";

function extension(format: FileFormat): string {
  return format === "jpeg" ? "jpg" : format;
}

const uploadVirtualBackground: Handler = (ctx) =>
  withUser(ctx, async (user) => {
    const part = await readFilePart(ctx.req, "file", BACKGROUND_MAX_BYTES);
    if ("reply" in part) return part.reply;
    const { file } = part;
    if (!file || file.size === 0) return zoomError(400, 120, UPLOAD_MESSAGES.backgroundMissing);
    if (file.tooLarge) return zoomError(400, 120, UPLOAD_MESSAGES.backgroundTooLarge);
    const format = sniffFormat(file.head);
    if (!format || !BACKGROUND_FORMATS.includes(format))
      return zoomError(400, 120, UPLOAD_MESSAGES.backgroundFormat);
    if (user.backgrounds.length >= BACKGROUND_MAX_FILES)
      return zoomError(400, 120, UPLOAD_MESSAGES.backgroundTooMany);
    const name = file.filename || `background.${extension(format)}`;
    // Zoom stores a second copy; the job's --diff treats same name and size as "already there".
    if (user.backgrounds.some((b) => b.name === name && b.size === file.size))
      noteNoop(ctx, user, `a background named ${name} of ${file.size} bytes is already there`);
    const stored = {
      id: randomId(ctx.state.rng.ids),
      name,
      size: file.size,
      type: FORMAT_INFO[format].kind,
      sha256: file.sha256,
      is_default: false,
    };
    user.backgrounds.push(stored);
    return { status: 201, body: publicFile(stored) };
  });

/** `?file_ids=a,b`: ids the user does not have are ignored (and noted as a no-op when none matched). */
const deleteVirtualBackgrounds: Handler = (ctx) =>
  withUser(ctx, (user) => {
    const ids = (ctx.query.get("file_ids") ?? "")
      .split(",")
      .map((id) => id.trim())
      .filter(Boolean);
    if (ids.length === 0) return zoomError(400, 300, "Invalid parameter: file_ids");
    const kept = user.backgrounds.filter((file) => !ids.includes(file.id));
    if (kept.length === user.backgrounds.length) noteNoop(ctx, user, "no such background files");
    user.backgrounds = kept;
    return { status: 204 };
  });

export const backgroundRoutes = {
  uploadVirtualBackground: {
    handler: uploadVirtualBackground,
    undocumented: [
      { status: 404, code: 1001, why: "the spec lists 404 without a code; the sandbox uses 1001" },
    ],
  },
  deleteVirtualBackgrounds: { handler: deleteVirtualBackgrounds, query: { file_ids: { type: "string" } } },
} satisfies Record<string, RouteSpec>;
