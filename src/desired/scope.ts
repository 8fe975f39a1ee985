/**
 * `--scope` and `--max-prune` of `run --diff --prune` (and `plan --prune`): which users of the
 * account the manifest is the whole truth for, and how many of them one run may switch off. Pure.
 *
 * | scope | a List users item is in it when |
 * |---|---|
 * | `domain:<domain>` | its email's domain equals `<domain>` (case-insensitive; a leading `@` is dropped) |
 * | `group:<id>` | its `group_ids` holds `<id>` |
 * | `dept:<name>` | its `dept` equals `<name>` (both trimmed, case-insensitive) |
 */

export const SCOPE_KINDS = ["domain", "group", "dept"] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];

export interface PruneScope {
  kind: ScopeKind;
  /** As given (trimmed; a domain without its leading `@`). */
  value: string;
}

/** The accepted forms, as messages and `--help` name them. */
export const SCOPE_FORMS = "domain:<email domain>, group:<group id> or dept:<department name>";

/**
 * `domain:corp.example`, `group:abc123` or `dept:Sales`; undefined when the text is none of
 * them (the option's parser turns that into a message naming the flag and the forms).
 */
export function parseScope(text: string): PruneScope | undefined {
  const colon = text.indexOf(":");
  if (colon < 0) return undefined;
  const kind = text.slice(0, colon).trim().toLowerCase();
  let value = text.slice(colon + 1).trim();
  if (!(SCOPE_KINDS as readonly string[]).includes(kind) || value === "") return undefined;
  if (kind === "domain") {
    value = value.replace(/^@/, "");
    // a domain: labels of letters, digits and hyphens, at least one dot, no spaces or @
    if (!/^[^\s@.]+(\.[^\s@.]+)+$/.test(value)) return undefined;
  }
  if (kind === "group" && /\s/.test(value)) return undefined;
  return { kind: kind as ScopeKind, value };
}

export function formatScope(scope: PruneScope): string {
  return `${scope.kind}:${scope.value}`;
}

/** Whether a List users item (or GET user body) is inside the scope. */
export function inScope(item: Record<string, unknown>, scope: PruneScope): boolean {
  switch (scope.kind) {
    case "domain": {
      const email = typeof item.email === "string" ? item.email : "";
      const at = email.lastIndexOf("@");
      return at >= 0 && email.slice(at + 1).toLowerCase() === scope.value.toLowerCase();
    }
    case "group":
      return Array.isArray(item.group_ids) && item.group_ids.some((id) => id === scope.value);
    case "dept":
      return (
        typeof item.dept === "string" && item.dept.trim().toLowerCase() === scope.value.trim().toLowerCase()
      );
  }
}

/** `--max-prune`: a number of users, or a percentage of the scope's active users. */
export type PruneLimit = { count: number } | { percent: number };

/** The default `--max-prune`: 5 % of the scope's active users. */
export const DEFAULT_MAX_PRUNE: PruneLimit = { percent: 5 };

/** `12` or `5%` (`0.5%` too); undefined when it is neither. */
export function parsePruneLimit(text: string): PruneLimit | undefined {
  const t = text.trim();
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
  if (percent) {
    const p = Number(percent[1]);
    return p >= 0 && p <= 100 ? { percent: p } : undefined;
  }
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? { count: n } : undefined;
}

export function formatPruneLimit(limit: PruneLimit): string {
  return "count" in limit ? String(limit.count) : `${limit.percent}%`;
}

/**
 * The most users a run may prune in a scope of `scopeActive` active users: a count as given; a
 * percentage of the scope rounded down, but at least 1 when the percentage is above 0 (one
 * leaver of a small team needs no flag; `--max-prune 0` forbids any).
 */
export function maxPruneOf(limit: PruneLimit | undefined, scopeActive: number): number {
  const l = limit ?? DEFAULT_MAX_PRUNE;
  if ("count" in l) return l.count;
  if (l.percent <= 0) return 0;
  return Math.max(1, Math.floor((l.percent * scopeActive) / 100));
}
