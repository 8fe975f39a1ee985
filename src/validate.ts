import type { RunConfig } from "./config.js";
import { plannerFor } from "./plan/index.js";
import { openManifest } from "./read/index.js";
import { OP_KINDS, type InvalidOperation, type OpKind } from "./types.js";
import { ENDPOINTS } from "./zoom/endpoints.js";
import { LABEL_NAMES, LABELS, PLAN_LIMITS, type Label } from "./zoom/labels.js";

export interface ValidationReport {
  manifest: string;
  plan: string;
  share: number;
  records: number;
  operations: Record<OpKind, number>;
  invalid: number;
  /** Per label: requests the run will send, the pace it will use, and how long that takes. */
  labels: Partial<Record<Label, { requests: number; pace_per_second: number; seconds: number }>>;
  /** Labels run in parallel, so the run takes as long as its slowest label. */
  eta_seconds: number;
  /** Daily caps the run would break (the Free plan's, for example). */
  warnings: string[];
  /** The first invalid operations, for the operator to fix. */
  problems: InvalidOperation[];
}

const MAX_PROBLEMS = 50;

/** The dry run: reads and plans every row, sends nothing, and says what a run would spend. */
export async function validateManifest(
  config: Pick<RunConfig, "manifest" | "plan" | "share" | "only" | "assetsDir" | "mapping" | "transform">,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ValidationReport> {
  const manifest = await openManifest(config.manifest, config.mapping ? { mapping: config.mapping } : {});
  const plan = plannerFor(config, env);
  const operations = Object.fromEntries(OP_KINDS.map((op) => [op, 0])) as Record<OpKind, number>;
  const requests: Partial<Record<Label, number>> = {};
  const problems: InvalidOperation[] = [];
  let records = 0;
  let invalid = 0;
  for await (const record of manifest.records()) {
    records++;
    const planned = await plan(record);
    for (const op of planned.operations) {
      operations[op.op]++;
      const label = ENDPOINTS[op.endpoint].label;
      requests[label] = (requests[label] ?? 0) + 1;
    }
    invalid += planned.invalid.length;
    for (const p of planned.invalid) if (problems.length < MAX_PROBLEMS) problems.push(p);
  }

  const labels: ValidationReport["labels"] = {};
  const warnings: string[] = [];
  for (const label of LABELS) {
    const count = requests[label];
    if (!count) continue;
    const limit = PLAN_LIMITS[config.plan][label];
    const allowed = Math.max(1, Math.floor(limit.limit * config.share));
    const pace = (allowed * 1000) / limit.windowMs;
    labels[label] = { requests: count, pace_per_second: round(pace), seconds: round(count / pace) };
    if (limit.daily !== undefined && count > limit.daily)
      warnings.push(
        `${LABEL_NAMES[label]}: ${count} requests exceed the ${config.plan} plan's daily limit of ${limit.daily}; the run will stop that label when Zoom says so (exit 4) and a --resume after 00:00 UTC continues.`,
      );
  }
  const eta = Math.max(0, ...Object.values(labels).map((l) => l.seconds));
  return {
    manifest: config.manifest,
    plan: config.plan,
    share: config.share,
    records,
    operations,
    invalid,
    labels,
    eta_seconds: round(eta),
    warnings,
    problems,
  };
}

export function formatValidation(r: ValidationReport): string {
  const total = Object.values(r.operations).reduce((a, b) => a + b, 0);
  const lines = [
    `${r.manifest}: ${r.records} records, ${total} operations to send, ${r.invalid} invalid (plan ${r.plan}, share ${r.share})`,
    `  operations: ${OP_KINDS.map((op) => `${op} ${r.operations[op]}`).join(", ")}`,
  ];
  for (const [label, l] of Object.entries(r.labels))
    lines.push(
      `  ${LABEL_NAMES[label as Label]}: ${l.requests} requests at ${l.pace_per_second}/s ≈ ${formatDuration(l.seconds)}`,
    );
  lines.push(`  ETA: ${formatDuration(r.eta_seconds)} (labels run in parallel)`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  for (const p of r.problems) lines.push(`  invalid: ${p.message}`);
  if (r.invalid > r.problems.length)
    lines.push(`  … and ${r.invalid - r.problems.length} more invalid operations`);
  return lines.join("\n") + "\n";
}

export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.ceil(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

const round = (n: number): number => Math.round(n * 100) / 100;
