import { createHash } from "node:crypto";
import { basename, dirname, extname, join } from "node:path";
import { ConfigError } from "./errors.js";

/**
 * `--shard <i>/<n>`: several processes split one manifest between them, each taking the users whose
 * stable hash falls in its shard. All of a user's rows land in the same shard, so one user's
 * operations still run one at a time and in manifest order, and two processes never touch the same
 * user (which Zoom would answer with a concurrency 429). `i` is 0-based, 0 … n−1, like Kubernetes'
 * JOB_COMPLETION_INDEX in an Indexed Job.
 */
export interface Shard {
  /** 0-based index of this process's shard. */
  index: number;
  /** Number of shards. */
  count: number;
}

const SHARD = /^\s*(\d+)\s*\/\s*(\d+)\s*$/;

export function parseShard(value: unknown): Shard | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  const match = SHARD.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || count > 10_000)
    throw new ConfigError(
      `--shard: expected <i>/<n> with n from 1 to 10000 and i from 0 to n−1 (0-based, like JOB_COMPLETION_INDEX), got "${text}". Example: --shard 0/3, --shard 1/3, --shard 2/3.`,
    );
  if (index >= count)
    throw new ConfigError(
      `--shard: the index is 0-based, so for ${count} shards it goes from 0 to ${count - 1}; got "${text}". Did you mean --shard ${index - 1}/${count}?`,
    );
  return { index, count };
}

/** The shard a user belongs to: sha1 of the lower-cased user (emails are case-insensitive), mod n. */
export function shardOf(user: string, count: number): number {
  const digest = createHash("sha1").update(user.trim().toLowerCase()).digest();
  // The first 6 bytes as an integer: uniform enough, and exact in a double.
  return digest.readUIntBE(0, 6) % count;
}

/** Whether `user` is this process's to send; everyone's when there is no shard. */
export function inShard(user: string, shard: Shard | undefined): boolean {
  return shard === undefined || shard.count === 1 || shardOf(user, shard.count) === shard.index;
}

/**
 * Each shard writes its own results file, so processes never append to the same file:
 * `results.csv` → `results.shard-1-of-3.csv`. Without a shard the path stays as it is.
 */
export function shardResultsPath(results: string, shard: Shard | undefined): string {
  if (shard === undefined) return results;
  const ext = extname(results);
  return join(dirname(results), `${basename(results, ext)}.shard-${shard.index}-of-${shard.count}${ext}`);
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}
