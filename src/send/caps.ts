import type { Operation } from "../types.js";

/**
 * Daily caps on one kind of operation rather than on a whole rate label (zoom-api.md §3.3, §9.2):
 * `POST /users` with `action=create` may make 50 (Free), 1,500 (Pro) or 10,000 (Business+) users a
 * day. Zoom answers the cap with a daily-limit 429 on the Light label, but stopping Light for it
 * would defer every profile, status and email change of the run; so the executor stops only the
 * creates, until the 429's Retry-After (the next 00:00 UTC without one). Other create actions
 * (`autoCreate`, `custCreate`, `ssoCreate`) are not capped: their daily 429 is the label's and
 * stops Light as usual.
 *
 * Held in the process (one per executor). Processes sharing a budget through Redis each learn the
 * cap from their own first 429: one request each.
 */
export type DailyCap = "create";

/** Which daily cap `op` counts against, if any. */
export function capOf(op: Pick<Operation, "endpoint" | "body">): DailyCap | undefined {
  if (op.endpoint !== "createUser") return undefined;
  const action = op.body?.action;
  return action === undefined || action === "create" ? "create" : undefined;
}

export class DailyCaps {
  readonly #until = new Map<DailyCap, number>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** The epoch ms until which `op`'s cap holds it back, or undefined when it may be sent. */
  heldUntil(op: Pick<Operation, "endpoint" | "body">): number | undefined {
    const cap = capOf(op);
    if (cap === undefined) return undefined;
    const until = this.#until.get(cap);
    if (until === undefined) return undefined;
    if (until > this.#now()) return until;
    this.#until.delete(cap);
    return undefined;
  }

  /** After the cap's daily 429: operations under `cap` are not sent before `until` (epoch ms). */
  hold(cap: DailyCap, until: number): void {
    this.#until.set(cap, Math.max(until, this.#until.get(cap) ?? 0));
  }
}
