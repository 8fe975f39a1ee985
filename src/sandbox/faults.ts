import { ConfigError } from "../errors.js";
import type { Label } from "../zoom/labels.js";
import { LABELS } from "../zoom/labels.js";
import type { SandboxEndpointName } from "./endpoints.js";
import type { Rng } from "./rng.js";

/**
 * Latency added to every accepted API call, in ms, drawn uniformly from [minMs, maxMs] per call
 * with the sandbox's seeded RNG (so a seed gives the same latencies). `{ minMs: 150, maxMs: 150 }`
 * is fixed; where an option takes `LatencySpec | number`, a number n means `{ minMs: n, maxMs: n }`.
 */
export interface LatencySpec {
  minMs: number;
  maxMs: number;
}

/** Probabilities 0..1 per accepted API call; all default 0. The OAuth endpoint is never hit. */
export interface FaultSpec {
  /** Answer 500, 502 or 503 with a Zoom-like body, without applying the call. */
  error5xx?: number;
  /** Destroy the connection without answering, without applying the call. */
  reset?: number;
  /** Never answer (until the client gives up or the sandbox closes); the call is not applied. */
  hang?: number;
  /** Uploads only: store the file, then destroy the connection without answering. */
  lostUpload?: number;
  /**
   * POST /users only: create the user, then destroy the connection without answering (the
   * client must look the user up before it creates again).
   */
  lostCreate?: number;
  /**
   * Share 0..1 of each label's per-window budget that other apps on the account spend: the job
   * gets floor(limit × (1 − share)) of every sliding window; past it, a QPS 429. One number for
   * every label or one per label.
   */
  otherApps?: number | Partial<Record<Label, number>>;
}

export type RandomFault = "5xx" | "reset" | "hang";

/** A call applied whose answer never left: the connection is destroyed after the handler ran. */
export type LostFault = "lost-upload" | "lost-create" | "lost-response";

/** Picks at most one fault for an accepted call (one draw, so the kinds never overlap). */
export function pickFault(spec: FaultSpec, rng: Rng): RandomFault | undefined {
  const e = spec.error5xx ?? 0;
  const r = spec.reset ?? 0;
  const h = spec.hang ?? 0;
  if (e + r + h === 0) return undefined;
  const u = rng();
  if (u < e) return "5xx";
  if (u < e + r) return "reset";
  if (u < e + r + h) return "hang";
  return undefined;
}

export const SERVER_ERRORS: readonly { status: number; message: string }[] = [
  { status: 500, message: "Internal server error." },
  { status: 502, message: "Bad gateway." },
  { status: 503, message: "Service is temporarily unavailable. Please try again later." },
];

export function pickLatency(spec: LatencySpec, rng: Rng): number {
  if (spec.maxMs <= 0) return 0;
  return spec.minMs + (spec.maxMs - spec.minMs) * rng();
}

export function otherAppsShare(spec: FaultSpec, label: Label): number {
  const share = spec.otherApps;
  if (share === undefined) return 0;
  return typeof share === "number" ? share : (share[label] ?? 0);
}

/** Throws ConfigError unless every probability is within 0..1. */
export function checkFaults(spec: FaultSpec): FaultSpec {
  const probability = (name: string, value: unknown): void => {
    if (value === undefined) return;
    if (typeof value !== "number" || !(value >= 0 && value <= 1))
      throw new ConfigError(
        `faults.${name}: expected a probability from 0 to 1, got ${JSON.stringify(value)}`,
      );
  };
  probability("error5xx", spec.error5xx);
  probability("reset", spec.reset);
  probability("hang", spec.hang);
  probability("lostUpload", spec.lostUpload);
  probability("lostCreate", spec.lostCreate);
  if (typeof spec.otherApps === "object")
    for (const [label, value] of Object.entries(spec.otherApps)) {
      if (!(LABELS as readonly string[]).includes(label))
        throw new ConfigError(
          `faults.otherApps: expected one of ${LABELS.join(", ")} as a key, got "${label}"`,
        );
      probability(`otherApps.${label}`, value);
    }
  else probability("otherApps", spec.otherApps);
  return spec;
}

