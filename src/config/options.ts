import { extname } from "node:path";
import { ConfigError } from "../errors.js";
import { parseDelimiter } from "../read/index.js";
import { DEFAULT_BREAKER_WINDOW, DEFAULT_MAX_FAILURE_RATE } from "../safety.js";
import {
  parsePruneLimit,
  parseScope,
  SCOPE_FORMS,
  type PruneLimit,
  type PruneScope,
} from "../desired/scope.js";
import type { Shard } from "../shard.js";
import { OP_KINDS, type OpKind } from "../types.js";
import { PLANS, type Plan } from "../zoom/labels.js";

/**
 * Every option of zoom-bulk, parsed and checked here and nowhere else: the command line's flags
 * and the job files' keys go through the same parser, so each has one message, one default and one
 * range. A mistake names the option as the operator wrote it (`--share`, or `"share"` in a job
 * file), what was expected, what arrived, and a fix.
 *
 * An entry is the option's documentation too: `describe` becomes its `--help` line, `default` its
 * default there and in the code.
 */
export interface OptionSpec<T> {
  /** The flag without its dashes (`assets-dir`). */
  flag: string;
  /** Its key in a job file (`assets_dir`, or `safety.max_failure_rate` inside an object); none when jobs cannot set it. */
  jobKey?: string;
  /** One line for `--help`: what it does, its unit and its trade-off. */
  describe: string;
  /** The value when the option is absent; none means "off" or "decided later". */
  default?: T;
  /** The default as `--help` shows it, when it is not `default` itself (a unit differs). */
  defaultText?: string;
  /** A value that is accepted, shown as the fix: `--share 0.5`, `"share": 0.5`. */
  example: string | number;
  /** Said before the example in a message (why, or where to find the right value). */
  hint?: string;
  /** Whether the option may be given several times (a list); otherwise twice is a mistake. */
  list?: boolean;
  /** A switch: the flag takes no value (`--allow-delete`); a job file gives true or false. */
  switch?: boolean;
  /** Turns a value that is present into the setting; throws OptionProblem when it is wrong. */
  parse(value: unknown): T;
}

/** An option whose absence means its default. */
export interface DefaultedSpec<T> extends OptionSpec<T> {
  default: T;
}

/** What a parser says is wrong; readOption turns it into a ConfigError naming the option. */
export class OptionProblem extends Error {
  constructor(
    /** What was expected, as a phrase: "a whole number from 1 to 1000". */
    readonly expected: string,
    readonly details: { got?: unknown; example?: string | number; hint?: string } = {},
  ) {
    super(expected);
  }
}

/** Where a value came from, so that a message names the option the way the operator wrote it. */
export type OptionSource = "flag" | { job: string };

const optional = <T>(spec: OptionSpec<T>): OptionSpec<T> => spec;

/** A switch: the flag's boolean, or `true`/`false` in a job file. */
function parseSwitch(value: unknown): boolean {
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw new OptionProblem("true or false");
}
const defaulted = <T>(spec: DefaultedSpec<T>): DefaultedSpec<T> => spec;

/** The rate-limit plan of the account when none is given: Zoom tells a Server-to-Server app no plan. */
export const DEFAULT_PLAN: Plan = "pro";
/** Every app on the account spends the same budget; leave some of it to the others. */
export const DEFAULT_SHARE = 0.8;
/** Deletes and disassociations one run may send unless `--max-deletes` says more: leavers are few a night. */
export const DEFAULT_MAX_DELETES = 25;
/** Seconds between `run.progress` log lines when not on a terminal. */
export const DEFAULT_PROGRESS_INTERVAL_S = 10;

