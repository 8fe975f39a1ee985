import type { Operation } from "../types.js";
import type { ExecResult, OperationRecord, Settled } from "./outcome.js";
import type { Failure } from "./retry.js";

/**
 * Check before uploading again: a virtual background upload is not idempotent (a second one adds
 * a duplicate file, and a user holds at most 10), so when its answer was lost, or Zoom failed
 * after perhaps storing it, or a crash cut it off (`--resume`), the user's backgrounds are read
 * first (GET /users/{userId}/settings, ../shared/zoom-api.md §9.6).
 */

/** Runs one operation through the retry loop (send/loop.ts's `runOperation`, bound to its deps). */
export type RunOperation = (op: Operation, signal: AbortSignal, started?: number) => Promise<Settled>;

/** Is a file of the upload's name and size among the user's virtual backgrounds? */
export async function findUploaded(
  run: RunOperation,
  op: Operation,
  signal: AbortSignal,
  started?: number,
): Promise<{ found: boolean; result: ExecResult }> {
  const { body: _body, query: _query, file, ...rest } = op;
  const settled = await run({ ...rest, endpoint: "getSettings" }, signal, started);
  const files = virtualBackgrounds(settled.body);
  const found = file !== undefined && files.some((f) => f.name === file.name && f.size === file.size);
  return { found: settled.result.outcome === "ok" && found, result: settled.result };
}

/**
 * After a failure the policy wants reconciled: found means done; a check that failed is the last
 * word Zoom said about the operation; not found (undefined) means upload again.
 */
export async function reconcileAfterFailure(
  run: RunOperation,
  record: OperationRecord,
  failure: Failure,
  signal: AbortSignal,
): Promise<Settled | undefined> {
  const { op } = record;
  const check = await findUploaded(run, op, signal, record.started);
  record.attempts += check.result.attempts;
  if (!check.found && check.result.outcome === "ok") return undefined;
  const after = failure.kind === "network" ? "its answer was lost" : `Zoom answered HTTP ${failure.status}`;
  const message = check.found
    ? `Already uploaded: ${op.target} was found among the user's virtual backgrounds after ${after}.`
    : `The upload could not be checked after ${after}: ${check.result.message}`;
  return {
    result: { ...check.result, message, attempts: record.attempts, duration_ms: record.elapsed() },
  };
}

/** `--resume` after a crash mid-upload: look first, upload only if the file is not there. */
export async function checkThenUpload(
  run: RunOperation,
  op: Operation,
  signal: AbortSignal,
  started: number,
): Promise<ExecResult> {
  const check = await findUploaded(run, op, signal, started);
  if (check.found || check.result.outcome !== "ok")
    return {
      ...check.result,
      message: check.found
        ? `Already uploaded: ${op.target} was found among the user's virtual backgrounds before sending it again.`
        : `The user's virtual backgrounds could not be checked: ${check.result.message}`,
    };
  const upload = await run(op, signal, started);
  return { ...upload.result, attempts: upload.result.attempts + check.result.attempts };
}

/** `in_meeting.virtual_background_settings.files` of GET /users/{userId}/settings. */
export function virtualBackgrounds(settings: unknown): { name?: unknown; size?: unknown }[] {
  const inMeeting = (
    settings as { in_meeting?: { virtual_background_settings?: { files?: unknown } } } | undefined
  )?.in_meeting;
  const files = inMeeting?.virtual_background_settings?.files;
  return Array.isArray(files) ? (files as { name?: unknown; size?: unknown }[]) : [];
}
