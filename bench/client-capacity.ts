/**
 * Client capacity: how many operations per second the send stage (limiters -> executor -> sender ->
 * token provider) can push, measured without Zoom's budget in the way. The sandbox runs in a child
 * process with its limits raised 50x (business plan: Light 4,000/s, Medium 3,000/s), so the client
 * has its own core; the limiters use the same `limitsScale`. A mix of profile PATCHes (Light) and
 * password PUTs (Medium), `CONCURRENCY` operations in flight, each on its own user (one call per
 * user at a time, as the job does), all sharing one run-wide AbortSignal as a run does.
 *
 * Prints operations/s over the wall clock, and operations per second of the client's own CPU time
 * (what one full core would give; the figure a pod with a CPU limit pays for). On a 2-core machine
 * the wall figure is also bounded by the sandbox's own core (`npm run bench` prints its req/s).
 *
 * `BENCH_LIMITER=none` replaces src/limit with a pass-through, to see the send stage alone.
 *
 *   npx tsx bench/client-capacity.ts [seconds=8] [concurrency=400]
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createLimiters } from "../src/limit/index.js";
import { startSandbox, type Credentials } from "../src/sandbox/index.js";
import { createTokenProvider } from "../src/send/auth.js";
import { createExecutor } from "../src/send/execute.js";
import { createSender } from "../src/send/sender.js";
import type { Operation } from "../src/types.js";

const LIMITS_SCALE = 50;
const USERS = 20_000;

interface SandboxInfo {
  apiUrl: string;
  oauthUrl: string;
  credentials: Credentials;
}

export interface CapacityFigures {
  operations: number;
  perSecond: number;
  perCpuSecond: number;
  failed: number;
  elapsedMs: number;
  cpuMs: number;
}

export async function main(seconds = 8, concurrency = 400): Promise<CapacityFigures> {
  const child = fork(fileURLToPath(import.meta.url), ["--sandbox-child"], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    const info = await new Promise<SandboxInfo>((resolve, reject) => {
      child.once("message", (m) => resolve(m as SandboxInfo));
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`sandbox child exited with ${code}`)));
    });
    return await measure(info, seconds, concurrency);
  } finally {
    child.kill();
  }
}

async function measure(info: SandboxInfo, seconds: number, concurrency: number): Promise<CapacityFigures> {
  const tokens = createTokenProvider({ oauthUrl: info.oauthUrl, ...info.credentials });
  const sender = createSender({ apiUrl: info.apiUrl, tokens });
  const limiters = createLimiters({ plan: "business", share: 1, limitsScale: LIMITS_SCALE });
  const passThrough = process.env.BENCH_LIMITER === "none";
  const executor = createExecutor({
    sender,
    limiters: passThrough
      ? {
          schedule: (_label, fn) => fn(),
          noteRateLimited: () => undefined,
          stopLabel: () => undefined,
          isStopped: () => undefined,
        }
      : limiters,
    tokens,
  });
  const run = new AbortController();
  let next = 0;
  /** Every other operation a password (Medium), the rest profiles (Light); each password new. */
  const opFor = (userIndex: number): Operation => {
    const seq = next++;
    const user = `user${userIndex + 1}@example.com`;
    const base = { row: seq, line: seq + 1, user, index: 0, target: "" };
    return seq % 2 === 0
      ? { ...base, op: "profile", endpoint: "updateUser", body: { dept: `D${seq}` } }
      : {
          ...base,
          op: "password",
          endpoint: "updatePassword",
          body: { password: `Qxr-${String(seq).split("").join("k")}-Zpw` },
        };
  };

  const phase = async (
    ms: number,
  ): Promise<{ ok: number; failed: number; elapsedMs: number; cpuMs: number }> => {
    let ok = 0;
    let failed = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    const until = started + ms;
    // Worker w sends users w, w + concurrency, …: no two calls for one user are ever in flight.
    const worker = async (w: number): Promise<void> => {
      for (let k = 0; performance.now() < until; k++) {
        const i = (w + k * concurrency) % USERS;
        const result = await executor.execute(opFor(i), run.signal);
        if (result.outcome === "ok") ok++;
        else if (failed++ < 3)
          console.error(`  not ok: ${result.http_status} ${result.zoom_code} ${result.message}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
    const elapsedMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return { ok, failed, elapsedMs, cpuMs: (used.user + used.system) / 1000 };
  };

  try {
    await tokens.get();
    await phase(1500); // warm-up: connections, JIT, the limiters' adaptive concurrency
    const m = await phase(seconds * 1000);
    const figures: CapacityFigures = {
      operations: m.ok,
      perSecond: Math.round((m.ok * 1000) / m.elapsedMs),
      perCpuSecond: Math.round((m.ok * 1000) / Math.max(1, m.cpuMs)),
      failed: m.failed,
      elapsedMs: Math.round(m.elapsedMs),
      cpuMs: Math.round(m.cpuMs),
    };
    console.log(
      `client capacity: ${figures.perSecond} operations/s (${figures.perCpuSecond} per CPU-second)`,
    );
    console.log(
      `  ${figures.operations} ok, ${figures.failed} not ok in ${figures.elapsedMs} ms wall, ${figures.cpuMs} ms client CPU; ` +
        `${concurrency} in flight; business plan at limitsScale ${LIMITS_SCALE} ` +
        `(ceiling Light ${80 * LIMITS_SCALE}/s + Medium ${60 * LIMITS_SCALE}/s)` +
        (passThrough ? "; limiter: pass-through (send stage alone)" : "; limiter: src/limit"),
    );
    return figures;
  } finally {
    run.abort();
    await limiters.stop();
    await sender.close();
  }
}

async function sandboxChild(): Promise<void> {
  const sandbox = await startSandbox({
    plan: "business",
    limitsScale: LIMITS_SCALE,
    logRequests: false,
    users: USERS,
    seed: 1,
  });
  const info: SandboxInfo = {
    apiUrl: sandbox.apiUrl,
    oauthUrl: sandbox.oauthUrl,
    credentials: sandbox.credentials,
  };
  process.send?.(info);
  process.on("disconnect", () => void sandbox.close().then(() => process.exit(0)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes("--sandbox-child")) await sandboxChild();
  else {
    const [seconds, concurrency] = process.argv.slice(2).map(Number);
    await main(seconds || undefined, concurrency || undefined);
  }
}
