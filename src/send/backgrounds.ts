import type { Operation, UploadFile } from "../types.js";
import { afterWhat, lookOp, type Reconcile, type RunOperation } from "./lookup.js";
import type { ExecResult } from "./outcome.js";

/**
 * Virtual backgrounds without duplicates (issue 11 §2; zoom-api.md §9.6). A background upload is
 * not idempotent: every POST stores one more file, and a user holds at most 10. So:
 *
 * - an upload with `checkFirst` (every upload the planner makes) looks at the user's files first
 *   (GET /users/{userId}/settings, Medium, `in_meeting.virtual_background_settings.files[]`); a
 *   file of the same name and size there: `unchanged`, nothing uploaded.
 * - an upload whose answer was lost (or a 5xx) is looked for the same way before it is sent again.
 * - the `replace` clean-up (op `virtual_background` on deleteVirtualBackgrounds, target
 *   `(unlisted)`, `keep`): reads the files, deletes those the row does not list (DELETE
 *   ?file_ids=…, Light) and answers `ok`, or `unchanged` when there are none.
 *
 * Request cost: the listing is read at most once per user per row. A row's operations run
 * through one `RowSession` (send/row.ts), which keeps the listing it read and updates it with its
 * own uploads and deletes; so a row with n uploads and a clean-up costs 1 GET settings (Medium),
 * one POST per missing file (Medium) and at most one DELETE (Light). The listing is dropped with
 * the session at the row's end (and at once after an operation that may have changed the files
 * in a way the session cannot tell: a lost answer not looked at, a 5xx, a stop). Operations sent
 * through `Executor.execute` directly each read the listing themselves.
 */

export interface BackgroundFile {
  /** Zoom's file id, which DELETE ?file_ids= takes; absent only from a malformed listing. */
  id?: string;
  name: string;
  size: number;
}

/** `in_meeting.virtual_background_settings.files` of GET /users/{userId}/settings (entries with a name and a size). */
export function virtualBackgrounds(settings: unknown): BackgroundFile[] {
  const inMeeting = (
    settings as { in_meeting?: { virtual_background_settings?: { files?: unknown } } } | undefined
  )?.in_meeting;
  const files = inMeeting?.virtual_background_settings?.files;
  if (!Array.isArray(files)) return [];
  const out: BackgroundFile[] = [];
  for (const f of files as { id?: unknown; name?: unknown; size?: unknown }[]) {
    if (typeof f !== "object" || f === null) continue;
    if (typeof f.name !== "string" || typeof f.size !== "number") continue;
    out.push({ ...(typeof f.id === "string" ? { id: f.id } : {}), name: f.name, size: f.size });
  }
  return out;
}

/** Is a file of this name and size among `files`? (Zoom keeps no checksum; name and size are what it shows.) */
export function hasFile(files: readonly BackgroundFile[], file: Pick<UploadFile, "name" | "size">): boolean {
  return files.some((f) => f.name === file.name && f.size === file.size);
}

/**
 * The files `replace` deletes: every file not matched by an entry of `keep` (name and size). Each
 * entry keeps one file, so extra copies of a listed file (a re-run's duplicates) go too. Files
 * without an id cannot be named in a DELETE and are left.
 */
export function filesToDelete(
  files: readonly BackgroundFile[],
  keep: readonly { name: string; size: number }[],
): (BackgroundFile & { id: string })[] {
  const wanted = new Map<string, number>();
  for (const k of keep) wanted.set(key(k), (wanted.get(key(k)) ?? 0) + 1);
  const doomed: (BackgroundFile & { id: string })[] = [];
  for (const f of files) {
    const left = wanted.get(key(f)) ?? 0;
    if (left > 0) wanted.set(key(f), left - 1);
    else if (f.id !== undefined) doomed.push({ ...f, id: f.id });
  }
  return doomed;
}

const key = (f: { name: string; size: number }): string => `${f.size}:${f.name}`;

/** A row's listings, per user: read once, then kept up to date by the row's own changes. */
export class BackgroundListings {
  readonly #byUser = new Map<string, BackgroundFile[]>();

  get(user: string): readonly BackgroundFile[] | undefined {
    return this.#byUser.get(user);
  }

  set(user: string, files: readonly BackgroundFile[]): void {
    this.#byUser.set(user, [...files]);
  }

  /** An upload of ours was stored (only kept when the listing is known). */
  add(user: string, file: BackgroundFile): void {
    this.#byUser.get(user)?.push(file);
  }

  remove(user: string, ids: readonly string[]): void {
    const files = this.#byUser.get(user);
    if (files)
      this.#byUser.set(
        user,
        files.filter((f) => f.id === undefined || !ids.includes(f.id)),
      );
  }

  /** The files may have changed in a way nobody saw: read them again next time. */
  forget(user: string): void {
    this.#byUser.delete(user);
  }
}

