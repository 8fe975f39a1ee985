import { EventEmitter } from "node:events";

/**
 * How a stop reaches every request and every retry wait without each adding a listener to the
 * run's one AbortSignal (removing one of thousands of listeners is a linear scan: about 10% of
 * the CPU at high rates, issue 13). A signal gets ONE listener, the first time anything follows
 * it; what follows it (a request's own AbortController, a wait's cancel function) joins a Set
 * that listener walks. Joining and leaving are O(1).
 */
type Follower = { abort(reason: unknown): void } | ((reason: unknown) => void);

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

const groups = new WeakMap<AbortSignal, Set<Follower>>();

/** A signal that never aborts, for callers that pass none. */
export const NEVER: AbortSignal = new AbortController().signal;

/**
 * `follower` is aborted (or called) with `signal`'s reason when `signal` aborts, at once if it
 * already has. Pair with `unfollow` when done.
 */
export function follow(signal: AbortSignal, follower: Follower): void {
  if (signal.aborted) {
    notify(follower, signal.reason);
    return;
  }
  let group = groups.get(signal);
  if (!group) {
    const members = new Set<Follower>();
    group = members;
    groups.set(signal, members);
    signal.addEventListener(
      "abort",
      () => {
        for (const member of members) notify(member, signal.reason);
        members.clear();
      },
      { once: true },
    );
  }
  group.add(follower);
}

export function unfollow(signal: AbortSignal, follower: Follower): void {
  groups.get(signal)?.delete(follower);
}

/** How many follow `signal` now, for tests. */
export function followers(signal: AbortSignal): number {
  return groups.get(signal)?.size ?? 0;
}

/** Resolves after `ms`; rejects with `signal`'s reason if it aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const cancel = (reason: unknown): void => {
      clearTimeout(timer);
      reject(reason as Error);
    };
    const timer = setTimeout(() => {
      unfollow(signal, cancel);
      resolve();
    }, ms);
    follow(signal, cancel);
  });
}

function notify(follower: Follower, reason: unknown): void {
  if (typeof follower === "function") follower(reason);
  else follower.abort(reason);
}
