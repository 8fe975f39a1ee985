import { EventEmitter } from "node:events";

/**
 * A request's own abort, following the run's one AbortSignal through limit/abort.ts (one listener
 * per signal, not per request), re-exported here with the waits the sender uses.
 */
export { follow, followers, sleep, unfollow } from "../limit/abort.js";

/**
 * One attempt's abort, as undici's `signal` option (it takes an AbortSignal or an EventEmitter):
 * a small EventEmitter costs a fraction of an AbortController, whose AbortSignal is an
 * EventTarget (creating one was 1.5% of the client's CPU at 3,000 requests/s).
 */
export class AttemptAbort extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit("abort");
  }
}

/** A signal that never aborts, for callers that pass none. */
export const NEVER: AbortSignal = new AbortController().signal;
