import type { RouteSpec } from "./context.js";
import type { SandboxEndpoint, SandboxEndpointName } from "./endpoints.js";
import { SANDBOX_ENDPOINTS } from "./endpoints.js";
import { backgroundRoutes } from "./routes/backgrounds.js";
import { emailRoutes } from "./routes/email.js";
import { lifecycleRoutes } from "./routes/lifecycle.js";
import { listRoutes } from "./routes/list.js";
import { passwordRoutes } from "./routes/password.js";
import { pictureRoutes } from "./routes/picture.js";
import { settingsRoutes } from "./routes/settings.js";
import { userRoutes } from "./routes/users.js";

/** Every route's handler and declared fields, by endpoint name (one module per resource group). */
export const ROUTE_SPECS: Record<SandboxEndpointName, RouteSpec> = {
  ...userRoutes,
  ...listRoutes,
  ...lifecycleRoutes,
  ...emailRoutes,
  ...passwordRoutes,
  ...pictureRoutes,
  ...backgroundRoutes,
  ...settingsRoutes,
};

export interface Route extends RouteSpec {
  endpoint: SandboxEndpoint;
  pattern: RegExp;
}

/**
 * The router table: one line per SANDBOX_ENDPOINTS entry, so the rate label always comes from the
 * endpoint table. Literal paths come before templates (GET /users/email before /users/{userId}).
 */
export const ROUTES: readonly Route[] = Object.values(SANDBOX_ENDPOINTS)
  .map((endpoint) => ({
    ...ROUTE_SPECS[endpoint.name],
    endpoint,
    pattern: new RegExp(`^${endpoint.path.replace("{userId}", "([^/]+)")}$`),
  }))
  .sort((a, b) => Number(a.endpoint.path.includes("{")) - Number(b.endpoint.path.includes("{")));

/** The route for `method path` (path below /v2), with the raw `{userId}` segment. */
export function matchRoute(
  method: string,
  path: string,
): { route: Route; userId: string | undefined } | undefined {
  for (const route of ROUTES) {
    if (route.endpoint.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match) return { route, userId: match[1] };
  }
  return undefined;
}
