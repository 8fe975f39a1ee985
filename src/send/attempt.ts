import { DependencyError, NetworkError, ZoomBulkError } from "../errors.js";
import type { Limiters } from "../limit/index.js";
import type { Operation } from "../types.js";
import type { Label } from "../zoom/labels.js";
import type { DailyCap, DailyCaps } from "./caps.js";
import { capOf } from "./caps.js";
import type { OperationRecord } from "./outcome.js";
import type { SendOutcome } from "./response.js";
import type { Sender } from "./sender.js";

export interface AttemptDeps {
  sender: Pick<Sender, "send">;
  /**
   * With `scheduleWithStart`, the window is taken right before the request is handed to the
   * dispatcher (after the token and the upload are ready), which is when Zoom will count it;
   * with `schedule` alone, when the slot is granted.
   */
  limiters: Pick<Limiters, "schedule" | "isStopped"> & Partial<Pick<Limiters, "scheduleWithStart">>;
  /** Daily caps on one kind of operation (send/caps.ts: creates); none when absent. */
  caps?: Pick<DailyCaps, "heldUntil">;
  /**
   * Aborts requests already sent. Default: the operation's own signal. A run passes its hard-stop
   * signal here and its drain signal to `execute`, so a drain ends limiter waits and retry waits
   * (nothing new is sent) while requests in flight finish and are reported.
   */
  requestSignal?: AbortSignal;
}

/** What one attempt came to. */
export type AttemptResult =
  /** Zoom answered (any status). */
  | { kind: "answer"; answer: SendOutcome }
  /** No answer: the network failed, the deadline passed, or no token could be had. May be retried. */
  | { kind: "no-answer"; error: NetworkError | DependencyError }
  /** Final for the operation: credentials refused, a file unreadable or changed, an unreadable answer. */
  | { kind: "final"; error: ZoomBulkError }
  /** The run stopped this operation (before or while sending). */
  | { kind: "interrupted" }
  /**
   * A daily limit stopped the label (or the operation's own cap, `by`) while this operation waited
   * for its slot: not sent.
   */
  | { kind: "label-stopped"; until: number; by: Label | DailyCap };

/** Thrown inside a slot whose label (or cap) was stopped meanwhile, so the request is not sent. */
class LabelStopped {
  constructor(
    readonly until: number,
    readonly by: Label | DailyCap,
  ) {}
}

/**
 * One attempt: one slot of the label's limiter, one request through the sender. `record.tries`
 * counts attempts begun (for the retry policy); `record.attempts` the requests that really left,
 * so an operation stopped while waiting for its slot, or whose file changed, has sent none.
 *
 * A failure of the run's own dependencies on the way (Redis behind the limiter, DependencyError
 * other than the token endpoint) is thrown: the run stops on it (exit 6), and this operation,
 * not sent, is left for `--resume`.
 */
export async function attemptOnce(
  deps: AttemptDeps,
  op: Operation,
  label: Label,
  signal: AbortSignal,
  record: OperationRecord,
): Promise<AttemptResult> {
  try {
    const { limiters, sender } = deps;
    const inFlight = deps.requestSignal ?? signal;
    const answer = limiters.scheduleWithStart
      ? await limiters.scheduleWithStart(
          label,
          (start) => {
            notStopped(deps, op, label);
            record.tries++;
            return sender.send(op, inFlight, async () => {
              const sent = await start();
              notStopped(deps, op, label); // it may have waited at the window meanwhile
              if (signal.aborted) throw signal.reason; // a stop came while it waited: not sent
              record.attempts++;
              return sent;
            });
          },
          signal,
        )
      : await limiters.schedule(
          label,
          () => {
            notStopped(deps, op, label);
            if (signal.aborted) throw signal.reason;
            record.tries++;
            record.attempts++;
            return sender.send(op, inFlight);
          },
          signal,
        );
    record.last = answer;
    return { kind: "answer", answer };
  } catch (error) {
    if (signal.aborted) return { kind: "interrupted" };
    if (error instanceof LabelStopped) return { kind: "label-stopped", until: error.until, by: error.by };
    if (error instanceof NetworkError || (error instanceof DependencyError && error.dependency === "oauth")) {
      record.last = undefined; // no answer: the result reports this failure, not an older status
      return { kind: "no-answer", error };
    }
    if (error instanceof DependencyError) throw error;
    // Final: Zoom's last answer (a 401 before the token was refused) stays the result's status.
    if (error instanceof ZoomBulkError) return { kind: "final", error };
    throw error;
  }
}

/**
 * Operations queue for a label's slots; a daily 429 that stops the label (or the creates' daily
 * cap) meanwhile must stop them too, or each would be sent only to collect its own 429 (issue 12 §7).
 */
function notStopped(deps: AttemptDeps, op: Operation, label: Label): void {
  const until = deps.limiters.isStopped(label);
  if (until !== undefined) throw new LabelStopped(until, label);
  const held = deps.caps?.heldUntil(op);
  if (held !== undefined) throw new LabelStopped(held, capOf(op) ?? label);
}
