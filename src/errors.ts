/**
 * Errors with stable codes. The reporter writes `code`; the CLI maps classes to exit codes in
 * `exitCodeFor` and nowhere else. Messages never contain a password, token or secret.
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

/** Zoom answered with an error status. Carries Zoom's status, code, message and tracking id. */
export class ZoomApiError extends ZoomBulkError {
  readonly status: number;
  readonly zoomCode: number | undefined;
  readonly trackingId: string;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    zoomCode: number | undefined,
    message: string,
    trackingId = "",
    headers: Record<string, string> = {},
  ) {
    super("E_ZOOM", message);
    this.status = status;
    this.zoomCode = zoomCode;
    this.trackingId = trackingId;
    this.headers = headers;
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

/** A safety rail stopped the run. Exit 5. */
export class SafetyStopError extends ZoomBulkError {
  constructor(message: string) {
    super("E_SAFETY_STOP", message);
  }
}

export const EXIT = {
  ok: 0,
  someFailed: 1,
  usage: 2,
  auth: 3,
  deferred: 4,
  safetyStop: 5,
  sigint: 130,
  sigterm: 143,
} as const;

export function exitCodeFor(error: unknown): number {
  if (error instanceof ConfigError || error instanceof ManifestError) return EXIT.usage;
  if (error instanceof AuthError) return EXIT.auth;
  if (error instanceof SafetyStopError) return EXIT.safetyStop;
  return EXIT.someFailed;
}
