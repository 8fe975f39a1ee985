import { describe, expect, it } from "vitest";
import { AuthError, DependencyError, NetworkError, ZoomBulkError } from "../../../src/errors.js";
import { createExecutor } from "../../../src/send/execute.js";
import { AnswerError, RequestTimeoutError, timedOut } from "../../../src/send/failure.js";
import { runOperation } from "../../../src/send/loop.js";
import { answer, harness, op, settings, upload } from "./harness.js";

/**
 * The executor's units (one attempt, the retry loop, the check before uploading again) against
 * fakes (./harness.ts): a scripted sender, a limiter that records its slots, a clock moved by the
 * waits. Each test asserts the whole event log: what was sent, in which slot, what was waited.
 */
describe("runOperation: the retry loop", () => {
  it("succeeds at once: one slot, its start taken right before the request, one request", async () => {
    const h = harness([answer(204)]);
    const { result } = await runOperation(h.deps, op(), h.signal);
    expect(result).toEqual({
      outcome: "ok",
      http_status: 204,
      zoom_code: "",
      message: "",
      attempts: 1,
      duration_ms: 10,
      tracking_id: "t-204",
    });
    expect(h.events).toEqual(["slot light", "start light", "send updateUser a@example.com"]);
  });

  it("retries 5xx and network errors with backoff, each wait outside the limiter", async () => {
    const h = harness([answer(503), new NetworkError("No answer from Zoom: ECONNRESET", true), answer(204)]);
    const { result } = await runOperation(h.deps, op(), h.signal);
    expect(result).toMatchObject({ outcome: "ok", attempts: 3 });
    expect(h.events).toEqual([
      "slot light",
      "start light",
      "send updateUser a@example.com",
      "sleep 125 (slots held: 0)",
      "slot light",
      "start light",
      "send updateUser a@example.com",
      "sleep 250 (slots held: 0)",
      "slot light",
      "start light",
      "send updateUser a@example.com",
    ]);
    expect(h.logs.filter((l) => l.msg === "op.retry").map((l) => [l.reason, l.status ?? l.error])).toEqual([
      ["server", 503],
      ["network", "No answer from Zoom: ECONNRESET"],
    ]);
  });

  it("reports a timed-out attempt and retries it; gives up when the time budget is spent", async () => {
    // Each attempt hangs until its 4 s deadline; the budget is 10 s.
    const hang = (): NetworkError => {
      h.advance(3_990);
      return timedOut(new RequestTimeoutError(4_000), true);
    };
    const h = harness([hang, hang, hang, hang]);
    const { result } = await runOperation(h.deps, op(), h.signal);
    expect(result).toMatchObject({ outcome: "failed", attempts: 3, http_status: "", duration_ms: 12_375 });
    expect(result.message).toBe(
      "No answer from Zoom within 4 s (the request timeout, --request-timeout). Gave up after 12.4 s of attempts and waits.",
    );
    expect(h.logs.filter((l) => l.msg === "op.timeout").map((l) => l.timeout_ms)).toEqual([
      4_000, 4_000, 4_000,
    ]);
    expect(h.events.filter((e) => e.startsWith("sleep"))).toEqual([
      "sleep 125 (slots held: 0)",
      "sleep 250 (slots held: 0)",
    ]);
  });

  it("renews the token after a 401/124, invalidating the refused one", async () => {
    const h = harness([
      answer(401, { zoomCode: 124, message: "Access token is expired." }, "old"),
      answer(204, {}, "new"),
    ]);
    const { result } = await runOperation(h.deps, op(), h.signal);
    expect(result).toMatchObject({ outcome: "ok", attempts: 2 });
    expect(h.events).toEqual([
      "slot light",
      "start light",
      "send updateUser a@example.com",
      "invalidate old",
      "slot light",
      "start light",
      "send updateUser a@example.com",
    ]);
  });

  it("a daily 429 stops the label; the label's next operation is deferred without a request", async () => {
    const h = harness([
      answer(429, {
        zoomCode: 429,
        message: "You have reached the maximum daily rate limit for this API.",
        headers: { "x-ratelimit-type": "Daily-limit", "retry-after": "99999999999999" },
      }),
    ]);
    const first = await runOperation(h.deps, op(), h.signal);
    expect(first.result).toMatchObject({
      outcome: "deferred",
      http_status: 429,
      until: "2026-03-11T00:00:00.000Z",
    });
    const second = await runOperation(h.deps, op({ user: "b@example.com" }), h.signal);
    expect(second.result).toMatchObject({
      outcome: "deferred",
      attempts: 0,
      until: "2026-03-11T00:00:00.000Z",
    });
    expect(h.events).toEqual([
      "slot light",
      "start light",
      "send updateUser a@example.com",
      "429 light daily",
      "stop light 2026-03-11T00:00:00.000Z",
    ]);
  });

  it("a label stopped while the operation waited for its slot: deferred, not sent", async () => {
    const h = harness([answer(204)]);
    const until = Date.parse("2026-03-11T00:00:00Z");
    let checks = 0;
    // Free when the loop looks, stopped (another operation's daily 429) once the slot is granted.
    h.deps.limiters.isStopped = () => (checks++ === 0 ? undefined : until);
    const { result } = await runOperation(h.deps, op(), h.signal);
    expect(result).toMatchObject({ outcome: "deferred", attempts: 0, until: "2026-03-11T00:00:00.000Z" });
    expect(h.events).toEqual(["slot light"]);
  });

  it("final errors are not retried: refused credentials (fatal), an unreadable answer, a changed file", async () => {
    const h = harness([
      new AuthError("Zoom refused ZOOM_ACCESS_TOKEN."),
      new AnswerError(
        "E_RESPONSE_TOO_LARGE",
        "The answer (HTTP 200) was larger than 1048576 bytes",
        200,
        "t-big",
      ),
      new ZoomBulkError("E_FILE_CHANGED", "The file changed on disk since it was checked: bg.png"),
    ]);
    expect((await runOperation(h.deps, op(), h.signal)).result).toMatchObject({
      outcome: "failed",
      fatal: "auth",
      attempts: 0,
    });
    expect((await runOperation(h.deps, op(), h.signal)).result).toMatchObject({
      outcome: "failed",
      http_status: 200,
      zoom_code: "E_RESPONSE_TOO_LARGE",
      tracking_id: "t-big",
      attempts: 1,
    });
    expect((await runOperation(h.deps, upload(), h.signal)).result).toMatchObject({
      outcome: "failed",
      zoom_code: "E_FILE_CHANGED",
      attempts: 0, // nothing left for Zoom
    });
  });

  it("a token endpoint that stays unreachable fails the operation as a dependency failure", async () => {
    const down = (): DependencyError =>
      new DependencyError("oauth", "The Zoom token endpoint did not answer within 15 s.");
    const h = harness([down(), down(), down(), down(), down()]);
    const { result } = await runOperation(h.deps, op(), h.signal);
    expect(result).toMatchObject({
      outcome: "failed",
      zoom_code: "E_OAUTH_UNREACHABLE",
      fatal: "dependency",
      attempts: 0, // five tries, no request: no token
      http_status: "",
    });
  });

  it("an operation stopped while waiting for its slot has made no attempt", async () => {
    const h = harness([answer(204)]);
    const stop = new AbortController();
    stop.abort(new Error("SIGTERM"));
    const { result } = await runOperation(h.deps, op(), stop.signal);
    expect(result).toMatchObject({
      outcome: "failed",
      attempts: 0,
      message: "Interrupted before Zoom's answer was known.",
    });
    expect(h.events).toEqual([]);
  });
});