export const PROGRESS_MODES = ["auto", "tty", "log", "off"] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];
export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const OPTIONS = {
  plan: defaulted<Plan>({
    flag: "plan",
    jobKey: "plan",
    describe:
      "The account's plan, which sets Zoom's rate limits: free, pro or business (Business, Education and Enterprise are all business)",
    default: DEFAULT_PLAN,
    example: "business",
    hint: "Use the plan of the Zoom account (Business, Education and Enterprise are business).",
    parse: (value) => {
      const text = single(value).toLowerCase();
      if ((PLANS as readonly string[]).includes(text)) return text as Plan;
      throw new OptionProblem(`one of ${PLANS.join(", ")}`);
    },
  }),
  share: defaulted<number>({
    flag: "share",
    jobKey: "share",
    describe:
      "Share (0..1] of the account's per-label rate budget this job may use; every app on the account spends the same budget, so leave the rest to them",
    default: DEFAULT_SHARE,
    example: 0.5,
    parse: (value) => {
      const share = toNumber(value);
      if (share > 0 && share <= 1) return share;
      throw new OptionProblem(
        "a number above 0 and at most 1 (the share of the account's rate limits this job may use)",
      );
    },
  }),
  only: optional<ReadonlySet<OpKind>>({
    flag: "only",
    jobKey: "only",
    describe: `Only these operations, comma-separated: ${OP_KINDS.join(",")} (default: all of them)`,
    example: "profile,password",
    list: true,
    parse: parseOnly,
  }),
  assetsDir: optional<string>({
    flag: "assets-dir",
    jobKey: "assets_dir",
    describe:
      "Picture and background paths must stay inside this folder (symlinks included); a path leaving it makes the row invalid",
    example: "assets",
    parse: (value) => nonEmpty(value, "a folder"),
  }),
  delimiter: optional<string>({
    flag: "delimiter",
    jobKey: "delimiter",
    describe:
      "CSV cell separator: , ; | or tab (also the words comma, semicolon, pipe, tab); default: told from the header line (comma, semicolon or tab)",
    example: "semicolon",
    // The reader owns which separators it can split on; this only names the option in the message.
    parse: (value) => {
      try {
        return parseDelimiter(single(value));
      } catch {
        throw new OptionProblem(
          ", ; | or tab (a tab character, \\t, or the words comma, semicolon, pipe, tab)",
        );
      }
    },
  }),
  concurrency: optional<number>({
    flag: "concurrency",
    jobKey: "concurrency",
    describe:
      "Requests in flight per rate label (default: from the pace and the latency seen); more only helps with slow answers",
    example: 16,
    parse: (value) => {
      const n = toNumber(value);
      if (Number.isInteger(n) && n >= 1 && n <= 1000) return n;
      throw new OptionProblem("a whole number from 1 to 1000");
    },
  }),
  shard: optional<Shard>({
    flag: "shard",
    jobKey: "shard",
    describe:
      "Take only shard i of n of the manifest's users, 0-based like JOB_COMPLETION_INDEX: 0/3, 1/3, 2/3; results go to <results>.shard-i-of-n.csv",
    example: "0/3",
    parse: parseShard,
  }),
  redis: optional<string>({
    flag: "redis",
    jobKey: "redis",
    describe:
      "Share the rate budget (and --state) with other processes and hosts through this Redis: redis://host:port or rediss://",
    example: "redis://127.0.0.1:6379",
    parse: (value) => {
      const url = single(value).trim();
      if (/^rediss?:\/\/\S+$/.test(url)) return url;
      throw new OptionProblem("a redis:// or rediss:// URL");
    },
  }),
  redisPrefix: optional<string>({
    flag: "redis-prefix",
    describe:
      "Key prefix of the shared budget; processes with the same prefix share one budget (default: zoom-bulk:<ZOOM_ACCOUNT_ID>)",
    example: "zoom-bulk:my-account",
    parse: (value) => nonEmpty(value, "a key prefix"),
  }),
  maxFailureRate: defaulted<number>({
    flag: "max-failure-rate",
    jobKey: "safety.max_failure_rate",
    describe: `Failure-rate breaker: stop (exit 5) when more than this share of the last ${DEFAULT_BREAKER_WINDOW} operations that reached Zoom failed; 1 turns it off`,
    default: DEFAULT_MAX_FAILURE_RATE,
    example: 0.05,
    parse: (value) => {
      const rate = toNumber(value);
      if (rate > 0 && rate <= 1) return rate;
      throw new OptionProblem(
        `a number above 0 and at most 1 (the share of the last ${DEFAULT_BREAKER_WINDOW} operations that may fail before the run stops; 1 turns the breaker off)`,
      );
    },
  }),
  diff: defaulted<boolean>({
    flag: "diff",
    jobKey: "diff",
    switch: true,
    describe:
      "Read what Zoom holds for the manifest's users first (List users, Medium) and send only what differs; an operation with nothing to change is unchanged",
    default: false,
    example: "true",
    parse: parseSwitch,
  }),
  allowDelete: defaulted<boolean>({
    flag: "allow-delete",
    jobKey: "allow_delete",
    switch: true,
    describe:
      "Let rows with action delete or disassociate remove users; without it such rows stop the run (exit 2) before anything is sent, naming them",
    default: false,
    example: "true",
    parse: parseSwitch,
  }),
  maxDeletes: defaulted<number>({
    flag: "max-deletes",
    jobKey: "safety.max_deletes",
    describe:
      "Mass-delete breaker: stop (exit 5) before anything is sent when the manifest would delete or disassociate more users than this",
    default: DEFAULT_MAX_DELETES,
    example: 100,
    parse: (value) => {
      const n = toNumber(value);
      if (Number.isSafeInteger(n) && n >= 0) return n;
      throw new OptionProblem(
        "a whole number of at least 0 (the most users one run may delete or disassociate)",
      );
    },
  }),
  prune: optional<boolean>({
    flag: "prune",
    jobKey: "prune",
    switch: true,
    describe:
      "With --diff and --scope: deactivate the scope's active users the manifest does not name (op status, target prune; they keep their data); the account owner is never pruned",
    example: "true",
    parse: parseSwitch,
  }),
  scope: optional<PruneScope>({
    flag: "scope",
    jobKey: "scope",
    describe: `The users --prune may deactivate: ${SCOPE_FORMS} (case-insensitive)`,
    example: "domain:corp.example",
    parse: (value) => {
      const text = typeof value === "string" ? value : "";
      const scope = parseScope(text);
      if (scope) return scope;
      throw new OptionProblem(SCOPE_FORMS, { got: value });
    },
  }),
  maxPrune: optional<PruneLimit>({
    flag: "max-prune",
    jobKey: "safety.max_prune",
    describe:
      "Mass-prune breaker: stop (exit 5) before any change when --prune would deactivate more users than this: a number, or a percentage of the scope's active users (default 5%, rounded down, at least 1)",
    defaultText: "5%",
    example: "10",
    parse: (value) => {
      const limit = parsePruneLimit(typeof value === "number" ? String(value) : single(value));
      if (limit) return limit;
      throw new OptionProblem(
        "a whole number of at least 0, or a percentage from 0% to 100% of the scope's active users",
      );
    },
  }),
  maxOperations: optional<number>({
    flag: "max-operations",
    jobKey: "safety.max_operations",
    describe:
      "Mass-change breaker: stop (exit 5) rather than send more than this many operations, for the night an export changes everyone by mistake",
    example: 20000,
    parse: (value) => {
      const n = toNumber(value);
      if (Number.isSafeInteger(n) && n >= 1) return n;
      throw new OptionProblem("a whole number of at least 1 (the most operations one run may send)");
    },
  }),
  state: optional<string>({
    flag: "state",
    jobKey: "state",
    describe: "Incremental sync: skip what this state folder says was already applied with the same values",
    example: "state/nightly",
    parse: (value) => nonEmpty(value, "a folder"),
  }),
  requestTimeoutMs: optional<number>({
    flag: "request-timeout",
    jobKey: "request_timeout",
    describe:
      "Seconds one request may take (to connect, and for Zoom's answer) before it counts as a network failure and is retried (default: 10 s to connect, 60 s for an answer)",
    example: 30,
    parse: (value) => {
      const seconds = toNumber(value);
      if (seconds >= 1 && seconds <= 600) return Math.round(seconds * 1000);
      throw new OptionProblem("seconds from 1 to 600");
    },
  }),
  results: optional<string>({
    flag: "results",
    jobKey: "results",
    describe:
      "Results file, .csv or .jsonl (default: <manifest name without extension>.results.csv beside the manifest); a new run replaces it, --resume appends",
    example: "results.csv",
    parse: (value) => {
      const path = nonEmpty(value, "a file ending in .csv or .jsonl");
      const ext = extname(path).toLowerCase();
      if (ext === ".csv" || ext === ".jsonl") return path;
      throw new OptionProblem("a file ending in .csv or .jsonl");
    },
  }),
  report: optional<string>({
    flag: "report",
    jobKey: "report",
    describe: "At the end, write the HTML report to this file (.html)",
    example: "report.html",
    parse: (value) => {
      const path = nonEmpty(value, "a file ending in .html");
      if (/\.html?$/i.test(path)) return path;
      throw new OptionProblem("a file ending in .html");
    },
  }),
  invalidRows: optional<string>({
    flag: "invalid-rows",
    describe:
      "Also write the rows with invalid operations to this file, in the manifest's own format, to fix and run like any manifest",
    example: "invalid.csv",
    parse: (value) => nonEmpty(value, "a file"),
  }),
  progress: defaulted<ProgressMode>({
    flag: "progress",
    describe:
      "Progress on stderr: auto (a live block on a terminal, else log lines), tty, log (a run.progress log line every --progress-interval seconds) or off",
    default: "auto",
    example: "log",
    parse: (value) => oneOf(value, PROGRESS_MODES),
  }),
  progressIntervalMs: defaulted<number>({
    flag: "progress-interval",
    describe: "Seconds between run.progress log lines when progress is logged (not on a terminal)",
    default: DEFAULT_PROGRESS_INTERVAL_S * 1000,
    defaultText: String(DEFAULT_PROGRESS_INTERVAL_S),
    example: 60,
    parse: (value) => {
      const seconds = toNumber(value);
      if (seconds >= 0.1 && seconds <= 86_400) return Math.round(seconds * 1000);
      throw new OptionProblem("seconds between progress lines, from 0.1 to 86400");
    },
  }),
  logLevel: defaulted<LogLevel>({
    flag: "log-level",
    describe: "Least level of the JSON logs: debug, info, warn, error or silent",
    default: "info",
    example: "debug",
    parse: (value) => oneOf(value, LOG_LEVELS),
  }),
  logFile: optional<string>({
    flag: "log-file",
    describe: "Write the JSON logs to this file (mode 0600; its folder is created) instead of stderr",
    example: "logs/run.log",
    parse: (value) => nonEmpty(value, "a file"),
  }),
  port: defaulted<number>({
    flag: "port",
    describe: "Port on 127.0.0.1 (0: any free port)",
    default: 0,
    example: 8080,
    parse: (value) => {
      const n = toNumber(value);
      if (Number.isInteger(n) && n >= 0 && n <= 65_535) return n;
      throw new OptionProblem("a port number from 0 to 65535 (0: any free port)");
    },
  }),
  envFile: optional<string>({
    flag: "env-file",
    describe:
      "Also write the ZOOM_* settings to this file (mode 0600), for `set -a; . file` or `docker run --env-file`",
    example: "sandbox.env",
    parse: (value) => nonEmpty(value, "a file"),
  }),
} as const;

