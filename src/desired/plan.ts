/**
 * `zoom-bulk plan` as a function: manifest -> planned rows -> (first pass) the users to read ->
 * read Zoom (src/desired/read.ts) -> (second pass) each row diffed (src/desired/diff.ts) -> one
 * entry per row with changes, told to `onEntry` as it is made (nothing per row is held, so memory
 * follows the manifest's users, not its rows' contents) -> totals, requests per label (the reads
 * made plus the writes a `run --diff` would send) and the ETA. Writes nothing to Zoom.
 *
 * With `prune` and `scope`, the scope's active users that no row names are counted and listed too
 * (src/desired/prune.ts), against `--max-prune`, as `run --diff --prune` would deactivate them.
 */
import type { Logger } from "pino";
import type { ZoomTarget } from "../config.js";
import { silentLogger } from "../log.js";
import { plannerFor, type PlanContext } from "../plan/index.js";
import { openManifest, type ManifestOptions } from "../read/index.js";
import type { PlannedRow } from "../types.js";
import { ENDPOINTS } from "../zoom/endpoints.js";
import { LABELS, PLAN_LIMITS, type Label, type Plan } from "../zoom/labels.js";
import { openReadClient } from "./client.js";
import { diffRow, type FieldChange } from "./diff.js";
import { collectNames, decidePrune, PruneIndex, type PruneCandidate } from "./prune.js";
import type { PruneLimit, PruneScope } from "./scope.js";
import { currentOf, readCurrent, readPaces, Wanted, type ReadOptions, type ReadReport } from "./read.js";

export interface DesiredPlanConfig {
  manifest: string;
  plan: Plan;
  share: number;
  zoom: ZoomTarget;
  only?: PlanContext["only"] | undefined;
  assetsDir?: string | undefined;
  transform?: PlanContext["transform"] | undefined;
  mapping?: ManifestOptions["mapping"] | undefined;
  delimiter?: ManifestOptions["delimiter"] | undefined;
  concurrency?: number | undefined;
  requestTimeoutMs?: number | undefined;
  /** `--prune --scope`: also list the scope's active users no row names (the leavers). */
  prune?: boolean | undefined;
  scope?: PruneScope | undefined;
  maxPrune?: PruneLimit | undefined;
}

export interface DesiredPlanDeps {
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Tests and benchmarks against a sandbox scaled the same way. */
  limitsScale?: number;
  signal?: AbortSignal;
  read?: ReadOptions;
  /** Each row with something to say (a change, a create, a missing user), in manifest order. */
  onEntry?: (entry: PlanEntry) => void;
  now?: () => number;
}

/** One row of the plan. */
export interface PlanEntry {
  row: number;
  line: number;
  user: string;
  /** The user is created by the row. */
  create: boolean;
  /** The user is not in Zoom and the row does not create it. */
  missing: boolean;
  /** Operations that would be sent, each with the fields that differ. */
  changes: { op: string; target: string; fields: FieldChange[] }[];
  /** Operations with nothing to change. */
  unchanged: number;
  /** Operations refused before sending (as `validate` shows them). */
  invalid: number;
}

export interface LabelPlan {
  reads: number;
  writes: number;
  pace_per_second: number;
  seconds: number;
}

/** The plan's totals (the entries went to `onEntry`). */
export interface DesiredPlan {
  manifest: string;
  plan: Plan;
  share: number;
  rows: number;
  users_changing: number;
  operations: { send: number; unchanged: number; invalid: number };
  creates: { count: number; first: string[] };
  missing: { count: number; first: string[] };
  read: {
    ms: number;
    page_size: number;
    pages: number;
    /** Users read one by one (a manifest small beside its account), 0 when the account was listed. */
    lookups: number;
    account_users: number;
    failures: number;
  };
  /** Requests per label: reads made, writes a `run --diff` would send, and at what pace. */
  labels: Partial<Record<Label, LabelPlan>>;
  /** Seconds a `run --diff` would take at the plan's pace, the reads included. */
  eta_seconds: number;
  /** `--prune`: the leavers `run --diff --prune` would deactivate. */
  prune?: PrunePlanSummary;
}

/** The leavers of a scope, as the plan shows them. */
export interface PrunePlanSummary {
  scope: string;
  /** The scope's active users. */
  scope_active: number;
  /** `--max-prune` as given (or the default) and what it allows for this scope. */
  max_prune: string;
  limit: number;
  count: number;
  /** More leavers than the limit: `run --diff --prune` would stop (exit 5) before any change. */
  over_limit: boolean;
  /** The first leavers' emails (FIRST_NAMED). */
  first: string[];
  /** Unnamed users of the scope that are never pruned (the account owner). */
  kept: string[];
  /** Every leaver, by email (the JSON plan holds them all). */
  users: PruneCandidate[];
}

/** How many users the totals name (the rest are counted). */
export const FIRST_NAMED = 20;

