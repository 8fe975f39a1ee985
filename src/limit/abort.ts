/**
 * Cancelling waits without one listener per request. The run hands every request the same
 * run-wide AbortSignal; adding and removing a listener on it per request costs about a tenth of the
 * CPU at high rates (issue 13 §5). Here each signal gets ONE listener, the first time anything
 * waits on it, and the waits register in a Set that listener walks.
 */

type Cancel = (reason: unknown) => void;

const waits = new WeakMap<AbortSignal, Set<Cancel>>();

/**
 * Calls `cancel(signal.reason)` if `signal` aborts before the returned function is called. The
 * signal must not be aborted yet (check `signal.aborted` first).
 */
export function onAbort(signal: AbortSignal, cancel: Cancel): () => void {
  let set = waits.get(signal);
  if (!set) {
    const fresh = new Set<Cancel>();
    set = fresh;
    waits.set(signal, fresh);
    signal.addEventListener(
      "abort",
      () => {
        for (const c of fresh) c(signal.reason);
        fresh.clear();
      },
      { once: true },
    );
  }
  const registered = set;
  registered.add(cancel);
  return () => void registered.delete(cancel);
}

/**
 * Resolves after `ms`; rejects with the reason of the first of `signals` that aborts first (the
 * caller's, and the limiter's own stop).
 */
export function sleep(ms: number, ...signals: (AbortSignal | undefined)[]): Promise<void> {
  for (const s of signals) if (s?.aborted) return Promise.reject(s.reason as unknown);
  return new Promise((resolve, reject) => {
    const forgets: (() => void)[] = [];
    const settle = (): void => {
      clearTimeout(timer);
      for (const forget of forgets) forget();
    };
    for (const s of signals)
      if (s)
        forgets.push(
          onAbort(s, (reason) => {
            settle();
            reject(reason as Error);
          }),
        );
    const timer = setTimeout(() => {
      settle();
      resolve();
    }, ms);
  });
}
