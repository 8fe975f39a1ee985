/** POST and DELETE /users/{userId}/picture: the profile picture (jpg/png, at most 2 MB). */
import { PICTURE_FORMATS, PICTURE_MAX_BYTES, UPLOAD_MESSAGES, sniffFormat } from "../../zoom/rules.js";
import type { Handler, RouteSpec } from "../context.js";
import { noteNoop, withUser } from "../context.js";
import { zoomError } from "../http.js";
import { readFilePart } from "../multipart.js";

const uploadPicture: Handler = (ctx) =>
  withUser(ctx, async (user) => {
    const part = await readFilePart(ctx.req, "pic_file", PICTURE_MAX_BYTES);
    if ("reply" in part) return part.reply;
    const { file } = part;
    if (!file || file.size === 0) return zoomError(400, 120, UPLOAD_MESSAGES.pictureEmpty);
    if (file.tooLarge) return zoomError(400, 120, UPLOAD_MESSAGES.pictureTooLarge);
    const format = sniffFormat(file.head);
    if (!format || !PICTURE_FORMATS.includes(format))
      return zoomError(400, 120, UPLOAD_MESSAGES.pictureFormat);
    if (user.picture?.sha256 === file.sha256) noteNoop(ctx, user, "the same picture is already set");
    user.picture = { size: file.size, sha256: file.sha256, format };
    return { status: 201, body: {} };
  });

/** Deleting a picture the user does not have answers 204 as well (and is noted as a no-op). */
const deletePicture: Handler = (ctx) =>
  withUser(ctx, (user) => {
    if (!user.picture) noteNoop(ctx, user, "no picture to delete");
    user.picture = undefined;
    return { status: 204 };
  });

export const pictureRoutes = {
  uploadPicture: { handler: uploadPicture },
  deletePicture: { handler: deletePicture },
} satisfies Record<string, RouteSpec>;
