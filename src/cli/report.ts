import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Argv, CommandModule } from "yargs";
import { ConfigError } from "../errors.js";
import { formatCounts, writeReport } from "../report/html.js";
import { formatMerged, mergeResults, writeMergedReport } from "../report/merge.js";
import { formatSummary } from "../report/summary.js";
import type { Args } from "./flags.js";
import type { CliContext } from "./io.js";

/**
 * `zoom-bulk report <results..>`: the summary and the HTML report of one results file, or of
 * several (the shards of one job) merged. `--html` and `--json` work for one file and for several.
 * Exit 0 when the report was made (the runs' own exit codes are in what it prints); 2 when a file
 * cannot be read as results.
 */
export function reportCommand(ctx: CliContext): CommandModule<object, Args> {
  return {
    command: "report <results..>",
    describe:
      "Print the summary of a results file and write its HTML report; several files (shards) are merged into one summary",
    builder: (y: Argv<object>) =>
      y
        .positional("results", {
          type: "string",
          array: true,
          demandOption: true,
          describe: "Results files (.csv or .jsonl)",
        })
        .options({
          html: {
            type: "string",
            requiresArg: true,
            describe:
              "Write the HTML report here (default for one file: <results>.report.html; several files: only when given)",
          },
          json: {
            type: "string",
            requiresArg: true,
            describe: "Also write the (merged) summary as JSON here, mode 0600",
          },
        })
        .example([
          ["$0 report results.csv", "Summary, and results.csv.report.html"],
          [
            "$0 report results/*.shard-*.csv --html job.html --json job.json",
            "The shards of one job, merged",
          ],
        ]) as Argv<Args>,
    handler: (args) => {
      const paths = ((args.results as unknown[] | undefined) ?? []).map(String);
      const html = typeof args.html === "string" ? args.html : undefined;
      const json = typeof args.json === "string" ? args.json : undefined;
      if (paths.length === 0) throw new ConfigError("Name a results file: zoom-bulk report <results.csv>.");
      if (paths.length === 1) reportOne(paths[0] as string, html, ctx);
      else reportMany(paths, html, ctx);
      if (json) {
        writePrivate(json, JSON.stringify(mergeResults(paths), null, 2) + "\n");
        ctx.io.stdout.write(`  json: ${json}\n`);
      }
    },
  };
}

function reportOne(path: string, html: string | undefined, ctx: CliContext): void {
  const out = html ?? `${path}.report.html`;
  const { lines, summary } = writeReport(path, out);
  ctx.io.stdout.write(summary ? formatSummary(summary) : formatCounts(path, lines));
  ctx.io.stdout.write(`  report: ${out}\n`);
}

function reportMany(paths: readonly string[], html: string | undefined, ctx: CliContext): void {
  if (!html) {
    ctx.io.stdout.write(formatMerged(mergeResults(paths)));
    return;
  }
  // One merge feeds both the printed summary and the page, so they count the same operations.
  mkdirSync(dirname(resolve(html)), { recursive: true });
  const merged = writeMergedReport(paths, html);
  ctx.io.stdout.write(formatMerged(merged.summary));
  ctx.io.stdout.write(`  report: ${html}\n`);
}

/** Reports name users: mode 0600, like the results; the folder is created. */
function writePrivate(path: string, text: string): void {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileSync(path, text, { mode: 0o600 });
}
