/**
 * Zoom's rate limits, as data. Source: https://developers.zoom.us/docs/api/rate-limits/
 * (snapshot 2026-02-07, see ../shared/zoom-api.md §3.1). Limits belong to the whole account:
 * every app installed on it spends the same per-label budget.
 */
export const PLANS = ["free", "pro", "business"] as const;
export type Plan = (typeof PLANS)[number];

export const LABELS = ["light", "medium", "heavy", "resource_intensive"] as const;
export type Label = (typeof LABELS)[number];

/** The name Zoom uses in `X-RateLimit-Category` and in its docs. */
export const LABEL_NAMES: Record<Label, string> = {
  light: "Light",
  medium: "Medium",
  heavy: "Heavy",
  resource_intensive: "Resource-intensive",
};

export interface LabelLimit {
  /** Requests allowed in any sliding window of `windowMs`. */
  limit: number;
  windowMs: number;
  /** Requests allowed per UTC day, where the plan has a daily cap on this label. */
  daily?: number;
}

const perSecond = (limit: number, daily?: number): LabelLimit =>
  daily === undefined ? { limit, windowMs: 1000 } : { limit, windowMs: 1000, daily };
const perMinute = (limit: number, daily?: number): LabelLimit =>
  daily === undefined ? { limit, windowMs: 60_000 } : { limit, windowMs: 60_000, daily };

/**
 * https://developers.zoom.us/docs/api/rate-limits/#rate-limits-by-account-type
 * Heavy and Resource-intensive share a combined daily limit on Pro (30,000) and Business+ (60,000);
 * the table keeps it on each of the two labels, which is what a single job can rely on.
 */
export const PLAN_LIMITS: Record<Plan, Record<Label, LabelLimit>> = {
  free: {
    light: perSecond(4, 6_000),
    medium: perSecond(2, 2_000),
    heavy: perSecond(1, 1_000),
    resource_intensive: perMinute(10, 30_000),
  },
  pro: {
    light: perSecond(30),
    medium: perSecond(20),
    heavy: perSecond(10, 30_000),
    resource_intensive: perMinute(10, 30_000),
  },
  business: {
    light: perSecond(80),
    medium: perSecond(60),
    heavy: perSecond(40, 60_000),
    resource_intensive: perMinute(20, 60_000),
  },
};

export function labelFromName(name: string): Label | undefined {
  const wanted = name.trim().toLowerCase();
  return LABELS.find((label) => LABEL_NAMES[label].toLowerCase() === wanted || label === wanted);
}
