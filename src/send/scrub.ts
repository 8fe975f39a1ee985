/**
 * The one scrubbing function for every message that leaves the send stage: Zoom's `message`, the
 * token endpoint's answer, network error texts. Whatever a server echoes (the Authorization
 * header, the request body) must not carry a bearer token, the client secret, the Basic
 * credentials or the request's own secret values (the password being set) into results, the HTML
 * report or logs.
 *
 * Two layers: every known secret is replaced wherever it appears (as sent, JSON-escaped, or
 * URL-encoded, the forms an echo takes), and anything shaped like an Authorization value
 * (`Bearer …`, `Basic …`) is replaced even when its value is unknown here.
 */
export const REDACTED = "[redacted]";

/** Secrets shorter than this are not searched for: "[redacted]" in place of every "a" helps nobody. */
const MIN_SECRET_LENGTH = 4;

const AUTHORIZATION_VALUE = /(?<![A-Za-z])(Bearer|Basic)(\s+|%20|\+)[A-Za-z0-9._~+/=%-]{4,}/gi;

export function scrub(text: string, secrets: Iterable<string | undefined>): string {
  if (text === "") return text;
  let out = text;
  for (const secret of secrets) out = without(out, secret);
  return out.replace(AUTHORIZATION_VALUE, `$1 ${REDACTED}`);
}

/**
 * `text` with every form of `secret` replaced. The other forms (JSON-escaped, URL-encoded) hold a
 * backslash or a percent sign wherever they differ from the secret, so a text without either (a
 * tracking id, most messages) needs only the one search.
 */
function without(text: string, secret: string | undefined): string {
  if (!secret || secret.length < MIN_SECRET_LENGTH) return text;
  let out = text.includes(secret) ? text.split(secret).join(REDACTED) : text;
  if (!out.includes("\\") && !out.includes("%")) return out;
  const json = JSON.stringify(secret).slice(1, -1);
  const url = encodeURIComponent(secret);
  for (const form of [json, url])
    if (form !== secret && out.includes(form)) out = out.split(form).join(REDACTED);
  return out;
}

/** Field names of a request body whose values are secrets: the password being set, a host key. */
const SECRET_FIELDS = ["password", "host_key"] as const;

/** What one request must not leak: its token, the app's credentials, its body's secret values. */
export interface RequestSecrets {
  token: string;
  /** The client secret and the Basic credentials (TokenProvider.secrets). */
  credentials: readonly string[];
  /** The JSON body sent: its `password` and `host_key` are secrets. */
  body?: unknown;
}

/** `scrub` with one request's secrets (run on every answer's tracking id, so it allocates nothing unless it finds one). */
export function scrubRequest(text: string, secrets: RequestSecrets): string {
  if (text === "") return text;
  let out = without(text, secrets.token);
  for (const credential of secrets.credentials) out = without(out, credential);
  const body = secrets.body;
  if (typeof body === "object" && body !== null)
    for (const field of SECRET_FIELDS) {
      const value = (body as Record<string, unknown>)[field];
      if (typeof value === "string") out = without(out, value);
    }
  return out.replace(AUTHORIZATION_VALUE, `$1 ${REDACTED}`);
}
