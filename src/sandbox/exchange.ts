import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { Reply } from "./http.js";
import { send, zoomCodeOf } from "./http.js";
import type { LogEntry, SandboxState } from "./state.js";

/** Zoom-looking tracking ids (`x-zm-trackingid`), unique per server. */
export function trackingIds(): () => string {
  const prefix = `v=2.0;clid=sandbox;rid=${randomBytes(4).toString("hex")}_`;
  let count = 0;
  return () => prefix + (++count).toString(36);
}

/**
 * One request and its answer. It is made first thing when a request arrives, so its log entry's
 * `time` and `arrival` are the arrival (where Zoom counts), whatever the handling takes after.
 */
export class Exchange {
  readonly entry: LogEntry;
  readonly method: string;
  /** Path as sent, without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly state: SandboxState,
    readonly trackingId: string,
  ) {
    const arrival = performance.now();
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    this.path = q === -1 ? url : url.slice(0, q);
    const queryText = q === -1 ? "" : url.slice(q + 1);
    this.query = new URLSearchParams(queryText);
    this.method = req.method ?? "GET";
    this.entry = {
      time: state.clock.now(),
      arrival,
      method: this.method,
      path: this.path,
      status: 0,
      trackingId,
    };
    if (queryText) this.entry.query = queryText;
  }

  /** Answers, and logs the call with its status and Zoom code. */
  finish(reply: Reply, headers?: Record<string, string>): void {
    this.entry.status = reply.status;
    const code = zoomCodeOf(reply.body);
    if (code !== undefined) this.entry.zoomCode = code;
    this.answer(headers ? { ...reply, headers: { ...headers, ...reply.headers } } : reply);
    this.state.record(this.entry);
  }

  /** Answers without logging (the /_sandbox control paths). */
  answer(reply: Reply): void {
    send(this.res, reply, { "x-zm-trackingid": this.trackingId });
  }

  /**
   * Ends the call without an answer and logs it with status 0: `hang` leaves the socket open (until
   * the client gives up or the sandbox closes), every other fault destroys it.
   */
  drop(fault: NonNullable<LogEntry["fault"]>): void {
    this.entry.fault = fault;
    this.state.record(this.entry);
    if (fault !== "hang") this.req.socket.destroy();
  }
}
