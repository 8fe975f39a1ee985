import type { ReadAnswer } from "../../src/desired/client.js";

/** A read's result when Zoom answered 200 at the first attempt; spread it to make a failure. */
export const OK_READ_RESULT = {
  outcome: "ok",
  http_status: 200,
  zoom_code: "",
  message: "",
  attempts: 1,
  duration_ms: 1,
} as const;

/** A read client's answer: 200 with `body`. */
export function okRead(body: unknown): Promise<ReadAnswer> {
  return Promise.resolve({ ok: true, body, result: { ...OK_READ_RESULT } } as ReadAnswer);
}
