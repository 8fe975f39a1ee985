/**
 * A sandbox in its own process with any JSON-able SandboxOptions, for the options
 * `zoom-bulk sandbox` has no flag for (token lifetime, limitsScale). Prints the settings a run needs,
 * as the CLI does (NAME=value lines), and serves until SIGTERM/SIGINT. Started by forkSandbox:
 *
 *   node --import tsx bench/lib/sandbox-child.ts '{"plan":"business","tokenTtlSeconds":20}'
 */
import { sandboxEnv, startSandbox, type SandboxOptions } from "../../src/sandbox/index.js";

const options = JSON.parse(process.argv[2] ?? "{}") as SandboxOptions;
const sandbox = await startSandbox(options);
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
