import { basename } from "node:path";
import type { OpKind, UploadFile } from "../types.js";
import { OP_ENDPOINTS } from "../zoom/endpoints.js";
import {
  BACKGROUND_MAX_FILES,
  BACKGROUND_MODES,
  isClearToken,
  UPLOAD_MESSAGES,
  type BackgroundMode,
} from "../zoom/rules.js";
import {
  BACKGROUND_LIMITS,
  checkUpload,
  PICTURE_LIMITS,
  type PathPolicy,
  type UploadLimits,
} from "./files.js";
import { CLEAR_REFUSED, isFilled, notClearable } from "./profile.js";
import { shown, type RowBuilder, type Wants } from "./row.js";

/** The result's target of the `replace` clean-up: it deletes the files the row does not list. */
export const UNLISTED = "(unlisted)";

/**
 * The picture, then the virtual backgrounds, each checked on disk. Every background upload has
 * `checkFirst` (a file of the same name and size already there is not uploaded again). With
 * `virtual_backgrounds_mode=replace`, one clean-up operation comes before the uploads: op
 * `virtual_background` on deleteVirtualBackgrounds, target `(unlisted)`, `keep` = the listed
 * files' name and size. It is refused unless every listed file can be uploaded, so a file the
 * row names is never deleted because of a broken path.
 */
export async function planUploads(b: RowBuilder, wants: Wants, policy: PathPolicy): Promise<void> {
  await planPicture(b, wants, policy);
  await planBackgrounds(b, wants, policy);
}

/** Whether the row fills a column planUploads reads; without one it plans nothing. */
export function asksForUploads(fields: Record<string, unknown>): boolean {
  return (
    fields.picture !== undefined ||
    fields.virtual_backgrounds !== undefined ||
    fields.virtual_backgrounds_mode !== undefined
  );
}

async function planPicture(b: RowBuilder, wants: Wants, policy: PathPolicy): Promise<void> {
  const raw = b.fields.picture;
  if (isClearToken(raw)) return refuseClear(b, "picture", "picture", wants);
  const picture = paths(raw, false);
  if (picture[0] === undefined) return;
  const at = b.next();
  if (!wants("picture")) return;
  const checked = await upload(picture[0], PICTURE_LIMITS, "picture", policy);
  if ("file" in checked)
    b.accept({
      op: "picture",
      index: at,
      endpoint: OP_ENDPOINTS.picture,
      file: checked.file,
      target: checked.file.name,
    });
  else b.refuse("picture", at, checked.target, checked.code, checked.problem);
}

async function planBackgrounds(b: RowBuilder, wants: Wants, policy: PathPolicy): Promise<void> {
  const raw = b.fields.virtual_backgrounds;
  if (isClearToken(raw)) return refuseClear(b, "virtual_backgrounds", "virtual_background", wants);
  const given = backgroundPaths(raw);
  const mode = readMode(b.fields.virtual_backgrounds_mode);
  if (given.length === 0) {
    // a mode without files does nothing, but a wrong one is still a mistake to point out
    if ("code" in mode) {
      const at = b.next();
      if (wants("virtual_background")) b.refuse("virtual_background", at, UNLISTED, mode.code, mode.problem);
    }
    return;
  }
  const cleanUpAt = "value" in mode && mode.value === "add" ? undefined : b.next();
  const uploads = given.map((path) => ({ path, at: b.next() }));
  if (!wants("virtual_background")) return;
  const checked: { at: number; result: Upload }[] = [];
  for (const [n, { path, at }] of uploads.entries())
    checked.push({
      at,
      result: n < BACKGROUND_MAX_FILES ? await background(path, policy) : tooMany(path, n),
    });

  if (cleanUpAt !== undefined) {
    const broken = checked.filter((c) => !("file" in c.result)).map((c) => c.result.target || "?");
    if ("code" in mode) b.refuse("virtual_background", cleanUpAt, UNLISTED, mode.code, mode.problem);
    else if (broken.length > 0)
      b.refuse(
        "virtual_background",
        cleanUpAt,
        UNLISTED,
        "E_BACKGROUNDS_REPLACE",
        `virtual_backgrounds_mode replace: the user's other backgrounds are not deleted, since ` +
          `${broken.join(", ")} cannot be uploaded (see ${broken.length === 1 ? "its line" : "their lines"}); ` +
          `fix the listed files first`,
      );
    else
      b.accept({
        op: "virtual_background",
        index: cleanUpAt,
        endpoint: "deleteVirtualBackgrounds",
        target: UNLISTED,
        keep: checked.flatMap((c) =>
          "file" in c.result ? [{ name: c.result.file.name, size: c.result.file.size }] : [],
        ),
      });
  }
  for (const { at, result } of checked) {
    if (!("file" in result)) b.refuse("virtual_background", at, result.target, result.code, result.problem);
    else if ("code" in mode)
      b.refuse(
        "virtual_background",
        at,
        result.target,
        mode.code,
        `${mode.problem}; not uploaded either, since the row does not say whether to replace or add`,
      );
    else
      b.accept({
        op: "virtual_background",
        index: at,
        endpoint: OP_ENDPOINTS.virtual_background,
        file: result.file,
        target: result.file.name,
        checkFirst: true,
      });
  }
}

