// Runs runBatch from the built package in a child process, so tests can kill it at any moment.
// argv[2]: a JSON RunConfig; argv[3]: the limits scale (the sandbox's).
import { runBatch } from "../../dist/run/index.js";

const config = JSON.parse(process.argv[2]);
const controller = new AbortController();
process.on("SIGTERM", () => controller.abort(new Error("SIGTERM")));
const summary = await runBatch(config, {
  signal: controller.signal,
  limitsScale: Number(process.argv[3] ?? 1),
});
process.stdout.write(JSON.stringify({ exit_code: summary.exit_code, stopped: summary.stopped }) + "\n");
