import type { Dispatcher } from "undici";
import { ZoomBulkError } from "../errors.js";
import type { Sent, Start } from "../limit/index.js";
import type { RequestDeadline } from "./deadline.js";
import { RequestTimeoutError, noAnswer, timedOut } from "./failure.js";
import { AttemptAbort, follow, unfollow } from "./flight.js";
import type { OpenedUpload, PreparedRequest } from "./request.js";
import { uploadFailure } from "./request.js";
import { readBody, toOutcome, type SendOutcome } from "./response.js";
import { scrubRequest, type RequestSecrets } from "./scrub.js";
import { onWire } from "./wire.js";

/** Where and how attempts go out; one per sender. */
export interface Connection {
  dispatcher: Dispatcher;
  origin: string;
  /** The API URL's path, e.g. `/v2`. */
  basePath: string;
  userAgent: string;
  maxResponseBytes: number;
  deadline: RequestDeadline;
}

/**
 * One HTTP attempt, dispatch to last byte, under its own deadline. Any answer is returned as a
 * `SendOutcome` (Zoom's message scrubbed); no answer is a `NetworkError`; a file that changed or
 * cannot be read, or a body too large to read, a `ZoomBulkError` with its own code. When `signal`
 * aborts (the run stops), its reason is thrown.
 *
 * The attempt gets its own abort (its deadline fires it), which follows `signal` (the run's stop)
 * through send/flight.ts: no listener is added to `signal` per request.
 */
export async function dispatchOnce(
  conn: Connection,
  req: PreparedRequest,
  upload: OpenedUpload | undefined,
  secrets: RequestSecrets,
  signal: AbortSignal,
  start?: Start,
): Promise<SendOutcome> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${secrets.token}`,
    accept: "application/json",
    "user-agent": conn.userAgent,
  };
  let body: string | OpenedUpload["stream"] | null = null;
  if (upload) {
    Object.assign(headers, upload.headers);
    body = upload.stream;
  } else if (req.json) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(req.json);
  }
  const path = `${conn.basePath}${req.path}${search(req.query)}`;
  const attempt = new AttemptAbort();
  let sent: Sent | undefined;
  if (start)
    try {
      sent = await start(); // the limiter's own errors (stopped, Redis) pass through as they are
    } catch (error) {
      upload?.close();
      throw error;
    }
  let timer: NodeJS.Timeout | undefined;
  let answered = false;
  try {
    // From here on, synchronously: the request leaves in the turn its start was granted.
    signal.throwIfAborted();
    follow(signal, attempt);
    const timeoutMs = conn.deadline.timeoutMs(upload?.length ?? 0);
    timer = setTimeout(expire, timeoutMs, attempt, timeoutMs);
    const began = performance.now();
    const res = await onWire(sent, () =>
      conn.dispatcher.request({
        origin: conn.origin,
        path,
        method: req.method,
        headers,
        body,
        signal: attempt,
      }),
    );
    answered = true;
    const text = await readBody(res.body, res.statusCode, res.headers, conn.maxResponseBytes);
    if (!upload) conn.deadline.observe(performance.now() - began);
    return toOutcome(res.statusCode, res.headers, text, secrets);
  } catch (error) {
    // Once the answer started, Zoom has the whole request: whether it was applied is unknown.
    throw failureOf(error, signal, attempt, upload, answered || (upload ? upload.sent : true), secrets);
  } finally {
    clearTimeout(timer);
    unfollow(signal, attempt);
    upload?.close();
  }
}

function expire(attempt: AttemptAbort, timeoutMs: number): void {
  attempt.abort(new RequestTimeoutError(timeoutMs));
}

/** The error one failed attempt throws; `bodySent`: whether the whole request had left. */
function failureOf(
  error: unknown,
  signal: AbortSignal,
  attempt: AttemptAbort,
  upload: OpenedUpload | undefined,
  bodySent: boolean,
  secrets: RequestSecrets,
): unknown {
  if (signal.aborted) return signal.reason;
  if (error instanceof ZoomBulkError) return error;
  const reason: unknown = attempt.aborted ? attempt.reason : undefined;
  if (reason instanceof RequestTimeoutError) return timedOut(reason, bodySent);
  const fileError = upload ? uploadFailure(upload, error) : undefined;
  if (fileError) return fileError;
  return noAnswer(error, bodySent, (t) => scrubRequest(t, secrets));
}

function search(query: Record<string, string> | undefined): string {
  if (!query) return "";
  for (const _ in query) return `?${new URLSearchParams(query).toString()}`;
  return "";
}
