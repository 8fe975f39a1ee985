import { randomBytes } from "node:crypto";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import type { Endpoint } from "../zoom/endpoints.js";
import { ENDPOINTS } from "../zoom/endpoints.js";
import { isPlainObject } from "../zoom/rules.js";
import type { ForcedFault, FaultSpec, LatencySpec } from "./faults.js";
import { SERVER_ERRORS, pickFault, pickLatency } from "./faults.js";
import type { Reply } from "./http.js";
import { readJsonObject, send, zoomError } from "./http.js";
import { MESSAGES_429 } from "./limits.js";
import type { Credentials } from "./oauth.js";
import { tokenEndpoint } from "./oauth.js";
import type { LogEntry, SandboxState } from "./state.js";
import { HANDLERS } from "./users.js";

export interface ServerConfig {
  state: SandboxState;
  credentials: Credentials;
  /** `http://127.0.0.1:<port>`, known once listening. */
  origin: () => string;
}

interface Route {
  endpoint: Endpoint;
  pattern: RegExp;
}

/** The router table: one line per ENDPOINTS entry, so the rate label always comes from there. */
const ROUTES: Route[] = Object.values(ENDPOINTS).map((endpoint) => ({
  endpoint,
  pattern: new RegExp(`^${endpoint.path.replace("{userId}", "([^/]+)")}$`),
}));

