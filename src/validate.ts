import type { RunConfig } from "./config.js";
import { plannerFor } from "./plan/index.js";
import { openManifest, type Delimiter, type ManifestOptions } from "./read/index.js";
import { writeManifestRows, type RowsFile } from "./report/retry-file.js";
import { OP_KINDS, type InvalidOperation, type OpKind, type PlannedRow } from "./types.js";
import { ENDPOINTS } from "./zoom/endpoints.js";
import { LABEL_NAMES, LABELS, PLAN_LIMITS, type Label } from "./zoom/labels.js";
import { CREATE_DAILY_CAPS } from "./zoom/rules.js";

/** A row that removes its user (a `delete` operation the run would send). */
export interface Removal {
  row: number;
  line: number;
  user: string;
  action: "delete" | "disassociate";
}

export interface ValidationReport {
  manifest: string;
  plan: string;
  share: number;
  records: number;
  /**
   * Rows that delete or disassociate their user, shown before anything else (a run needs
   * `--allow-delete` for them): how many, and the first MAX_REMOVALS_LISTED in manifest order.
   */
  removals: { count: number; rows: Removal[] };
  /**
   * Users the run would create; `capped`: those with create_action `create`, which count against
   * Zoom's daily create cap for the plan (`daily_cap`; POST /users in zoom-api.md §2).
   */
  creates: { count: number; capped: number; daily_cap: number };
  operations: Record<OpKind, number>;
  invalid: number;
  /** Invalid operations per code (`E_FIELD_TIMEZONE`: 3), most frequent first. */
  codes: Record<string, number>;
  /** Rows (record numbers, ascending) with at least one invalid operation. */
  invalid_rows: number[];
  /** CSV: the delimiter the manifest was read with. */
  delimiter?: Delimiter;
  /** With `invalidRows`: the file the invalid rows were written to. */
  invalid_rows_file?: RowsFile;
  /** Per label: requests the run will send, the pace it will use, and how long that takes. */
  labels: Partial<Record<Label, { requests: number; pace_per_second: number; seconds: number }>>;
  /** Labels run in parallel, so the run takes as long as its slowest label. */
  eta_seconds: number;
  /** Daily caps the run would break (the Free plan's, for example). */
  warnings: string[];
  /** The first invalid operations, for the operator to fix. */
  problems: InvalidOperation[];
}

export type ValidateConfig = Pick<
  RunConfig,
  "manifest" | "plan" | "share" | "only" | "assetsDir" | "mapping" | "transform"
> & {
  /** CSV delimiter (`--delimiter`); default detected. */
  delimiter?: string | undefined;
  /** Also write the rows with invalid operations here, in the manifest's format (`--invalid-rows`). */
  invalidRows?: string | undefined;
};

const MAX_PROBLEMS = 50;
/** Removal rows listed in the report (all are counted). */
export const MAX_REMOVALS_LISTED = 1000;

/** What the pass over the manifest counted. */
interface Tally {
  records: number;
  removals: { count: number; rows: Removal[] };
  creates: { count: number; capped: number };
  operations: Record<OpKind, number>;
  requests: Partial<Record<Label, number>>;
  invalid: number;
  codes: Map<string, number>;
  rows: number[];
  problems: InvalidOperation[];
}

