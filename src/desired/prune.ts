/**
 * `--prune`: users inside a scope (src/desired/scope.ts) whom the manifest does not name are
 * leavers, and are deactivated (op `status`, target `prune`: the user keeps their data).
 *
 * 1. `collectNames`: every name the manifest gives a user, over every row: the `user` column,
 *    `new_email` and `transfer_email`, as written and after the job's transforms, lower-cased.
 *    Rows that are invalid, that another shard sends, or that would be skipped count too, so a bad
 *    row never gets its user pruned.
 * 2. `PruneIndex`: told of every active user List users shows (src/desired/read.ts), it counts the
 *    scope's active users and keeps those the manifest does not name (id, email, names); the
 *    account owner is never a leaver (kept, and said so). Memory follows the scope.
 * 3. `decidePrune`: the leavers against `--max-prune` (judged on the whole scope, every shard's
 *    leavers together, so all shards agree), and this shard's share of them as operations; on
 *    `--resume`, a prune the results already hold as done is not sent again.
 */
import { TransformError } from "../job/transform.js";
import type { Manifest } from "../read/index.js";
import { inShard, type Shard } from "../shard.js";
import type { ManifestRecord, Operation, PlannedRow } from "../types.js";
import { OP_ENDPOINTS } from "../zoom/endpoints.js";
import type { CurrentUser } from "./diff.js";
import {
  formatPruneLimit,
  formatScope,
  inScope,
  maxPruneOf,
  type PruneLimit,
  type PruneScope,
} from "./scope.js";

/** The results' `target` of a prune: op `status`, row 0, line 0 (it comes from Zoom, not the manifest). */
export const PRUNE_TARGET = "prune";

/** The columns whose value names a user the manifest keeps. */
const NAMING_FIELDS = ["user", "new_email", "transfer_email"] as const;

/** Every name (lower-cased email or id) any row of the manifest gives a user, all shards. */
export async function collectNames(
  manifest: Pick<Manifest, "records">,
  transform?: (fields: Record<string, unknown>) => Record<string, unknown>,
): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const record of manifest.records()) noteNames(names, record, transform);
  return names;
}

/** Adds the names one record gives (as written, and after the transforms when they apply). */
export function noteNames(
  names: Set<string>,
  record: ManifestRecord,
  transform?: (fields: Record<string, unknown>) => Record<string, unknown>,
): void {
  if (!record.fields) return;
  const add = (fields: Record<string, unknown>): void => {
    for (const key of NAMING_FIELDS) {
      const value = fields[key];
      if (typeof value === "string" && value.trim() !== "") names.add(value.trim().toLowerCase());
      else if (typeof value === "number") names.add(String(value));
    }
  };
  add(record.fields);
  if (!transform) return;
  try {
    add(transform(record.fields));
  } catch (error) {
    if (!(error instanceof TransformError)) throw error; // the row is invalid: its raw names count
  }
}

/** A leaver: an active user of the scope the manifest does not name. */
export interface PruneCandidate {
  id: string;
  email: string;
  first_name?: string;
  last_name?: string;
}

/** The scope's active users, as List users shows them page by page. */
export class PruneIndex {
  /** Active users inside the scope seen in the current listing (named or not). */
  scopeActive = 0;
  /** The leavers, by id (a listing restarted after an expired page token merges into it). */
  readonly leavers = new Map<string, PruneCandidate>();
  /** Unnamed users of the scope that are never pruned (the account owner), by email. */
  readonly kept = new Set<string>();

  constructor(
    readonly scope: PruneScope,
    private readonly names: ReadonlySet<string>,
  ) {}

  /** One item of List users (status active). */
  consider(item: Record<string, unknown>): void {
    if (item.status !== undefined && item.status !== "active") return;
    if (!inScope(item, this.scope)) return;
    this.scopeActive++;
    const email = typeof item.email === "string" ? item.email : "";
    const id = typeof item.id === "string" ? item.id : "";
    if (id === "" || email === "") return; // nothing to address it by (Zoom lists active users with both)
    if (this.names.has(email.toLowerCase()) || this.names.has(id.toLowerCase())) return;
    if (isOwner(item)) {
      this.kept.add(email);
      return;
    }
    this.leavers.set(id, {
      id,
      email,
      ...(typeof item.first_name === "string" && item.first_name !== ""
        ? { first_name: item.first_name }
        : {}),
      ...(typeof item.last_name === "string" && item.last_name !== "" ? { last_name: item.last_name } : {}),
    });
  }

  /** The active listing starts again from its first page: the scope is counted again. */
  restarted(): void {
    this.scopeActive = 0;
  }
}

/** The account owner (role_id 0, role "Owner") is never deactivated. */
function isOwner(item: Record<string, unknown>): boolean {
  return item.role_id === "0" || item.role_id === 0 || item.role_name === "Owner";
}

/** What a prune would do, before anything is sent. */
export interface PrunePlan {
  scope: string;
  /** The scope's active users. */
  scopeActive: number;
  /** `--max-prune` as given (or the default), and what it allows for this scope. */
  maxPrune: string;
  limit: number;
  /** Leavers in the whole scope (every shard's). */
  count: number;
  /** More leavers than the limit: the run stops (exit 5) before any change. */
  over: boolean;
  /** The leavers, ordered by email (every shard's). */
  leavers: PruneCandidate[];
  /** This shard's leavers still to deactivate (a `--resume` leaves out those done). */
  targets: PruneCandidate[];
  /** Unnamed users of the scope that are kept (the owner). */
  kept: string[];
}

export function decidePrune(
  index: PruneIndex,
  options: {
    maxPrune?: PruneLimit | undefined;
    shard?: Shard | undefined;
    /** `--resume`: whether a prune of this user is already done. */
    done?: ((email: string) => boolean) | undefined;
  } = {},
): PrunePlan {
  const leavers = [...index.leavers.values()].sort((a, b) => a.email.localeCompare(b.email));
  const limit = maxPruneOf(options.maxPrune, index.scopeActive);
  return {
    scope: formatScope(index.scope),
    scopeActive: index.scopeActive,
    maxPrune: options.maxPrune ? formatPruneLimit(options.maxPrune) : "5% (default)",
    limit,
    count: leavers.length,
    over: leavers.length > limit,
    leavers,
    targets: leavers.filter((l) => inShard(l.email, options.shard) && !options.done?.(l.email)),
    kept: [...index.kept].sort(),
  };
}

/** The deactivation of one leaver, as the row runner sends it (row 0, line 0: from Zoom). */
export function pruneRow(leaver: PruneCandidate): PlannedRow {
  const op: Operation = {
    row: 0,
    line: 0,
    user: leaver.email,
    op: "status",
    index: 0,
    endpoint: OP_ENDPOINTS.status,
    body: { action: "deactivate" },
    target: PRUNE_TARGET,
  };
  return { row: 0, line: 0, user: leaver.email, operations: [op], invalid: [] };
}

/** What Zoom held for a leaver before the run (active), for the journal of replaced values. */
export function leaverState(leaver: PruneCandidate): CurrentUser {
  return { id: leaver.id, email: leaver.email, status: "active", profile: {}, known: NOTHING_KNOWN };
}
const NOTHING_KNOWN: ReadonlySet<string> = new Set();

/** The first few leavers' emails, as a message lists them. */
export function firstLeavers(plan: Pick<PrunePlan, "leavers" | "count">, n = 5): string {
  const first = plan.leavers.slice(0, n).map((l) => l.email);
  return first.join(", ") + (plan.count > n ? `, and ${plan.count - n} more` : "");
}
