import type { Logger } from "pino";
import type { ProgressStream } from "../progress/index.js";
import type { RunDeps, RunObserver } from "../run/index.js";

/**
 * What the command line reads and writes, passed in: the binary gives the process's streams,
 * environment and a signal aborted on SIGINT/SIGTERM; tests give their own.
 */
export interface CliIO {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  /** Progress and notes; a terminal here gets the live progress block. */
  stderr: ProgressStream;
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM by the binary (reason `new Error("SIGINT")`); tests abort it themselves. */
  signal?: AbortSignal;
  /** Aborted by a second SIGINT/SIGTERM: stop at once (requests in flight abandoned, still reported). */
  hardSignal?: AbortSignal;
  /** Wall clock (ms) for `{date}` and `{time}` in job file names; default Date.now. */
  now?: () => number;
}

export const defaultIO: CliIO = { stdout: process.stdout, stderr: process.stderr, env: process.env };

/** What a command handler gets: the IO, and where it leaves the process's exit code. */
export interface CliContext {
  io: CliIO;
  /** Set by the command from `summary.exit_code` or `exitCodeFor(...)`; 0 until then. */
  exitCode: number;
}

/** What a command passes to `runBatch` (and `undoBatch`): its logger and observer, and the IO's env and signals. */
export function runDepsFor(io: CliIO, logger: Logger, observer: RunObserver): RunDeps {
  return {
    logger,
    env: io.env,
    observer,
    ...(io.signal ? { signal: io.signal } : {}),
    ...(io.hardSignal ? { hardSignal: io.hardSignal } : {}),
  };
}
