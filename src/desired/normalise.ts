/**
 * Zoom's own normalisation of profile values, so that a value Zoom already holds in another
 * spelling is not a change: emails compare without case, phone numbers by their digits, an empty
 * string, null and an absent field are the same "empty", `type` and `pmi` compare as numbers
 * whether they came as text or numbers, custom attributes compare as a set (Zoom does not keep
 * their order). Pure.
 */

/** A value as Zoom would store it, ready for a deep comparison. */
export function normalise(field: string, value: unknown): unknown {
  if (isEmpty(value)) return undefined;
  switch (field) {
    case "email":
      return typeof value === "string" ? value.trim().toLowerCase() : value;
    case "phone_number":
      return typeof value === "string" || typeof value === "number" ? digits(String(value)) : value;
    case "type":
    case "pmi":
    case "pronouns_option": {
      const n = typeof value === "string" ? Number(value.trim()) : value;
      return typeof n === "number" && Number.isFinite(n) ? n : value;
    }
    case "custom_attributes":
      return Array.isArray(value) ? sortedItems(value.map((item) => normaliseItem(item, {}))) : value;
    case "phone_numbers":
      return Array.isArray(value)
        ? sortedItems(value.map((item) => normaliseItem(item, { number: digits, code: digits })))
        : value;
    default:
      return typeof value === "string" ? value.trim() : value;
  }
}

/** Whether Zoom holds `current` for a field that the manifest sets to `wanted`. */
export function sameAsZoom(field: string, wanted: unknown, current: unknown): boolean {
  return canonical(normalise(field, wanted)) === canonical(normalise(field, current));
}

/** "" , null and absent are how Zoom shows an empty field, interchangeably. */
export function isEmpty(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    (typeof value === "string" && value.trim() === "") ||
    (Array.isArray(value) && value.length === 0)
  );
}

function digits(text: string): string {
  return text.replace(/\D+/g, "");
}

function normaliseItem(item: unknown, fix: Record<string, (text: string) => string>): unknown {
  if (item === null || typeof item !== "object" || Array.isArray(item)) return item;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item as Record<string, unknown>)) {
    if (isEmpty(value)) continue;
    const f = fix[key];
    out[key] = typeof value === "string" ? (f ? f(value) : value.trim()) : value;
  }
  return out;
}

function sortedItems(items: unknown[]): unknown[] {
  return items
    .map((item) => ({ item, key: canonical(item) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ item }) => item);
}

/** JSON with object keys sorted: equal values give equal text. */
export function canonical(value: unknown): string {
  if (value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