export type OptionName = keyof typeof OPTIONS;
/** The setting an option gives: its type, or `undefined` too when it has no default. */
export type OptionValue<N extends OptionName> =
  (typeof OPTIONS)[N] extends DefaultedSpec<infer T>
    ? T
    : (typeof OPTIONS)[N] extends OptionSpec<infer T>
      ? T | undefined
      : never;

/**
 * Reads one option: its default when absent, else the parsed value. A wrong value throws a
 * ConfigError (exit 2) naming the option as `source` spells it.
 */
export function readOption<N extends OptionName>(
  name: N,
  value: unknown,
  source: OptionSource = "flag",
): OptionValue<N> {
  const spec: OptionSpec<unknown> = OPTIONS[name];
  if (value === undefined) return spec.default as OptionValue<N>;
  try {
    if (Array.isArray(value) && !spec.list && source === "flag")
      throw new OptionProblem("one value", { hint: `Give ${optionName(spec, source)} once.` });
    return spec.parse(value) as OptionValue<N>;
  } catch (error) {
    if (!(error instanceof OptionProblem)) throw error;
    throw optionError(spec, source, error, value);
  }
}

/** How a message names the option: `--share`, or `Job file jobs/x.json: "share"`. */
export function optionName(spec: OptionSpec<unknown>, source: OptionSource): string {
  return source === "flag" ? `--${spec.flag}` : `Job file ${source.job}: "${spec.jobKey ?? spec.flag}"`;
}