/** `virtual_backgrounds_mode`: any case; empty is `add`. */
function readMode(raw: unknown): { value: BackgroundMode } | { code: string; problem: string } {
  if (!isFilled(raw)) return { value: "add" };
  const text = typeof raw === "string" ? raw.trim().toLowerCase() : undefined;
  const mode = BACKGROUND_MODES.find((m) => m === text);
  if (mode) return { value: mode };
  return {
    code: "E_BACKGROUNDS_MODE",
    problem: `virtual_backgrounds_mode: ${shown(raw)} is not one of ${BACKGROUND_MODES.join(", ")} (an empty cell is add)`,
  };
}

function refuseClear(b: RowBuilder, column: string, kind: OpKind, wants: Wants): void {
  const at = b.next();
  if (wants(kind)) b.refuse(kind, at, "", CLEAR_REFUSED, `${column}: ${notClearable()}`);
}

/** A checked upload: the file, or the code and problem to refuse it with. */
type Upload = { file: UploadFile; target: string } | { code: string; problem: string; target: string };

function background(given: unknown, policy: PathPolicy): Promise<Upload> {
  return upload(given, BACKGROUND_LIMITS, "virtual_backgrounds", policy);
}

function tooMany(given: unknown, n: number): Upload {
  return {
    code: "E_BACKGROUND_TOO_MANY",
    problem: `virtual_backgrounds: file ${n + 1} is one too many; a row may list at most ${BACKGROUND_MAX_FILES} (${UPLOAD_MESSAGES.backgroundTooMany})`,
    target: targetOf(given),
  };
}

async function upload(
  given: unknown,
  limits: UploadLimits,
  field: string,
  policy: PathPolicy,
): Promise<Upload> {
  if (typeof given !== "string")
    return { code: "E_PATH_INVALID", problem: `${field}: a path must be text`, target: "" };
  const result = await checkUpload(given, policy, limits);
  if ("file" in result) return { file: result.file, target: result.file.name };
  return { code: result.code, problem: `${field}: ${given}: ${result.problem}`, target: targetOf(given) };
}

/** The background paths a row lists: CSV text separated by `;`, or a JSON array of paths. */
export function backgroundPaths(value: unknown): unknown[] {
  return paths(value, true);
}

/**
 * The paths a field names. Backgrounds: CSV text separated by `;`, or a JSON array of paths.
 * Picture: one path (anything else is refused as not text).
 */
function paths(value: unknown, list: boolean): unknown[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && list)
    return value.map((v) => (typeof v === "string" ? v.trim() : v)).filter((v) => v !== "");
  if (typeof value !== "string") return [value];
  const parts = list ? value.split(";") : [value];
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

export function targetOf(given: unknown): string {
  return typeof given === "string" ? basename(given) : "";
}
