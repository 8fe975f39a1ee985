/**
 * How a stop reaches every request and every wait without each adding a listener to the run's one
 * AbortSignal (removing one of thousands of listeners is a linear scan: about 10% of the CPU at
 * high rates, issue 13 §5). A signal gets ONE listener, the first time anything follows it; what
 * follows it (a request's own abort, a wait's cancel function) joins a Set that listener walks.
 * Joining and leaving are O(1). Used by the limiter's waits and by the sender (send/flight.ts).
 */
export type Follower = { abort(reason: unknown): void } | ((reason: unknown) => void);

const groups = new WeakMap<AbortSignal, Set<Follower>>();

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

/**
 * Resolves after `ms`; rejects with the reason of the first of `signals` that aborts first (the
 * caller's, and the limiter's own stop).
 */
export function sleep(ms: number, ...signals: (AbortSignal | undefined)[]): Promise<void> {
  for (const s of signals) if (s?.aborted) return Promise.reject(s.reason as Error);
  return new Promise((resolve, reject) => {
    const cancel = (reason: unknown): void => {
      settle();
      reject(reason as Error);
    };
    const settle = (): void => {
      clearTimeout(timer);
      for (const s of signals) if (s) unfollow(s, cancel);
    };
    const timer = setTimeout(() => {
      settle();
      resolve();
    }, ms);
    for (const s of signals) if (s) follow(s, cancel);
  });
}

function notify(follower: Follower, reason: unknown): void {
  if (typeof follower === "function") follower(reason);
  else follower.abort(reason);
}
