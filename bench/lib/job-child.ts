/**
 * One zoom-bulk run in its own process, for scenarios with several job processes: runs the BUILT
 * job (dist/run/index.js, `npm run build`) with the RunConfig it is given, stops it at the
 * deadline, and prints `{ summary, elapsedMs }` as its last stdout line. Started by runInChild:
 *
 *   node --import tsx bench/lib/job-child.ts '<JobChildInput as JSON>'
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type * as Run from "../../src/run/index.js";
import type { JobChildInput, JobChildOutput } from "./job.js";

const input = JSON.parse(process.argv[2] ?? "") as JobChildInput;
// A computed path: the type check does not need dist/ to exist.
const built = pathToFileURL(join(import.meta.dirname, "../../dist/run/index.js")).href;
const { runBatch } = (await import(built)) as typeof Run;

const started = performance.now();
const summary = await runBatch(input.config, {
  signal: AbortSignal.timeout(Math.ceil(input.deadlineMs)),
  ...(input.limitsScale !== undefined ? { limitsScale: input.limitsScale } : {}),
});
const output: JobChildOutput = { summary, elapsedMs: performance.now() - started };
process.stdout.write(JSON.stringify(output) + "\n");
