import { Agent, type Dispatcher } from "undici";
import type { Start } from "../limit/index.js";
import type { Operation } from "../types.js";
import type { Endpoint } from "../zoom/endpoints.js";
import type { TokenProvider } from "./auth.js";
import { RequestDeadline } from "./deadline.js";
import { dispatchOnce, type Connection } from "./dispatch.js";
import { openUpload, requestFor, type OpenedUpload, type PreparedRequest } from "./request.js";
import { DEFAULT_MAX_RESPONSE_BYTES, type SendOutcome } from "./response.js";

export type { SendOutcome } from "./response.js";

/**
 * The sender stage: ONE HTTP attempt per call, no retries (those are send/retry.ts's decision and
 * send/loop.ts's loop). Any HTTP answer is returned as a `SendOutcome`; no answer at all is a
 * `NetworkError`. Redirects are never followed (undici's `dispatcher.request` only follows them
 * through a redirect interceptor, which is not installed), so the bearer token only ever goes to
 * `apiUrl`; a 3xx comes back as an answer and the retry policy fails it.
 *
 * Parts: request.ts builds the request (and opens an upload, checking the file is unchanged),
 * dispatch.ts sends it under its deadline (deadline.ts), response.ts reads the bounded answer,
 * failure.ts names what went wrong, scrub.ts keeps secrets out of every message.
 */

/** A request that is not one of a manifest's operations (the GET settings of reconciliation). */
export interface SendRequest {
  method: Endpoint["method"];
  /** Path below `apiUrl`, already encoded, e.g. `/users/a%40b.c/settings`. */
  path: string;
  query?: Record<string, string>;
  json?: Record<string, unknown>;
}

export interface Sender {
  /**
   * Sends `op` once. `start`, when given, is awaited right before the request is handed to the
   * dispatcher (the token and the upload ready), and the `sent` it resolves with is called when
   * the request is written to its socket: the limiter's window is taken, and the start recorded,
   * when Zoom will count the request (`Limiters.scheduleWithStart`). If it rejects, nothing is sent.
   */
  send(op: Operation, signal: AbortSignal, start?: Start): Promise<SendOutcome>;
  /** Sends any JSON or body-less request once; `start` as for `send`. */
  request(req: SendRequest, signal: AbortSignal, start?: Start): Promise<SendOutcome>;
  close(): Promise<void>;
}

export interface SenderTimeouts {
  /** TCP + TLS connect. Default 10 s. */
  connectMs: number;
  /** From the request's end to the response headers. Default 60 s (a 15 MB upload is processed before Zoom answers). */
  headersMs: number;
  /** Between two chunks of the response body. Default 30 s. */
  bodyMs: number;
}

export interface SenderOptions {
  /** `https://api.zoom.us/v2`, or the sandbox's. */
  apiUrl: string;
  tokens: TokenProvider;
  /** Default: one keep-alive undici Agent built from `timeouts` (TLS certificate checks stay on). */
  dispatcher?: Dispatcher;
  /** undici's per-phase timeouts (only for the default dispatcher); `requestTimeoutMs` bounds the whole. */
  timeouts?: Partial<SenderTimeouts>;
  /**
   * Overall deadline of one attempt, dispatch to last byte of the answer, in ms (the
   * `--request-timeout` flag); uploads get more for their bytes. Default: from the latency seen,
   * clamp(10 x p95, 10 s, 60 s), 30 s until enough is known (send/deadline.ts explains why).
   */
  requestTimeoutMs?: number;
  /** Largest answer body read, in bytes; a larger one fails the operation (E_RESPONSE_TOO_LARGE). Default 1 MiB. */
  maxResponseBytes?: number;
  userAgent?: string;
}

const DEFAULT_TIMEOUTS: SenderTimeouts = { connectMs: 10_000, headersMs: 60_000, bodyMs: 30_000 };

export function createSender(options: SenderOptions): Sender {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const ownDispatcher = options.dispatcher === undefined;
  const base = new URL(options.apiUrl.replace(/\/+$/, ""));
  const conn: Connection = {
    dispatcher:
      options.dispatcher ??
      new Agent({
        connectTimeout: timeouts.connectMs,
        headersTimeout: timeouts.headersMs,
        bodyTimeout: timeouts.bodyMs,
        keepAliveTimeout: 30_000,
      }),
    origin: base.origin,
    basePath: base.pathname,
    userAgent: options.userAgent ?? "zoom-bulk/0.1.0",
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    deadline: new RequestDeadline(options.requestTimeoutMs),
  };
  const { tokens } = options;
  const credentials = tokens.secrets?.() ?? [];

  async function sendOnce(
    req: PreparedRequest,
    signal: AbortSignal,
    start: Start | undefined,
  ): Promise<SendOutcome> {
    signal.throwIfAborted();
    let upload: OpenedUpload | undefined;
    let token: string;
    try {
      upload = req.upload ? await openUpload(req.upload) : undefined;
      token = await tokens.get();
      signal.throwIfAborted();
    } catch (error) {
      upload?.close();
      throw error;
    }
    return dispatchOnce(conn, req, upload, { token, credentials, body: req.json }, signal, start);
  }

  return {
    async send(op, signal, start) {
      return sendOnce(requestFor(op), signal, start);
    },
    request: (req, signal, start) => sendOnce(req, signal, start),
    async close() {
      if (ownDispatcher) await conn.dispatcher.close();
    },
  };
}
