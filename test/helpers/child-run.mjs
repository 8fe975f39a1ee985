// Runs runBatch from the built package in a child process, so tests can kill it at any moment.
// argv[2]: a JSON RunConfig.
import { runBatch } from "../../dist/run.js";

const config = JSON.parse(process.argv[2]);
const controller = new AbortController();
process.on("SIGTERM", () => controller.abort(new Error("SIGTERM")));
const summary = await runBatch(config, { signal: controller.signal });
process.stdout.write(JSON.stringify({ exit_code: summary.exit_code, stopped: summary.stopped }) + "\n");
