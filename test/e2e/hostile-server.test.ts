import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { DependencyError, NetworkError, exitCodeFor } from "../../src/errors.js";
import { createLimiters, type Limiters } from "../../src/limit/index.js";
import { runBatch } from "../../src/run/index.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { createTokenProvider, staticToken, type TokenProvider } from "../../src/send/auth.js";
import { createExecutor, type ExecutorOptions } from "../../src/send/execute.js";
import { createRetryPolicy } from "../../src/send/retry.js";
import { createSender, type Sender, type SenderOptions } from "../../src/send/sender.js";
import type { Operation } from "../../src/types.js";
import { pngBytes } from "../helpers/files.js";
import { readResults } from "../helpers/results.js";

/**
 * Servers that misbehave on purpose, on 127.0.0.1 port 0: they trickle, hang, flood, echo secrets.
 * Whatever they do, an operation ends within its deadlines, memory stays flat, and no secret
 * reaches a result or a log line.
 */

interface Hostile {
  url: string;
  requests: number;
  close(): Promise<void>;
}

async function hostile(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Hostile> {
  const server: Server = createServer((req, res) => {
    state.requests++;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const state: Hostile = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  servers.push(state);
  return state;
}

const servers: Hostile[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  for (const s of servers.splice(0)) await s.close();
});

const dir = mkdtempSync(join(tmpdir(), "zb-hostile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TOKEN = "live-Access-Token-0123456789abcdef";
const PASSWORD = "Zb7#kq9!Lpx";

const profile = (user = "a@example.com"): Operation => ({
  row: 1,
  line: 2,
  user,
  op: "profile",
  index: 0,
  endpoint: "updateUser",
  target: "",
  body: { dept: "Ops" },
});
const password = (user = "a@example.com"): Operation => ({
  row: 1,
  line: 2,
  user,
  op: "password",
  index: 1,
  endpoint: "updatePassword",
  target: "",
  body: { password: PASSWORD },
});

function stack(
  apiUrl: string,
  options: {
    sender?: Partial<SenderOptions>;
    executor?: Partial<ExecutorOptions>;
    tokens?: TokenProvider;
  } = {},
) {
  const tokens = options.tokens ?? staticToken(TOKEN);
  const sender: Sender = createSender({ apiUrl, tokens, ...options.sender });
  const limiters: Limiters = createLimiters({ plan: "business", share: 1 });
  const logs: string[] = [];
  const executor = createExecutor({
    sender,
    limiters,
    tokens,
    logger: pino(
      { level: "debug" },
      new Writable({
        write(chunk: Buffer, _e, done) {
          logs.push(chunk.toString());
          done();
        },
      }),
    ),
    ...options.executor,
  });
  cleanups.push(async () => {
    await limiters.stop();
    await sender.close();
  });
  return { sender, executor, logs };
}

const fast = createRetryPolicy({ backoffBaseMs: 10, backoffCapMs: 50, maxTotalMs: 1_200 });

describe("issue 12 §6: an overall deadline per request", () => {
  it("a server that sends its headers, then one byte every 20 s, holds a request no longer than the request timeout", async () => {
    const server = await hostile((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/json" });
      res.write("{");
      const timer = setInterval(() => res.write(" "), 20_000);
      res.on("close", () => clearInterval(timer));
    });
    const { sender } = stack(`${server.url}/v2`, { sender: { requestTimeoutMs: 500 } });
    const began = performance.now();
    const error = await sender.send(profile(), new AbortController().signal).catch((e: unknown) => e);
    const elapsed = performance.now() - began;
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).message).toBe(
      "No answer from Zoom within 0.5 s (the request timeout, --request-timeout).",
    );
    expect((error as NetworkError).maybeApplied).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(1_500);
  });

  it("a server that never answers costs one timeout per attempt, and the operation's total time is bounded", async () => {
    const server = await hostile((req) => void req.resume());
    const { executor, logs } = stack(`${server.url}/v2`, {
      sender: { requestTimeoutMs: 300 },
      executor: { policy: fast },
    });
    const began = performance.now();
    const result = await executor.execute(profile(), new AbortController().signal);
    const elapsed = performance.now() - began;
    expect(result).toMatchObject({ outcome: "failed", http_status: "", zoom_code: "" });
    expect(result.message).toMatch(
      /^No answer from Zoom within 0\.3 s \(the request timeout, --request-timeout\)\. Gave up after \d+(\.\d)? s of attempts and waits\.$/,
    );
    // Attempts of 300 ms each until 1.2 s are spent: about 4, never the old 5 x 60 s.
    expect(result.attempts).toBeGreaterThanOrEqual(3);
    expect(result.attempts).toBeLessThanOrEqual(5);
    expect(server.requests).toBe(result.attempts);
    expect(elapsed).toBeLessThan(1_200 + 300 + 700);
    // Each hung attempt is reported as it happens.
    expect(logs.filter((l) => l.includes('"msg":"op.timeout"'))).toHaveLength(result.attempts);
  });

  it("issue 13 §3: a hung request against the sandbox is reported and retried within the request timeout", async () => {
    const sandbox: Sandbox = await startSandbox({ users: 2, plan: "business" });
    cleanups.push(() => sandbox.close());
    sandbox.state.failNext({ endpoint: "updateUser", fault: "hang" });
    const { executor, logs } = stack(sandbox.apiUrl, {
      sender: { requestTimeoutMs: 400 },
      executor: { policy: fast },
      tokens: createTokenProvider({ oauthUrl: sandbox.oauthUrl, ...sandbox.credentials }),
    });
    const began = performance.now();
    const result = await executor.execute(profile("user1@example.com"), new AbortController().signal);
    expect(performance.now() - began).toBeLessThan(1_500);
    expect(result).toMatchObject({ outcome: "ok", http_status: 204, attempts: 2 });
    expect(logs.filter((l) => l.includes('"msg":"op.timeout"'))).toHaveLength(1);
    expect(logs.filter((l) => l.includes('"msg":"op.retry"') && l.includes("request timeout"))).toHaveLength(
      1,
    );
  });
});

describe("issue 12 §9: a response body is read up to a bound", () => {
  it("a 200 with an endless body fails the operation once, clearly, with memory flat", async () => {
    let written = 0;
    const server = await hostile((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/json", "x-zm-trackingid": "t-flood" });
      const chunk = Buffer.alloc(256 * 1024, 0x20);
      const pump = (): void => {
        while (!res.destroyed && written < 4 * 1024 ** 3) {
          written += chunk.length;
          if (!res.write(chunk)) return;
        }
      };
      res.on("drain", pump);
      pump();
    });
    const { executor } = stack(`${server.url}/v2`, { executor: { policy: fast } });
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const result = await executor.execute(profile(), new AbortController().signal);
    const grown = process.memoryUsage().rss - rssBefore;
    expect(result).toMatchObject({
      outcome: "failed",
      http_status: 200,
      zoom_code: "E_RESPONSE_TOO_LARGE",
      tracking_id: "t-flood",
      attempts: 1,
    });
    expect(result.message).toBe(
      "The answer (HTTP 200) was larger than 1048576 bytes and was not read; whether the request was applied is unknown. Zoom's answers are small: check ZOOM_API_URL, and any proxy in between.",
    );
    expect(server.requests).toBe(1);
    expect(grown).toBeLessThan(64 * 1024 ** 2);
    expect(written).toBeLessThan(64 * 1024 ** 2); // the server was stopped, not drained
  });

  it("a declared Content-Length of 1.5 GB is refused without reading it", async () => {
    const server = await hostile((req, res) => {
      req.resume();
      res.writeHead(400, { "content-type": "application/json", "content-length": String(1.5 * 1024 ** 3) });
      res.write('{"code":300,"message":"');
    });
    const { executor } = stack(`${server.url}/v2`, { executor: { policy: fast } });
    const result = await executor.execute(profile(), new AbortController().signal);
    expect(result).toMatchObject({
      outcome: "failed",
      http_status: 400,
      zoom_code: "E_RESPONSE_TOO_LARGE",
      attempts: 1,
    });
  });
});

describe("issue 12 §10: messages that echo secrets are scrubbed", () => {
  /** Answers 400 with a message echoing the Authorization header and the whole body. */
  const echo = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const message = `Bad request. authorization=${req.headers.authorization ?? ""} body=${Buffer.concat(chunks).toString()}`;
      res.writeHead(400, {
        "content-type": "application/json",
        "x-zm-trackingid": `t ${req.headers.authorization ?? ""}`,
      });
      res.end(JSON.stringify({ code: 300, message }));
    });
  };

  it("the executor's result and log lines hold neither the token nor the password", async () => {
    const server = await hostile(echo);
    const { executor, logs } = stack(`${server.url}/v2`);
    const result = await executor.execute(password(), new AbortController().signal);
    expect(result).toMatchObject({ outcome: "failed", http_status: 400, zoom_code: 300 });
    expect(result.message).toBe(
      'Bad request. authorization=Bearer [redacted] body={"password":"[redacted]"}',
    );
    expect(result.tracking_id).toBe("t Bearer [redacted]");
    const everything = JSON.stringify(result) + logs.join("");
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(PASSWORD);
  });

  it("a whole run against an echoing Zoom: results file, summary and log hold no token, password or client secret", async () => {
    const secret = "Client-Secret-Do-Not-Print-42";
    const server = await hostile((req, res) => {
      if (req.url?.startsWith("/oauth/token")) {
        req.resume();
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ access_token: TOKEN, token_type: "bearer", expires_in: 3600, scope: "" }));
        return;
      }
      echo(req, res);
    });
    const run = mkdtempSync(join(dir, "run-"));
    writeFileSync(join(run, "m.csv"), `user,dept,password\nuser1@example.com,Ops,${PASSWORD}\n`, {
      mode: 0o600,
    });
    const logLines: string[] = [];
    const logger = pino(
      { level: "debug" },
      new Writable({
        write(chunk: Buffer, _e, done) {
          logLines.push(chunk.toString());
          done();
        },
      }),
    );
    const summary = await runBatch(
      {
        manifest: join(run, "m.csv"),
        results: join(run, "r.csv"),
        plan: "business",
        share: 0.8,
        zoom: {
          apiUrl: `${server.url}/v2`,
          oauthUrl: `${server.url}/oauth/token`,
          auth: { kind: "s2s", accountId: "acct", clientId: "client", clientSecret: secret },
        },
      },
      { logger },
    );
    expect(summary.outcomes.failed).toBe(2);
    const lines = readResults(join(run, "r.csv"));
    expect(lines.map((l) => l.message)).toEqual([
      'Bad request. authorization=Bearer [redacted] body={"dept":"Ops"}',
      'Bad request. authorization=Bearer [redacted] body={"password":"[redacted]"}',
    ]);
    const written = [
      readFileSync(join(run, "r.csv"), "utf8"),
      readFileSync(`${join(run, "r.csv")}.summary.json`, "utf8"),
      ...logLines,
    ].join("\n");
    for (const value of [TOKEN, PASSWORD, secret, Buffer.from(`client:${secret}`).toString("base64")])
      expect(written).not.toContain(value);
  });
});

