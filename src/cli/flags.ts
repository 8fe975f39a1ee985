import type { Options } from "yargs";
import { OPTIONS, readOption, type OptionName, type RawOptions } from "../config.js";
import type { OptionSpec } from "../config/options.js";
import { createLogger } from "../log.js";

/**
 * yargs declarations of the flags, made from the options table (config/options.ts): the help text
 * and the default shown are the table's, and every value arrives as the text typed, so that its
 * one parser checks it and its message says what arrived.
 */
export type Args = Record<string, unknown>;

export function flag(name: OptionName): Options {
  const spec: OptionSpec<unknown> = OPTIONS[name];
  const shown = spec.defaultText ?? (spec.default === undefined ? undefined : String(spec.default));
  if (spec.switch) return { type: "boolean", describe: spec.describe };
  return {
    type: "string",
    requiresArg: true,
    describe: spec.describe,
    ...(shown !== undefined ? { defaultDescription: shown } : {}),
  };
}

/** Declarations keyed by flag (`assets-dir`), for `yargs.options(...)`. */
export function flags(...names: OptionName[]): Record<string, Options> {
  return Object.fromEntries(names.map((name) => [OPTIONS[name].flag, flag(name)]));
}

/** The raw values of the options a command declares, keyed by option name, for readRunSettings. */
export function rawOptions(args: Args): RawOptions {
  const raw: RawOptions = {};
  for (const [name, spec] of Object.entries(OPTIONS)) {
    const value = args[spec.flag];
    if (value !== undefined) raw[name as OptionName] = value;
  }
  return raw;
}

/** Flags of `run`, `validate` and `job` that say what to read and how to pace it. */
export const MANIFEST_FLAGS: OptionName[] = ["plan", "share", "only", "assetsDir", "delimiter"];

/** Flags of `run` that only a real run uses. */
export const RUN_FLAGS: OptionName[] = [
  "results",
  "state",
  "concurrency",
  "report",
  "redis",
  "redisPrefix",
  "shard",
  "maxOperations",
  "diff",
  "allowDelete",
  "maxDeletes",
  "prune",
  "scope",
  "maxPrune",
  "maxFailureRate",
  "requestTimeoutMs",
];

export const LOG_FLAGS: OptionName[] = ["logLevel", "logFile"];
export const PROGRESS_FLAGS: OptionName[] = ["progress", "progressIntervalMs"];

export const SANDBOX_FLAG: Options = {
  type: "boolean",
  default: false,
  describe:
    "Run against an embedded simulated Zoom account (its demo users: alice … heidi@example.com, user1 … user20@example.com); no credentials needed",
};
export const DRY_RUN_FLAG: Options = {
  type: "boolean",
  default: false,
  describe: "Check everything and count the requests and time; send nothing (same as `validate`)",
};
export const RESUME_FLAG: Options = {
  type: "boolean",
  default: false,
  describe:
    "Send only what the results file does not already hold as ok or unchanged; with no results file yet, a fresh run (so cron can always pass it)",
};

/** The run's pino logger, from --log-level and --log-file. */
export function loggerFor(args: Args) {
  const file = readOption("logFile", args["log-file"]);
  return createLogger({ level: readOption("logLevel", args["log-level"]), ...(file ? { file } : {}) });
}

/** The progress display's settings, from --progress and --progress-interval. */
export function progressFor(args: Args) {
  return {
    mode: readOption("progress", args.progress),
    intervalMs: readOption("progressIntervalMs", args["progress-interval"]),
  };
}
