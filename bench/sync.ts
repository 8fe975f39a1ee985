/**
 * Incremental sync: the second run of an unchanged 100,000-row export with `--state` (target:
 * zero requests, under 10 seconds). The first run fills the state against a sandbox with its
 * limits scaled up, since only the second run is measured.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunConfig } from "../src/config.js";
import { runBatch } from "../src/run/index.js";
import { startSandbox, sandboxTarget } from "../src/sandbox/index.js";

const ROWS = Number(process.env.BENCH_SYNC_ROWS ?? 100_000);

export interface SyncFigures {
  rows: number;
  seconds: number;
  requests: number;
  unchanged: number;
}

export async function main(): Promise<SyncFigures> {
  const dir = mkdtempSync(join(tmpdir(), "zb-bench-sync-"));
  const lines = ["user,job_title,dept,timezone"];
  for (let i = 1; i <= ROWS; i++) lines.push(`user${i}@example.com,Title ${i},Dept ${i % 40},Europe/Berlin`);
  writeFileSync(join(dir, "export.csv"), lines.join("\n") + "\n");
  const sandbox = await startSandbox({ plan: "business", users: ROWS, limitsScale: 50, logRequests: true });
  const config = (results: string): RunConfig => ({
    manifest: join(dir, "export.csv"),
    results: join(dir, results),
    plan: "business",
    share: 0.8,
    state: join(dir, "state"),
    zoom: sandboxTarget(sandbox),
  });
  try {
    await runBatch(config("first.csv"), { limitsScale: 50 });
    sandbox.state.reset();
    const started = performance.now();
    const second = await runBatch(config("second.csv"), { limitsScale: 50 });
    const figures = {
      rows: ROWS,
      seconds: Math.round((performance.now() - started) / 10) / 100,
      requests: sandbox.state.log.length,
      unchanged: second.outcomes.unchanged,
    };
    console.log(
      `sync: second run of an unchanged ${ROWS}-row export: ${figures.requests} requests, ${figures.unchanged} unchanged, ${figures.seconds} s`,
    );
    return figures;
  } finally {
    await sandbox.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
