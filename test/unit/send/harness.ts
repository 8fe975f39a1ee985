import { Writable } from "node:stream";
import { pino } from "pino";
import { NetworkError, ZoomBulkError } from "../../../src/errors.js";
import type { Start } from "../../../src/limit/index.js";
import { AnswerError } from "../../../src/send/failure.js";
import type { LoopDeps } from "../../../src/send/loop.js";
import { createRetryPolicy } from "../../../src/send/retry.js";
import type { SendOutcome } from "../../../src/send/sender.js";
import type { Operation } from "../../../src/types.js";
import type { Label } from "../../../src/zoom/labels.js";

/**
 * Fakes for the executor's units: a scripted sender, a limiter that records its slots, a clock
 * moved by the waits. `events` is the whole log: what was sent, in which slot, what was waited.
 */

export const NOW = Date.parse("2026-03-10T15:30:00Z");

export type Step = SendOutcome | Error | (() => SendOutcome | Error);

export function answer(
  status: number,
  extra: Partial<Omit<SendOutcome, "token">> = {},
  token = "tok-1",
): SendOutcome {
  const outcome = { status, message: "", trackingId: `t-${status}`, headers: {}, ...extra };
  return Object.defineProperty(outcome, "token", { value: token, enumerable: false }) as SendOutcome;
}

export interface Harness {
  deps: LoopDeps;
  events: string[];
  logs: Record<string, unknown>[];
  advance(ms: number): void;
  signal: AbortSignal;
}

export function harness(script: Step[], options: { stopped?: Partial<Record<Label, number>> } = {}): Harness {
  const events: string[] = [];
  const logs: Record<string, unknown>[] = [];
  let clock = NOW;
  let inSlot = 0;
  const stopped = new Map<Label, number>(Object.entries(options.stopped ?? {}) as [Label, number][]);
  const limiters: LoopDeps["limiters"] = {
    async schedule<T>(label: Label, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      return this.scheduleWithStart!(label, async (start) => (await start(), fn()), signal);
    },
    async scheduleWithStart<T>(
      label: Label,
      fn: (start: Start) => Promise<T>,
      signal?: AbortSignal,
    ): Promise<T> {
      signal?.throwIfAborted();
      inSlot++;
      events.push(`slot ${label}`);
      try {
        return await fn(async () => {
          events.push(`start ${label}`);
          return () => {};
        });
      } finally {
        inSlot--;
      }
    },
    noteRateLimited: (label, kind) => void events.push(`429 ${label} ${kind}`),
    stopLabel: (label, until) =>
      void (stopped.set(label, until), events.push(`stop ${label} ${new Date(until).toISOString()}`)),
    isStopped: (label) => stopped.get(label),
  };
  const deps: LoopDeps = {
    sender: {
      async send(op, _signal, start) {
        const step = script.shift();
        if (step === undefined) throw new Error("script ran out");
        const value = typeof step === "function" ? step() : step;
        // A changed file or an unreachable token endpoint fails before the request leaves.
        if (
          value instanceof ZoomBulkError &&
          !(value instanceof NetworkError) &&
          !(value instanceof AnswerError)
        )
          throw value;
        await start?.();
        events.push(
          `send ${op.endpoint} ${op.user}${op.query ? ` ?${new URLSearchParams(op.query).toString()}` : ""}`,
        );
        clock += 10;
        if (value instanceof Error) throw value;
        return value;
      },
    },
    limiters,
    tokens: { invalidate: (token) => void events.push(`invalidate ${token}`) },
    policy: createRetryPolicy({ maxTotalMs: 10_000 }),
    sleep: (ms) => {
      // A retry waits outside the limiter: no slot is held while sleeping.
      events.push(`sleep ${ms} (slots held: ${inSlot})`);
      clock += ms;
      return Promise.resolve();
    },
    random: () => 0.5,
    now: () => clock,
    logger: pino(
      { level: "debug" },
      new Writable({
        write(chunk: Buffer, _e, done) {
          logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    ),
  };
  const advance = (ms: number): void => void (clock += ms);
  return { deps, events, logs, advance, signal: new AbortController().signal };
}

export const op = (fields: Partial<Operation> = {}): Operation => ({
  row: 1,
  line: 2,
  user: "a@example.com",
  op: "profile",
  index: 0,
  endpoint: "updateUser",
  target: "",
  body: { dept: "X" },
  ...fields,
});
export const upload = (): Operation => {
  const { body: _body, ...rest } = op({
    op: "virtual_background",
    endpoint: "uploadVirtualBackground",
    target: "bg.png",
    file: { path: "/nowhere/bg.png", name: "bg.png", size: 1000, format: "png" },
  });
  return rest;
};
export const settings = (files: { id?: string; name: string; size: number }[]) =>
  answer(200, { body: { in_meeting: { virtual_background_settings: { files } } } });