/** The dry run: reads and plans every row, sends nothing, and says what a run would spend. */
export async function validateManifest(
  config: ValidateConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ValidationReport> {
  const options: ManifestOptions = {
    ...(config.mapping ? { mapping: config.mapping } : {}),
    ...(config.delimiter !== undefined ? { delimiter: config.delimiter } : {}),
  };
  const manifest = await openManifest(config.manifest, options);
  const plan = plannerFor(config, env);
  const tally: Tally = {
    records: 0,
    removals: { count: 0, rows: [] },
    creates: { count: 0, capped: 0 },
    operations: Object.fromEntries(OP_KINDS.map((op) => [op, 0])) as Record<OpKind, number>,
    requests: {},
    invalid: 0,
    codes: new Map(),
    rows: [],
    problems: [],
  };
  for await (const record of manifest.records()) count(tally, await plan(record));
  const { labels, warnings } = spend(tally.requests, config);
  const cap = CREATE_DAILY_CAPS[config.plan];
  if (tally.creates.capped > cap)
    warnings.push(
      `${tally.creates.capped} creates with create_action create exceed the ${config.plan} plan's daily create cap of ${cap}; the run defers the rest (exit 4) and a --resume after 00:00 UTC continues.`,
    );
  const delimiter = manifest.delimiter;
  const report: ValidationReport = {
    manifest: config.manifest,
    plan: config.plan,
    share: config.share,
    records: tally.records,
    removals: tally.removals,
    creates: { ...tally.creates, daily_cap: cap },
    operations: tally.operations,
    invalid: tally.invalid,
    codes: Object.fromEntries([...tally.codes].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    invalid_rows: tally.rows,
    ...(delimiter ? { delimiter } : {}),
    labels,
    eta_seconds: round(Math.max(0, ...Object.values(labels).map((l) => l.seconds))),
    warnings,
    problems: tally.problems,
  };
  if (config.invalidRows !== undefined)
    report.invalid_rows_file = await writeInvalidRows(report, config.invalidRows);
  return report;
}

/**
 * Counts one planned row: its operations, and the requests they spend per label. Besides one
 * request per operation, a row with any background operation reads the user's files once (GET
 * settings, Medium: every upload looks first, and the `replace` clean-up needs the file ids; the
 * row shares one listing, src/send/backgrounds.ts). Uploads are counted whether or not the file
 * turns out to be there already, so the figure is an upper bound.
 */
function count(tally: Tally, planned: PlannedRow): void {
  tally.records++;
  const charge = (label: Label): void => {
    tally.requests[label] = (tally.requests[label] ?? 0) + 1;
  };
  for (const op of planned.operations) {
    tally.operations[op.op]++;
    charge(ENDPOINTS[op.endpoint].label);
    if (op.op === "delete") {
      tally.removals.count++;
      if (tally.removals.rows.length < MAX_REMOVALS_LISTED)
        tally.removals.rows.push({
          row: op.row,
          line: op.line,
          user: op.user,
          action: op.target === "delete" ? "delete" : "disassociate",
        });
    }
    if (op.op === "create") {
      tally.creates.count++;
      if (op.body?.action === "create") tally.creates.capped++;
    }
  }
  if (planned.operations.some((op) => op.op === "virtual_background")) charge(ENDPOINTS.getSettings.label);
  if (planned.invalid.length > 0) tally.rows.push(planned.row);
  tally.invalid += planned.invalid.length;
  for (const p of planned.invalid) {
    tally.codes.set(p.code, (tally.codes.get(p.code) ?? 0) + 1);
    if (tally.problems.length < MAX_PROBLEMS) tally.problems.push(p);
  }
}

/** Requests per label at the plan's pace, and the daily caps they would break. */
function spend(
  requests: Partial<Record<Label, number>>,
  config: Pick<ValidateConfig, "plan" | "share">,
): { labels: ValidationReport["labels"]; warnings: string[] } {
  const labels: ValidationReport["labels"] = {};
  const warnings: string[] = [];
  for (const label of LABELS) {
    const n = requests[label];
    if (!n) continue;
    const limit = PLAN_LIMITS[config.plan][label];
    const allowed = Math.max(1, Math.floor(limit.limit * config.share));
    const pace = (allowed * 1000) / limit.windowMs;
    labels[label] = { requests: n, pace_per_second: round(pace), seconds: round(n / pace) };
    if (limit.daily !== undefined && n > limit.daily)
      warnings.push(
        `${LABEL_NAMES[label]}: ${n} requests exceed the ${config.plan} plan's daily limit of ${limit.daily}; the run will stop that label when Zoom says so (exit 4) and a --resume after 00:00 UTC continues.`,
      );
  }
  return { labels, warnings };
}

/**
 * Writes the rows of `report` with invalid operations to `path`, copied from the manifest in its
 * own format (CSV lines verbatim after the header), to fix and run like any manifest. Mode 0600.
 */
export async function writeInvalidRows(report: ValidationReport, path: string): Promise<RowsFile> {
  return writeManifestRows(report.manifest, report.invalid_rows, path, {
    ...(report.delimiter ? { delimiter: report.delimiter } : {}),
  });
}

export function formatValidation(r: ValidationReport): string {
  const total = Object.values(r.operations).reduce((a, b) => a + b, 0);
  const lines = [
    ...formatRemovals(r.removals),
    `${r.manifest}: ${r.records} records, ${total} operations to send, ${r.invalid} invalid (plan ${r.plan}, share ${r.share})`,
    `  operations: ${OP_KINDS.map((op) => `${op} ${r.operations[op]}`).join(", ")}`,
  ];
  if (r.creates.count > 0)
    lines.push(
      `  creates: ${r.creates.count} users (${r.creates.capped} with create_action create, which count against the ${r.plan} plan's ${r.creates.daily_cap} a day)`,
    );
  for (const [label, l] of Object.entries(r.labels))
    lines.push(
      `  ${LABEL_NAMES[label as Label]}: ${l.requests} requests at ${l.pace_per_second}/s ≈ ${formatDuration(l.seconds)}`,
    );
  lines.push(`  ETA: ${formatDuration(r.eta_seconds)} (labels run in parallel)`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  const codes = Object.entries(r.codes ?? {});
  if (codes.length > 0)
    lines.push(
      `  invalid by code: ${codes.map(([code, n]) => `${code} ${n}`).join(", ")} (in ${r.invalid_rows?.length ?? 0} rows)`,
    );
  for (const p of r.problems) lines.push(`  invalid: ${p.message}`);
  if (r.invalid > r.problems.length)
    lines.push(`  … and ${r.invalid - r.problems.length} more invalid operations`);
  const file = r.invalid_rows_file;
  if (file)
    lines.push(
      `  invalid rows: ${file.rows} written to ${file.path}; fix them there and run that file` +
        (file.missing.length > 0 ? ` (${file.missing.length} could not be copied)` : ""),
    );
  return lines.join("\n") + "\n";
}

/** The rows that remove users, first of all, one a line (row, line, user, action). */
function formatRemovals(removals: ValidationReport["removals"]): string[] {
  if (removals.count === 0) return [];
  const lines = [
    `REMOVES ${removals.count} user${removals.count === 1 ? "" : "s"} (delete or disassociate; a run needs --allow-delete):`,
    ...removals.rows.map((d) => `  row ${d.row} (line ${d.line}): ${d.user} ${d.action}`),
  ];
  if (removals.count > removals.rows.length)
    lines.push(`  … and ${removals.count - removals.rows.length} more rows that remove users`);
  return lines;
}

export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.ceil(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

const round = (n: number): number => Math.round(n * 100) / 100;
