import { existsSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { ConfigError } from "./errors.js";
import { checkUrl } from "./send/auth.js";
import type { Shard } from "./shard.js";
import { OP_KINDS, type OpKind } from "./types.js";
import { PLANS, type Plan } from "./zoom/labels.js";

/**
 * Configuration is validated here, once, at the boundary. Every message names the option, what was
 * expected, what arrived, and the fix.
 */

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
  plan: Plan;
  /** Share of the account's per-label budget this job may use (0 < share ≤ 1). */
  share: number;
  /** Rows in flight at once; by default derived from the plan's rates. */
  concurrency?: number;
  only?: ReadonlySet<OpKind>;
  assetsDir?: string;
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
  /** Send only what the results file does not already hold as `ok` or `unchanged`. */
  resume?: boolean;
  /** Incremental sync: where the fingerprints of what was applied live (a LevelDB folder). */
  state?: string;
  /** After SIGINT/SIGTERM, how long requests in flight may take before they are abandoned (ms). */
  drainTimeoutMs?: number;
  /**
   * Multiplies the plan's per-window limits. Only for tests and benchmarks against a sandbox
   * started with the same `limitsScale`, so they take seconds instead of minutes; never a flag.
   */
  limitsScale?: number;
}

export const DEFAULT_PLAN: Plan = "pro";
/** Every app on the account spends the same budget; leave some of it to the others. */
export const DEFAULT_SHARE = 0.8;

export function parsePlan(value: unknown): Plan {
  if (value === undefined) return DEFAULT_PLAN;
  const text = String(value).toLowerCase();
  if ((PLANS as readonly string[]).includes(text)) return text as Plan;
  throw new ConfigError(
    `--plan: expected one of ${PLANS.join(", ")}, got "${String(value)}". Use the plan of the Zoom account (Business, Education and Enterprise are "business").`,
  );
}

export function parseShare(value: unknown): number {
  if (value === undefined) return DEFAULT_SHARE;
  const share = Number(value);
  if (!Number.isFinite(share) || share <= 0 || share > 1)
    throw new ConfigError(
      `--share: expected a number above 0 and at most 1 (the share of the account's rate limits this job may use), got "${String(value)}". Try --share 0.5.`,
    );
  return share;
}

export function parseConcurrency(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new ConfigError(`--concurrency: expected a whole number from 1 to 1000, got "${String(value)}".`);
  return n;
}

export function parseOnly(value: unknown): ReadonlySet<OpKind> | undefined {
  if (value === undefined) return undefined;
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(","));
  const ops = new Set<OpKind>();
  for (const part of parts.map((p) => p.trim()).filter(Boolean)) {
    const op = part === "background" || part === "virtual_backgrounds" ? "virtual_background" : part;
    if (!(OP_KINDS as readonly string[]).includes(op))
      throw new ConfigError(
        `--only: expected a comma-separated list of ${OP_KINDS.join(", ")}, got "${part}".`,
      );
    ops.add(op as OpKind);
  }
  if (ops.size === 0) throw new ConfigError(`--only: expected at least one of ${OP_KINDS.join(", ")}.`);
  return ops;
}

export function parseMaxOperations(value: unknown): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new ConfigError(`--max-operations: expected a whole number of at least 1, got "${String(value)}".`);
  return n;
}

/** `<manifest folder>/<manifest name>.results.csv` */
export function defaultResultsPath(manifest: string): string {
  return join(dirname(manifest), `${basename(manifest, extname(manifest))}.results.csv`);
}

export function checkResultsPath(path: string): string {
  const ext = extname(path).toLowerCase();
  if (ext !== ".csv" && ext !== ".jsonl")
    throw new ConfigError(`--results: expected a file ending in .csv or .jsonl, got "${path}".`);
  if (!existsSync(dirname(resolve(path))))
    throw new ConfigError(
      `--results: the folder ${dirname(resolve(path))} does not exist; create it or choose another path.`,
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
