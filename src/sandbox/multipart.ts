import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import busboy from "busboy";
import { SNIFF_BYTES } from "../zoom/rules.js";
import type { Reply } from "./http.js";
import { mediaType, zoomError } from "./http.js";

/** One file part, read as a stream through a sha256 hash and a byte counter; never held whole. */
export interface UploadedFile {
  filename: string;
  mimeType: string;
  /** Bytes read, at most `maxBytes + 1`: counting stops one byte past the limit. */
  size: number;
  sha256: string;
  /** The first SNIFF_BYTES bytes, for sniffFormat. */
  head: Buffer;
  /** The part was longer than `maxBytes`: counting stopped there and the rest was read and discarded. */
  tooLarge: boolean;
}

export type UploadResult = { file: UploadedFile | undefined } | { error: string };

/**
 * Streams a multipart/form-data body and returns the first file part named `field` (other parts
 * are discarded). The whole request is consumed before it resolves, so the answer can follow.
 */
export function readUpload(req: IncomingMessage, field: string, maxBytes: number): Promise<UploadResult> {
  return new Promise((resolve) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: maxBytes + 1, files: 20, fields: 50 } });
    } catch (error) {
      req.resume();
      resolve({ error: `Invalid multipart/form-data request: ${(error as Error).message}.` });
      return;
    }
    let found: UploadedFile | undefined;
    let pending: Promise<void> = Promise.resolve();
    parser.on("file", (name, stream, info) => {
      if (name !== field || found) {
        stream.resume();
        return;
      }
      const hash = createHash("sha256");
      const head: Buffer[] = [];
      let headBytes = 0;
      const file: UploadedFile = {
        filename: info.filename ?? "",
        mimeType: info.mimeType,
        size: 0,
        sha256: "",
        head: Buffer.alloc(0),
        tooLarge: false,
      };
      found = file;
      pending = new Promise((done) => {
        stream.on("data", (chunk: Buffer) => {
          file.size += chunk.length;
          hash.update(chunk);
          if (headBytes < SNIFF_BYTES) {
            head.push(chunk.subarray(0, SNIFF_BYTES - headBytes));
            headBytes += Math.min(chunk.length, SNIFF_BYTES - headBytes);
          }
        });
        stream.on("end", () => {
          file.tooLarge = file.size > maxBytes;
          file.sha256 = hash.digest("hex");
          file.head = Buffer.concat(head);
          done();
        });
      });
    });
    parser.on("error", (error: Error) => {
      req.unpipe(parser);
      req.resume();
      resolve({ error: `Invalid multipart/form-data request: ${error.message}.` });
    });
    parser.on("close", () => {
      void pending.then(() => resolve({ file: found }));
    });
    req.pipe(parser);
  });
}

/**
 * Reads the file part `field` of a multipart/form-data request; a request of another content type
 * or a malformed body is answered with Zoom's 400/300.
 */
export async function readFilePart(
  req: IncomingMessage,
  field: string,
  maxBytes: number,
): Promise<{ file: UploadedFile | undefined } | { reply: Reply }> {
  const type = mediaType(req);
  if (type !== "multipart/form-data") {
    req.resume();
    return {
      reply: zoomError(
        400,
        300,
        `Unsupported Content-Type "${type || "(none)"}": this endpoint accepts multipart/form-data only, with the file in the "${field}" field.`,
      ),
    };
  }
  const result = await readUpload(req, field, maxBytes);
  return "error" in result ? { reply: zoomError(400, 300, result.error) } : result;
}
