import { follow, unfollow } from "./abort.js";

/**
 * A counting semaphore with FIFO waiters, an adjustable size and abortable waits: the bound on
 * requests in flight per label (size from limit/concurrency.ts), and with size 1 the turn-taking
 * in front of a label's window, so only one waiter at a time sleeps on a timer.
 */
export class Semaphore {
  private active = 0;
  private readonly waiters: Waiter[] = [];
  private head = 0;

  constructor(private max: number) {}

  /** Permits in use. */
  get inUse(): number {
    return this.active;
  }

  get size(): number {
    return this.max;
  }

  /** Changes the number of permits; waiters are let in at once when it grows. */
  resize(max: number): void {
    this.max = Math.max(1, max);
    this.drain();
  }

  /**
   * Takes a permit, waiting in line for one if needed. Rejects with the signal's reason if it
   * aborts while waiting (the place in line is given up).
   */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as unknown);
    if (this.active < this.max && this.head === this.waiters.length) {
      this.active++;
      return RESOLVED;
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, done: false, forget: undefined };
      if (signal) {
        const cancel = (reason: unknown): void => {
          if (waiter.done) return;
          waiter.done = true;
          reject(reason);
        };
        follow(signal, cancel);
        waiter.forget = () => unfollow(signal, cancel);
      }
      this.waiters.push(waiter);
      this.drain(); // waiters ahead may all have been aborted
    });
  }

  /** Gives a permit back; the next waiter in line gets it. */
  release(): void {
    this.active--;
    this.drain();
  }

  /** Rejects every waiter with `reason` (the permits in use stay in use until released). */
  rejectAll(reason: Error): void {
    for (let i = this.head; i < this.waiters.length; i++) {
      const w = this.waiters[i] as Waiter;
      if (w.done) continue;
      w.done = true;
      w.forget?.();
      w.reject(reason);
    }
    this.waiters.length = 0;
    this.head = 0;
  }

  private drain(): void {
    while (this.active < this.max && this.head < this.waiters.length) {
      const w = this.waiters[this.head++] as Waiter;
      if (w.done) continue; // aborted while waiting
      w.done = true;
      w.forget?.();
      this.active++;
      w.resolve();
    }
    if (this.head > 1024 && this.head * 2 > this.waiters.length) {
      this.waiters.splice(0, this.head);
      this.head = 0;
    }
  }
}

interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
  done: boolean;
  forget: (() => void) | undefined;
}

const RESOLVED = Promise.resolve();
