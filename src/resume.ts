import { existsSync, readFileSync } from "node:fs";
import { ConfigError } from "./errors.js";
import { readResults } from "./report/read.js";
import { repairTornTail } from "./report/results.js";
import { summaryPath, type Summary } from "./report/summary.js";
import { fileSha256 } from "./state/index.js";

/**
 * `--resume`: the results file of the earlier run says what is done. Operations with a final `ok`
 * or `unchanged` there are not sent again; everything else is. The summary beside the results
 * records the manifest's fingerprint, so a results file is never resumed against another manifest.
 */
export function resultKey(row: number, op: string, target: string): string {
  return `${row}\u0000${op}\u0000${target}`;
}

export function manifestFingerprint(path: string): Promise<string> {
  return fileSha256(path).then((hex) => `sha256:${hex}`);
}

/** The keys of every operation already done, after checking the results belong to this manifest. */
export function doneOperations(resultsPath: string, fingerprint: string): Set<string> {
  if (!existsSync(resultsPath))
    throw new ConfigError(
      `--resume: there is no results file ${resultsPath} to resume from. Run without --resume, or name the earlier run's file with --results.`,
    );
  let earlier: Partial<Summary> = {};
  try {
    earlier = JSON.parse(readFileSync(summaryPath(resultsPath), "utf8")) as Partial<Summary>;
  } catch {
    throw new ConfigError(
      `--resume: ${summaryPath(resultsPath)} is missing or unreadable, so it cannot be told which manifest ${resultsPath} belongs to. Run without --resume to start over.`,
    );
  }
  if (earlier.manifest_sha256 !== fingerprint)
    throw new ConfigError(
      `--resume: ${resultsPath} belongs to a different manifest (${earlier.manifest ?? "unknown"}, changed since or another file). Resume with the same manifest, or start a new run with another --results.`,
    );
  repairTornTail(resultsPath);
  const done = new Set<string>();
  for (const line of readResults(resultsPath))
    if (line.outcome === "ok" || line.outcome === "unchanged")
      done.add(resultKey(line.row, line.op, line.target));
  return done;
}
