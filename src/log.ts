import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { pino, type Logger, type DestinationStream } from "pino";
import { ConfigError } from "./errors.js";

const require = createRequire(import.meta.url);

/**
 * One pino logger for the run; stages take child loggers (`logger.child({ stage: "send" })`).
 * Row data sits under its own key (`row: {...}`); secrets are redacted by path, and the code
 * never passes a password, token or client secret to the logger in the first place.
 */
export const REDACT_PATHS = [
  "password",
  "*.password",
  "body.password",
  "*.body.password",
  "token",
  "*.token",
  "access_token",
  "*.access_token",
  "client_secret",
  "*.client_secret",
  "clientSecret",
  "*.clientSecret",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
];

export interface LoggerOptions {
  level?: string;
  /** Write JSON lines to this file instead of stderr; its folder is created (0700) when missing. */
  file?: string;
  /** Human-readable output (default: when stderr is a TTY and no file is given). */
  pretty?: boolean;
  /** For tests: where the JSON lines go. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const base = {
    level: options.level ?? "info",
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    base: { app: "zoom-bulk" },
  };
  if (options.destination) return pino(base, options.destination);
  if (options.file) {
    openLogFile(options.file);
    return pino(base, pino.destination({ dest: options.file, sync: true }));
  }
  if (options.pretty ?? process.stderr.isTTY) {
    // loaded only for a terminal (about 10 MB resident): cron runs and files never need it
    const pretty = require("pino-pretty") as typeof import("pino-pretty");
    return pino(base, pretty({ destination: 2, colorize: true, sync: true, ignore: "pid,hostname,app" }));
  }
  return pino(base, pino.destination({ dest: 2, sync: true }));
}

/**
 * Creates the log file 0600 (logs name users; like the results, they are for the operator only),
 * and its folder when missing: a cron line writes `--log-file logs/nightly-<date>.log` into a
 * folder nobody created. A file that cannot be opened is a configuration error (exit 2).
 */
function openLogFile(file: string): void {
  try {
    mkdirSync(dirname(resolve(file)), { recursive: true, mode: 0o700 });
    closeSync(openSync(file, "a", 0o600));
    chmodSync(file, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError(
      `--log-file: cannot open ${file} (${code}); choose a file in a folder this user may write, or leave --log-file out to log on stderr.`,
    );
  }
}

export const silentLogger: Logger = pino({ level: "silent" });
