/**
 * The sandbox in its own process, as Zoom is another machine: its event loop, and so the arrival
 * times it logs, are not the job's. Two ways to start one, one handle for both:
 *
 * - `startCliSandbox`: the product's own `node dist/cli.js sandbox` (needs `npm run build`), with
 *   the flags it has (plan, latency range, faults, seed users).
 * - `forkSandbox`: bench/lib/sandbox-child.ts, for the options the CLI has no flag for (token
 *   lifetime, `limitsScale`).
 *
 * Both print the settings a run needs (`ZOOM_API_URL=…`, …) on stdout; the handle reads them, then
 * talks to the sandbox over its /_sandbox control paths (log, stats, busiest second).
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { setPriority, tmpdir } from "node:os";
import { join } from "node:path";
import type { ZoomTarget } from "../../src/config.js";
import type { LabelStats, LogEntry, SandboxOptions } from "../../src/sandbox/index.js";
import type { Label, Plan } from "../../src/zoom/labels.js";
import { pinned, spawnTracked, stopChild } from "./processes.js";

const ROOT = join(import.meta.dirname, "../..");
/** The built CLI, `npm run build`. */
export const CLI = join(ROOT, "dist/cli.js");
const SETTINGS = [
  "ZOOM_API_URL",
  "ZOOM_OAUTH_URL",
  "ZOOM_ACCOUNT_ID",
  "ZOOM_CLIENT_ID",
  "ZOOM_CLIENT_SECRET",
];

export interface SandboxProcess {
  pid: number;
  /**
   * Whether it runs at a higher scheduling priority than the job (nice -10): it is the judge of
   * pacing, where Zoom counts arrivals on machines the job's CPU load does not reach; sharing this
   * machine's cores at equal priority, a busy job (or CPU hogs) would delay its arrival stamps and
   * bunch them into a busier second than the job sent. False when this process may not raise it.
   */
  unaffected: boolean;
  /** The ZOOM_* settings it printed. */
  env: Record<string, string>;
  /** Where a run sends, with the sandbox's credentials (`RunConfig.zoom`). */
  target: ZoomTarget;
  /** GET /_sandbox/log: every call in completion order, with its `arrival` (the sandbox's monotonic ms). */
  log(): Promise<LogEntry[]>;
  /** GET /_sandbox/stats: per label, calls, 429s by kind and the live busiest second. */
  stats(): Promise<Record<Label, LabelStats>>;
  /** GET /_sandbox/busiest-second: the busiest sliding second per label, from the log's arrivals. */
  busiestSecond(): Promise<Partial<Record<Label, number>>>;
  /** GET /_sandbox/noop-writes: writes that changed nothing (what `run --diff` must not send). */
  noopWrites(): Promise<unknown[]>;
  /** SIGTERM (the sandbox closes its sockets), SIGKILL after 5 s. */
  stop(): Promise<void>;
}

export interface CliSandboxOptions {
  plan: Plan;
  /** `--latency`: "150" or a range "140-160" (ms). */
  latency?: string;
  /** `--faults`: e.g. "5xx=0.015,reset=0.01,lost-upload=0.02". */
  faults?: string;
  /** Seed user1@example.com … user<n>@example.com (written to a `--users` file in `dir`). */
  users: number;
  /** A temporary folder for the users file. */
  dir: string;
  /** Pin the sandbox to these cores (taskset); default: not pinned. */
  cores?: readonly number[];
}

/** `node dist/cli.js sandbox --plan … --port 0 …`, its settings read from what it prints. */
export async function startCliSandbox(options: CliSandboxOptions): Promise<SandboxProcess> {
  const usersFile = join(options.dir, "sandbox-users.json");
  const users = Array.from({ length: options.users }, (_, i) => ({ email: `user${i + 1}@example.com` }));
  writeFileSync(usersFile, JSON.stringify(users));
  const args = [CLI, "sandbox", "--plan", options.plan, "--port", "0", "--users", usersFile];
  if (options.latency !== undefined) args.push("--latency", options.latency);
  if (options.faults !== undefined) args.push("--faults", options.faults);
  const [command, argv] = pinned(options.cores, process.execPath, args);
  return attach(spawnTracked(command, argv, { stdio: ["ignore", "pipe", "pipe"] }), "zoom-bulk sandbox");
}

/**
 * A sandbox with any SandboxOptions (JSON-able ones: no clock, no seed-user objects beyond plain
 * data) in a child process running bench/lib/sandbox-child.ts under tsx. The options go through a
 * file, which the child removes: thousands of seed users are more than one argument may hold.
 */
export async function forkSandbox(options: SandboxOptions): Promise<SandboxProcess> {
  const child = join(import.meta.dirname, "sandbox-child.ts");
  const file = join(mkdtempSync(join(tmpdir(), "zb-sandbox-options-")), "options.json");
  writeFileSync(file, JSON.stringify({ ...options, port: 0 }));
  const args = ["--expose-gc", "--import", "tsx", child, file];
  return attach(
    spawnTracked(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] }),
    "sandbox child",
  );
}

/** Reads the settings the sandbox prints (within 30 s), then wraps its control paths. */
async function attach(child: ChildProcess, name: string): Promise<SandboxProcess> {
  const env: Record<string, string> = {};
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  let onError: ((error: Error) => void) | undefined;
  let onExit: ((code: number | null) => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      let stdout = "";
      const timer = setTimeout(
        () => reject(new Error(`${name} printed no settings within 30 s:\n${stderr}`)),
        30_000,
      );
      child.stdout?.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        for (const line of stdout.split("\n")) {
          const match = /^(ZOOM_[A-Z_]+)=(.*)$/.exec(line.trim());
          if (match?.[1] && match[2] !== undefined) env[match[1]] = match[2];
        }
        if (SETTINGS.every((key) => env[key] !== undefined)) {
          clearTimeout(timer);
          resolve();
        }
      });
      onError = (error) => {
        clearTimeout(timer);
        reject(error);
      };
      onExit = (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${code} before it printed its settings:\n${stderr}`));
      };
      child.once("error", onError);
      child.once("exit", onExit);
    });
  } catch (error) {
    await stopChild(child, 1000);
    throw error;
  } finally {
    if (onError) child.off("error", onError);
    if (onExit) child.off("exit", onExit);
  }
  const origin = new URL(env.ZOOM_API_URL as string).origin;
  const control = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${origin}/_sandbox/${path}`, { signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw new Error(`GET /_sandbox/${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  return {
    pid: child.pid ?? 0,
    unaffected: raisePriority(child.pid),
    env,
    target: {
      apiUrl: env.ZOOM_API_URL as string,
      oauthUrl: env.ZOOM_OAUTH_URL as string,
      auth: {
        kind: "s2s",
        accountId: env.ZOOM_ACCOUNT_ID as string,
        clientId: env.ZOOM_CLIENT_ID as string,
        clientSecret: env.ZOOM_CLIENT_SECRET as string,
      },
    },
    log: () => control<LogEntry[]>("log"),
    stats: () => control<Record<Label, LabelStats>>("stats"),
    busiestSecond: () => control<Partial<Record<Label, number>>>("busiest-second"),
    noopWrites: () => control<unknown[]>("noop-writes"),
    stop: () => stopChild(child),
  };
}

/** nice -10 for the sandbox process, when this process may set it (root, or CAP_SYS_NICE). */
function raisePriority(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    setPriority(pid, -10);
    return true;
  } catch {
    return false;
  }
}
