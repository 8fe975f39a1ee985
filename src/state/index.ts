import { createHash, createHmac, hash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { ClassicLevel } from "classic-level";
import type { ZoomTarget } from "../config.js";
import { ConfigError, DependencyError } from "../errors.js";
import type { Operation } from "../types.js";
import { newRedis } from "../redis-client.js";

/**
 * Incremental sync (`--state`): per user and operation, a fingerprint of what was last applied
 * successfully. An operation whose fingerprint is unchanged is reported `unchanged` and not sent.
 * Written after each success (not at the end), so it survives a crash mid-run.
 *
 * Passwords are fingerprinted with an HMAC keyed by a random secret kept in the store, never as
 * plain hashes; files by their content's SHA-256.
 *
 * Every key names the Zoom account and API it belongs to (`accountScope`), so one state folder
 * shared by a sandbox trial and the live account, or by two accounts, never reports a change as
 * `unchanged` on the account that has not received it.
 */
export interface StateStore {
  get(key: string): Promise<string | undefined>;
  put(key: string, fingerprint: string): Promise<void>;
  /** The store's own HMAC key for password fingerprints. */
  secret(): Promise<Buffer>;
  close(): Promise<void>;
}

const SECRET_KEY = "\u0000secret";

/**
 * A LevelDB folder on disk (classic-level: prebuilt binaries ship inside the npm package). The
 * folder is 0700 and its files 0600 (LevelDB creates them with the process's umask: they are
 * tightened when the store opens and when it closes).
 */
export async function openLevelState(path: string): Promise<StateStore> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  await chmod(path, 0o700);
  const db = new ClassicLevel<string, string>(path);
  try {
    await db.open();
  } catch (error) {
    const locked = (error as { cause?: { code?: string } }).cause?.code === "LEVEL_LOCKED";
    throw new ConfigError(
      locked
        ? `--state: ${path} is in use by another zoom-bulk run; wait for it to finish.`
        : `--state: cannot open ${path} (${(error as Error).message}); name a folder zoom-bulk may create and write.`,
    );
  }
  await tightenFiles(path);
  return {
    // A read from the local LevelDB takes microseconds; the promise API's trip through libuv's
    // thread pool costs more than the read, once per operation (an unchanged 100,000-row export
    // spent most of its time there).
    get: async (key) => db.getSync(key),
    put: (key, value) => db.put(key, value),
    secret: () =>
      storeSecret(
        (k) => db.get(k),
        (k, v) => db.put(k, v),
      ),
    close: async () => {
      await db.close();
      await tightenFiles(path);
    },
  };
}

async function tightenFiles(folder: string): Promise<void> {
  for (const name of await readdir(folder)) await chmod(join(folder, name), 0o600);
}

/** How long one Redis command of the state store may take before the run stops (exit 6). */
export const REDIS_STATE_TIMEOUT_MS = 5_000;

/**
 * A Redis hash, shared by every process of a clustered run (`--redis`). Every command has a
 * deadline (`REDIS_STATE_TIMEOUT_MS`): a Redis that is down, frozen or refuses the password fails
 * the run with a DependencyError (exit 6) instead of hanging it.
 */
export async function openRedisState(url: string, name: string): Promise<StateStore> {
  const redis = newRedis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: REDIS_STATE_TIMEOUT_MS,
    commandTimeout: REDIS_STATE_TIMEOUT_MS,
    enableOfflineQueue: false,
    retryStrategy: (times) => (times > 3 ? null : 200 * times),
  });
  // Failures reach the caller through the commands; without a listener ioredis prints each one.
  redis.on("error", () => {});
  const failed = (error: unknown): never => {
    throw new DependencyError(
      "redis",
      `Redis (--state with --redis) failed: ${(error as Error).message}. Check that Redis is up and the URL and password are right, then rerun with --resume.`,
      { cause: error },
    );
  };
  await redis.connect().catch((error: unknown) => {
    redis.disconnect();
    failed(error);
  });
  const hash = `zoom-bulk:state:${name}`;
  return {
    get: async (key) => (await redis.hget(hash, key).catch(failed)) ?? undefined,
    put: async (key, value) => {
      await redis.hset(hash, key, value).catch(failed);
    },
    secret: () =>
      storeSecret(
        async (k) => (await redis.hget(hash, k).catch(failed)) ?? undefined,
        async (k, v) => {
          // Two processes may race to create it: the first one wins, everyone reads that one.
          await redis.hsetnx(hash, k, v).catch(failed);
        },
      ),
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

async function storeSecret(
  get: (key: string) => Promise<string | undefined>,
  put: (key: string, value: string) => Promise<void>,
): Promise<Buffer> {
  let value = await get(SECRET_KEY);
  if (value === undefined) {
    await put(SECRET_KEY, randomBytes(32).toString("hex"));
    value = (await get(SECRET_KEY)) as string;
  }
  return Buffer.from(value, "hex");
}

/**
 * The account a state belongs to: the API's origin and the S2S account ID (a ready access token
 * names no account: the API's origin alone, and the README says so).
 */
export function accountScope(zoom: Pick<ZoomTarget, "apiUrl" | "auth">): string {
  const origin = new URL(zoom.apiUrl).origin;
  return zoom.auth.kind === "s2s" ? `${origin}#${zoom.auth.accountId}` : origin;
}

/** The state key of an operation: one account, one user (case-insensitive), one operation, one file name. */
export function stateKey(op: Operation, account: string): string {
  return `${account}\u0000${op.user.toLowerCase()}\u0000${op.op}\u0000${op.target}`;
}

/** An open state store, its HMAC secret, and the account whose changes it remembers. */
export interface AccountState {
  store: StateStore;
  secret: Buffer;
  account: string;
}

/** What `op` would apply (its fingerprint), and whether exactly that was applied before. */
export async function lookup(
  state: AccountState,
  op: Operation,
): Promise<{ applied: string; unchanged: boolean }> {
  const applied = await fingerprint(op, state.secret);
  return { applied, unchanged: (await state.store.get(stateKey(op, state.account))) === applied };
}

/** What the operation would apply, as a fingerprint. */
export async function fingerprint(op: Operation, secret: Buffer): Promise<string> {
  if (op.file) return `sha256:${await fileSha256(op.file.path)}`;
  if (op.op === "password")
    return `hmac:${createHmac("sha256", secret)
      .update(String(op.body?.password ?? ""))
      .digest("hex")}`;
  // one-shot hash(): an object per call fewer than createHash, for every operation of a sync
  return `sha256:${hash("sha256", canonicalJson({ body: op.body ?? {}, query: op.query ?? {} }), "hex")}`;
}

export async function fileSha256(path: string): Promise<string> {
  const sha = createHash("sha256");
  for await (const chunk of createReadStream(path)) sha.update(chunk as Buffer);
  return sha.digest("hex");
}

/** JSON with object keys sorted, so a reordered export gives the same fingerprint. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}
