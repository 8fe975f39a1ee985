import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ZoomBulkError } from "../../../src/errors.js";
import { FileChangedError } from "../../../src/send/failure.js";
import { openUpload, requestFor, uploadFailure } from "../../../src/send/request.js";
import type { UploadFile } from "../../../src/types.js";

const dir = mkdtempSync(join(tmpdir(), "zb-request-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, size: number): UploadFile {
  const path = join(dir, name);
  writeFileSync(path, Buffer.alloc(size, 7));
  return { path, name, size, format: "png" };
}

describe("requestFor", () => {
  it("builds a JSON request with the userId as one encoded path segment", () => {
    expect(
      requestFor({
        row: 1,
        line: 2,
        user: "a/b?c@d.e",
        op: "profile",
        index: 0,
        endpoint: "updateUser",
        target: "",
        body: { dept: "X" },
        query: { login_type: "100" },
      }),
    ).toEqual({
      method: "PATCH",
      path: "/users/a%2Fb%3Fc%40d.e",
      query: { login_type: "100" },
      json: { dept: "X" },
    });
  });
});

describe("openUpload", () => {
  it("streams an unchanged file as multipart with its exact length", async () => {
    const f = file("same.png", 5000);
    const opened = await openUpload({ field: "pic_file", file: f });
    const chunks: Buffer[] = [];
    for await (const chunk of opened.stream) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    expect(body.length).toBe(opened.length);
    expect(opened.headers["content-length"]).toBe(String(body.length));
    expect(opened.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(body.toString("latin1")).toContain('name="pic_file"; filename="same.png"');
    expect(opened.sent).toBe(true);
    opened.close();
  });

  it("refuses a file whose size changed since validation, with its own code and a clear message", async () => {
    const f = file("grown.png", 4000);
    appendFileSync(f.path, Buffer.alloc(10));
    const error = await openUpload({ field: "file", file: f }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileChangedError);
    expect(error).toMatchObject({ code: "E_FILE_CHANGED" });
    expect((error as Error).message).toBe(
      "The file changed on disk since it was checked: grown.png was 4000 bytes when the manifest was checked, 4010 bytes now. Check the file, then run again with --resume.",
    );
  });

  it("names a file that is gone", async () => {
    const f = { ...file("gone.png", 100) };
    rmSync(f.path);
    const error = await openUpload({ field: "file", file: f }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZoomBulkError);
    expect(error).toMatchObject({ code: "E_FILE" });
    expect((error as Error).message).toMatch(/^Could not read gone\.png: ENOENT/);
  });

  it("turns undici's content-length mismatch (the file changed while sent) into E_FILE_CHANGED", async () => {
    const opened = await openUpload({ field: "file", file: file("mid.png", 100) });
    const error = uploadFailure(
      opened,
      Object.assign(new Error("Request body length does not match content-length header"), {
        code: "UND_ERR_REQ_CONTENT_LENGTH_MISMATCH",
      }),
    );
    expect(error).toBeInstanceOf(FileChangedError);
    expect(error?.message).toMatch(/^The file changed on disk since it was checked: mid\.png was 100 bytes/);
    expect(
      uploadFailure(opened, Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })),
    ).toBeUndefined();
    opened.close();
  });
});