function optionError(
  spec: OptionSpec<unknown>,
  source: OptionSource,
  problem: OptionProblem,
  value: unknown,
): ConfigError {
  const got = "got" in problem.details ? problem.details.got : value;
  const shown = source === "flag" ? `"${flagText(got)}"` : show(got);
  const example = problem.details.example ?? spec.example;
  const fix = source === "flag" ? `--${spec.flag} ${example}` : jobExample(spec.jobKey ?? spec.flag, example);
  const hint = problem.details.hint ?? spec.hint;
  return new ConfigError(
    `${optionName(spec, source)}: expected ${problem.expected}, got ${shown}. ${hint ? `${hint} ` : ""}For example: ${fix}.`,
    source === "flag" ? "E_CONFIG" : "E_JOB",
  );
}

/** `"share": 0.5`, or `"safety": {"max_failure_rate": 0.05}` for a key inside an object. */
function jobExample(key: string, example: string | number): string {
  const [outer, inner] = key.split(".");
  const value = JSON.stringify(example);
  return inner === undefined ? `"${outer}": ${value}` : `"${outer}": {"${inner}": ${value}}`;
}

function flagText(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join(" ") : String(value);
}

/** A value for a message: JSON, cut to 60 characters. */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** One text value; a number is taken as its text (yargs and JSON give numbers). */
function single(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  throw new OptionProblem("a single text value", { got: value });
}