describe("check before uploading again", () => {
  it("a lost upload answer: found among the backgrounds, so not sent again", async () => {
    const h = harness([
      new NetworkError("No answer from Zoom: socket hang up", true),
      settings([{ name: "bg.png", size: 1000 }]),
    ]);
    const { result } = await runOperation(h.deps, upload(), h.signal);
    expect(result).toMatchObject({ outcome: "ok", http_status: 200, attempts: 2 });
    expect(result.message).toBe(
      "Already uploaded: bg.png was found among the user's virtual backgrounds after its answer was lost.",
    );
    expect(h.events).toEqual([
      "slot medium",
      "start medium",
      "send uploadVirtualBackground a@example.com",
      "slot medium",
      "start medium",
      "send getSettings a@example.com",
    ]);
  });

  it("a 5xx upload not found (same name, other size): uploaded once more", async () => {
    const h = harness([answer(502), settings([{ name: "bg.png", size: 999 }]), answer(201)]);
    const { result } = await runOperation(h.deps, upload(), h.signal);
    expect(result).toMatchObject({ outcome: "ok", http_status: 201, attempts: 3 });
    expect(h.events.filter((e) => e.startsWith("send"))).toEqual([
      "send uploadVirtualBackground a@example.com",
      "send getSettings a@example.com",
      "send uploadVirtualBackground a@example.com",
    ]);
  });

  it("--resume after a crash mid-upload: looks first (executor's checkFirst)", async () => {
    const h = harness([settings([]), answer(201)]);
    const executor = createExecutor(h.deps);
    const result = await executor.execute({ ...upload(), checkFirst: true }, h.signal);
    expect(result).toMatchObject({ outcome: "ok", http_status: 201, attempts: 2 });
    const h2 = harness([settings([{ name: "bg.png", size: 1000 }])]);
    const found = await createExecutor(h2.deps).execute({ ...upload(), checkFirst: true }, h2.signal);
    expect(found).toMatchObject({ outcome: "unchanged", http_status: 200, attempts: 1 });
    expect(found.message).toBe(
      "Already there: bg.png (1000 bytes) is among the user's virtual backgrounds; not uploaded again.",
    );
  });
});