describe("issue 12 §12: a file changed between validation and upload", () => {
  it("fails with E_FILE_CHANGED and says so, sending nothing", async () => {
    const sandbox: Sandbox = await startSandbox({ users: 2, plan: "business" });
    cleanups.push(() => sandbox.close());
    const path = join(dir, "portrait.png");
    const bytes = pngBytes(1);
    writeFileSync(path, bytes);
    const op: Operation = {
      row: 1,
      line: 2,
      user: "user1@example.com",
      op: "picture",
      index: 2,
      endpoint: "uploadPicture",
      target: "portrait.png",
      file: { path, name: "portrait.png", size: bytes.length, format: "png" },
    };
    appendFileSync(path, Buffer.alloc(100)); // rewritten after validation
    const { executor } = stack(sandbox.apiUrl, { tokens: staticToken("unused") });
    const result = await executor.execute(op, new AbortController().signal);
    expect(result).toMatchObject({
      outcome: "failed",
      zoom_code: "E_FILE_CHANGED",
      attempts: 0,
      http_status: "",
    });
    expect(result.message).toBe(
      `The file changed on disk since it was checked: portrait.png was ${bytes.length} bytes when the manifest was checked, ${bytes.length + 100} bytes now. Check the file, then run again with --resume.`,
    );
    expect(sandbox.state.log.filter((e) => e.path.startsWith("/v2/"))).toEqual([]);
  });
});

describe("issue 12 §12: an unreachable OAuth endpoint at start", () => {
  it("is DependencyError(oauth), exit 6, not refused credentials (exit 3)", async () => {
    const closed = await hostile(() => undefined);
    const oauthUrl = `${closed.url}/oauth/token`;
    await closed.close();
    servers.splice(servers.indexOf(closed), 1);
    const run = mkdtempSync(join(dir, "run-"));
    writeFileSync(join(run, "m.csv"), "user,dept\nuser1@example.com,Ops\n");
    const error = await runBatch({
      manifest: join(run, "m.csv"),
      results: join(run, "r.csv"),
      plan: "pro",
      share: 0.8,
      zoom: {
        apiUrl: "http://127.0.0.1:9/v2",
        oauthUrl,
        auth: { kind: "s2s", accountId: "acct", clientId: "client", clientSecret: "secret-value" },
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyError);
    expect(error).toMatchObject({ dependency: "oauth", code: "E_OAUTH_UNREACHABLE" });
    expect(exitCodeFor(error)).toBe(6);
  });
});
