import { createHash } from "node:crypto";
import { basename, dirname, extname, join } from "node:path";

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
