import { existsSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { readOption, type OptionName, type OptionSource } from "./config/options.js";
import { ConfigError } from "./errors.js";
import type { PruneLimit, PruneScope } from "./desired/scope.js";
import { defaultRedisPrefix } from "./limit/index.js";
import { checkUrl } from "./send/auth.js";
import type { Shard } from "./shard.js";
import type { OpKind } from "./types.js";
import type { Plan } from "./zoom/labels.js";

/**
 * Configuration is validated once, at the boundary: every option goes through its parser in
 * `config/options.ts` (flags and job-file keys alike), and `RunConfig` is what the run core gets.
 */
export {
  DEFAULT_PLAN,
  DEFAULT_SHARE,
  LOG_LEVELS,
  OPTIONS,
  PROGRESS_MODES,
  readOption,
  type LogLevel,
  type OptionName,
  type OptionSource,
  type OptionSpec,
  type ProgressMode,
} from "./config/options.js";

/** Where the job sends requests and how it authenticates. */
export interface ZoomTarget {
  apiUrl: string;
  oauthUrl: string;
  auth:
    | { kind: "s2s"; accountId: string; clientId: string; clientSecret: string }
    | { kind: "token"; token: string };
}

export interface RunConfig {
  manifest: string;
  /** Results file (`.csv` or `.jsonl`); its summary goes to `<results>.summary.json`. */
  results: string;
  /** The account's plan, for its rate limits (`--plan`, default `pro`). */
  plan: Plan;
  /** Share of the account's per-label budget this job may use (0 < share ≤ 1; `--share`, default 0.8). */
  share: number;
  /** Rows in flight at once; by default derived from the plan's rates. */
  concurrency?: number;
  only?: ReadonlySet<OpKind>;
  assetsDir?: string;
  /**
   * CSV field separator (`--delimiter`, one character). Absent: the reader tells it from the
   * header line (comma, semicolon or tab), as HR systems in many locales export with `;`.
   */
  delimiter?: string;
  /** Column mapping from a job definition: header → canonical column, or null to ignore it. */
  mapping?: Record<string, string | null>;
  /** Value transforms from a job definition, applied to each record's fields before planning. */
  transform?: (fields: Record<string, unknown>) => Record<string, unknown>;
  zoom: ZoomTarget;
  /** Share the budget with other processes through Redis (--redis, --redis-prefix). */
  redis?: { url: string; prefix?: string };
  /** Take only this shard's users (--shard i/n, 0-based); `results` is then the shard's own file. */
  shard?: Shard;
  /** Failure-rate breaker threshold over the last 200 operations that reached Zoom (default 0.5). */
  maxFailureRate?: number;
  /**
   * Mass-change breaker: the run stops (exit 5) rather than send more than this many operations,
   * for the night an HR export changes everyone by mistake.
   */
  maxOperations?: number;
  /**
   * Desired state (`--diff`): read what Zoom holds for the manifest's users before sending, and send
   * only the fields that differ; what already matches is `unchanged`.
   */
  diff?: boolean;
  /** Rows with action delete/disassociate may run (`--allow-delete`); without it they stop the run (exit 2). */
  allowDelete?: boolean;
  /** Mass-delete breaker (default 25): more deletes than this stop the run (exit 5) before sending. */
  maxDeletes?: number;
  /**
   * `--prune` (needs `diff` and `scope`): deactivate the scope's active users the manifest does not
   * name (op `status`, target `prune`, row 0), after the manifest's rows.
   */
  prune?: boolean;
  /** `--scope`: the users `--prune` may deactivate (`domain:`, `group:`, `dept:`); only with `prune`. */
  scope?: PruneScope;
  /** Mass-prune breaker (`--max-prune`, default 5% of the scope's active users): more stop the run (exit 5) before sending. */
  maxPrune?: PruneLimit;
  /**
   * Send only what the results file does not already hold as `ok` or `unchanged`. With no results
   * file yet the run is a fresh one, so cron can always pass `--resume`.
   */
  resume?: boolean;
  /** Incremental sync: where the fingerprints of what was applied live (a LevelDB folder). */
  state?: string;
  /** After SIGINT/SIGTERM, how long requests in flight may take before they are abandoned (ms). */
  drainTimeoutMs?: number;
  /**
   * How long one request may take, to connect and for Zoom's answer, before it counts as a network
   * failure and is retried (ms; `--request-timeout` in seconds). Absent: the sender's defaults
   * (10 s to connect, 60 s for an answer). Shorter finds a hung connection sooner; too short fails
   * large uploads on a slow link.
   */
  requestTimeoutMs?: number;
  /**
   * `validate` (and `run --dry-run`) only: also write the records with invalid operations to this
   * file, in the manifest's own format, to fix and run like any manifest (`--invalid-rows`).
   */
  invalidRows?: string;
}

/** The settings of a run that flags and job files both give (everything but the paths and the target). */
export type RunSettings = Pick<
  RunConfig,
  | "plan"
  | "share"
  | "only"
  | "assetsDir"
  | "delimiter"
  | "concurrency"
  | "shard"
  | "redis"
  | "maxFailureRate"
  | "maxOperations"
  | "diff"
  | "allowDelete"
  | "maxDeletes"
  | "prune"
  | "scope"
  | "maxPrune"
  | "state"
  | "requestTimeoutMs"
>;

/** Raw values of options as flags or job keys gave them (undefined: absent). */
export type RawOptions = Partial<Record<OptionName, unknown>>;

/**
 * The run settings from raw option values, each read through its one parser. `env` gives the
 * default Redis prefix (the budget belongs to the account: `zoom-bulk:<ZOOM_ACCOUNT_ID>`).
 */
export function readRunSettings(
  raw: RawOptions,
  source: OptionSource,
  env: NodeJS.ProcessEnv = {},
): RunSettings {
  const read = <N extends OptionName>(name: N) => readOption(name, raw[name], source);
  const only = read("only");
  const assetsDir = read("assetsDir");
  const delimiter = read("delimiter");
  const concurrency = read("concurrency");
  const shard = read("shard");
  const redis = read("redis");
  const redisPrefix = read("redisPrefix");
  const maxOperations = read("maxOperations");
  const state = read("state");
  const requestTimeoutMs = read("requestTimeoutMs");
  const prune = checkPrune(read("prune"), read("scope"), read("maxPrune"), read("diff"), only, source);
  if (redisPrefix !== undefined && redis === undefined)
    throw new ConfigError(
      "--redis-prefix: the prefix of a budget shared through Redis, but no --redis was given. Add --redis redis://host:port, or drop --redis-prefix.",
    );
  return {
    plan: read("plan"),
    share: read("share"),
    maxFailureRate: read("maxFailureRate"),
    diff: read("diff"),
    allowDelete: read("allowDelete"),
    maxDeletes: read("maxDeletes"),
    ...(only ? { only } : {}),
    ...(assetsDir !== undefined ? { assetsDir } : {}),
    ...(delimiter !== undefined ? { delimiter } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(shard ? { shard } : {}),
    ...(redis !== undefined
      ? { redis: { url: redis, prefix: redisPrefix ?? defaultRedisPrefix(env.ZOOM_ACCOUNT_ID) } }
      : {}),
    ...(maxOperations !== undefined ? { maxOperations } : {}),
    ...(state !== undefined ? { state } : {}),
    ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
    ...prune,
  };
}

/**
 * `--prune` deactivates users no row names, so it comes only with what makes that safe: `--diff`
 * (what Zoom holds is read first) and `--scope` (which users the manifest is the whole truth for).
 * `--scope` and `--max-prune` without `--prune` are refused rather than silently ignored.
 */
function checkPrune(
  prune: boolean | undefined,
  scope: PruneScope | undefined,
  maxPrune: PruneLimit | undefined,
  diff: boolean,
  only: ReadonlySet<OpKind> | undefined,
  source: OptionSource,
): Pick<RunConfig, "prune" | "scope" | "maxPrune"> {
  const job = source !== "flag";
  const name = (flag: string, key: string): string => (job ? `"${key}"` : `--${flag}`);
  const fail = (message: string): never => {
    throw new ConfigError(job ? `Job file ${source.job}: ${message}` : message, job ? "E_JOB" : "E_CONFIG");
  };
  if (prune !== true) {
    if (scope !== undefined)
      fail(
        `${name("scope", "scope")}: a scope only says which users ${name("prune", "prune")} may deactivate, and ${name("prune", "prune")} was not given. Add ${name("prune", "prune")} (with ${name("diff", "diff")}), or drop ${name("scope", "scope")}.`,
      );
    if (maxPrune !== undefined)
      fail(
        `${name("max-prune", "safety.max_prune")}: a limit of ${name("prune", "prune")}, which was not given. Add ${name("prune", "prune")} (with ${name("diff", "diff")} and ${name("scope", "scope")}), or drop ${name("max-prune", "safety.max_prune")}.`,
      );
    return {};
  }
  if (!diff)
    fail(
      `${name("prune", "prune")} deactivates users the manifest does not name, which needs what Zoom holds read first: add ${name("diff", "diff")}.`,
    );
  if (scope === undefined)
    fail(
      `${name("prune", "prune")} needs ${name("scope", "scope")}: the users the manifest is the whole truth for (domain:<email domain>, group:<group id> or dept:<department name>). Add for example ${job ? `"scope": "domain:corp.example"` : "--scope domain:corp.example"}.`,
    );
  if (only !== undefined && !only.has("status"))
    fail(
      `${name("prune", "prune")} deactivates users (operation status), which ${name("only", "only")} leaves out. Add status to ${name("only", "only")}, or drop ${name("prune", "prune")}.`,
    );
  return { prune: true, scope: scope as PruneScope, ...(maxPrune !== undefined ? { maxPrune } : {}) };
}

/**
 * The results file when none is named: `<manifest name without its extension>.results.csv` in the
 * manifest's folder (`exports/hr.csv` → `exports/hr.results.csv`).
 */
export function defaultResultsPath(manifest: string): string {
  return join(dirname(manifest), `${basename(manifest, extname(manifest))}.results.csv`);
}

/** A results file named on the command line must go into a folder that exists (a typo is not created). */
export function checkResultsFolder(path: string): string {
  const folder = dirname(resolve(path));
  if (!existsSync(folder))
    throw new ConfigError(
      `--results: the folder ${folder} does not exist; create it or choose another path (got "${path}").`,
    );
  return path;
}

/** Reads credentials and endpoints from the environment (PRODUCT.md "Command line"). */
export function zoomTargetFromEnv(env: NodeJS.ProcessEnv): ZoomTarget {
  const apiUrl = checkUrl(env.ZOOM_API_URL || "https://api.zoom.us/v2", "ZOOM_API_URL");
  const oauthUrl = checkUrl(env.ZOOM_OAUTH_URL || "https://zoom.us/oauth/token", "ZOOM_OAUTH_URL");
  if (env.ZOOM_ACCESS_TOKEN)
    return { apiUrl, oauthUrl, auth: { kind: "token", token: env.ZOOM_ACCESS_TOKEN } };
  const missing = ["ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET"].filter((name) => !env[name]);
  if (missing.length > 0)
    throw new ConfigError(
      `Missing ${missing.join(", ")}: set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET from your Server-to-Server OAuth app (or ZOOM_ACCESS_TOKEN), or use --sandbox to try a run without a Zoom account.`,
    );
  return {
    apiUrl,
    oauthUrl,
    auth: {
      kind: "s2s",
      accountId: env.ZOOM_ACCOUNT_ID as string,
      clientId: env.ZOOM_CLIENT_ID as string,
      clientSecret: env.ZOOM_CLIENT_SECRET as string,
    },
  };
}

/** The closest of `candidates` to a mistyped `name` (case, `-` and `_` aside), if one is near enough. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, "");
  const wanted = norm(name);
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(wanted.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(wanted, norm(candidate));
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** Levenshtein distance with swaps of neighbours counted as one edit; names are short. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => rows[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, at(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = d;
    }
  return at(a.length, b.length);
}
