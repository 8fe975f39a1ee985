import { createHash, createHmac, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod, mkdir } from "node:fs/promises";
import { ClassicLevel } from "classic-level";
import { Redis } from "ioredis";
import { ConfigError } from "../errors.js";
import type { Operation } from "../types.js";

/**
 * Incremental sync (`--state`): per user and operation, a fingerprint of what was last applied
 * successfully. An operation whose fingerprint is unchanged is reported `unchanged` and not sent.
 * Written after each success (not at the end), so it survives a crash mid-run.
 *
 * Passwords are fingerprinted with an HMAC keyed by a random secret kept in the store, never as
 * plain hashes; files by their content's SHA-256.
 */
export interface StateStore {
  get(key: string): Promise<string | undefined>;
  put(key: string, fingerprint: string): Promise<void>;
  /** The store's own HMAC key for password fingerprints. */
  secret(): Promise<Buffer>;
  close(): Promise<void>;
}

const SECRET_KEY = "\u0000secret";

/** A LevelDB folder on disk (classic-level: prebuilt binaries ship inside the npm package). */
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
  return {
    get: (key) => db.get(key),
    put: (key, value) => db.put(key, value),
    secret: () =>
      storeSecret(
        (k) => db.get(k),
        (k, v) => db.put(k, v),
      ),
    close: () => db.close(),
  };
}

/** A Redis hash, shared by every process of a clustered run (`--redis`). */
export async function openRedisState(url: string, name: string): Promise<StateStore> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  const hash = `zoom-bulk:state:${name}`;
  return {
    get: async (key) => (await redis.hget(hash, key)) ?? undefined,
    put: async (key, value) => {
      await redis.hset(hash, key, value);
    },
    secret: () =>
      storeSecret(
        async (k) => (await redis.hget(hash, k)) ?? undefined,
        async (k, v) => {
          // Two processes may race to create it: the first one wins, everyone reads that one.
          await redis.hsetnx(hash, k, v);
        },
      ),
    close: async () => {
      await redis.quit();
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

/** The state key of an operation: one user (case-insensitive), one operation, one file name. */
export function stateKey(op: Operation): string {
  return `${op.user.toLowerCase()}\u0000${op.op}\u0000${op.target}`;
}

/** What the operation would apply, as a fingerprint. */
export async function fingerprint(op: Operation, secret: Buffer): Promise<string> {
  if (op.file) return `sha256:${await fileSha256(op.file.path)}`;
  if (op.op === "password")
    return `hmac:${createHmac("sha256", secret)
      .update(String(op.body?.password ?? ""))
      .digest("hex")}`;
  return `sha256:${createHash("sha256")
    .update(canonicalJson({ body: op.body ?? {}, query: op.query ?? {} }))
    .digest("hex")}`;
}

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
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
