import { isDeepStrictEqual } from "node:util";
import type { SandboxEndpointName } from "./endpoints.js";

/**
 * A write that changed nothing, or sent fields that already had the value sent: a PATCH of a
 * field to its own value, a status to the status the user has, an email to the same email, a
 * picture identical to the one stored, a background with the name and size of one already there,
 * a delete of files that are not there. Zoom answers these as usual; the sandbox also notes them
 * (`state.noopWrites`, GET /_sandbox/noop-writes) so a test can prove that a `--diff` run sends
 * none.
 */
export interface NoopWrite {
  /** Sandbox clock, ms since the epoch. */
  time: number;
  endpoint: SandboxEndpointName;
  method: string;
  /** Path below /v2 as sent, URL-decoded. */
  path: string;
  /** The user's id (the user as the sandbox knows it, whatever form the path named). */
  userId: string;
  /** What was already so, e.g. "status already inactive". */
  reason: string;
  /** PATCH: the body fields that already held the value sent. */
  fields?: string[];
  /** True when the write changed something else too (a PATCH whose other fields did change). */
  partial: boolean;
}

/** Zoom values compared the way JSON carries them. */
export function sameValue(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b);
}
