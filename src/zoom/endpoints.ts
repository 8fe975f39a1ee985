import type { OpKind } from "../types.js";
import type { Label } from "./labels.js";

/**
 * The Users API endpoints zoom-bulk and the sandbox speak, each with the rate label Zoom's spec
 * gives it (`**Rate Limit Label**` in ../shared/zoom-openapi/users.openapi.json). Which label an
 * endpoint spends is stated here and nowhere else.
 */
export interface Endpoint {
  name: EndpointName;
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  /** OpenAPI path template, relative to the API base URL (which ends in /v2). */
  path: string;
  label: Label;
  body: "none" | "json" | "multipart";
  /** Multipart field that carries the file. */
  fileField?: string;
  /** Status Zoom answers on success. */
  success: number;
  /** Whether sending it twice leaves the same state as sending it once. */
  idempotent: boolean;
}

export type EndpointName =
  | "updateUser"
  | "updatePassword"
  | "uploadPicture"
  | "uploadVirtualBackground"
  | "getUser"
  | "getSettings"
  | "deleteVirtualBackgrounds"
  | "createUser"
  | "updateStatus"
  | "updateEmail"
  | "deleteUser"
  | "listUsers";

const table: Endpoint[] = [
  // https://developers.zoom.us/docs/api/users/#tag/users/PATCH/users/{userId}
  {
    name: "updateUser",
    method: "PATCH",
    path: "/users/{userId}",
    label: "light",
    body: "json",
    success: 204,
    idempotent: true,
  },
  // https://developers.zoom.us/docs/api/users/#tag/users/PUT/users/{userId}/password
  {
    name: "updatePassword",
    method: "PUT",
    path: "/users/{userId}/password",
    label: "medium",
    body: "json",
    success: 204,
    idempotent: true,
  },
  // https://developers.zoom.us/docs/api/users/#tag/users/POST/users/{userId}/picture
  {
    name: "uploadPicture",
    method: "POST",
    path: "/users/{userId}/picture",
    label: "medium",
    body: "multipart",
    fileField: "pic_file",
    success: 201,
    idempotent: true,
  },
  // https://developers.zoom.us/docs/api/users/#tag/users/POST/users/{userId}/settings/virtual_backgrounds
  {
    name: "uploadVirtualBackground",
    method: "POST",
    path: "/users/{userId}/settings/virtual_backgrounds",
    label: "medium",
    body: "multipart",
    fileField: "file",
    success: 201,
    idempotent: false,
  },
  // https://developers.zoom.us/docs/api/users/#tag/users/GET/users/{userId}
  {
    name: "getUser",
    method: "GET",
    path: "/users/{userId}",
    label: "light",
    body: "none",
    success: 200,
    idempotent: true,
  },
  // https://developers.zoom.us/docs/api/users/#tag/users/GET/users/{userId}/settings
  {
    name: "getSettings",
    method: "GET",
    path: "/users/{userId}/settings",
    label: "medium",
    body: "none",
    success: 200,
    idempotent: true,
  },
  // https://developers.zoom.us/docs/api/users/#tag/users/DELETE/users/{userId}/settings/virtual_backgrounds
  {
    name: "deleteVirtualBackgrounds",
    method: "DELETE",
    path: "/users/{userId}/settings/virtual_backgrounds",
    label: "light",
    body: "none",
    success: 204,
    idempotent: true,
  },
  // https://developers.zoom.us/docs/api/users/#tag/users/POST/users
  {
    name: "createUser",
    method: "POST",
    path: "/users",
    label: "light",
    body: "json",
    success: 201,
    idempotent: false,
  },
  // https://developers.zoom.us/docs/api/users/#tag/users/PUT/users/{userId}/status
  {
    name: "updateStatus",
    method: "PUT",
    path: "/users/{userId}/status",
    label: "light",
    body: "json",
    success: 204,
    idempotent: true,
  },
  // https://developers.zoom.us/docs/api/users/#tag/users/PUT/users/{userId}/email
  {
    name: "updateEmail",
    method: "PUT",
    path: "/users/{userId}/email",
    label: "light",
    body: "json",
    success: 204,
    idempotent: true,
  },
  // https://developers.zoom.us/docs/api/users/#tag/users/DELETE/users/{userId}
  {
    name: "deleteUser",
    method: "DELETE",
    path: "/users/{userId}",
    label: "light",
    body: "none",
    success: 204,
    idempotent: true,
  },
  // https://developers.zoom.us/docs/api/users/#tag/users/GET/users
  {
    name: "listUsers",
    method: "GET",
    path: "/users",
    label: "medium",
    body: "none",
    success: 200,
    idempotent: true,
  },
];

/**
 * Which endpoint each of a row's operations calls (the `replace` clean-up of backgrounds is a
 * `virtual_background` operation on `deleteVirtualBackgrounds`).
 */
export const OP_ENDPOINTS = {
  create: "createUser",
  profile: "updateUser",
  password: "updatePassword",
  picture: "uploadPicture",
  virtual_background: "uploadVirtualBackground",
  email: "updateEmail",
  status: "updateStatus",
  delete: "deleteUser",
} as const satisfies Record<OpKind, EndpointName>;

export const ENDPOINTS = Object.fromEntries(table.map((e) => [e.name, e])) as Record<EndpointName, Endpoint>;

/** Fills `{userId}`, always URL-encoded so that a user ID can never change the request path. */
export function endpointPath(endpoint: Endpoint, userId?: string): string {
  return endpoint.path.replace("{userId}", encodeURIComponent(userId ?? ""));
}