function route(method: string, path: string): { endpoint: Endpoint; userId: string | undefined } | undefined {
  for (const { endpoint, pattern } of ROUTES) {
    if (endpoint.method !== method) continue;
    const match = pattern.exec(path);
    if (match) return { endpoint, userId: match[1] };
  }
  return undefined;
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

export function createSandboxServer(config: ServerConfig): Server {
  const { state, credentials } = config;
  const trackingPrefix = `v=2.0;clid=sandbox;rid=${randomBytes(4).toString("hex")}_`;
  let trackingCount = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const trackingId = trackingPrefix + (++trackingCount).toString(36);
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const queryText = q === -1 ? "" : url.slice(q + 1);
    const query = new URLSearchParams(queryText);
    const method = req.method ?? "GET";
    const entry: LogEntry = { time: state.clock.now(), method, path, status: 0, trackingId };
    if (queryText) entry.query = queryText;
    const finish = (reply: Reply, headers?: Record<string, string> | undefined): void => {
      entry.status = reply.status;
      if (isPlainObject(reply.body) && typeof reply.body.code === "number") entry.zoomCode = reply.body.code;
      send(res, headers ? { ...reply, headers: { ...headers, ...reply.headers } } : reply, {
        "x-zm-trackingid": trackingId,
      });
      state.record(entry);
    };

    if (path.startsWith("/v2/")) return api(req, res, path.slice(3), query, entry, finish);
    if (path === "/oauth/token") {
      if (method !== "POST") {
        req.resume();
        return finish({ status: 405, body: { reason: "Method Not Allowed", error: "invalid_request" } });
      }
      return finish(await tokenEndpoint(req, query, state, credentials, config.origin()));
    }
    if (path.startsWith("/_sandbox/")) {
      const reply = await admin(req, method, path.slice(9), query);
      send(res, reply, { "x-zm-trackingid": trackingId });
      return;
    }
    req.resume();
    finish(zoomError(404, 404, `No API at ${method} ${path}.`));
  }

  async function api(
    req: IncomingMessage,
    res: ServerResponse,
    subpath: string,
    query: URLSearchParams,
    entry: LogEntry,
    finish: (reply: Reply, headers?: Record<string, string> | undefined) => void,
  ): Promise<void> {
    const found = route(entry.method, subpath);
    if (!found) {
      req.resume();
      return finish(zoomError(404, 404, `No API at ${entry.method} ${entry.path}.`));
    }
    const { endpoint } = found;
    const label = endpoint.label;
    const userParam = found.userId === undefined ? undefined : decode(found.userId);
    entry.endpoint = endpoint.name;
    entry.label = label;
    if (userParam !== undefined) entry.user = userParam;
    state.limits.arrive(label);

    const auth = state.checkToken(bearer(req));
    if (auth !== "ok") {
      req.resume();
      return finish(
        zoomError(401, 124, auth === "expired" ? "Access token is expired." : "Invalid access token."),
      );
    }

    const user = userParam === undefined ? undefined : state.getUser(userParam);
    const userKey = userParam === undefined ? undefined : (user?.id ?? userParam.toLowerCase());
    const forced = state.takeForced({
      endpoint: endpoint.name,
      method: entry.method,
      path: decode(subpath),
      template: endpoint.path,
      user,
      userParam,
    });
    if (forced?.fault === "reset" || forced?.fault === "hang") return drop(req, entry, forced.fault);
    if (forced?.status !== undefined) {
      req.resume();
      return finish(...forcedReply(forced, label));
    }

    const verdict = state.limits.admit(label, userKey);
    if (!verdict.ok) {
      req.resume();
      return finish(
        { status: 429, body: { code: 429, message: MESSAGES_429[verdict.kind] } },
        verdict.headers,
      );
    }
    const release = (): void => {
      if (userKey !== undefined) state.limits.release(userKey);
    };
    res.once("close", release);

    const fault = pickFault(state.faults, state.rng.faults);
    if (fault === "hang") return drop(req, entry, "hang");
    const latency = pickLatency(state.latency, state.rng.latency);
    if (fault === "reset") {
      if (latency > 0) await delay(latency);
      release();
      return drop(req, entry, "reset");
    }
    if (fault === "5xx") {
      req.resume();
      const error = SERVER_ERRORS[Math.floor(state.rng.faults() * SERVER_ERRORS.length)] ?? {
        status: 500,
        message: "Internal server error.",
      };
      if (latency > 0) await delay(latency);
      entry.fault = "5xx";
      release();
      return finish(zoomError(error.status, error.status, error.message), verdict.headers);
    }

    const reply = await HANDLERS[endpoint.name]({
      req,
      state,
      query,
      userParam: userParam ?? "",
      user,
      accountId: credentials.accountId,
    });
    if (latency > 0) await delay(latency);
    release();
    if (
      endpoint.body === "multipart" &&
      reply.status === endpoint.success &&
      loseUpload(forced, state.faults)
    )
      return drop(req, entry, "lost-upload");
    finish(reply, verdict.headers);
  }

  function loseUpload(forced: ForcedFault | undefined, faults: FaultSpec): boolean {
    if (forced?.fault === "lost-upload") return true;
    const p = faults.lostUpload ?? 0;
    return p > 0 && state.rng.faults() < p;
  }

  /** Ends the call without an answer: reset and lost-upload destroy the socket, hang leaves it open. */
  function drop(req: IncomingMessage, entry: LogEntry, fault: "reset" | "hang" | "lost-upload"): void {
    entry.fault = fault;
    state.record(entry);
    if (fault !== "hang") req.socket.destroy();
  }

  function forcedReply(
    forced: ForcedFault,
    label: Endpoint["label"],
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

  /** Introspection and control, on paths the real API does not have. */
  async function admin(
    req: IncomingMessage,
    method: string,
    path: string,
    query: URLSearchParams,
  ): Promise<Reply> {
    const key = `${method} ${path}`;
    if (method === "GET") req.resume();
    try {
      switch (key) {
        case "GET /state":
          return { status: 200, body: state.snapshot() };
        case "GET /log":
          return { status: 200, body: state.log };
        case "GET /stats":
          return { status: 200, body: state.stats() };
        case "POST /reset":
          req.resume();
          state.reset();
          return { status: 204 };
        case "POST /clock/advance": {
          req.resume();
          const ms = Number(query.get("ms"));
          state.clock.advance(ms);
          return { status: 200, body: { now: new Date(state.clock.now()).toISOString() } };
        }
        case "POST /clock/set": {
          req.resume();
          const text = query.get("time") ?? "";
          state.clock.set(/^\d+$/.test(text) ? Number(text) : new Date(text));
          return { status: 200, body: { now: new Date(state.clock.now()).toISOString() } };
        }
        case "PUT /faults":
        case "PUT /latency":
        case "POST /fail-next": {
          const body = await readJsonObject(req);
          if ("reply" in body) return body.reply;
          if (key === "PUT /faults") state.setFaults(body.value as FaultSpec);
          else if (key === "PUT /latency") state.setLatency(body.value as unknown as LatencySpec);
          else state.failNext(body.value as ForcedFault);
          return { status: 204 };
        }
      }
    } catch (error) {
      return zoomError(400, 300, (error as Error).message);
    }
    req.resume();
    return zoomError(404, 404, `No sandbox control at ${method} /_sandbox${path}.`);
  }

  const server = createServer({ noDelay: true, keepAliveTimeout: 65_000 }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        send(res, zoomError(500, 500, `Sandbox error: ${(error as Error).message}`), {
          "x-zm-trackingid": trackingPrefix + (++trackingCount).toString(36),
        });
      } else res.destroy();
    });
  });
  return server;
}