/** The listing, from `listings` or a GET settings (kept in `listings`); or the GET's failed result. */
async function listing(
  run: RunOperation,
  listings: BackgroundListings | undefined,
  op: Operation,
  signal: AbortSignal,
  started: number,
): Promise<{ files: readonly BackgroundFile[]; read?: ExecResult } | { failed: ExecResult }> {
  const cached = listings?.get(op.user);
  if (cached) return { files: cached };
  const settled = await run(lookOp(op, "getSettings"), signal, started);
  if (settled.result.outcome !== "ok") return { failed: settled.result };
  const files = virtualBackgrounds(settled.body);
  listings?.set(op.user, files);
  return { files, read: settled.result };
}

/** A result that sent nothing more than the listing's read (if any). */
function settledBy(
  read: ExecResult | undefined,
  outcome: "unchanged",
  message: string,
  duration_ms: number,
): ExecResult {
  return {
    outcome,
    http_status: read?.http_status ?? "",
    zoom_code: "",
    message,
    attempts: read?.attempts ?? 0,
    duration_ms,
    tracking_id: read?.tracking_id ?? "",
  };
}

/** Whether a failed result is Zoom's final "no" (a 4xx): nothing was stored. */
function refused(result: ExecResult): boolean {
  return typeof result.http_status === "number" && result.http_status >= 400 && result.http_status < 500;
}

/** A background upload: with `checkFirst`, only when no file of its name and size is there. */
export async function uploadBackground(
  run: RunOperation,
  listings: BackgroundListings | undefined,
  op: Operation,
  signal: AbortSignal,
  started: number,
  now: () => number,
): Promise<ExecResult> {
  const file = op.file;
  let read: ExecResult | undefined;
  if (op.checkFirst && file) {
    const list = await listing(run, listings, op, signal, started);
    if ("failed" in list)
      return {
        ...list.failed,
        message: `The user's virtual backgrounds could not be checked: ${list.failed.message}`,
      };
    read = list.read;
    if (hasFile(list.files, file))
      return settledBy(
        read,
        "unchanged",
        `Already there: ${file.name} (${file.size} bytes) is among the user's virtual backgrounds; not uploaded again.`,
        Math.max(0, now() - started),
      );
  }
  const upload = await run(op, signal, started);
  const result = { ...upload.result, attempts: upload.result.attempts + (read?.attempts ?? 0) };
  if (listings && file) {
    const id = (upload.body as { id?: unknown } | undefined)?.id;
    const known = listings.get(op.user);
    if (result.outcome === "ok" && typeof id === "string")
      listings.add(op.user, { id, name: file.name, size: file.size });
    else if (!(result.outcome === "ok" && known && hasFile(known, file)) && !refused(result))
      listings.forget(op.user);
  }
  return result;
}

/** `virtual_backgrounds_mode=replace`: delete the user's files that `op.keep` does not list. */
export async function cleanUpBackgrounds(
  run: RunOperation,
  listings: BackgroundListings | undefined,
  op: Operation & { keep: readonly { name: string; size: number }[] },
  signal: AbortSignal,
  started: number,
  now: () => number,
): Promise<ExecResult> {
  const list = await listing(run, listings, op, signal, started);
  if ("failed" in list)
    return {
      ...list.failed,
      message: `The user's virtual backgrounds could not be read: ${list.failed.message}`,
    };
  const doomed = filesToDelete(list.files, op.keep);
  if (doomed.length === 0)
    return settledBy(
      list.read,
      "unchanged",
      "Nothing to delete: the user has no virtual backgrounds besides those the row lists.",
      Math.max(0, now() - started),
    );
  const ids = doomed.map((f) => f.id);
  const deleted = await run({ ...op, query: { ...op.query, file_ids: ids.join(",") } }, signal, started);
  const result = { ...deleted.result, attempts: deleted.result.attempts + (list.read?.attempts ?? 0) };
  if (result.outcome === "ok") {
    listings?.remove(op.user, ids);
    const names = doomed.map((f) => f.name).join(", ");
    return {
      ...result,
      message: `Deleted ${doomed.length} virtual background${doomed.length === 1 ? "" : "s"} the row does not list: ${names}.`,
    };
  }
  if (!refused(result)) listings?.forget(op.user);
  return result;
}

/** After a lost upload answer (or a 5xx): found means done; a failed look is the last word; absent, upload again. */
export function reconcileUpload(listings?: BackgroundListings): Reconcile {
  return async (run, record, failure, signal) => {
    const { op } = record;
    const settled = await run(lookOp(op, "getSettings"), signal, record.started);
    record.attempts += settled.result.attempts;
    const ok = settled.result.outcome === "ok";
    const files = ok ? virtualBackgrounds(settled.body) : undefined;
    if (files) listings?.set(op.user, files);
    else listings?.forget(op.user);
    const found = files !== undefined && op.file !== undefined && hasFile(files, op.file);
    if (files && !found) return undefined;
    const after = afterWhat(failure);
    const message = found
      ? `Already uploaded: ${op.target} was found among the user's virtual backgrounds after ${after}.`
      : `The upload could not be checked after ${after}: ${settled.result.message}`;
    return {
      result: { ...settled.result, message, attempts: record.attempts, duration_ms: record.elapsed() },
    };
  };
}
