import type { Argv, CommandModule } from "yargs";
import { readRunSettings, zoomTargetFromEnv } from "../config.js";
import { createProgress } from "../progress/index.js";
import { formatSummary } from "../report/summary.js";
import type { ResultLine } from "../types.js";
import { undoBatch } from "../undo/index.js";
import { summaryFirst } from "./execute-run.js";
import {
  LOG_FLAGS,
  PROGRESS_FLAGS,
  RESUME_FLAG,
  flags,
  loggerFor,
  progressFor,
  rawOptions,
  type Args,
} from "./flags.js";
import { runDepsFor, type CliContext } from "./io.js";

/** The run's flags that pace and guard an undo (the rest say what a manifest holds). */
const UNDO_FLAGS = [
  "plan",
  "share",
  "concurrency",
  "redis",
  "redisPrefix",
  "maxDeletes",
  "maxFailureRate",
  "requestTimeoutMs",
] as const;

/** `zoom-bulk undo <results>`: puts back what a `run --diff` changed (src/undo). */
export function undoCommand(ctx: CliContext): CommandModule<object, Args> {
  return {
    command: "undo <results>",
    describe: "Put back what a run --diff changed, from its journal; lists what cannot be undone",
    builder: (y: Argv<object>) =>
      y
        .positional("results", {
          type: "string",
          describe: "The results file of a run made with --diff (its journal is <results>.journal.jsonl)",
        })
        .options({
          ...flags(...UNDO_FLAGS),
          resume: {
            ...RESUME_FLAG,
            describe:
              "Send only what <results>.undo.csv does not already hold as done; with none yet, a fresh undo",
          },
          ...flags(...LOG_FLAGS),
          ...flags(...PROGRESS_FLAGS),
        })
        .example([
          ["$0 undo hr.results.csv", "Undo the run that wrote hr.results.csv (with --diff)"],
          ["$0 undo hr.results.csv --resume", "Finish an interrupted undo"],
        ]) as Argv<Args>,
    handler: async (args) => {
      const { io } = ctx;
      const settings = readRunSettings(rawOptions(args), "flag", io.env); // flags first
      const zoom = zoomTargetFromEnv(io.env);
      const logger = loggerFor(args);
      const shown = progressFor(args);
      const progress = createProgress({ stream: io.stderr, ...shown, logger });
      const printer = summaryFirst(progress, (summary) => io.stdout.write(formatSummary(summary)));
      const { summary, cannot } = await undoBatch(
        {
          ...settings,
          zoom,
          runResults: String(args.results),
          ...(args.resume === true ? { resume: true } : {}),
        },
        runDepsFor(io, logger, printer.observer),
      ).finally(() => progress.close());
      printer.print(summary);
      if (cannot.length > 0) io.stdout.write(formatCannot(cannot));
      ctx.exitCode = summary.exit_code;
    },
  };
}

/** The list printed at the end: what undo could not put back, one line each. */
export function formatCannot(lines: readonly ResultLine[]): string {
  const sorted = [...lines].sort((a, b) => a.row - b.row);
  return (
    [
      `Cannot be undone (${lines.length}):`,
      ...sorted.map(
        (l) =>
          `  row ${l.row} (line ${l.line}) ${l.user} ${l.op}${l.target ? ` ${l.target}` : ""}: ${l.message}`,
      ),
    ].join("\n") + "\n"
  );
}
