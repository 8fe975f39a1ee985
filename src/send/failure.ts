import { NetworkError, ZoomBulkError } from "../errors.js";

/**
 * How one attempt failed without a usable answer, as errors with stable codes. The executor reads
 * the class: a `NetworkError` may be retried (by send/retry.ts's rules), an `AnswerError` or a
 * `FileChangedError` is final for the operation.
 */

/** The attempt's own deadline (send/deadline.ts) passed: the abort reason of its request. */
export class RequestTimeoutError extends Error {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`no answer within ${seconds(timeoutMs)} (the request timeout)`);
    this.name = "RequestTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Zoom (or whatever answers at the API URL) answered, but the answer cannot be used: a body far
 * larger than any Zoom JSON answer. Not retried: sending again would read it again. Whether the
 * request was applied is unknown.
 */
export class AnswerError extends ZoomBulkError {
  readonly status: number;
  readonly trackingId: string;
  constructor(code: string, message: string, status: number, trackingId: string) {
    super(code, message);
    this.status = status;
    this.trackingId = trackingId;
  }
}

/** The upload's file is not what validation saw (its size differs): nothing is sent. Not retried. */
export class FileChangedError extends ZoomBulkError {
  constructor(message: string, options?: ErrorOptions) {
    super("E_FILE_CHANGED", message, options);
  }
}

export function fileChanged(name: string, checkedSize: number, size: number | undefined): FileChangedError {
  const now = size === undefined ? "a different size now" : `${size} bytes now`;
  return new FileChangedError(
    `The file changed on disk since it was checked: ${name} was ${checkedSize} bytes when the manifest was checked, ${now}. Check the file, then run again with --resume.`,
  );
}

/** The deadline of one attempt passed. Applied only if the whole request had left. */
export function timedOut(error: RequestTimeoutError, bodySent: boolean): NetworkError {
  return new NetworkError(
    `No answer from Zoom within ${seconds(error.timeoutMs)} (the request timeout, --request-timeout).`,
    bodySent,
    { cause: error },
  );
}

/** undici error codes that mean the request never reached the server. */
const NOT_SENT_CODES = new Set([
  "UND_ERR_CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/** Any other failure to get an answer; `scrub` cleans the text before it goes anywhere. */
export function noAnswer(error: unknown, bodySent: boolean, scrub: (text: string) => string): NetworkError {
  const code = (error as { code?: unknown }).code;
  const codeText = typeof code === "string" ? code : "";
  const text = error instanceof Error ? error.message : String(error);
  return new NetworkError(
    scrub(`No answer from Zoom: ${codeText ? `${codeText} ` : ""}${text}`.trim()),
    !NOT_SENT_CODES.has(codeText) && bodySent,
    { cause: error },
  );
}

export function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
