import type { Logger } from "pino";
import type { RunConfig } from "../config.js";
import { limitersFor, type Limiters } from "../limit/index.js";
import { silentLogger } from "../log.js";
import { tokenProviderFor, type TokenProvider } from "../send/auth.js";
import { NEVER, sleep } from "../send/flight.js";
import { runOperation, type LoopDeps } from "../send/loop.js";
import type { ExecResult } from "../send/outcome.js";
import { decideRetry, type RetryPolicy } from "../send/retry.js";
import { createSender, type Sender } from "../send/sender.js";
import type { Operation } from "../types.js";
import { ENDPOINTS } from "../zoom/endpoints.js";
import type { Label } from "../zoom/labels.js";

/**
 * Reads through the same retry loop as writes (src/send/loop.ts `runOperation`): the label's
 * limiter slot, the retry policy, 429 handling and token renewal. The executor
 * (`createExecutor`) returns only an operation's result, not the answer's body, which a read
 * needs; so this small client runs the same loop and hands back the 2xx JSON body too.
 */
export interface ReadClientOptions {
  sender: Pick<Sender, "send">;
  limiters: LoopDeps["limiters"];
  tokens: Pick<TokenProvider, "invalidate">;
  /** Default `decideRetry`. */
  policy?: RetryPolicy;
  now?: () => number;
  logger?: Logger;
  /** Stops every read (limiter queue, retry waits, requests). */
  signal?: AbortSignal;
}

export type ReadAnswer = { ok: true; body: unknown; result: ExecResult } | { ok: false; result: ExecResult };

export interface ReadClient {
  /** Runs one GET operation to its end. */
  get(op: Operation): Promise<ReadAnswer>;
  /** HTTP requests sent so far, per label. */
  readonly requests: Partial<Record<Label, number>>;
}

export function createReadClient(options: ReadClientOptions): ReadClient {
  const deps: LoopDeps = {
    sender: options.sender,
    limiters: options.limiters,
    tokens: options.tokens,
    policy: options.policy ?? decideRetry,
    sleep,
    random: Math.random,
    now: options.now ?? Date.now,
    logger: options.logger ?? silentLogger,
  };
  const requests: Partial<Record<Label, number>> = {};
  return {
    requests,
    async get(op) {
      const settled = await runOperation(deps, op, options.signal ?? NEVER);
      const label = ENDPOINTS[op.endpoint].label;
      requests[label] = (requests[label] ?? 0) + settled.result.attempts;
      return settled.result.outcome === "ok"
        ? { ok: true, body: settled.body, result: settled.result }
        : { ok: false, result: settled.result };
    },
  };
}

/** Limiters as `createReadClient` needs them (re-exported for callers building their own). */
export type ReadLimiters = Pick<Limiters, "schedule" | "noteRateLimited" | "stopLabel" | "isStopped">;

/** Response bound for List users pages of 2000 users (about 0.5 KB each). */
export const READ_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/**
 * A read client with its own tokens, limiters and sender, for reads made before or without a run
 * (`zoom-bulk plan`, `zoom-bulk undo`'s look at the backgrounds): paced by the run's plan and share
 * (with `--redis`, the shared budget). Wrong credentials stop here (AuthError, exit 3). `close`
 * closes the sender and the limiters.
 */
export async function openReadClient(
  config: Pick<RunConfig, "zoom" | "plan" | "share"> & {
    concurrency?: number | undefined;
    redis?: RunConfig["redis"] | undefined;
    requestTimeoutMs?: number | undefined;
  },
  deps: { logger: Logger; stage: string; limitsScale?: number | undefined; signal?: AbortSignal | undefined },
): Promise<{ client: ReadClient; close(): Promise<void> }> {
  const tokens = tokenProviderFor(config.zoom);
  await tokens.get();
  const limiters = limitersFor(config, deps);
  const sender = createSender({
    apiUrl: config.zoom.apiUrl,
    tokens,
    maxResponseBytes: READ_MAX_RESPONSE_BYTES,
    ...(config.requestTimeoutMs ? { requestTimeoutMs: config.requestTimeoutMs } : {}),
  });
  const close = async (): Promise<void> => {
    await sender.close();
    await limiters.stop();
  };
  try {
    await limiters.ready();
  } catch (error) {
    await close();
    throw error;
  }
  const client = createReadClient({
    sender,
    limiters,
    tokens,
    logger: deps.logger.child({ stage: deps.stage }),
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  return { client, close };
}
