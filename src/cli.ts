#!/usr/bin/env node
/**
 * The `zoom-bulk` binary (package.json "bin": dist/cli.js). The command line itself is
 * src/cli/main.ts; this file only connects it to the process: argv, the streams, the environment,
 * SIGINT/SIGTERM as an AbortSignal, and the exit code.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { exitCodeFor } from "./errors.js";
import { main } from "./cli/main.js";
import { defaultIO } from "./cli/io.js";

export { main } from "./cli/main.js";
export type { CliIO } from "./cli/io.js";

function isEntryPoint(): boolean {
  try {
    return realpathSync(process.argv[1] ?? "") === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/** After a second signal, how long the run may take to write its results and summary. */
const HARD_STOP_GRACE_MS = 5_000;

/**
 * The first SIGINT/SIGTERM asks the run to drain (the abort reason names the signal, and the run's
 * summary carries the exit code 130/143); a second one stops it at once: requests in flight are
 * abandoned, the results and the summary are still written (within HARD_STOP_GRACE_MS, else the
 * process exits with that code regardless).
 */
function abortOnSignals(): { signal: AbortSignal; hardSignal: AbortSignal } {
  const controller = new AbortController();
  const hard = new AbortController();
  const onSignal = (name: "SIGINT" | "SIGTERM") => () => {
    const stopReason = name === "SIGINT" ? "sigint" : "sigterm";
    if (controller.signal.aborted) {
      hard.abort(new Error(name));
      const code = exitCodeFor({
        outcomes: { failed: 0, invalid: 0, skipped: 0, deferred: 0 },
        stop_reason: stopReason,
      });
      setTimeout(() => process.exit(code), HARD_STOP_GRACE_MS).unref();
      return;
    }
    process.stderr.write(
      `zoom-bulk: ${name}: finishing requests in flight, then stopping (again to stop at once)\n`,
    );
    controller.abort(new Error(name));
  };
  process.on("SIGINT", onSignal("SIGINT"));
  process.on("SIGTERM", onSignal("SIGTERM"));
  return { signal: controller.signal, hardSignal: hard.signal };
}

if (isEntryPoint()) {
  process.exitCode = await main(process.argv.slice(2), { ...defaultIO, ...abortOnSignals() });
}
