import { createRequire } from "node:module";
import type { Redis, RedisOptions } from "ioredis";

const require = createRequire(import.meta.url);

/**
 * A new ioredis client. The package (about 20 MB resident once loaded) is loaded with the first
 * client, so a run, plan or validate without `--redis` never loads it.
 */
export function newRedis(url: string, options: RedisOptions): Redis {
  const { Redis: Client } = require("ioredis") as typeof import("ioredis");
  return new Client(url, options);
}
