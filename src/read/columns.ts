import { ManifestError } from "../errors.js";
import { DELETE_QUERY, PROFILE_FIELDS, PROFILE_QUERY } from "../zoom/rules.js";

/** Names the user column may go by (PRODUCT.md "Manifest"); all become `user`. */
export const USER_ALIASES: readonly string[] = ["user", "email", "user_id", "userId", "id"];

/**
 * The lifecycle columns (PRODUCT.md "Lifecycle"): what the row does (`action`), how a create is
 * made, the new login email, the options of a delete, and how backgrounds are applied.
 */
export const LIFECYCLE_COLUMNS: readonly string[] = [
  "action",
  "create_action",
  "new_email",
  ...Object.keys(DELETE_QUERY),
  "virtual_backgrounds_mode",
];

/** Canonical columns: the user, the profile, the other changes, then the lifecycle columns. */
export const KNOWN_COLUMNS: readonly string[] = [
  "user",
  ...Object.keys(PROFILE_FIELDS),
  ...Object.keys(PROFILE_QUERY),
  "password",
  "picture",
  "virtual_backgrounds",
  ...LIFECYCLE_COLUMNS,
];

/** What a header name (CSV) or key (JSON) stands for: a canonical column, or null when a mapping ignores it. */
export type ColumnName = string | null;

const byLowerName = new Map<string, string>([
  ...KNOWN_COLUMNS.map((c): [string, string] => [c.toLowerCase(), c]),
  ...USER_ALIASES.map((a): [string, string] => [a.toLowerCase(), "user"]),
]);

/**
 * Resolves header names to canonical columns. Names are trimmed and matched case-insensitively
 * (HR exports write `Email`, `First_Name`); a job mapping is tried first, exactly and then
 * case-insensitively, and may map a name to a known column (or alias) or to null to ignore it.
 */
export class ColumnResolver {
  private readonly mapping = new Map<string, ColumnName>();
  private readonly mappingLower = new Map<string, ColumnName>();
  private readonly cache = new Map<string, ColumnName | undefined>();

  /** `mapping`: a Map, or an object whose own keys are export headers (even `__proto__`). */
  constructor(mapping: Record<string, string | null> | ReadonlyMap<string, string | null> = {}) {
    const entries = mapping instanceof Map ? [...mapping] : Object.entries(mapping);
    for (const [from, to] of entries) {
      let target: ColumnName = null;
      if (to !== null) {
        const known = byLowerName.get(to.trim().toLowerCase());
        if (!known)
          throw new ManifestError(
            `The job mapping sends column "${from}" to "${to}", which is not a manifest column; use one of: ${KNOWN_COLUMNS.join(", ")}, or null to ignore it.`,
            "E_MAPPING_TARGET",
          );
        target = known;
      }
      this.mapping.set(from.trim(), target);
      this.mappingLower.set(from.trim().toLowerCase(), target);
    }
  }

  /** The canonical column for a name, null when ignored, undefined when unknown. */
  resolve(name: string): ColumnName | undefined {
    if (this.cache.has(name)) return this.cache.get(name);
    const trimmed = name.trim();
    const lower = trimmed.toLowerCase();
    let result: ColumnName | undefined;
    if (this.mapping.has(trimmed)) result = this.mapping.get(trimmed);
    else if (this.mappingLower.has(lower)) result = this.mappingLower.get(lower);
    else result = byLowerName.get(lower);
    if (this.cache.size < 10_000) this.cache.set(name, result);
    return result;
  }

  /** A ManifestError for a name nothing knows, with the closest known name when one is near. */
  unknown(name: string, where: string): ManifestError {
    const guess = closest(name.trim());
    const separator = /[;\t|]/.exec(name)?.[0];
    return new ManifestError(
      `Unknown column "${name.trim()}" (${where}). ` +
        (separator
          ? `It holds "${separator === "\t" ? "\\t" : separator}": if that separates the columns, pass --delimiter ${separator === "\t" ? "tab" : `"${separator}"`}. `
          : "") +
        (guess ? `Did you mean "${guess}"? ` : "") +
        `Known columns: ${KNOWN_COLUMNS.join(", ")} (user also as ${USER_ALIASES.slice(1).join(", ")}). ` +
        `Rename it, or map or ignore it in the job's mapping.`,
      "E_MANIFEST_UNKNOWN_COLUMN",
    );
  }
}

/**
 * Checks a set of names that appear together (a CSV header, or one JSON object's keys) and returns
 * the canonical column of each (null when ignored). Throws for unknown names, the same column
 * twice, and two names for the user.
 */
export function resolveNames(
  resolver: ColumnResolver,
  names: readonly string[],
  where: string,
): ColumnName[] {
  const seen = new Map<string, string>();
  return names.map((name) => {
    const column = resolver.resolve(name);
    if (column === undefined) throw resolver.unknown(name, where);
    if (column === null) return null;
    const earlier = seen.get(column);
    if (earlier !== undefined) {
      throw column === "user" && earlier.trim() !== name.trim()
        ? new ManifestError(
            `Columns "${earlier.trim()}" and "${name.trim()}" both name the user (${where}); keep one of them.`,
            "E_MANIFEST_DUPLICATE_USER",
          )
        : new ManifestError(
            `Column "${name.trim()}" appears twice (${where}, as "${earlier.trim()}" and "${name.trim()}"); remove one of them.`,
            "E_MANIFEST_DUPLICATE_COLUMN",
          );
    }
    seen.set(column, name);
    return column;
  });
}

function closest(name: string): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(lower.length / 4)) + 1;
  for (const candidate of [...KNOWN_COLUMNS, ...USER_ALIASES]) {
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance; names are short. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(
        Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
