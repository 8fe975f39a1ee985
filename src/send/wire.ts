import { subscribe } from "node:diagnostics_channel";

/**
 * When a request is really on the wire. The limiter records a start when its request is written to
 * a socket, not when the window let it go: a request that has to wait for a connection (a new one
 * after a reset or an idle close, or one the pool had busy) leaves later, and Zoom counts it when
 * it arrives. undici says when it writes a request's headers on its public diagnostics channels:
 * `undici:request:create` (published synchronously inside `dispatcher.request()`, which ties the
 * request object to the caller's callback) and `undici:client:sendHeaders` (the headers are being
 * written to the socket; a streamed body follows them at once).
 */
let next: (() => void) | undefined;
const waiting = new WeakMap<object, () => void>();
let subscribed = false;

function listen(): void {
  subscribed = true;
  subscribe("undici:request:create", (message) => {
    if (!next) return;
    waiting.set((message as { request: object }).request, next);
    next = undefined;
  });
  subscribe("undici:client:sendHeaders", (message) => {
    const request = (message as { request: object }).request;
    const sent = waiting.get(request);
    if (!sent) return;
    waiting.delete(request);
    sent();
  });
}

/**
 * Runs `dispatch` (one undici `dispatcher.request()` call) and calls `sent` when that request's
 * headers are written to its socket. A request that never gets there (aborted, no connection) does
 * not call it: the limiter then records its start when the attempt ends.
 */
export function onWire<T>(sent: (() => void) | undefined, dispatch: () => T): T {
  if (!sent) return dispatch();
  if (!subscribed) listen();
  next = sent;
  try {
    return dispatch();
  } finally {
    next = undefined;
  }
}
