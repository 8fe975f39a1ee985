import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { sleep } from "./abort.js";
import type { Confirm, Pacer } from "./pacer.js";
import type { RedisConnection } from "./redis.js";
import { spacingMs, type WindowRule } from "./window.js";

/** A request that had to reserve this many times logs `limit.redis.late`. */
const LATE_WARNING = 3;

/**
 * The shared pacer (--redis): the sliding-window reservation of limit/window.ts, done by one Lua
 * script on Redis' clock, so every process on every host that names the same Redis and prefix
 * draws from one log per label. ONE round trip per request: the script finds the earliest start
 * the window and the spacing allow (now, or later), reserves it and answers how long to wait for
 * it. Each process asks for one reservation per label at a time (the lane's turn), so a process
 * never holds more than one future start per label and an aborted request wastes at most that one.
 *
 * **Late starts are re-reserved.** A reservation is for a moment on Redis' clock; the request
 * leaves when the process's timer fires after the answer. If that may be more than `safetyMs / 2`
 * late (a busy event loop, a CPU-starved process, an answer left unread), sending anyway could put
 * more than `allowed` arrivals in one window, so the late slot is given back and a new one
 * reserved in the same single script call: an extra round trip only for that request. The other
 * half of `safetyMs` covers the rest of the jitter between the reserved time and the arrival at
 * Zoom. A process that keeps waking late logs `limit.redis.late` (give it CPU, or raise
 * `safetyMs`).
 *
 * **Late departures are moved.** A request that leaves its process later than that (it waited
 * for a connection) has its reserved start moved to when it was written to its socket, in one
 * more call for that request only, so later reservations of every process count it where Zoom will.
 */

export class RedisPacer implements Pacer {
  /** Reservations given back because the process woke too late to use them. */
  lateStarts = 0;
  /** Reserved starts moved later because their request left late (waiting for a connection). */
  movedStarts = 0;
  private readonly keys: [string, string];
  /** The shortest round trip to Redis seen, ms: the part of a round trip that is not lateness. */
  private minRttMs = Infinity;

  /**
   * @param key the label's key, `<prefix>:<label>`; in braces, so both keys land in one slot
   * @param logger for `limit.redis.late`, when one request had to reserve LATE_WARNING times
   * @param now monotonic clock, ms (default `performance.now`)
   */
  constructor(
    private readonly connection: RedisConnection,
    key: string,
    private readonly logger?: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.keys = [`{${key}}:starts`, `{${key}}:meta`];
    defineReserve(connection.client);
  }

  async acquire(
    ruleFor: (now: number) => WindowRule,
    signal?: AbortSignal,
    stop?: AbortSignal,
  ): Promise<Confirm> {
    let drop = "";
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      stop?.throwIfAborted();
      const rule = ruleFor(this.now());
      const asked = this.now();
      const [wait, member] = await this.reserve(rule, drop, stop);
      const received = this.now();
      this.minRttMs = Math.min(this.minRttMs, received - asked);
      const waitMs = Math.max(0, wait);
      if (waitMs > 0) await sleep(waitMs, signal, stop);
      // How late the request leaves, at most: counted from when this process asked, less the
      // shortest one-way trip to Redis, so an answer that sat unread while the process was
      // descheduled counts as lateness too.
      const due = asked + this.minRttMs / 2 + waitMs;
      const late = this.now() - due;
      if (late <= rule.safetyMs / 2) return (at) => this.confirmAt(member, at - due, rule);
      drop = member;
      this.lateStarts++;
      if (attempt === LATE_WARNING)
        this.logger?.warn(
          { key: this.keys[0], late_ms: Math.round(late), safety_ms: rule.safetyMs },
          "limit.redis.late",
        );
    }
  }

  /**
   * The request reserved as `member` left `lateMs` after its reserved time. Within half the margin
   * the reservation stands. Later (it waited for a connection: a TLS handshake to Zoom takes
   * 100 ms or more), the reserved start is moved to when it left, so every process's next
   * reservations count it where Zoom will: one more round trip, only for such a request, not
   * awaited (a failure is logged; the reservation then stands).
   */
  private confirmAt(member: string, lateMs: number, rule: WindowRule): void {
    if (lateMs <= rule.safetyMs / 2) return;
    this.movedStarts++;
    this.connection.client
      .zadd(this.keys[0], "XX", "INCR", lateMs.toFixed(3), member)
      .catch((error: unknown) => this.logger?.warn({ key: this.keys[0], err: error }, "limit.redis.error"));
  }

  /** One round trip: the script, with the deadline and error mapping of RedisConnection. */
  private async reserve(rule: WindowRule, drop: string, stop?: AbortSignal): Promise<[number, string]> {
    try {
      this.connection.checkUsable("could not reserve a start");
      const [wait, member] = await (this.connection.client as unknown as ReserveClient).zoomBulkReserve(
        ...this.keys,
        rule.windowMs + rule.safetyMs,
        rule.allowed,
        spacingMs(rule),
        rule.windowMs * 2 + 60_000,
        drop,
      );
      return [Number(wait), member];
    } catch (error) {
      stop?.throwIfAborted(); // closed by stop(): the stop's reason, not a Redis failure
      throw this.connection.failure(error, "could not reserve a start");
    }
  }

  recentStarts(): undefined {
    return undefined; // the other processes' starts are in Redis, not here
  }
}

/**
 * KEYS[1]: the label's reserved starts (sorted set, score: Redis time in ms, member: a sequence
 * number); KEYS[2]: a hash with `next` (the earliest start the spacing allows) and `seq`.
 * ARGV: window + safety (ms), allowed, spacing (ms), key TTL (ms), a member to give back or "".
 * Returns { wait in ms (fractional, as text), the member reserved }.
 */
export const RESERVE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local window = tonumber(ARGV[1])
local allowed = tonumber(ARGV[2])
if ARGV[5] ~= '' then redis.call('ZREM', KEYS[1], ARGV[5]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local at = now
local count = redis.call('ZCARD', KEYS[1])
if count >= allowed then
  local back = redis.call('ZRANGE', KEYS[1], count - allowed, count - allowed, 'WITHSCORES')
  at = math.max(at, tonumber(back[2]) + window)
end
local nextStart = tonumber(redis.call('HGET', KEYS[2], 'next'))
if nextStart then at = math.max(at, nextStart) end
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
redis.call('ZADD', KEYS[1], string.format('%.3f', at), seq)
redis.call('HSET', KEYS[2], 'next', string.format('%.3f', at + tonumber(ARGV[3])))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return { string.format('%.3f', at - now), tostring(seq) }
`;

interface ReserveClient {
  zoomBulkReserve(...args: (string | number)[]): Promise<[string, string]>;
}

/** ioredis sends the script by its SHA (EVALSHA), and its text only when Redis does not know it yet. */
function defineReserve(client: Redis): void {
  if ("zoomBulkReserve" in client) return;
  client.defineCommand("zoomBulkReserve", { numberOfKeys: 2, lua: RESERVE_SCRIPT });
}