export function checkLatency(input: LatencySpec | number): LatencySpec {
  const spec = typeof input === "number" ? { minMs: input, maxMs: input } : input;
  const { minMs, maxMs } = spec;
  if (!(Number.isFinite(minMs) && Number.isFinite(maxMs) && minMs >= 0 && maxMs >= minMs))
    throw new ConfigError(`latency: expected 0 <= minMs <= maxMs, got ${JSON.stringify(spec)}`);
  return spec;
}

/** `--latency 150` (fixed) or `--latency 100-200` (uniform), in ms. */
export function parseLatency(text: string): LatencySpec {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?)\s*)?$/.exec(text);
  const min = Number(match?.[1]);
  const max = match?.[2] === undefined ? min : Number(match[2]);
  if (!match || max < min)
    throw new ConfigError(
      `--latency: expected milliseconds as "150" or a range "100-200" (min <= max), got "${text}"`,
    );
  return { minMs: min, maxMs: max };
}

const FAULT_KEYS: Record<string, keyof Omit<FaultSpec, "otherApps">> = {
  "5xx": "error5xx",
  reset: "reset",
  hang: "hang",
  "lost-upload": "lostUpload",
  "lost-create": "lostCreate",
};

/**
 * `--faults "5xx=0.02,reset=0.01,hang=0.005,lost-upload=0.02,lost-create=0.02,other-apps=0.4"`; also
 * `other-apps.light=0.5` for one label. Empty text means no faults.
 */
export function parseFaults(text: string): FaultSpec {
  const spec: FaultSpec = {};
  const expected = `expected comma-separated key=probability pairs with keys 5xx, reset, hang, lost-upload, lost-create, other-apps, other-apps.<label> and probabilities from 0 to 1`;
  for (const part of text.split(",")) {
    if (part.trim() === "") continue;
    const [rawKey, rawValue, extra] = part.split("=");
    const key = rawKey?.trim() ?? "";
    const value = Number(rawValue?.trim());
    if (
      rawValue === undefined ||
      extra !== undefined ||
      rawValue.trim() === "" ||
      !(value >= 0 && value <= 1)
    )
      throw new ConfigError(`--faults: ${expected}, got "${part.trim()}" in "${text}"`);
    const simple = FAULT_KEYS[key];
    if (simple) spec[simple] = value;
    else if (key === "other-apps") spec.otherApps = value;
    else if (key.startsWith("other-apps.") && (LABELS as readonly string[]).includes(key.slice(11))) {
      const perLabel = typeof spec.otherApps === "object" ? spec.otherApps : {};
      perLabel[key.slice(11) as Label] = value;
      spec.otherApps = perLabel;
    } else throw new ConfigError(`--faults: ${expected}, got the key "${key}" in "${text}"`);
  }
  return spec;
}

/**
 * A response forced on the next `count` matching API calls (`state.failNext`), for deterministic
 * tests. It applies after authentication and before rate limits, so it spends no budget.
 */
export interface ForcedFault {
  /** Match by endpoint (a SANDBOX_ENDPOINTS name) … */
  endpoint?: SandboxEndpointName;
  /** … or by path below /v2, either as sent (`/users/alice@example.com`) or as the template (`/users/{userId}`). */
  path?: string;
  method?: string;
  /** User id or email (case-insensitive); matches the call whatever form of the user it names. */
  user?: string;
  /** How many calls to hit; default 1. */
  count?: number;
  /** Answer with this status. 429 sends Zoom's 429 for `rateLimit` (default "qps"); 5xx a Zoom 5xx body. */
  status?: number;
  rateLimit?: "qps" | "daily" | "concurrency";
  /** Replaces the default body for `status`. */
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Instead of a status: reset or hang the connection; or apply the call and lose its answer:
   * `lost-upload` (uploads only), `lost-create` (POST /users only), `lost-response` (any call).
   * Only a successful call loses its answer; a refused one is answered.
   */
  fault?: "reset" | "hang" | LostFault;
}
