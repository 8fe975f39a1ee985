import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { AnswerError } from "../../../src/send/failure.js";
import { readBody, toOutcome } from "../../../src/send/response.js";

const noSecrets = { token: "tok-12345", credentials: [] as string[] };

describe("readBody", () => {
  it("reads a body within the bound", async () => {
    expect(await readBody(Readable.from([Buffer.from('{"a":'), Buffer.from("1}")]), 200, {}, 100)).toBe(
      '{"a":1}',
    );
    expect(await readBody(Readable.from([]), 204, {}, 100)).toBe("");
  });

  it("stops reading a body past the bound, and destroys it", async () => {
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled++;
        this.push(Buffer.alloc(1024));
      },
    });
    const error = await readBody(endless, 200, { "x-zm-trackingid": "t-1" }, 10 * 1024).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AnswerError);
    expect(error).toMatchObject({ code: "E_RESPONSE_TOO_LARGE", status: 200, trackingId: "t-1" });
    expect((error as Error).message).toMatch(/larger than 10240 bytes and was not read/);
    expect(endless.destroyed).toBe(true);
    expect(pulled).toBeLessThan(20);
  });

  it("refuses a declared Content-Length past the bound without reading anything", async () => {
    let pulled = 0;
    const body = new Readable({
      read() {
        pulled++;
        this.push(null);
      },
    });
    await expect(readBody(body, 200, { "content-length": "2000000000" }, 1024)).rejects.toBeInstanceOf(
      AnswerError,
    );
    expect(pulled).toBe(0);
    expect(body.destroyed).toBe(true);
  });
});

describe("toOutcome", () => {
  it("takes Zoom's code, message, tracking id and rate-limit headers", () => {
    const outcome = toOutcome(
      429,
      { "x-zm-trackingid": "v=2.0;x", "x-ratelimit-type": "QPS", "retry-after": "1", "content-type": "x" },
      '{"code":429,"message":"Too many requests."}',
      noSecrets,
    );
    expect(outcome).toEqual({
      status: 429,
      zoomCode: 429,
      message: "Too many requests.",
      trackingId: "v=2.0;x",
      headers: { "x-ratelimit-type": "QPS", "retry-after": "1" },
    });
    expect(outcome.token).toBe("tok-12345");
    expect(JSON.stringify(outcome)).not.toContain("tok-12345");
  });

  it("parses a 2xx JSON body, and names a status without a Zoom message", () => {
    expect(toOutcome(200, {}, '{"x":1}', noSecrets)).toMatchObject({
      status: 200,
      message: "",
      body: { x: 1 },
    });
    expect(toOutcome(502, {}, "<html>", noSecrets).message).toBe("HTTP 502 without a Zoom error message.");
  });

  it("scrubs Zoom's message of the request's token and password", () => {
    const outcome = toOutcome(
      400,
      {},
      JSON.stringify({ code: 300, message: 'Bad body {"password":"Hunter2-Secret"} with Bearer tok-12345' }),
      { token: "tok-12345", credentials: [], body: { password: "Hunter2-Secret" } },
    );
    expect(outcome.message).toBe('Bad body {"password":"[redacted]"} with Bearer [redacted]');
  });
});
