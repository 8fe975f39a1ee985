import type { Logger } from "pino";
import type { Operation } from "../types.js";
import { LABEL_NAMES, type Label } from "../zoom/labels.js";
import type { DailyCap } from "./caps.js";
import type { SendOutcome } from "./response.js";

/** How one operation ended, as the row runner reports it. */
export interface ExecResult {
  /** `unchanged`: Zoom already held it (the user existed, the file was there, the user was gone). */
  outcome: "ok" | "failed" | "deferred" | "unchanged";
  /** The last HTTP status Zoom answered, "" when none came. */
  http_status: number | "";
  zoom_code: number | string | "";
  message: string;
  /** HTTP requests sent for this operation (reconciliation checks included). */
  attempts: number;
  duration_ms: number;
  tracking_id: string;
  /** For `deferred`: when the label can be used again (ISO date). */
  until?: string;
  /**
   * Set when the job cannot go on: `auth` when the app itself is refused (bad token, missing
   * scope: exit 3); `dependency` when the token endpoint stayed unreachable (exit 6).
   */
  fatal?: "auth" | "dependency";
}

/** A result, and the JSON body of a 2xx answer (what reconciliation reads). */
export interface Settled {
  result: ExecResult;
  body?: unknown;
}

/**
 * One operation's record while it runs (states: sending -> (retry-wait -> sending)* -> done):
 * attempts and token renewals so far, Zoom's last answer, when it began. It builds the result.
 */
export class OperationRecord {
  readonly op: Operation;
  readonly started: number;
  /** Attempts begun (a slot granted): what the retry policy counts. */
  tries = 0;
  /** Requests that left for Zoom: the result's `attempts`. */
  attempts = 0;
  renewals = 0;
  /** Zoom's last answer; undefined after an attempt that got none. */
  last: SendOutcome | undefined;
  /**
   * An earlier attempt may have been applied although it did not succeed: its answer was lost
   * after the request left, or Zoom answered 5xx. What a later answer means depends on it (a
   * 409/1005 to a create is then our own create; send/meaning.ts).
   */
  mayHaveApplied = false;
  readonly #now: () => number;
  readonly #logger: Logger;
  #log: Logger | undefined;

  constructor(op: Operation, started: number, now: () => number, logger: Logger) {
    this.op = op;
    this.started = started;
    this.#now = now;
    this.#logger = logger;
  }

  /** The operation's child logger, made on first use (most operations log nothing at info). */
  get log(): Logger {
    const op = this.op;
    this.#log ??= this.#logger.child({
      row: { row: op.row, line: op.line, user: op.user, op: op.op, endpoint: op.endpoint },
    });
    return this.#log;
  }

  get debug(): boolean {
    return this.#logger.isLevelEnabled("debug");
  }

  elapsed(): number {
    return Math.max(0, this.#now() - this.started);
  }

  settle(
    outcome: ExecResult["outcome"],
    message: string,
    extra: Partial<Pick<ExecResult, "until" | "fatal" | "zoom_code">> = {},
  ): Settled {
    const last = this.last;
    return {
      result: {
        outcome,
        http_status: last?.status ?? "",
        zoom_code: last?.zoomCode ?? "",
        message,
        attempts: this.attempts,
        duration_ms: this.elapsed(),
        tracking_id: last?.trackingId ?? "",
        ...extra,
      },
    };
  }

  ok(body: unknown): Settled {
    return { ...this.settle("ok", ""), body };
  }

  interrupted(): Settled {
    return this.settle("failed", "Interrupted before Zoom's answer was known.");
  }

  /** Deferred by a daily limit: a whole label's, or a cap on one kind of operation (send/caps.ts). */
  deferred(by: Label | DailyCap, untilMs: number): Settled {
    const until = new Date(untilMs).toISOString();
    return this.settle("deferred", dailyMessage(by, until), { until });
  }
}

export function dailyMessage(by: Label | DailyCap, until: string): string {
  if (by === "create")
    return `Deferred: Zoom's daily cap on new users (POST /users with action=create) is used up; run again with --resume after ${until}.`;
  return `Deferred: Zoom's daily limit for ${LABEL_NAMES[by]} requests is used up; run again with --resume after ${until}.`;
}
