import type { IncomingMessage } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import type { EndpointName } from "../zoom/endpoints.js";
import { ENDPOINTS } from "../zoom/endpoints.js";
import type { Label } from "../zoom/labels.js";
import type { ApiContext } from "./context.js";
import type { SandboxEndpoint } from "./endpoints.js";
import type { Exchange } from "./exchange.js";
import type { ForcedFault, LostFault } from "./faults.js";
import { SERVER_ERRORS, pickFault, pickLatency } from "./faults.js";
import type { Reply } from "./http.js";
import { serialized, zoomError } from "./http.js";
import type { Verdict } from "./limits.js";
import { MESSAGES_429 } from "./limits.js";
import type { Route } from "./router.js";
import { matchRoute } from "./router.js";
import type { SandboxState } from "./state.js";
import type { SandboxUser } from "./users-model.js";

/**
 * The life of one API call (/v2/…), in the order index.ts documents: route, token, forced fault,
 * rate limits, random fault, handler, latency, lost answer. Each step is one small function.
 */
export interface ApiServer {
  state: SandboxState;
  accountId: string;
}

interface Call {
  route: Route;
  endpoint: SandboxEndpoint;
  label: Label;
  userParam: string | undefined;
  user: SandboxUser | undefined;
  /** What the per-user concurrency limit locks: the user's id, or the lower-cased text sent. */
  userKey: string | undefined;
  /** Path below /v2, URL-decoded. */
  path: string;
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Finds the route and the user it names, and notes them in the log entry; undefined: no such API. */
function resolveCall(ex: Exchange, subpath: string, state: SandboxState): Call | undefined {
  const found = matchRoute(ex.method, subpath);
  if (!found) return undefined;
  const { route } = found;
  const userParam = found.userId === undefined ? undefined : decode(found.userId);
  const user = userParam === undefined ? undefined : state.getUser(userParam);
  const name = route.endpoint.name;
  if (Object.hasOwn(ENDPOINTS, name)) ex.entry.endpoint = name as EndpointName;
  ex.entry.operation = name;
  ex.entry.label = route.endpoint.label;
  if (userParam !== undefined) ex.entry.user = userParam;
  return {
    route,
    endpoint: route.endpoint,
    label: route.endpoint.label,
    userParam,
    user,
    userKey: userParam === undefined ? undefined : (user?.id ?? userParam.toLowerCase()),
    path: decode(subpath),
  };
}

export async function handleApi(ex: Exchange, subpath: string, server: ApiServer): Promise<void> {
  const { state } = server;
  const call = resolveCall(ex, subpath, state);
  if (!call) {
    ex.req.resume();
    return ex.finish(zoomError(404, 404, `No API at ${ex.method} ${ex.path}.`));
  }
  state.limits.arrive(call.label, ex.entry.arrival);
  const auth = state.checkToken(bearer(ex.req));
  if (auth !== "ok") {
    ex.req.resume();
    return ex.finish(
      zoomError(401, 124, auth === "expired" ? "Access token is expired." : "Invalid access token."),
    );
  }
  const forced = state.takeForced({
    endpoint: call.endpoint.name,
    method: ex.method,
    path: call.path,
    template: call.endpoint.path,
    user: call.user,
    userParam: call.userParam,
  });
  if (forced?.fault === "reset" || forced?.fault === "hang") return ex.drop(forced.fault);
  if (forced?.status !== undefined) {
    ex.req.resume();
    return ex.finish(...forcedReply(state, forced, call.label));
  }
  const verdict = state.limits.admit(call.label, call.userKey);
  if (!verdict.ok) {
    ex.req.resume();
    return ex.finish(
      { status: 429, body: { code: 429, message: MESSAGES_429[verdict.kind] } },
      verdict.headers,
    );
  }
  const release = (): void => {
    if (call.userKey !== undefined) state.limits.release(call.userKey);
  };
  ex.res.once("close", release);
  await accepted(ex, call, server, verdict, forced, release);
}

/** An admitted call: a random fault, or the handler; then latency, then the answer (or its loss). */
async function accepted(
  ex: Exchange,
  call: Call,
  server: ApiServer,
  verdict: Extract<Verdict, { ok: true }>,
  forced: ForcedFault | undefined,
  release: () => void,
): Promise<void> {
  const { state } = server;
  const fault = pickFault(state.faults, state.rng.faults);
  if (fault === "hang") return ex.drop("hang");
  const latency = pickLatency(state.latency, state.rng.latency);
  if (fault === "reset") {
    if (latency > 0) await delay(latency);
    release();
    return ex.drop("reset");
  }
  if (fault === "5xx") {
    ex.req.resume();
    const error = SERVER_ERRORS[Math.floor(state.rng.faults() * SERVER_ERRORS.length)] ?? {
      status: 500,
      message: "Internal server error.",
    };
    if (latency > 0) await delay(latency);
    ex.entry.fault = "5xx";
    release();
    return ex.finish(zoomError(error.status, error.status, error.message), verdict.headers);
  }
  const ctx: ApiContext = {
    req: ex.req,
    state,
    query: ex.query,
    userParam: call.userParam ?? "",
    user: call.user,
    accountId: server.accountId,
    endpoint: call.endpoint,
    route: call.route,
    path: call.path,
  };
  const reply = serialized(await call.route.handler(ctx));
  if (latency > 0) await delay(latency);
  release();
  const lost = lostAnswer(state, call.endpoint, reply, forced);
  if (lost) return ex.drop(lost);
  ex.finish(reply, verdict.headers);
}

/**
 * Whether a call that succeeded loses its answer: forced (`lost-response` any call, `lost-upload`
 * uploads, `lost-create` POST /users) or drawn (`faults.lostUpload`, `faults.lostCreate`).
 */
function lostAnswer(
  state: SandboxState,
  endpoint: SandboxEndpoint,
  reply: Reply,
  forced: ForcedFault | undefined,
): LostFault | undefined {
  if (reply.status !== endpoint.success) return undefined;
  const upload = endpoint.body === "multipart";
  const create = endpoint.name === "createUser";
  if (forced?.fault === "lost-response") return "lost-response";
  if (forced?.fault === "lost-upload" && upload) return "lost-upload";
  if (forced?.fault === "lost-create" && create) return "lost-create";
  const draw = (p: number | undefined): boolean => (p ?? 0) > 0 && state.rng.faults() < (p ?? 0);
  if (upload && draw(state.faults.lostUpload)) return "lost-upload";
  if (create && draw(state.faults.lostCreate)) return "lost-create";
  return undefined;
}

/** The answer a `failNext` with a status forces, with Zoom's body and headers for it. */
function forcedReply(
  state: SandboxState,
  forced: ForcedFault,
  label: Label,
): [Reply, Record<string, string> | undefined] {
  const status = forced.status ?? 500;
  if (status === 429) {
    const kind = forced.rateLimit ?? "qps";
    state.limits.countForced(label, kind);
    const headers = { ...state.limits.headersFor(label, kind), ...forced.headers };
    return [{ status, body: forced.body ?? { code: 429, message: MESSAGES_429[kind] } }, headers];
  }
  const known = SERVER_ERRORS.find((e) => e.status === status);
  const body = forced.body ?? {
    code: status,
    message: known?.message ?? "Forced by the sandbox (failNext).",
  };
  return [{ status, body }, forced.headers];
}
