import type { Endpoint, EndpointName } from "../zoom/endpoints.js";
import { ENDPOINTS } from "../zoom/endpoints.js";

/**
 * Every endpoint the sandbox serves: the job's table (src/zoom/endpoints.ts, which states each
 * label once) plus the Users endpoints the sandbox serves before the job calls them. Labels and
 * statuses here come from Zoom's spec; test/unit/zoom/conformance.test.ts holds every line to the
 * spec extract (test/fixtures/zoom-spec.json). When the job's table gains one of these, its line
 * wins (see SANDBOX_ENDPOINTS).
 */
export type ExtraEndpointName = "deletePicture" | "checkEmail";
export type SandboxEndpointName = EndpointName | ExtraEndpointName;

export interface SandboxEndpoint extends Omit<Endpoint, "name"> {
  name: SandboxEndpointName;
}

const EXTRA: SandboxEndpoint[] = [
  // https://developers.zoom.us/docs/api/users/#tag/users/DELETE/users/{userId}/picture
  {
    name: "deletePicture",
    method: "DELETE",
    path: "/users/{userId}/picture",
    label: "medium",
    body: "none",
    success: 204,
    idempotent: true,
  },
  // https://developers.zoom.us/docs/api/users/#tag/users/GET/users/email
  {
    name: "checkEmail",
    method: "GET",
    path: "/users/email",
    label: "light",
    body: "none",
    success: 200,
    idempotent: true,
  },
];

export const SANDBOX_ENDPOINTS: Record<SandboxEndpointName, SandboxEndpoint> = {
  ...(Object.fromEntries(EXTRA.map((e) => [e.name, e])) as Record<ExtraEndpointName, SandboxEndpoint>),
  ...ENDPOINTS,
};
