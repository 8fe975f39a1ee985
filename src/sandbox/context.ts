import type { IncomingMessage } from "node:http";
import type { SandboxEndpoint } from "./endpoints.js";
import type { FieldSpecs } from "./fields.js";
import { checkBody, readQuery } from "./fields.js";
import type { Reply } from "./http.js";
import { readJsonObject, userNotFound, validationFailed } from "./http.js";
import type { NoopWrite } from "./noop.js";
import type { SandboxState } from "./state.js";
import type { SandboxUser } from "./users-model.js";

/** What a Users API handler gets. */
export interface ApiContext {
  req: IncomingMessage;
  state: SandboxState;
  query: URLSearchParams;
  /** `{userId}` of the path, URL-decoded ("" for paths without one). */
  userParam: string;
  user: SandboxUser | undefined;
  accountId: string;
  endpoint: SandboxEndpoint;
  route: RouteSpec;
  /** Path below /v2, as sent but URL-decoded. */
  path: string;
}

export type Handler = (ctx: ApiContext) => Promise<Reply> | Reply;

/**
 * One line of the router table: the handler and the query parameters and JSON body fields it
 * checks, declared as the spec states them (the conformance test compares them with the spec
 * extract, and `readFields`/`readQueryFields` validate with them).
 */
export interface RouteSpec {
  handler: Handler;
  query?: FieldSpecs;
  body?: FieldSpecs;
  /**
   * Answers the spec does not list for this endpoint, with why the sandbox gives them. Besides
   * these and the spec's own codes, any route may answer 400/300 (Zoom's general validation error),
   * 401/124, 429 and the 5xx faults. The conformance tests hold both lists to the spec extract.
   */
  undocumented?: readonly Undocumented[];
}

export interface Undocumented {
  status: number;
  code: number;
  why: string;
}

/** Runs `then` on the user the path names, or answers 404/1001 (discarding the request body). */
export function withUser(
  ctx: ApiContext,
  then: (user: SandboxUser) => Promise<Reply> | Reply,
): Promise<Reply> | Reply {
  if (ctx.user) return then(ctx.user);
  ctx.req.resume();
  return userNotFound(ctx.userParam);
}

/** Reads the JSON body and checks the route's declared body fields; Zoom's 400/300 if they fail. */
export async function readFields(
  ctx: ApiContext,
  extra: Record<string, (value: unknown) => string | undefined> = {},
): Promise<{ value: Record<string, unknown> } | { reply: Reply }> {
  const body = await readJsonObject(ctx.req);
  if ("reply" in body) return body;
  const errors = checkBody(ctx.route.body ?? {}, body.value, extra);
  return errors.length > 0 ? { reply: validationFailed(errors) } : body;
}

/** The route's declared query parameters, parsed; Zoom's 400/300 when one is wrong. */
export function readQueryFields(
  ctx: ApiContext,
): { values: Record<string, string | number | boolean> } | { reply: Reply } {
  const result = readQuery(ctx.route.query ?? {}, ctx.query);
  return "errors" in result ? { reply: validationFailed(result.errors) } : result;
}

/** Notes a write that changed nothing (or sent fields that were already so); see noop.ts. */
export function noteNoop(
  ctx: ApiContext,
  user: SandboxUser,
  reason: string,
  extra: Partial<Pick<NoopWrite, "fields" | "partial">> = {},
): void {
  ctx.state.recordNoop({
    time: ctx.state.clock.now(),
    endpoint: ctx.endpoint.name,
    method: ctx.endpoint.method,
    path: ctx.path,
    userId: user.id,
    reason,
    partial: extra.partial ?? false,
    ...(extra.fields ? { fields: extra.fields } : {}),
  });
}
