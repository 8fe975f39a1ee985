import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import { AnswerError } from "./failure.js";
import { scrubRequest, type RequestSecrets } from "./scrub.js";

/**
 * Reading Zoom's answer: the body, bounded in size, and the fields the executor needs (status,
 * Zoom's code and message, tracking id, rate-limit headers, a 2xx JSON body).
 */

/** What the sender returns for any HTTP answer (send/sender.ts documents the contract). */
export interface SendOutcome {
  status: number;
  /** Zoom's `code` from an error body. */
  zoomCode?: number;
  /** Zoom's `message` from an error body, scrubbed of secrets (send/scrub.ts); "" on success. */
  message: string;
  /** `x-zm-trackingid`, for Zoom support. */
  trackingId: string;
  /** Lower-cased `x-ratelimit-*` and `retry-after` response headers. */
  headers: Record<string, string>;
  /** Parsed JSON body of a 2xx answer, when it had one. */
  body?: unknown;
  /**
   * The bearer token this attempt used, so a 401/124 can invalidate exactly that one.
   * Non-enumerable: never serialised or logged.
   */
  readonly token: string;
}

/**
 * Default bound on an answer's body. Zoom's JSON answers are a few KB (a user's settings, the
 * largest this job reads, about 10 KB); a body beyond 1 MiB is not Zoom's.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

type Body = Readable & { text?: () => Promise<string> };

/**
 * Reads the whole body as UTF-8, at most `maxBytes`. A larger one is not read: the stream is
 * destroyed (so memory stays flat whatever the server sends) and an `AnswerError` with code
 * E_RESPONSE_TOO_LARGE is thrown. With a Content-Length that fits, the body is read in one go.
 */
export async function readBody(
  body: Body,
  status: number,
  headers: Dispatcher.ResponseData["headers"],
  maxBytes: number,
): Promise<string> {
  const declared = Number(headerValue(headers["content-length"]) || Number.NaN);
  const length = Number.isFinite(declared) ? declared : undefined;
  if (length !== undefined && length > maxBytes) {
    body.destroy();
    throw tooLarge(status, headers, maxBytes);
  }
  if (length !== undefined && body.text) return body.text();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      throw tooLarge(status, headers, maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString("utf8");
}

function tooLarge(
  status: number,
  headers: Dispatcher.ResponseData["headers"],
  maxBytes: number,
): AnswerError {
  return new AnswerError(
    "E_RESPONSE_TOO_LARGE",
    `The answer (HTTP ${status}) was larger than ${maxBytes} bytes and was not read; whether the request was applied is unknown. Zoom's answers are small: check ZOOM_API_URL, and any proxy in between.`,
    status,
    headerValue(headers["x-zm-trackingid"]),
  );
}

/** The outcome of an answer whose body was read; Zoom's message and tracking id are scrubbed. */
export function toOutcome(
  status: number,
  headers: Dispatcher.ResponseData["headers"],
  text: string,
  secrets: RequestSecrets,
): SendOutcome {
  const json = parseJson(text);
  const ok = status >= 200 && status < 300;
  const outcome: Omit<SendOutcome, "token"> = {
    status,
    message: ok ? "" : scrubRequest(errorMessage(json, status), secrets),
    trackingId: scrubRequest(headerValue(headers["x-zm-trackingid"]), secrets),
    headers: rateLimitHeaders(headers),
  };
  const code = isRecord(json) && typeof json.code === "number" ? json.code : undefined;
  if (!ok && code !== undefined) outcome.zoomCode = code;
  if (ok && json !== undefined) outcome.body = json;
  return Object.defineProperty(outcome, "token", { value: secrets.token, enumerable: false }) as SendOutcome;
}

function errorMessage(json: unknown, status: number): string {
  if (isRecord(json) && typeof json.message === "string" && json.message) return json.message;
  return `HTTP ${status} without a Zoom error message.`;
}

function rateLimitHeaders(headers: Dispatcher.ResponseData["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    const key = name.toLowerCase();
    if (key.startsWith("x-ratelimit-") || key === "retry-after") out[key] = headerValue(headers[name]);
  }
  return out;
}

export function headerValue(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(", ") : (value ?? "");
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
