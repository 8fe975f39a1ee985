/**
 * Child processes of a bench scenario: every one is tracked from the moment it starts, stopped by
 * its own pid when the scenario ends, and killed if the bench itself exits early (an error, Ctrl-C),
 * so no sandbox, redis-server, job or CPU hog outlives the bench.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from "node:child_process";
import { availableParallelism } from "node:os";

const running = new Set<ChildProcess>();
let hooked = false;

/** Kills every tracked child still running (SIGKILL: the bench is going away). */
function killAll(): void {
  for (const child of running)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  running.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () => {
      killAll();
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
}

/** Starts a process that the bench owns: it is stopped by `stopChild`, or killed when the bench exits. */
export function spawnTracked(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): ChildProcess {
  hookExit();
  const child = spawn(command, args, options);
  running.add(child);
  child.once("exit", () => running.delete(child));
  return child;
}

/**
 * Runs `cleanup` (synchronous) if the bench exits before `forget` is called: an error, Ctrl-C or
 * SIGTERM. For what is not a tracked child: a process started elsewhere, a temporary folder.
 */
export function onBenchExit(cleanup: () => void): { forget(): void } {
  hookExit();
  process.once("exit", cleanup);
  return { forget: () => process.off("exit", cleanup) };
}

/** Tracks a process started elsewhere (the test helper's redis-server) by its pid, for the exit hook only. */
export function trackPid(pid: number): { forget(): void } {
  return onBenchExit(() => {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

export interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Waits for a child started with piped stdout/stderr to exit, collecting both; after `deadlineMs`
 * it is killed (SIGKILL) and the promise rejects, so a hung job cannot hang the bench.
 */
export function waitExit(child: ChildProcess, deadlineMs: number, name: string): Promise<Exited> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`${name} did not finish within ${Math.round(deadlineMs / 1000)} s; killed.\n${stderr}`),
      );
    }, deadlineMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

let tasksetFound: boolean | undefined;

/** Whether `taskset` (util-linux) is on the PATH, to pin processes to cores. */
export function hasTaskset(): boolean {
  tasksetFound ??= spawnSync("taskset", ["--version"], { stdio: "ignore" }).status === 0;
  return tasksetFound;
}

/** `command args` pinned to `cores` with taskset when it exists (same pid: taskset execs the command). */
export function pinned(
  cores: readonly number[] | undefined,
  command: string,
  args: readonly string[],
): [string, string[]] {
  if (!cores || cores.length === 0 || !hasTaskset()) return [command, [...args]];
  return ["taskset", ["-c", cores.join(","), command, ...args]];
}

/**
 * A CPU-bound process (a busy loop) on each of `cores` (default: every core), each pinned to its
 * core when taskset exists. The loop ends by itself after `maxMs`, should the bench fail to stop it.
 */
export function startHogs(options: { maxMs: number; cores?: readonly number[] }): { stop(): Promise<void> } {
  const cores = options.cores ?? Array.from({ length: availableParallelism() }, (_, i) => i);
  const loop = `const end = Date.now() + ${Math.round(options.maxMs)}; let n = 0; while (Date.now() < end) n++;`;
  const hogs = cores.map((core) => {
    const [command, args] = pinned([core], process.execPath, ["-e", loop]);
    return spawnTracked(command, args, { stdio: "ignore" });
  });
  return { stop: async () => void (await Promise.all(hogs.map((hog) => stopChild(hog, 1000)))) };
}
