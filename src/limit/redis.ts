import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { ConfigError, DependencyError } from "../errors.js";
import { newRedis } from "../redis-client.js";

/**
 * The Redis connection behind a shared budget (--redis), with a deadline on everything: connecting
 * (`connectTimeoutMs`), every command (`commandTimeoutMs`), and at most one reconnection attempt
 * while a command waits. A Redis that is down, frozen (SIGSTOP), killed mid-run or refuses the
 * credentials makes the command reject within those deadlines, as `DependencyError("redis")`
 * (code E_REDIS, exit 6), never a hang; ioredis' own errors go to the log (`limit.redis.error`),
 * never to stderr as "Unhandled error event".
 */
export interface RedisOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS). */
  url: string;
  /** Key prefix of the shared budget: keys are `{<prefix>:<label>}:starts` and `…:meta`. Default "zoom-bulk". */
  prefix?: string;
  /**
   * How long `ready()` waits for Redis (connect, authenticate, answer), and the TCP connect timeout
   * of every reconnection. Default 10 000 ms.
   */
  connectTimeoutMs?: number;
  /**
   * How long one reservation may take before the request fails with E_REDIS. A reservation is one
   * short script (well under 1 ms on the server); the deadline only has to outlast a slow network
   * and a busy event loop. Default 2000 ms.
   */
  commandTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_COMMAND_TIMEOUT_MS = 2000;

/** One ioredis client shared by the four labels. */
export class RedisConnection {
  readonly client: Redis;
  readonly url: string;
  readonly commandTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  /** The last error ioredis reported (connection refused, auth), for messages. */
  private lastError: string | undefined;

  /** Throws ConfigError for a URL that is not redis:// or rediss://; does not connect yet. */
  constructor(options: RedisOptions, logger: Logger) {
    this.url = checkUrl(options.url);
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.client = newRedis(options.url, {
      lazyConnect: true,
      connectionName: "zoom-bulk",
      connectTimeout: this.connectTimeoutMs,
      commandTimeout: this.commandTimeoutMs,
      // A command waits through one reconnection attempt at most, then fails: the run reports
      // E_REDIS instead of waiting for a Redis that is gone.
      maxRetriesPerRequest: 1,
    });
    let logged: string | undefined;
    this.client.on("error", (error: unknown) => {
      this.lastError = errorMessage(error);
      // A Redis that stays down repeats the same error at every reconnection attempt: log it once.
      if (this.lastError !== logged) logger.warn({ error: this.lastError }, "limit.redis.error");
      logged = this.lastError;
    });
    this.client.on("ready", () => {
      logged = undefined;
      this.lastError = undefined; // an error from before says nothing about the next failure
    });
  }

  /**
   * Connects and checks that Redis answers, within `connectTimeoutMs`; DependencyError (E_REDIS)
   * naming --redis and the likely fix when it does not.
   */
  async ready(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${this.connectTimeoutMs} ms`)),
        this.connectTimeoutMs,
      );
    });
    try {
      await Promise.race([this.connectAndPing(), deadline]);
    } catch (error) {
      this.client.disconnect();
      throw this.failure(error, "could not use Redis");
    } finally {
      clearTimeout(timer);
    }
  }

  private async connectAndPing(): Promise<void> {
    if (this.client.status === "wait") await this.client.connect();
    await this.client.ping();
  }

  /**
   * Throws DependencyError at once while the connection is known to be down (reconnecting after a
   * failure, or closed), instead of letting a command wait for its deadline.
   */
  checkUsable(what: string): void {
    const status = this.client.status;
    if (status === "reconnecting" || status === "close" || status === "end")
      throw this.failure(
        new Error(`the connection is ${status === "reconnecting" ? "down" : "closed"}`),
        what,
      );
  }

  /** Turns any error of a command into DependencyError("redis") with a message a user can act on. */
  failure(error: unknown, what: string): DependencyError {
    if (error instanceof DependencyError) return error;
    const message = errorMessage(error);
    // ioredis' own words for "gave up" say less than the error behind them (ECONNREFUSED, NOAUTH).
    const generic = /^Connection is closed|max retries per request|the connection is/i.test(message);
    const detail =
      generic && this.lastError
        ? this.lastError
        : `${message}${this.lastError && !message.includes(this.lastError) ? ` (${this.lastError})` : ""}`;
    const text = `${message} ${this.lastError ?? ""}`;
    let hint: string;
    if (/NOAUTH|WRONGPASS|invalid (username-)?password|authentication required/i.test(text))
      hint =
        "Redis refused the credentials: give the password in the URL (redis://:password@host:port, or redis://user:password@host:port with ACLs).";
    else if (/timed out|no answer/i.test(text))
      hint = `Redis did not answer in time (a stopped or overloaded server, or a network problem); a reservation waits at most ${this.commandTimeoutMs} ms.`;
    else
      hint =
        "Check that the server runs and the URL (redis://host:port) is right, or run without --redis; rerun with --resume once it is back.";
    const sentence = detail.replace(/\.+$/, "");
    return new DependencyError("redis", `--redis: ${what} at ${safeUrl(this.url)}: ${sentence}. ${hint}`, {
      cause: error,
    });
  }

  /** Closes the connection at once (a frozen server cannot hold the process up). */
  close(): void {
    this.client.disconnect();
  }
}

/** ConfigError unless `text` is a redis:// or rediss:// URL; returns it unchanged. */
export function checkUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`--redis: expected a URL like redis://127.0.0.1:6379, got "${text}".`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:")
    throw new ConfigError(
      `--redis: expected a redis:// or rediss:// URL, got "${safeUrl(text)}". Example: redis://127.0.0.1:6379.`,
    );
  return text;
}

/** The URL without its password, for messages and logs. */
export function safeUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "(unparsable URL)";
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
