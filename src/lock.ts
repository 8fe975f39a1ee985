import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { createHash } from "node:crypto";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, DependencyError } from "./errors.js";
import { formatShard, type Shard } from "./shard.js";
import { newRedis } from "./redis-client.js";

/**
 * A lock per manifest content and account (see `runLockPath`) and per results file
 * (`<results>.lock`), so two runs on one host never send the same changes to one account at once
 * (a copy or hard link of the manifest is the same content; each run would also pace itself at
 * limit × share, together twice that). Created with `wx` (fails if it exists) and holding the owner's pid, host, start time and
 * command. A lock whose pid is gone on this host is stale and taken over; one from another host is
 * never guessed about.
 */
export interface LockOwner {
  pid: number;
  host: string;
  started_at: string;
  command: string;
}

export interface Lock {
  readonly path: string;
  /** Removes the lock file if it is still ours. Safe to call twice. */
  release(): void;
}

export interface LockOptions {
  /** Written into the lock for whoever finds it. Default: this process's argv. */
  command?: string;
  /** Default: this process. */
  pid?: number;
  host?: string;
  now?: () => number;
  /** Whether a pid runs on this host. Default: `process.kill(pid, 0)`. */
  isAlive?: (pid: number) => boolean;
}

/**
 * The lock of one manifest's content on one account (and one shard of it): in the system's temp
 * folder, named by the manifest's SHA-256 and the account, so a renamed copy or a hard link of the
 * manifest is the same lock, while another shard or another account is not.
 */
export function runLockPath(manifestSha: string, account: string, shard: Shard | undefined): string {
  return join(tmpdir(), `zoom-bulk-${runLockId(manifestSha, account, shard)}.lock`);
}

/** The same lock's name as a Redis key (`--redis`), shared by every host using that Redis. */
export function runLockKey(manifestSha: string, account: string, shard: Shard | undefined): string {
  return `zoom-bulk:run-lock:${runLockId(manifestSha, account, shard)}`;
}

function runLockId(manifestSha: string, account: string, shard: Shard | undefined): string {
  const key = `${manifestSha}\u0000${account}\u0000${shard ? formatShard(shard) : ""}`;
  return createHash("sha256").update(key).digest("hex").slice(0, 24);
}

/**
 * Takes the lock at `path`, or throws ConfigError naming who holds it. `what` says what is locked,
 * for the message ("the manifest jobs/hr.csv").
 */
export function acquireLock(path: string, what: string, options: LockOptions = {}): Lock {
  const owner: LockOwner = {
    pid: options.pid ?? process.pid,
    host: options.host ?? hostname(),
    started_at: new Date((options.now ?? Date.now)()).toISOString(),
    command: options.command ?? process.argv.slice(1).join(" "),
  };
  const isAlive = options.isAlive ?? pidAlive;
  const text = JSON.stringify(owner) + "\n";

  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, "wx", 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST")
        throw new ConfigError(
          `Cannot create the lock file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}. Check that its folder is writable.`,
        );
      const holder = readOwner(path);
      if (holder && holder.host === owner.host && !isAlive(holder.pid)) {
        // Stale: that run is gone. Remove it and try again (another run may win the race: fine).
        removeIf(path, (current) => current === holder.raw);
        continue;
      }
      throw new ConfigError(heldMessage(path, what, holder));
    }
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    let released = false;
    return {
      path,
      release() {
        if (released) return;
        released = true;
        removeIf(path, (current) => current === text);
      },
    };
  }
  throw new ConfigError(heldMessage(path, what, readOwner(path)));
}

function heldMessage(path: string, what: string, holder: (LockOwner & { raw: string }) | undefined): string {
  const who = holder
    ? `another zoom-bulk run (pid ${holder.pid} on host ${holder.host}, started ${holder.started_at}${holder.command ? `: ${holder.command}` : ""})`
    : "another zoom-bulk run";
  return `${who} holds ${path}, the lock on ${what}. Two runs would together spend twice the share of Zoom's rate limits: wait for that run to finish, use --redis to share one budget between runs, or remove ${path} if that run is gone.`;
}

function readOwner(path: string): (LockOwner & { raw: string }) | undefined {
  try {
    return parseOwner(readFileSync(path, "utf8"));
  } catch {
    return undefined; // unreadable or half-written: treated as held, never as stale
  }
}

function removeIf(path: string, test: (current: string) => boolean): void {
  try {
    if (test(readFileSync(path, "utf8"))) unlinkSync(path);
  } catch {
    // already gone
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** How long a Redis run lock lives without a heartbeat (ms); renewed every third of it. */
export const REDIS_LOCK_TTL_MS = 30_000;

/**
 * The same lock for runs on several hosts (`--redis`): a Redis key set with NX and an expiry,
 * holding the owner, renewed by a heartbeat while the run lives and deleted when it ends, so a run
 * killed with -9 frees it after `REDIS_LOCK_TTL_MS`. Only the owner renews or deletes it (checked
 * in one Lua script each). Redis unreachable or refusing the password: DependencyError (exit 6).
 */
export async function acquireRedisLock(
  url: string,
  key: string,
  what: string,
  options: LockOptions & { ttlMs?: number } = {},
): Promise<Lock> {
  const ttl = options.ttlMs ?? REDIS_LOCK_TTL_MS;
  const owner: LockOwner = {
    pid: options.pid ?? process.pid,
    host: options.host ?? hostname(),
    started_at: new Date((options.now ?? Date.now)()).toISOString(),
    command: options.command ?? process.argv.slice(1).join(" "),
  };
  const text = JSON.stringify(owner);
  const redis = newRedis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    commandTimeout: 5_000,
    enableOfflineQueue: false,
    retryStrategy: (times) => (times > 3 ? null : 200 * times),
  });
  redis.on("error", () => {}); // failures reach the caller through the commands
  const failed = (error: unknown): never => {
    redis.disconnect();
    throw new DependencyError(
      "redis",
      `Redis (--redis) failed while taking the run lock: ${(error as Error).message}. Check that Redis is up and the URL and password are right.`,
      { cause: error },
    );
  };
  await redis.connect().catch(failed);
  const taken = await redis.set(key, text, "PX", ttl, "NX").catch(failed);
  if (taken !== "OK") {
    const holder = await redis.get(key).catch(failed);
    redis.disconnect();
    throw new ConfigError(heldMessage(`redis key ${key}`, what, parseOwner(holder ?? "")));
  }
  const heartbeat = setInterval(() => {
    redis.eval(RENEW, 1, key, text, String(ttl)).catch(() => {}); // a missed beat: the TTL still runs
  }, ttl / 3);
  heartbeat.unref();
  let released = false;
  return {
    path: key,
    release() {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      void redis
        .eval(RELEASE, 1, key, text)
        .catch(() => {})
        .finally(() => redis.disconnect());
    },
  };
}

const RENEW = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end return 0`;

function parseOwner(raw: string): (LockOwner & { raw: string }) | undefined {
  try {
    const parsed = JSON.parse(raw) as Partial<LockOwner>;
    if (typeof parsed.pid !== "number" || typeof parsed.host !== "string") return undefined;
    return {
      pid: parsed.pid,
      host: parsed.host,
      started_at: String(parsed.started_at ?? "at an unknown time"),
      command: String(parsed.command ?? ""),
      raw,
    };
  } catch {
    return undefined;
  }
}
