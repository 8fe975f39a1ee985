import { createReadStream, type ReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { PassThrough } from "node:stream";
import type FormDataClass from "form-data";
import { ZoomBulkError } from "../errors.js";
import type { Operation, UploadFile } from "../types.js";
import { ENDPOINTS, endpointPath, type Endpoint } from "../zoom/endpoints.js";
import { FORMAT_INFO } from "../zoom/rules.js";
import { fileChanged } from "./failure.js";

const require = createRequire(import.meta.url);

/** What one HTTP attempt sends, before a token and a connection are added. */
export interface PreparedRequest {
  method: Endpoint["method"];
  /** Path below the API URL, already encoded, e.g. `/users/a%40b.c/settings`. */
  path: string;
  query?: Record<string, string> | undefined;
  json?: Record<string, unknown> | undefined;
  upload?: { field: string; file: UploadFile } | undefined;
}

/** The request for one of a manifest's operations. */
export function requestFor(op: Operation): PreparedRequest {
  const endpoint = ENDPOINTS[op.endpoint];
  const path = endpointPath(endpoint, op.user);
  if (endpoint.body === "multipart") {
    if (!op.file || !endpoint.fileField) throw new TypeError(`${endpoint.name} needs a file (row ${op.row})`);
    return {
      method: endpoint.method,
      path,
      query: op.query,
      upload: { field: endpoint.fileField, file: op.file },
    };
  }
  return {
    method: endpoint.method,
    path,
    query: op.query,
    json: endpoint.body === "json" ? (op.body ?? {}) : undefined,
  };
}

/** A multipart body ready to stream: form-data behind a PassThrough undici can consume. */
export interface OpenedUpload {
  headers: Record<string, string>;
  stream: PassThrough;
  file: ReadStream;
  name: string;
  /** The file's size as validation saw it. */
  checkedSize: number;
  /** Bytes of the whole multipart body. */
  length: number;
  /** Whether every byte was handed to the socket. */
  sent: boolean;
  /** Closes the file (read to its end on success; on any failure, not leaked). */
  close(): void;
}

/**
 * Opens an upload's file, after checking it is still the size validation saw (a file rewritten
 * between validation and upload would otherwise fail deep in undici as a content-length mismatch).
 */
export async function openUpload(upload: { field: string; file: UploadFile }): Promise<OpenedUpload> {
  const { file: info, field } = upload;
  let size: number;
  try {
    size = (await stat(info.path)).size;
  } catch (error) {
    throw unreadable(info.name, error as Error);
  }
  if (size !== info.size) throw fileChanged(info.name, info.size, size);
  // loaded with the first upload (with its MIME table, several MB resident): most runs have none
  const FormData = require("form-data") as typeof FormDataClass;
  const form = new FormData();
  const file = createReadStream(info.path);
  form.append(field, file, {
    filename: info.name,
    contentType: FORMAT_INFO[info.format].mime,
    knownLength: info.size,
  });
  const length = form.getLengthSync();
  const stream = new PassThrough();
  const opened: OpenedUpload = {
    headers: { ...form.getHeaders(), "content-length": String(length) },
    stream,
    file,
    name: info.name,
    checkedSize: info.size,
    length,
    sent: false,
    close() {
      file.destroy();
      if (!opened.sent) stream.destroy();
    },
  };
  stream.on("end", () => (opened.sent = true));
  form.on("error", (error: Error) => stream.destroy(error));
  form.pipe(stream);
  return opened;
}

/**
 * Why an upload failed on our side, if it did: the file's own read error (deleted or unreadable
 * mid-run), or a size that no longer matches (it changed while being sent). Undefined when the
 * failure was the network's.
 */
export function uploadFailure(upload: OpenedUpload, error: unknown): ZoomBulkError | undefined {
  const code = (error as { code?: unknown }).code;
  if (code === "UND_ERR_REQ_CONTENT_LENGTH_MISMATCH")
    return fileChanged(upload.name, upload.checkedSize, undefined);
  const failed = (upload.file as ReadStream & { errored?: Error | null }).errored;
  if (failed) return unreadable(upload.name, failed);
  if ((error as { path?: unknown }).path === upload.file.path) return unreadable(upload.name, error as Error);
  return undefined;
}

function unreadable(name: string, error: Error): ZoomBulkError {
  return new ZoomBulkError("E_FILE", `Could not read ${name}: ${error.message}`);
}
