import { readFileSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, extname, isAbsolute, join, resolve } from "node:path";
import {
  OPTIONS,
  closestName,
  readOption,
  readRunSettings,
  type OptionName,
  type RawOptions,
  type RunConfig,
  type RunSettings,
} from "../config.js";
import { show } from "../config/options.js";
import { ConfigError } from "../errors.js";
import { KNOWN_COLUMNS, USER_ALIASES } from "../read/index.js";
import { compileTransforms } from "./transform.js";

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
 * Run settings (`plan`, `share`, `concurrency`, `only`, `assets_dir`, `delimiter`,
 * `request_timeout`, `state`, `redis`, `shard`, `safety`) are read by the same parsers as the
 * flags (config/options.ts): one default, one range, one message. Every key is checked here, once,
 * before anything is read or sent, and a mistake names the key, what was expected and what arrived.
 *
 * `strict` (default true): with a `columns` mapping, every column of the export must be mapped or
 * ignored (`null`); a column the mapping does not name stops the job (exit 2) instead of reaching
 * Zoom because its header happens to be a manifest column (`Type`, `Company`). A job file written
 * before `strict` existed is strict too: the stop names the column and the fix, and nothing is
 * sent. `"strict": false` restores the old behaviour (unmapped columns with a manifest column's
 * name are used as they are).
 */
