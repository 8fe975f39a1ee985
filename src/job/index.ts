import { readFileSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, extname, isAbsolute, join, resolve } from "node:path";
import type { RunConfig } from "../config.js";
import { ConfigError } from "../errors.js";
import { KNOWN_COLUMNS, USER_ALIASES } from "../read/index.js";
import { OP_KINDS, type OpKind } from "../types.js";
import { PLANS, type Plan } from "../zoom/labels.js";
import { compileTransforms, type FieldsTransform } from "./transform.js";

export { compileTransforms, type FieldsTransform } from "./transform.js";

/**
 * Job definitions (`jobs/*.json`): everything a scheduled or one-off run needs, in one reviewed
 * file, so that cron, a Kubernetes CronJob and an operator at a terminal run the same thing.
 *
 * Paths in a job file are relative to the job file's folder. `results`, `report` and `state` may
 * hold `{date}` (UTC YYYY-MM-DD), `{time}` (UTC HHMMSS), `{job}` (the job's name) and `{file}`
 * (the manifest's name without its extension). `manifest` may be a glob in its last path segment
 * (`exports/workday-*.csv`); `pick` says which matches run: `latest` (default; the last by name,
 * as HR exports carry a date in the name) or `all` (each in turn, in name order).
 *
 * Every key is checked here, once, and a mistake names the key, what was expected and what arrived.
 */
export interface JobFile {
  name?: string;
  description?: string;
  manifest: string;
  pick?: "latest" | "all";
  /** HR export header → canonical column (or alias), or null to ignore the column. */
  columns?: Record<string, string | null>;
  /** Canonical column (or `*` for every text cell) → steps, applied after the column mapping. */
  transforms?: Record<string, unknown[]>;
  plan?: Plan;
  share?: number;
  concurrency?: number;
  only?: OpKind[] | string;
  assets_dir?: string;
  results: string;
  report?: string;
  state?: string;
  redis?: string;
  shard?: string;
  safety?: { max_failure_rate?: number; max_operations?: number };
}

/** One manifest of the job, with its own results (and report) paths. */
export interface JobRun {
  manifest: string;
  results: string;
  report?: string;
}

export interface Job {
  path: string;
  name: string;
  description?: string;
  runs: JobRun[];
  /** The run settings every manifest of the job shares (RunConfig minus the per-run paths). */
  config: Omit<RunConfig, "zoom" | "manifest" | "results">;
  transform?: FieldsTransform;
  /** Settings the job runner turns into run settings (state folder, Redis, shard, safety rails). */
  state?: string;
  redis?: string;
  shard?: { index: number; count: number };
  safety?: { max_failure_rate?: number; max_operations?: number };
}

const KEYS = [
  "$schema",
  "name",
  "description",
  "manifest",
  "pick",
  "columns",
  "transforms",
  "plan",
  "share",
  "concurrency",
  "only",
  "assets_dir",
  "results",
  "report",
  "state",
  "redis",
  "shard",
  "safety",
] as const;
const SAFETY_KEYS = ["max_failure_rate", "max_operations"] as const;

export interface LoadJobOptions {
  /** For `{date}` and `{time}`; default now. */
  now?: Date;
}

