/**
 * Errors with stable codes, and the one rule that turns an outcome into an exit code.
 *
 * Every failure the job knows is a `ZoomBulkError` subclass; the class decides the exit code
 * (`exitCodeFor`), the `code` is what logs, results and summaries carry. Messages never contain a
 * password, token or secret. Anything else that escapes is a bug: `InternalError`, exit 70.
 */
export class ZoomBulkError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A flag, environment variable or job file is wrong; nothing was sent. Exit 2. */
export class ConfigError extends ZoomBulkError {
  constructor(message: string, code = "E_CONFIG") {
    super(code, message);
  }
}

/** The manifest as a whole cannot be used (unknown column, no user column, unreadable). Exit 2. */
export class ManifestError extends ZoomBulkError {
  constructor(message: string, code = "E_MANIFEST") {
    super(code, message);
  }
}

/** The token endpoint refused the credentials, or a scope is missing. Exit 3. */
export class AuthError extends ZoomBulkError {
  constructor(message: string, code = "E_AUTH") {
    super(code, message);
  }
}

/** The request did not get an answer: connection refused or reset, timeout. */
export class NetworkError extends ZoomBulkError {
  /** Whether the request may have reached Zoom (its body was sent before the failure). */
  readonly maybeApplied: boolean;
  constructor(message: string, maybeApplied: boolean, options?: ErrorOptions) {
    super("E_NETWORK", message, options);
    this.maybeApplied = maybeApplied;
  }
}

/** Which outside dependency failed (`zoom`: reading what Zoom holds failed after retries). */
export type Dependency = "oauth" | "redis" | "disk" | "zoom";

/**
 * Something the run depends on besides Zoom's API failed or stopped answering in time: the token
 * endpoint cannot be reached, Redis is down or frozen, the results disk is full or unwritable.
 * Everything already sent is recorded; a `--resume` once it is back picks up. Exit 6.
 */
export class DependencyError extends ZoomBulkError {
  readonly dependency: Dependency;
  constructor(dependency: Dependency, message: string, options?: ErrorOptions) {
    super(DEPENDENCY_CODES[dependency], message, options);
    this.dependency = dependency;
  }
}

const DEPENDENCY_CODES: Record<Dependency, string> = {
  oauth: "E_OAUTH_UNREACHABLE",
  redis: "E_REDIS",
  disk: "E_DISK",
  zoom: "E_READ",
};

/** A safety rail stopped the run (failure-rate or mass-change breaker). Exit 5. */
export class SafetyStopError extends ZoomBulkError {
  constructor(message: string) {
    super("E_SAFETY_STOP", message);
  }
}

/** A bug in zoom-bulk: an error nobody planned for. Exit 70, with a request for a bug report. */
export class InternalError extends ZoomBulkError {
  constructor(cause: unknown) {
    super(
      "E_INTERNAL",
      `internal error: ${cause instanceof Error ? cause.message : String(cause)}. This is a bug in zoom-bulk; please report it with the log. Results written so far are kept; rerun with --resume.`,
      { cause },
    );
  }
}

/** The process's exit codes (README "Exit codes"); `exitCodeFor` is the only place that picks one. */
export const EXIT = {
  ok: 0,
  someFailed: 1,
  usage: 2,
  auth: 3,
  deferred: 4,
  safetyStop: 5,
  dependency: 6,
  internal: 70,
  sigint: 130,
  sigterm: 143,
} as const;

/** Why a run stopped early; the summary's `stop_reason`. */
export type StopReason = "usage" | "safety" | "auth" | "dependency" | "internal" | "sigint" | "sigterm";

/** What the exit code is decided from: a run's outcome counts and why it stopped, if it did. */
export interface ExitFacts {
  outcomes: { ok?: number; failed: number; invalid: number; skipped: number; deferred: number };
  stop_reason?: StopReason | null;
}

/**
 * The exit code for a finished (or stopped) run, or for an error that ended a command. The one
 * place that maps outcomes and error classes to exit codes.
 */
export function exitCodeFor(what: ExitFacts | unknown): number {
  if (isExitFacts(what)) {
    switch (what.stop_reason) {
      case "sigint":
        return EXIT.sigint;
      case "sigterm":
        return EXIT.sigterm;
      case "usage":
        return EXIT.usage;
      case "auth":
        return EXIT.auth;
      case "dependency":
        return EXIT.dependency;
      case "safety":
        return EXIT.safetyStop;
      case "internal":
        return EXIT.internal;
      default:
        break;
    }
    const o = what.outcomes;
    if (o.deferred > 0) return EXIT.deferred;
    if (o.failed + o.invalid + o.skipped > 0) return EXIT.someFailed;
    return EXIT.ok;
  }
  if (what instanceof ConfigError || what instanceof ManifestError) return EXIT.usage;
  if (what instanceof AuthError) return EXIT.auth;
  if (what instanceof DependencyError) return EXIT.dependency;
  if (what instanceof SafetyStopError) return EXIT.safetyStop;
  return EXIT.internal;
}

function isExitFacts(what: unknown): what is ExitFacts {
  return typeof what === "object" && what !== null && !(what instanceof Error) && "outcomes" in what;
}
