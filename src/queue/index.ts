import PQueue from "p-queue";

/**
 * The work queue between the planner and the senders.
 *
 * - Bounded: `push` resolves only when the backlog (queued + running rows) is below `maxBacklog`,
 *   so the reader waits for room and memory stays flat whatever the manifest's size.
 * - Per-user order: rows of one user run one at a time, in the order they were pushed (Zoom answers
 *   429 to concurrent requests on one user, and a later row must win). A user's next row enters
 *   the p-queue only when the previous one is done, so waiting rows hold no worker.
 * - Different users run in parallel, up to `concurrency` rows at once.
 */
export interface UserQueueOptions {
  /** Rows in flight at once (each row sends its operations one after the other). */
  concurrency: number;
  /** Rows read ahead and held, queued or running, before the reader waits. */
  maxBacklog: number;
}

export interface UserQueue {
  /** Adds a row's work for `userKey`; resolves once there is room for the next row. */
  push(userKey: string, task: () => Promise<void>): Promise<void>;
  /** Resolves when every pushed task has finished. */
  onIdle(): Promise<void>;
  /** Drops rows that have not started yet; running ones finish. Returns how many were dropped. */
  clear(): number;
  readonly backlog: number;
}

export function createUserQueue(options: UserQueueOptions): UserQueue {
  const queue = new PQueue({ concurrency: options.concurrency });
  /** Users with a row queued or running, and their rows waiting behind it. */
  const waiting = new Map<string, (() => Promise<void>)[]>();
  let backlog = 0;
  let roomWaiters: (() => void)[] = [];
  let idleWaiters: (() => void)[] = [];

  const settle = (): void => {
    if (backlog < options.maxBacklog && roomWaiters.length > 0) {
      const ready = roomWaiters;
      roomWaiters = [];
      for (const resolve of ready) resolve();
    }
    if (backlog === 0 && idleWaiters.length > 0) {
      const ready = idleWaiters;
      idleWaiters = [];
      for (const resolve of ready) resolve();
    }
  };

  const start = (userKey: string, task: () => Promise<void>): void => {
    void queue.add(async () => {
      try {
        await task();
      } finally {
        backlog--;
        const next = waiting.get(userKey)?.shift();
        if (next) start(userKey, next);
        else waiting.delete(userKey);
        settle();
      }
    });
  };

  return {
    async push(userKey, task) {
      backlog++;
      const behind = waiting.get(userKey);
      if (behind) behind.push(task);
      else {
        waiting.set(userKey, []);
        start(userKey, task);
      }
      if (backlog >= options.maxBacklog) await new Promise<void>((resolve) => roomWaiters.push(resolve));
    },
    onIdle() {
      return backlog === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    clear() {
      let dropped = queue.size;
      queue.clear();
      for (const behind of waiting.values()) dropped += behind.length;
      // Rows dropped from p-queue never reach their `finally`; count them out here.
      backlog -= dropped;
      waiting.clear();
      settle();
      return dropped;
    },
    get backlog() {
      return backlog;
    },
  };
}
