import type { Argv, CommandModule } from "yargs";
import {
  checkResultsFolder,
  defaultResultsPath,
  readOption,
  readRunSettings,
  type RunConfig,
} from "../config.js";
import { shardResultsPath } from "../shard.js";
import { executeRun } from "./execute-run.js";
import {
  DRY_RUN_FLAG,
  LOG_FLAGS,
  MANIFEST_FLAGS,
  PROGRESS_FLAGS,
  RESUME_FLAG,
  RUN_FLAGS,
  SANDBOX_FLAG,
  flags,
  loggerFor,
  progressFor,
  rawOptions,
  type Args,
} from "./flags.js";
import type { CliContext } from "./io.js";
import { manifestPositional, validate } from "./validate.js";

/** `zoom-bulk run <manifest>`: the main job. */
export function runCommand(ctx: CliContext): CommandModule<object, Args> {
  return {
    command: "run <manifest>",
    describe: "Send every operation of a manifest to Zoom and write a results file",
    builder: (y: Argv<object>) =>
      manifestPositional(y)
        .options({
          ...flags(...MANIFEST_FLAGS),
          ...flags(...RUN_FLAGS),
          resume: RESUME_FLAG,
          "dry-run": DRY_RUN_FLAG,
          sandbox: SANDBOX_FLAG,
          ...flags(...LOG_FLAGS),
          ...flags(...PROGRESS_FLAGS),
        })
        .example([
          ["$0 run hr-export.csv --sandbox", "Try the whole run on the embedded simulated account"],
          [
            "$0 run hr-export.csv --plan business --share 0.3",
            "A first real run, leaving most of the budget to other apps",
          ],
          [
            "$0 run hr-export.csv --resume",
            "Send only what an earlier run did not finish (a fresh run if none)",
          ],
          ["$0 run big.csv --shard 0/3 --redis redis://r:6379", "One of 3 processes sharing the budget"],
        ]) as Argv<Args>,
    handler: async (args) => {
      if (args["dry-run"]) {
        ctx.exitCode = await validate(args, ctx.io);
        return;
      }
      const config = runConfigFromArgs(args, ctx.io.env); // flags first: a wrong flag costs nothing
      const report = readOption("report", args.report);
      ctx.exitCode = await executeRun({
        tasks: [{ config, ...(report ? { report } : {}) }],
        sandbox: args.sandbox === true,
        io: ctx.io,
        logger: loggerFor(args),
        progress: progressFor(args),
      });
    },
  };
}

/** The run's configuration from its flags, each read once through its option. */
export function runConfigFromArgs(args: Args, env: NodeJS.ProcessEnv): Omit<RunConfig, "zoom"> {
  const manifest = String(args.manifest);
  const settings = readRunSettings(rawOptions(args), "flag", env);
  const named = readOption("results", args.results);
  const results = named !== undefined ? checkResultsFolder(named) : defaultResultsPath(manifest);
  return {
    ...settings,
    manifest,
    results: shardResultsPath(results, settings.shard),
    ...(args.resume === true ? { resume: true } : {}),
  };
}