function nonEmpty(value: unknown, what: string): string {
  const text = typeof value === "string" ? value : "";
  if (text.trim() === "") throw new OptionProblem(`${what} (a non-empty text)`, { got: value });
  return text;
}

/** A number from a JSON number or its text; NaN for anything else (empty text, booleans, "1e"). */
function toNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "") return Number(value);
  return Number.NaN;
}

function oneOf<T extends string>(value: unknown, choices: readonly T[]): T {
  const text = typeof value === "string" ? value.trim().toLowerCase() : "";
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw new OptionProblem(`one of ${choices.join(", ")}`, { got: value });
}

/**
 * A list of operations: a comma-separated text (`profile,password`) or a list of them (a repeated
 * flag, a JSON array). `background` and `virtual_backgrounds` name `virtual_background` too.
 */
function parseOnly(value: unknown): ReadonlySet<OpKind> {
  const expected = `a list of ${OP_KINDS.join(", ")}`;
  const items: unknown[] = Array.isArray(value) ? value : [value];
  const ops = new Set<OpKind>();
  for (const item of items) {
    if (typeof item !== "string") throw new OptionProblem(expected, { got: item });
    for (const part of item.split(",").map((p) => p.trim())) {
      if (part === "") continue;
      const op = part === "background" || part === "virtual_backgrounds" ? "virtual_background" : part;
      if (!(OP_KINDS as readonly string[]).includes(op)) throw new OptionProblem(expected, { got: part });
      ops.add(op as OpKind);
    }
  }
  if (ops.size === 0) throw new OptionProblem(`at least one of ${OP_KINDS.join(", ")}`, { got: value });
  return ops;
}

const SHARD = /^\s*(\d+)\s*\/\s*(\d+)\s*$/;
const MAX_SHARDS = 10_000;

/** `i/n`, 0-based: 0 ≤ i < n ≤ 10000. */
function parseShard(value: unknown): Shard {
  const text = typeof value === "string" ? value : "";
  const match = SHARD.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (
    !match ||
    !Number.isSafeInteger(index) ||
    !Number.isSafeInteger(count) ||
    count < 1 ||
    count > MAX_SHARDS
  )
    throw new OptionProblem(
      `<i>/<n> with n from 1 to ${MAX_SHARDS} and i from 0 to n−1 (0-based, like JOB_COMPLETION_INDEX)`,
      { got: value },
    );
  if (index >= count)
    throw new OptionProblem(`an index from 0 to ${count - 1} for ${count} shards (it is 0-based)`, {
      got: value,
      example: `${count - 1}/${count}`,
      hint: `Shards are numbered from 0: the last of ${count} is ${count - 1}/${count}.`,
    });
  return { index, count };
}
