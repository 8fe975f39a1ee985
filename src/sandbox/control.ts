import type { IncomingMessage } from "node:http";
import type { FaultSpec, ForcedFault, LatencySpec } from "./faults.js";
import type { Reply } from "./http.js";
import { readJson, readJsonObject, zoomError } from "./http.js";
import { busiestSecondByLabel } from "./pacing.js";
import type { SandboxState } from "./state.js";

/**
 * Introspection and control over HTTP, under /_sandbox (paths the real API does not have), for
 * tools that run the sandbox as a separate process (`zoom-bulk sandbox`). In-process tests use
 * `sandbox.state` directly. These calls are not logged and spend no rate limit.
 *
 *   GET  /_sandbox/state           the account (users without passwords, quotas, removed users, no-op writes)
 *   GET  /_sandbox/log             the request log
 *   GET  /_sandbox/stats           per-label counts, 429s and busiest sliding second (live)
 *   GET  /_sandbox/busiest-second  busiest sliding second per label, from the log's arrival times
 *   GET  /_sandbox/noop-writes     writes that changed nothing (noop.ts)
 *   POST /_sandbox/reset           clears the log, the no-op record and the stats
 *   POST /_sandbox/clock/advance?ms=N, POST /_sandbox/clock/set?time=ISO|ms
 *   PUT  /_sandbox/faults {FaultSpec}, PUT /_sandbox/latency {minMs,maxMs} | ms,
 *   POST /_sandbox/fail-next {ForcedFault}
 */
type Control = (state: SandboxState, query: URLSearchParams, req: IncomingMessage) => Reply | Promise<Reply>;

const clockNow = (state: SandboxState): Reply => ({
  status: 200,
  body: { now: new Date(state.clock.now()).toISOString() },
});

/** Reads a JSON body (an object; for /latency also a number) and hands it to `apply`. */
function withJson(apply: (state: SandboxState, value: unknown) => void, allowNumber = false): Control {
  return async (state, _query, req) => {
    const body = allowNumber ? await readJson(req) : await readJsonObject(req);
    if ("reply" in body) return body.reply;
    apply(state, body.value);
    return { status: 204 };
  };
}

const CONTROLS: Record<string, Control> = {
  "GET /state": (state) => ({ status: 200, body: state.snapshot() }),
  "GET /log": (state) => ({ status: 200, body: state.log }),
  "GET /stats": (state) => ({ status: 200, body: state.stats() }),
  "GET /busiest-second": (state) => ({ status: 200, body: busiestSecondByLabel(state.log) }),
  "GET /noop-writes": (state) => ({ status: 200, body: state.noopWrites }),
  "POST /reset": (state) => {
    state.reset();
    return { status: 204 };
  },
  "POST /clock/advance": (state, query) => {
    state.clock.advance(Number(query.get("ms")));
    return clockNow(state);
  },
  "POST /clock/set": (state, query) => {
    const text = query.get("time") ?? "";
    state.clock.set(/^\d+$/.test(text) ? Number(text) : new Date(text));
    return clockNow(state);
  },
  "PUT /faults": withJson((state, value) => state.setFaults(value as FaultSpec)),
  "PUT /latency": withJson((state, value) => state.setLatency(value as LatencySpec | number), true),
  "POST /fail-next": withJson((state, value) => state.failNext(value as ForcedFault)),
};

/** Answers one control call; `path` is below /_sandbox. */
export async function handleControl(
  state: SandboxState,
  req: IncomingMessage,
  method: string,
  path: string,
  query: URLSearchParams,
): Promise<Reply> {
  const control = CONTROLS[`${method} ${path}`];
  try {
    if (!control) {
      req.resume();
      return zoomError(404, 404, `No sandbox control at ${method} /_sandbox${path}.`);
    }
    const reply = await control(state, query, req);
    req.resume();
    return reply;
  } catch (error) {
    req.resume();
    return zoomError(400, 300, (error as Error).message);
  }
}
