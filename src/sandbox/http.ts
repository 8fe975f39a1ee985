import type { IncomingMessage, ServerResponse } from "node:http";
import { isPlainObject } from "../zoom/rules.js";
import type { FieldError } from "../zoom/rules.js";

/** What a handler answers. `body` undefined means no body (204). */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * A body serialized ahead of sending: a reply held through its latency keeps one string rather
 * than its objects (a page of 300 users held 150 ms would otherwise survive into the old
 * generation, and the collections that follow stall the sandbox and bunch its arrival stamps).
 */
export class JsonText {
  constructor(
    readonly text: string,
    /** Zoom's error code, when the body had one. */
    readonly code: number | undefined,
  ) {}
}

/** The reply with its body (if any) serialized now. */
export function serialized(reply: Reply): Reply {
  const { body } = reply;
  if (body === undefined || body instanceof JsonText) return reply;
  return { ...reply, body: new JsonText(JSON.stringify(body), zoomCodeOf(body)) };
}

/** The `code` of a Zoom error body. */
export function zoomCodeOf(body: unknown): number | undefined {
  if (body instanceof JsonText) return body.code;
  return isPlainObject(body) && typeof body.code === "number" ? body.code : undefined;
}

export function zoomError(status: number, code: number, message: string): Reply {
  return { status, body: { code, message } };
}

export function validationFailed(errors: FieldError[]): Reply {
  return { status: 400, body: { code: 300, message: "Validation Failed.", errors } };
}

export function userNotFound(userId: string): Reply {
  return zoomError(404, 1001, `User does not exist: ${userId}.`);
}

export function send(res: ServerResponse, reply: Reply, baseHeaders: Record<string, string>): void {
  const headers: Record<string, string | number> = { ...baseHeaders, ...reply.headers };
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const text = reply.body instanceof JsonText ? reply.body.text : JSON.stringify(reply.body);
  headers["content-type"] = "application/json;charset=UTF-8";
  headers["content-length"] = Buffer.byteLength(text);
  res.writeHead(reply.status, headers);
  res.end(text);
}

/** Reads a small request body; undefined when it exceeds `maxBytes` (the rest is discarded). */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    req.once("end", () => resolve(size > maxBytes ? undefined : Buffer.concat(chunks, size)));
    req.once("error", reject);
    req.once("close", () => {
      if (!req.complete) reject(new Error("the request was aborted before its body ended"));
    });
  });
}

const JSON_MAX_BYTES = 1024 * 1024;

/** The media type of the request, lower-case, without parameters. */
export function mediaType(req: IncomingMessage): string {
  return (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** Reads an `application/json` body holding any JSON value, answering Zoom's 400/300 if not. */
export async function readJson(req: IncomingMessage): Promise<{ value: unknown } | { reply: Reply }> {
  const type = mediaType(req);
  if (type !== "application/json") {
    req.resume();
    return {
      reply: zoomError(
        400,
        300,
        `Unsupported Content-Type "${type || "(none)"}": this endpoint accepts application/json only.`,
      ),
    };
  }
  const body = await readBody(req, JSON_MAX_BYTES);
  if (body === undefined) return { reply: zoomError(400, 300, "Request Body is too large.") };
  try {
    return { value: JSON.parse(body.toString("utf8")) as unknown };
  } catch {
    return { reply: zoomError(400, 300, "Request Body should be a valid JSON object.") };
  }
}

/** Reads an `application/json` body that must be a JSON object, answering Zoom's 400/300 if not. */
export async function readJsonObject(
  req: IncomingMessage,
): Promise<{ value: Record<string, unknown> } | { reply: Reply }> {
  const read = await readJson(req);
  if ("reply" in read) return read;
  if (isPlainObject(read.value)) return { value: read.value };
  return { reply: zoomError(400, 300, "Request Body should be a valid JSON object.") };
}
