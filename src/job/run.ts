import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { RunConfig } from "../config.js";

/** Creates the folder of a results or report path. */
export function ensureParent(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
}

/** What one job run hands runBatch, given the job's shared settings and its manifest. */
export type JobRunConfig = Omit<RunConfig, "zoom">;
