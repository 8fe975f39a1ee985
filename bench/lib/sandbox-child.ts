/**
 * A sandbox in its own process with any JSON-able SandboxOptions, for the options
 * `zoom-bulk sandbox` has no flag for (token lifetime, limitsScale). Prints the settings a run needs,
 * as the CLI does (NAME=value lines), and serves until SIGTERM/SIGINT. Started by forkSandbox,
 * with the options in a JSON file (which it removes, with its folder, once read):
 *
 *   node --expose-gc --import tsx bench/lib/sandbox-child.ts /tmp/zb-sandbox-options-x/options.json
 */
import { readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { sandboxEnv, startSandbox, type SandboxOptions } from "../../src/sandbox/index.js";

const file = process.argv[2] as string;
const options = JSON.parse(readFileSync(file, "utf8")) as SandboxOptions;
rmSync(dirname(file), { recursive: true, force: true });
const sandbox = await startSandbox(options);
// The judge starts on a settled heap (forkSandbox passes --expose-gc): seeding 100,000 users leaves
// a mark-compact due, which would otherwise fall in the first seconds of the measured traffic (up
// to 80 ms measured), stamp the arrivals behind it late, bunch them into a busier second than the
// client sent, and answer 429s that Zoom, with no start-up of its own, would not.
globalThis.gc?.();
for (const [name, value] of Object.entries(sandboxEnv(sandbox))) process.stdout.write(`${name}=${value}\n`);

let closing = false;
const close = (): void => {
  if (closing) return;
  closing = true;
  void sandbox.close().then(() => process.exit(0));
};
process.once("SIGTERM", close);
process.once("SIGINT", close);
// The parent owns this process: if it goes away (its end of stdout closes), so does the sandbox.
process.stdout.once("error", close);