/** Reads, checks and resolves a job file. Throws ConfigError naming the key for any mistake. */
export function loadJob(path: string, options: LoadJobOptions = {}): Job {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(
      `Cannot read job file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
      "E_JOB",
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`Job file ${path} is not valid JSON: ${(error as Error).message}.`, "E_JOB");
  }
  return checkJob(raw, path, options);
}

/** Checks a parsed job definition; `path` locates relative paths and names the file in messages. */
export function checkJob(raw: unknown, path: string, options: LoadJobOptions = {}): Job {
  const fail = (key: string, message: string): never => {
    throw new ConfigError(`Job file ${path}: "${key}": ${message}`, "E_JOB");
  };
  if (!isObject(raw)) throw new ConfigError(`Job file ${path}: expected a JSON object at the top.`, "E_JOB");
  for (const key of Object.keys(raw))
    if (!(KEYS as readonly string[]).includes(key)) {
      const guess = KEYS.find((k) => near(k, key));
      fail(
        key,
        `unknown key.${guess ? ` Did you mean "${guess}"?` : ""} Known keys: ${KEYS.slice(1).join(", ")}.`,
      );
    }

  const dir = dirname(resolve(path));
  const at = (p: string): string => (isAbsolute(p) ? p : join(dir, p));
  const str = (key: string, required: boolean): string | undefined => {
    const v = raw[key];
    if (v === undefined) return required ? fail(key, "is required.") : undefined;
    if (typeof v !== "string" || v.trim() === "")
      return fail(key, `expected a non-empty string, got ${show(v)}.`);
    return v;
  };

  const name = str("name", false) ?? basename(path, extname(path));
  if (!/^[\w.-]+$/.test(name))
    fail("name", `expected letters, digits, ".", "_" or "-" (it goes into file names), got ${show(name)}.`);
  const description = str("description", false);
  const manifestPattern = str("manifest", true) as string;
  const pick = raw.pick ?? "latest";
  if (pick !== "latest" && pick !== "all") fail("pick", `expected "latest" or "all", got ${show(pick)}.`);

  const resultsTemplate = str("results", true) as string;
  if (![".csv", ".jsonl"].includes(extname(resultsTemplate).toLowerCase()))
    fail("results", `expected a file ending in .csv or .jsonl, got ${show(resultsTemplate)}.`);
  const reportTemplate = str("report", false);
  if (reportTemplate !== undefined && extname(reportTemplate).toLowerCase() !== ".html")
    fail("report", `expected a file ending in .html, got ${show(reportTemplate)}.`);

  const plan = raw.plan ?? "pro";
  if (typeof plan !== "string" || !(PLANS as readonly string[]).includes(plan))
    fail("plan", `expected one of ${PLANS.join(", ")}, got ${show(plan)}.`);
  const share = raw.share ?? 0.8;
  if (typeof share !== "number" || !(share > 0 && share <= 1))
    fail(
      "share",
      `expected a number above 0 and at most 1 (the share of the account's rate limits), got ${show(share)}.`,
    );
  const concurrency = raw.concurrency;
  if (
    concurrency !== undefined &&
    (!Number.isInteger(concurrency) || (concurrency as number) < 1 || (concurrency as number) > 1000)
  )
    fail("concurrency", `expected a whole number from 1 to 1000, got ${show(concurrency)}.`);
  const only = checkOnly(raw.only, fail);
  const assetsDir = str("assets_dir", false);

  const mapping = checkColumns(raw.columns, fail);
  const transform =
    raw.transforms === undefined
      ? undefined
      : compileTransforms(raw.transforms, (key, msg) => fail(`transforms${key}`, msg));

  const state = str("state", false);
  const redis = str("redis", false);
  if (redis !== undefined && !/^rediss?:\/\//.test(redis))
    fail("redis", `expected a redis:// or rediss:// URL, got ${show(redis)}.`);
  const shardText = str("shard", false);
  let shard: Job["shard"];
  if (shardText !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(shardText);
    const index = Number(m?.[1]);
    const count = Number(m?.[2]);
    if (!m || count < 1 || index >= count)
      fail(
        "shard",
        `expected "<index>/<count>" with 0 <= index < count (for example "0/4"), got ${show(shardText)}.`,
      );
    shard = { index, count };
  }
  const safety = checkSafety(raw.safety, fail);

  const now = options.now ?? new Date();
  const iso = now.toISOString();
  const fill = (template: string, file: string): string =>
    template
      .replaceAll("{date}", iso.slice(0, 10))
      .replaceAll("{time}", iso.slice(11, 19).replaceAll(":", ""))
      .replaceAll("{job}", name)
      .replaceAll("{file}", file);

  let manifests = expandGlob(at(manifestPattern), (msg) => fail("manifest", msg));
  if (pick === "latest") manifests = manifests.slice(-1);
  if (manifests.length > 1 && !resultsTemplate.includes("{file}"))
    fail(
      "results",
      `"pick": "all" matched ${manifests.length} files; put {file} in the results name so each gets its own results file.`,
    );
  const runs = manifests.map((manifest): JobRun => {
    const file = basename(manifest, extname(manifest));
    return {
      manifest,
      results: at(fill(resultsTemplate, file)),
      ...(reportTemplate ? { report: at(fill(reportTemplate, file)) } : {}),
    };
  });

  return {
    path,
    name,
    ...(description ? { description } : {}),
    runs,
    config: {
      plan: plan as Plan,
      share: share as number,
      ...(concurrency !== undefined ? { concurrency: concurrency as number } : {}),
      ...(only ? { only } : {}),
      ...(assetsDir ? { assetsDir: at(assetsDir) } : {}),
      ...(mapping ? { mapping } : {}),
    },
    ...(transform ? { transform } : {}),
    ...(state ? { state: at(fill(state, name)) } : {}),
    ...(redis ? { redis } : {}),
    ...(shard ? { shard } : {}),
    ...(safety ? { safety } : {}),
  };
}

type Fail = (key: string, message: string) => never;

function checkOnly(value: unknown, fail: Fail): ReadonlySet<OpKind> | undefined {
  if (value === undefined) return undefined;
  const parts = typeof value === "string" ? value.split(",") : Array.isArray(value) ? value : null;
  if (!parts) return fail("only", `expected a list of ${OP_KINDS.join(", ")}, got ${show(value)}.`);
  const ops = new Set<OpKind>();
  for (const part of parts) {
    const op = typeof part === "string" ? part.trim() : part;
    if (typeof op !== "string" || !(OP_KINDS as readonly string[]).includes(op))
      fail("only", `expected a list of ${OP_KINDS.join(", ")}, got ${show(part)} in it.`);
    ops.add(op as OpKind);
  }
  if (ops.size === 0) fail("only", `expected at least one of ${OP_KINDS.join(", ")}.`);
  return ops;
}

function checkColumns(value: unknown, fail: Fail): Record<string, string | null> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value))
    return fail(
      "columns",
      `expected an object of export header -> manifest column (or null to ignore), got ${show(value)}.`,
    );
  const known = new Set([...KNOWN_COLUMNS, ...USER_ALIASES].map((c) => c.toLowerCase()));
  const mapping: Record<string, string | null> = {};
  for (const [header, target] of Object.entries(value)) {
    if (target !== null && typeof target !== "string")
      fail(
        `columns.${header}`,
        `expected a manifest column name or null (to ignore the column), got ${show(target)}.`,
      );
    if (typeof target === "string" && !known.has(target.trim().toLowerCase())) {
      const guess = [...KNOWN_COLUMNS, ...USER_ALIASES].find((c) => near(c, target));
      fail(
        `columns.${header}`,
        `${show(target)} is not a manifest column.${guess ? ` Did you mean "${guess}"?` : ""} Use one of: ${KNOWN_COLUMNS.join(", ")}, or null to ignore the column.`,
      );
    }
    mapping[header] = target as string | null;
  }
  return mapping;
}

