import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { request } from "undici";
import type { LogEntry, Sandbox } from "../../../src/sandbox/index.js";
import { ROUTES } from "../../../src/sandbox/router.js";

export interface Answer {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON, the text when it is not JSON, or undefined when empty. */
  body: unknown;
}

/** Sends one request to the sandbox with undici and reads the whole answer. */
export async function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Answer> {
  const res = await request(url, {
    method: (init.method ?? "GET") as "GET",
    ...(init.headers ? { headers: init.headers } : {}),
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const text = await res.body.text();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers))
    headers[name] = Array.isArray(value) ? value.join(", ") : String(value);
  let body: unknown = text === "" ? undefined : text;
  try {
    if (text) body = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: res.statusCode, headers, body };
}

export function basic(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`;
}

export async function getToken(sandbox: Sandbox): Promise<string> {
  const { accountId, clientId, clientSecret } = sandbox.credentials;
  const answer = await call(`${sandbox.oauthUrl}?grant_type=account_credentials&account_id=${accountId}`, {
    method: "POST",
    headers: { authorization: basic(clientId, clientSecret) },
  });
  return (answer.body as { access_token: string }).access_token;
}

/** An API client bound to one sandbox and token: `api("PATCH", "/users/x", { json })`. */
export function client(sandbox: Sandbox, token: string) {
  return (
    method: string,
    path: string,
    options: { json?: unknown; raw?: string; contentType?: string; form?: Multipart } = {},
  ): Promise<Answer> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    let body: string | Buffer | undefined;
    if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.json);
    }
    if (options.raw !== undefined) {
      headers["content-type"] = options.contentType ?? "application/json";
      body = options.raw;
    }
    if (options.form) {
      headers["content-type"] = options.form.contentType;
      body = options.form.body;
    }
    return call(`${sandbox.apiUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  };
}

export const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);
export const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0, 1]);
export const GIF = Buffer.from("GIF89a\x01\x00\x01\x00", "latin1");
export const MP4 = Buffer.from("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00", "latin1");
export const MOV = Buffer.from("\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", "latin1");

/** `head` followed by `size - head.length` filler bytes. */
export function file(head: Buffer, size = 1000): Buffer {
  const buffer = Buffer.alloc(Math.max(size, head.length), 7);
  head.copy(buffer);
  return buffer;
}

/** A multipart/form-data body, as a client sends it. */
export interface Multipart {
  contentType: string;
  body: Buffer;
}

/**
 * A multipart/form-data body with one part: a file (a Buffer) or a plain field (a string). Built
 * by hand, so that it does not depend on which FormData the runtime's fetch and the undici
 * package each accept.
 */
export function form(
  field: string,
  content: Buffer | string,
  filename?: string,
  type = "application/octet-stream",
): Multipart {
  const boundary = `----zoom-bulk-test-${randomBytes(8).toString("hex")}`;
  const disposition =
    typeof content === "string"
      ? `Content-Disposition: form-data; name="${field}"\r\n\r\n`
      : `Content-Disposition: form-data; name="${field}"; filename="${filename ?? "upload.bin"}"\r\nContent-Type: ${type}\r\n\r\n`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\n${disposition}`),
    typeof content === "string" ? Buffer.from(content) : content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { contentType: `multipart/form-data; boundary=${boundary}`, body };
}

/** The tracking ids are unique; tests compare everything else. */
export const TRACKING = /^v=2\.0;clid=sandbox;rid=[0-9a-f]{8}_[0-9a-z]+$/;

interface ExtractEndpoint {
  errors: Record<string, number[]>;
}
const extract = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../fixtures/zoom-spec.json", import.meta.url)), "utf8"),
) as { endpoints: Record<string, ExtractEndpoint> };

/**
 * The answers in `log` that Zoom's spec (test/fixtures/zoom-spec.json) does not document for
 * their endpoint and the route does not declare as `undocumented`, as "operation status/code".
 * Any route may also answer 400/300 (Zoom's general validation error), 401/124, 429, a 5xx fault
 * or no answer at all (a fault).
 */
export function undocumentedAnswers(log: readonly LogEntry[]): string[] {
  const out = new Set<string>();
  for (const entry of log) {
    const route = ROUTES.find((r) => r.endpoint.name === entry.operation);
    if (!route || entry.status < 400 || entry.status >= 500) continue;
    const code = entry.zoomCode ?? -1;
    const generic =
      (entry.status === 400 && code === 300) ||
      (entry.status === 401 && code === 124) ||
      entry.status === 429;
    const spec = extract.endpoints[`${route.endpoint.method} ${route.endpoint.path}`];
    const documented = spec?.errors[String(entry.status)]?.includes(code) ?? false;
    const declared = (route.undocumented ?? []).some((u) => u.status === entry.status && u.code === code);
    if (!generic && !documented && !declared) out.add(`${route.endpoint.name} ${entry.status}/${code}`);
  }
  return [...out];
}