export async function planDesired(
  config: DesiredPlanConfig,
  deps: DesiredPlanDeps = {},
): Promise<DesiredPlan> {
  const logger = deps.logger ?? silentLogger;
  const now = deps.now ?? Date.now;
  const manifestOptions: ManifestOptions = {
    ...(config.mapping ? { mapping: config.mapping } : {}),
    ...(config.delimiter !== undefined ? { delimiter: config.delimiter } : {}),
  };
  const manifest = await openManifest(config.manifest, manifestOptions);
  const planner = plannerFor(config, deps.env ?? process.env);
  // each planned row to `visit`, in manifest order (a loop, not a generator: no step per row)
  const eachRow = async (visit: (planned: PlannedRow) => void): Promise<void> => {
    for await (const record of manifest.records()) visit(await planner(record));
  };

  const wanted = new Wanted();
  await eachRow((planned) => wanted.note(planned));
  const pruneIndex =
    config.prune && config.scope
      ? new PruneIndex(config.scope, await collectNames(manifest, config.transform))
      : undefined;

  const { client, close } = await openReadClient(config, {
    logger,
    stage: "desired.read",
    limitsScale: deps.limitsScale,
    signal: deps.signal,
  });
  let report: ReadReport;
  const readStart = now();
  try {
    report = await readCurrent(wanted, client, {
      ...readPaces(config.plan, config.share, deps.limitsScale),
      logger: logger.child({ stage: "desired.read" }),
      ...(pruneIndex ? { prune: pruneIndex } : {}),
      ...deps.read,
    });
  } finally {
    await close();
  }
  const readMs = now() - readStart;

  const result: DesiredPlan = {
    manifest: config.manifest,
    plan: config.plan,
    share: config.share,
    rows: 0,
    users_changing: 0,
    operations: { send: 0, unchanged: 0, invalid: 0 },
    creates: { count: 0, first: [] },
    missing: { count: 0, first: [] },
    read: {
      ms: readMs,
      page_size: report.pageSize,
      pages: report.pages,
      lookups: report.lookups,
      account_users: report.accountUsers,
      failures: report.failures.length,
    },
    labels: {},
    eta_seconds: 0,
  };
  const writes: Partial<Record<Label, number>> = {};
  await eachRow((planned) => {
    result.rows++;
    const diff = diffRow(planned, currentOf(report, planned.user));
    const changes = diff.operations.filter((d) => d.state === "changes");
    for (const d of changes) {
      const label = ENDPOINTS[d.op.endpoint].label;
      writes[label] = (writes[label] ?? 0) + 1;
    }
    // a row with uploads reads the user's files once before sending (src/send/backgrounds.ts)
    if (changes.some((d) => d.op.op === "virtual_background")) writes.medium = (writes.medium ?? 0) + 1;
    result.operations.send += changes.length;
    result.operations.unchanged += diff.operations.length - changes.length;
    result.operations.invalid += planned.invalid.length;
    if (changes.length > 0) result.users_changing++;
    if (diff.creates) named(result.creates, planned.user);
    if (diff.missing) named(result.missing, planned.user);
    if (changes.length > 0 || diff.missing || planned.invalid.length > 0)
      deps.onEntry?.({
        row: planned.row,
        line: planned.line,
        user: planned.user,
        create: diff.creates,
        missing: diff.missing,
        changes: changes.map((d) => ({ op: d.op.op, target: d.op.target, fields: d.fields })),
        unchanged: diff.operations.length - changes.length,
        invalid: planned.invalid.length,
      });
  });
  if (pruneIndex) {
    const prune = decidePrune(pruneIndex, { maxPrune: config.maxPrune });
    const label = ENDPOINTS.updateStatus.label;
    if (prune.count > 0) writes[label] = (writes[label] ?? 0) + prune.count;
    result.prune = {
      scope: prune.scope,
      scope_active: prune.scopeActive,
      max_prune: prune.maxPrune,
      limit: prune.limit,
      count: prune.count,
      over_limit: prune.over,
      first: prune.leavers.slice(0, FIRST_NAMED).map((l) => l.email),
      kept: prune.kept,
      users: prune.leavers,
    };
  }
  result.labels = spend(client.requests, writes, config);
  result.eta_seconds = round(Math.max(0, ...Object.values(result.labels).map((l) => l.seconds)));
  return result;
}

function named(list: { count: number; first: string[] }, user: string): void {
  list.count++;
  if (list.first.length < FIRST_NAMED) list.first.push(user);
}

/** Requests per label at the plan's pace (as `validate` counts them), reads included. */
export function spend(
  reads: Partial<Record<Label, number>>,
  writes: Partial<Record<Label, number>>,
  config: { plan: Plan; share: number },
): Partial<Record<Label, LabelPlan>> {
  const labels: Partial<Record<Label, LabelPlan>> = {};
  for (const label of LABELS) {
    const r = reads[label] ?? 0;
    const w = writes[label] ?? 0;
    if (r + w === 0) continue;
    const limit = PLAN_LIMITS[config.plan][label];
    const pace = (Math.max(1, Math.floor(limit.limit * config.share)) * 1000) / limit.windowMs;
    labels[label] = { reads: r, writes: w, pace_per_second: round(pace), seconds: round((r + w) / pace) };
  }
  return labels;
}

const round = (n: number): number => Math.round(n * 100) / 100;