function checkSafety(value: unknown, fail: Fail): Job["safety"] {
  if (value === undefined) return undefined;
  if (!isObject(value))
    return fail("safety", `expected an object with ${SAFETY_KEYS.join(", ")}, got ${show(value)}.`);
  const out: NonNullable<Job["safety"]> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === "max_failure_rate") {
      if (typeof v !== "number" || !(v > 0 && v <= 1))
        fail(
          "safety.max_failure_rate",
          `expected a number above 0 and at most 1 (0.05 stops the run when 5% fail), got ${show(v)}.`,
        );
      out.max_failure_rate = v as number;
    } else if (key === "max_operations") {
      if (!Number.isInteger(v) || (v as number) < 1)
        fail(
          "safety.max_operations",
          `expected a whole number of at least 1 (the most operations one run may send), got ${show(v)}.`,
        );
      out.max_operations = v as number;
    } else fail(`safety.${key}`, `unknown key; known keys: ${SAFETY_KEYS.join(", ")}.`);
  }
  return out;
}

/** `*` and `?` in the last path segment only; matches sorted by name. */
export function expandGlob(pattern: string, fail: (message: string) => never): string[] {
  const name = basename(pattern);
  if (!/[*?]/.test(name)) {
    if (!isFile(pattern)) fail(`no such file: ${pattern}.`);
    return [pattern];
  }
  const dir = dirname(pattern);
  if (/[*?]/.test(dir)) fail(`wildcards are allowed in the file name only, got ${show(pattern)}.`);
  const re = new RegExp(
    "^" +
      name
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replaceAll("*", ".*")
        .replaceAll("?", ".") +
      "$",
  );
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return fail(`no such folder: ${dir}.`);
  }
  const matches = entries
    .filter((e) => re.test(e))
    .sort()
    .map((e) => join(dir, e))
    .filter(isFile);
  if (matches.length === 0) fail(`no file matches ${pattern}.`);
  return matches;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function show(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? text.slice(0, 57) + "..." : text;
}

/** One edit (or one swap of neighbours) apart, or the same ignoring case, `-` and `_`. */
function near(a: string, b: string): boolean {
  const norm = (s: string): string => s.toLowerCase().replace(/[-_]/g, "");
  const x = norm(a);
  const y = norm(b);
  if (x === y) return true;
  if (Math.abs(x.length - y.length) > 1) return false;
  let i = 0;
  while (i < x.length && x[i] === y[i]) i++;
  const swapped = x[i] === y[i + 1] && x[i + 1] === y[i] && x.slice(i + 2) === y.slice(i + 2);
  return (
    swapped ||
    x.slice(i + 1) === y.slice(i + 1) ||
    x.slice(i + 1) === y.slice(i) ||
    x.slice(i) === y.slice(i + 1)
  );
}