export interface JobFile {
  name?: string;
  description?: string;
  manifest: string;
  pick?: "latest" | "all";
  /** HR export header → canonical column (or alias), or null to ignore the column. */
  columns?: Record<string, string | null>;
  /** Every column of the export must be in `columns` (default true). */
  strict?: boolean;
  /** Canonical column (or `*` for every text cell) → steps, applied after the column mapping. */
  transforms?: Record<string, unknown[]>;
  plan?: string;
  share?: number;
  concurrency?: number;
  only?: string[] | string;
  assets_dir?: string;
  delimiter?: string;
  /** Seconds, as `--request-timeout`. */
  request_timeout?: number;
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

/** The run settings every manifest of a job shares: RunConfig minus the per-run paths and the target. */
export type JobConfig = RunSettings & Pick<RunConfig, "mapping" | "transform">;

export interface Job {
  path: string;
  name: string;
  description?: string;
  runs: JobRun[];
  config: JobConfig;
  /** Every export column must be mapped or ignored (see `strict` above); only matters with a mapping. */
  strict: boolean;
}

/** The job-file keys of run options (`assets_dir`, `safety.max_operations`, …), from the options table. */
const OPTION_KEYS: [OptionName, string][] = Object.entries(OPTIONS).flatMap(([name, spec]) =>
  "jobKey" in spec ? [[name as OptionName, spec.jobKey]] : [],
);
const SAFETY_KEYS = OPTION_KEYS.map(([, key]) => key.split(".")).flatMap(([outer, inner]) =>
  outer === "safety" && inner ? [inner] : [],
);
const KEYS = [
  "$schema",
  "name",
  "description",
  "manifest",
  "pick",
  "columns",
  "strict",
  "transforms",
  ...new Set(OPTION_KEYS.map(([, key]) => key.split(".")[0] as string)),
];

export interface LoadJobOptions {
  /** For `{date}` and `{time}`; default now. */
  now?: Date;
  /** For the default Redis prefix (`ZOOM_ACCOUNT_ID`). */
  env?: NodeJS.ProcessEnv;
}

/** Reads, checks and resolves a job file. Throws ConfigError naming the key for any mistake. */
export function loadJob(path: string, options: LoadJobOptions = {}): Job {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(
      `Cannot read job file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}. Check the path (jobs/<name>.json).`,
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

type Fail = (key: string, message: string) => never;

/** Checks a parsed job definition; `path` locates relative paths and names the file in messages. */
export function checkJob(raw: unknown, path: string, options: LoadJobOptions = {}): Job {
  const fail: Fail = (key, message) => {
    throw new ConfigError(`Job file ${path}: "${key}": ${message}`, "E_JOB");
  };
  if (!isObject(raw)) throw new ConfigError(`Job file ${path}: expected a JSON object at the top.`, "E_JOB");
  checkKeys(raw, KEYS, "", fail);
  if (raw.safety !== undefined) {
    if (!isObject(raw.safety))
      fail("safety", `expected an object with ${SAFETY_KEYS.join(", ")}, got ${show(raw.safety)}.`);
    checkKeys(raw.safety, SAFETY_KEYS, "safety.", fail);
  }

  const dir = dirname(resolve(path));
  const at = (p: string): string => (isAbsolute(p) ? p : join(dir, p));
  const name = text(raw, "name", fail) ?? basename(path, extname(path));
  if (!/^[\w.-]+$/.test(name))
    fail("name", `expected letters, digits, ".", "_" or "-" (it goes into file names), got ${show(name)}.`);
  const description = text(raw, "description", fail);
  const strict = raw.strict ?? true;
  if (typeof strict !== "boolean")
    fail("strict", `expected true (every column mapped or ignored) or false, got ${show(strict)}.`);

  const source = { job: path };
  const settings = readRunSettings(jobOptionValues(raw), source, options.env ?? {});
  if (raw.results === undefined) fail("results", "is required.");
  const resultsTemplate = readOption("results", raw.results, source) as string;
  const reportTemplate = readOption("report", raw.report, source);
  const mapping = checkColumns(raw.columns, fail);
  const transform =
    raw.transforms === undefined
      ? undefined
      : compileTransforms(raw.transforms, (key, msg) => fail(`transforms${key}`, msg));

  const fill = fillTemplate(name, options.now ?? new Date());
  const runs = jobRuns(raw, fail, at, {
    results: resultsTemplate,
    ...(reportTemplate !== undefined ? { report: reportTemplate } : {}),
    fill,
  });
  return {
    path,
    name,
    ...(description ? { description } : {}),
    runs,
    strict: strict as boolean,
    config: {
      ...settings,
      ...(settings.assetsDir !== undefined ? { assetsDir: at(settings.assetsDir) } : {}),
      ...(settings.state !== undefined ? { state: at(fill(settings.state, name)) } : {}),
      ...(mapping ? { mapping } : {}),
      ...(transform ? { transform } : {}),
    },
  };
}

/** The job's option keys as raw option values (`assets_dir` → assetsDir), for readRunSettings. */
function jobOptionValues(raw: Record<string, unknown>): RawOptions {
  const values: RawOptions = {};
  for (const [name, key] of OPTION_KEYS) {
    const [outer = "", inner] = key.split(".");
    const value =
      inner === undefined ? raw[outer] : (raw[outer] as Record<string, unknown> | undefined)?.[inner];
    if (value !== undefined) values[name] = value;
  }
  return values;
}

/** The manifests the job runs (a glob, latest or all), each with its results and report paths. */
function jobRuns(
  raw: Record<string, unknown>,
  fail: Fail,
  at: (p: string) => string,
  paths: { results: string; report?: string; fill: (template: string, file: string) => string },
): JobRun[] {
  const pattern = text(raw, "manifest", fail) ?? fail("manifest", "is required.");
  const pick = raw.pick ?? "latest";
  if (pick !== "latest" && pick !== "all") fail("pick", `expected "latest" or "all", got ${show(pick)}.`);
  let manifests = expandGlob(at(pattern), (msg) => fail("manifest", msg));
  if (pick === "latest") manifests = manifests.slice(-1);
  if (manifests.length > 1 && !paths.results.includes("{file}"))
    fail(
      "results",
      `"pick": "all" matched ${manifests.length} files; put {file} in the results name so each gets its own results file.`,
    );
  return manifests.map((manifest): JobRun => {
    const file = basename(manifest, extname(manifest));
    return {
      manifest,
      results: at(paths.fill(paths.results, file)),
      ...(paths.report !== undefined ? { report: at(paths.fill(paths.report, file)) } : {}),
    };
  });
}

/** Fills `{date}`, `{time}` (UTC), `{job}` and `{file}` in a file name. */
function fillTemplate(job: string, now: Date): (template: string, file: string) => string {
  const iso = now.toISOString();
  return (template, file) =>
    template
      .replaceAll("{date}", iso.slice(0, 10))
      .replaceAll("{time}", iso.slice(11, 19).replaceAll(":", ""))
      .replaceAll("{job}", job)
      .replaceAll("{file}", file);
}

function checkKeys(raw: Record<string, unknown>, known: readonly string[], prefix: string, fail: Fail): void {
  for (const key of Object.keys(raw)) {
    if (known.includes(key)) continue;
    const guess = closestName(key, known);
    fail(
      `${prefix}${key}`,
      `unknown key.${guess ? ` Did you mean "${guess}"?` : ""} Known keys: ${known.filter((k) => k !== "$schema").join(", ")}.`,
    );
  }
}

function text(raw: Record<string, unknown>, key: string, fail: Fail): string | undefined {
  const v = raw[key];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v.trim() === "")
    return fail(key, `expected a non-empty string, got ${show(v)}.`);
  return v;
}

const MANIFEST_COLUMNS = [...KNOWN_COLUMNS, ...USER_ALIASES];

/** The canonical column a mapping target names (`Email` → user, `First_Name` → first_name). */
export function canonicalColumn(target: string): string | undefined {
  const lower = target.trim().toLowerCase();
  if (USER_ALIASES.some((a) => a.toLowerCase() === lower)) return "user";
  return KNOWN_COLUMNS.find((c) => c.toLowerCase() === lower);
}

function checkColumns(value: unknown, fail: Fail): Record<string, string | null> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value))
    return fail(
      "columns",
      `expected an object of export header -> manifest column (or null to ignore), got ${show(value)}.`,
    );
  // No prototype: an export header named `__proto__` or `constructor` is a column like any other.
  const mapping: Record<string, string | null> = Object.create(null) as Record<string, string | null>;
  for (const [header, target] of Object.entries(value)) {
    if (target !== null && typeof target !== "string")
      fail(
        `columns.${header}`,
        `expected a manifest column name or null (to ignore the column), got ${show(target)}.`,
      );
    if (typeof target === "string" && canonicalColumn(target) === undefined) {
      const guess = closestName(target, MANIFEST_COLUMNS);
      fail(
        `columns.${header}`,
        `${show(target)} is not a manifest column.${guess ? ` Did you mean "${guess}"?` : ""} Use one of: ${KNOWN_COLUMNS.join(", ")}, or null to ignore the column.`,
      );
    }
    mapping[header] = target as string | null;
  }
  return mapping;
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
