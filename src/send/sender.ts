import { createReadStream, type ReadStream } from "node:fs";
import { PassThrough } from "node:stream";
import FormData from "form-data";
import { Agent, type Dispatcher } from "undici";
import { NetworkError, ZoomBulkError } from "../errors.js";
import type { Operation } from "../types.js";
import { ENDPOINTS, endpointPath, type Endpoint } from "../zoom/endpoints.js";
import { FORMAT_INFO } from "../zoom/rules.js";
import type { TokenProvider } from "./auth.js";

/**
 * The sender stage: ONE HTTP attempt per call, no retries (those are send/retry.ts's decision and
 * send/execute.ts's loop). Any HTTP answer is returned as a `SendOutcome`; no answer at all is a
 * `NetworkError`. Redirects are never followed (undici's `dispatcher.request` only follows them
 * through a redirect interceptor, which is not installed), so the bearer token only ever goes to
 * `apiUrl`; a 3xx comes back as an answer and the retry policy fails it.
 */
export interface SendOutcome {
  status: number;
  /** Zoom's `code` from an error body. */
  zoomCode?: number;
  /** Zoom's `message` from an error body; "" on success. */
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

/** A request that is not one of a manifest's operations (the GET settings of reconciliation). */
export interface SendRequest {
  method: Endpoint["method"];
  /** Path below `apiUrl`, already encoded, e.g. `/users/a%40b.c/settings`. */
  path: string;
  query?: Record<string, string>;
  json?: Record<string, unknown>;
}

export interface Sender {
  /** Sends `op` once. */
  send(op: Operation, signal: AbortSignal): Promise<SendOutcome>;
  /** Sends any JSON or body-less request once. */
  request(req: SendRequest, signal: AbortSignal): Promise<SendOutcome>;
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
  timeouts?: Partial<SenderTimeouts>;
  userAgent?: string;
}

const DEFAULT_TIMEOUTS: SenderTimeouts = { connectMs: 10_000, headersMs: 60_000, bodyMs: 30_000 };

/** undici error codes that mean the request never reached the server. */
const NOT_SENT_CODES = new Set([
  "UND_ERR_CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

export function createSender(options: SenderOptions): Sender {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const ownDispatcher = options.dispatcher === undefined;
  const dispatcher =
    options.dispatcher ??
    new Agent({
      connectTimeout: timeouts.connectMs,
      headersTimeout: timeouts.headersMs,
      bodyTimeout: timeouts.bodyMs,
      keepAliveTimeout: 30_000,
    });
  const base = new URL(options.apiUrl.replace(/\/+$/, ""));
  const userAgent = options.userAgent ?? "zoom-bulk/0.1.0";

  async function dispatch(
    method: Endpoint["method"],
    path: string,
    query: Record<string, string> | undefined,
    body:
      | { kind: "json"; value: Record<string, unknown> }
      | { kind: "multipart"; form: FormData; length: number; file: ReadStream; name: string }
      | undefined,
    signal: AbortSignal,
  ): Promise<SendOutcome> {
    let token: string;
    try {
      signal.throwIfAborted();
      token = await options.tokens.get();
    } catch (error) {
      if (body?.kind === "multipart") body.file.destroy();
      throw error;
    }
    const search = query && Object.keys(query).length > 0 ? `?${new URLSearchParams(query).toString()}` : "";
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      accept: "application/json",
      "user-agent": userAgent,
    };
    let payload: string | PassThrough | undefined;
    /** Whether every byte of the request body was handed to the socket. */
    let bodySent = body === undefined;
    if (body?.kind === "json") {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(body.value);
      bodySent = true;
    } else if (body?.kind === "multipart") {
      Object.assign(headers, body.form.getHeaders());
      headers["content-length"] = String(body.length);
      // form-data is an old-style stream; a PassThrough makes it a Readable undici can consume.
      const stream = new PassThrough();
      stream.on("end", () => (bodySent = true));
      body.form.on("error", (error: Error) => stream.destroy(error));
      body.form.pipe(stream);
      payload = stream;
    }

    let res: Dispatcher.ResponseData;
    try {
      res = await dispatcher.request({
        origin: base.origin,
        path: `${base.pathname}${path}${search}`,
        method,
        headers,
        body: payload ?? null,
        signal,
      });
    } catch (error) {
      if (payload instanceof PassThrough) payload.destroy();
      if (signal.aborted) throw signal.reason;
      const fileError = body?.kind === "multipart" ? readError(body.file, error) : undefined;
      if (fileError)
        throw new ZoomBulkError(
          "E_FILE",
          `Could not read ${body?.kind === "multipart" ? body.name : "the file"}: ${fileError.message}`,
        );
      throw toNetworkError(error, bodySent);
    } finally {
      // The file is read to its end on success; on any failure, close it rather than leak it.
      if (body?.kind === "multipart") body.file.destroy();
    }

    let text: string;
    try {
      text = await res.body.text();
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      // The answer started, so Zoom has the request: whether it was applied is unknown.
      throw toNetworkError(error, true);
    }
    const json = parseJson(text);
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    const outcome: Omit<SendOutcome, "token"> = {
      status: res.statusCode,
      message: ok ? "" : errorMessage(json, res.statusCode),
      trackingId: headerValue(res.headers["x-zm-trackingid"]),
      headers: rateLimitHeaders(res.headers),
    };
    const code = isRecord(json) && typeof json.code === "number" ? json.code : undefined;
    if (!ok && code !== undefined) outcome.zoomCode = code;
    if (ok && json !== undefined) outcome.body = json;
    return Object.defineProperty(outcome, "token", { value: token, enumerable: false }) as SendOutcome;
  }

  return {
    async send(op, signal) {
      const endpoint = ENDPOINTS[op.endpoint];
      const path = endpointPath(endpoint, op.user);
      if (endpoint.body === "multipart") {
        if (!op.file || !endpoint.fileField)
          throw new TypeError(`${endpoint.name} needs a file (row ${op.row})`);
        const form = new FormData();
        const file = createReadStream(op.file.path);
        form.append(endpoint.fileField, file, {
          filename: op.file.name,
          contentType: FORMAT_INFO[op.file.format].mime,
          knownLength: op.file.size,
        });
        return dispatch(
          endpoint.method,
          path,
          op.query,
          { kind: "multipart", form, length: form.getLengthSync(), file, name: op.file.name },
          signal,
        );
      }
      const json = endpoint.body === "json" ? { kind: "json" as const, value: op.body ?? {} } : undefined;
      return dispatch(endpoint.method, path, op.query, json, signal);
    },

    async request(req, signal) {
      return dispatch(
        req.method,
        req.path,
        req.query,
        req.json ? { kind: "json", value: req.json } : undefined,
        signal,
      );
    },

    async close() {
      if (ownDispatcher) await dispatcher.close();
    },
  };
}

/** The file's own read error (a file deleted or unreadable mid-run), which is no network failure. */
function readError(file: ReadStream, error: unknown): Error | undefined {
  const failed = (file as ReadStream & { errored?: Error | null }).errored;
  if (failed) return failed;
  return (error as { path?: unknown }).path === file.path ? (error as Error) : undefined;
}

function toNetworkError(error: unknown, bodySent: boolean): NetworkError {
  const code = (error as { code?: string }).code ?? "";
  const text = (error as Error).message ?? String(error);
  const neverSent = NOT_SENT_CODES.has(code);
  return new NetworkError(
    `No answer from Zoom: ${code ? `${code} ` : ""}${text}`.trim(),
    !neverSent && bodySent,
    {
      cause: error,
    },
  );
}

function errorMessage(json: unknown, status: number): string {
  if (isRecord(json) && typeof json.message === "string" && json.message) return json.message;
  return `HTTP ${status} without a Zoom error message.`;
}

function rateLimitHeaders(headers: Dispatcher.ResponseData["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (key.startsWith("x-ratelimit-") || key === "retry-after") out[key] = headerValue(value);
  }
  return out;
}

function headerValue(value: string | string[] | undefined): string {
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
