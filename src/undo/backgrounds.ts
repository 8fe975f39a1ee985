import type { Logger } from "pino";
import type { RunConfig } from "../config.js";
import { openReadClient } from "../desired/client.js";
import { readOp } from "../desired/read.js";
import { silentLogger } from "../log.js";
import { virtualBackgrounds } from "../send/backgrounds.js";
import type { Listing } from "./plan.js";

/**
 * The background files of the users whose uploads undo deletes: one GET settings (Medium) per
 * user, before anything is sent, paced by limiters of the run's plan and share (with `--redis`,
 * the shared budget) and through the retry loop, like `plan`'s reads. The upload's answer does
 * not reach the journal (the executor returns no body), so each file is found again by name and
 * size. A read that fails leaves that user's deletes `failed`; the rest goes on.
 */
export async function readListings(
  users: ReadonlySet<string>,
  config: Pick<RunConfig, "zoom" | "plan" | "share" | "concurrency" | "redis" | "requestTimeoutMs">,
  deps: { logger?: Logger; limitsScale?: number; signal?: AbortSignal },
): Promise<Map<string, Listing>> {
  const listings = new Map<string, Listing>();
  if (users.size === 0) return listings;
  const { client, close } = await openReadClient(config, {
    logger: deps.logger ?? silentLogger,
    stage: "undo.read",
    limitsScale: deps.limitsScale,
    signal: deps.signal,
  });
  try {
    const queue = [...users];
    const worker = async (): Promise<void> => {
      for (let user = queue.shift(); user !== undefined; user = queue.shift()) {
        const answer = await client.get(readOp("getSettings", user));
        listings.set(
          user,
          answer.ok
            ? virtualBackgrounds(answer.body)
            : { failed: answer.result.message || `HTTP ${String(answer.result.http_status)}` },
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(16, queue.length) }, worker));
  } finally {
    await close();
  }
  return listings;
}
