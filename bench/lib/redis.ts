/**
 * A real redis-server on 127.0.0.1 for scenarios that share one budget between processes: the
 * test helper's (no persistence, a free port), also killed if the bench exits before stopping it.
 */
import { startRedis, type RedisServer } from "../../test/helpers/redis.js";
import { trackPid } from "./processes.js";

export type { RedisServer } from "../../test/helpers/redis.js";

export async function startBenchRedis(): Promise<RedisServer> {
  const redis = await startRedis();
  const tracked = trackPid(redis.pid);
  return {
    ...redis,
    stop: async () => {
      await redis.stop();
      tracked.forget();
    },
  };
}
