import type { Server } from "node:http";
import { createServer } from "node:http";
import { handleApi } from "./api.js";
import { handleControl } from "./control.js";
import { Exchange, trackingIds } from "./exchange.js";
import { send, zoomError } from "./http.js";
import type { Credentials } from "./oauth.js";
import { tokenEndpoint } from "./oauth.js";
import type { SandboxState } from "./state.js";

export interface ServerConfig {
  state: SandboxState;
  credentials: Credentials;
  /** `http://127.0.0.1:<port>`, known once listening. */
  origin: () => string;
}

/**
 * The sandbox's HTTP server: sends each request to the API pipeline (/v2/…, api.ts), the OAuth
 * token endpoint (/oauth/token, oauth.ts) or the control paths (/_sandbox/…, control.ts).
 */
export function createSandboxServer(config: ServerConfig): Server {
  const { state, credentials } = config;
  const nextTrackingId = trackingIds();
  const api = { state, accountId: credentials.accountId };

  async function handle(ex: Exchange): Promise<void> {
    const { path, method, req } = ex;
    if (path.startsWith("/v2/")) return handleApi(ex, path.slice(3), api);
    if (path === "/oauth/token") {
      if (method !== "POST") {
        req.resume();
        return ex.finish({ status: 405, body: { reason: "Method Not Allowed", error: "invalid_request" } });
      }
      return ex.finish(await tokenEndpoint(req, ex.query, state, credentials, config.origin()));
    }
    if (path.startsWith("/_sandbox/"))
      return ex.answer(await handleControl(state, req, method, path.slice(9), ex.query));
    req.resume();
    ex.finish(zoomError(404, 404, `No API at ${method} ${path}.`));
  }

  return createServer({ noDelay: true, keepAliveTimeout: 65_000 }, (req, res) => {
    // The exchange is made first, so the log holds each request's arrival.
    const ex = new Exchange(req, res, state, nextTrackingId());
    handle(ex).catch((error: unknown) => {
      if (!res.headersSent)
        send(res, zoomError(500, 500, `Sandbox error: ${(error as Error).message}`), {
          "x-zm-trackingid": nextTrackingId(),
        });
      else res.destroy();
    });
  });
}
