import type { Argv, CommandModule } from "yargs";
import { exitCodeFor } from "../errors.js";
import { checkStrictColumns, jobTasks } from "../job/command.js";
import { loadJob } from "../job/index.js";
import { ensureParent } from "../job/run.js";
import { formatValidation, validateManifest } from "../validate.js";
import { executeRun } from "./execute-run.js";
import {
  DRY_RUN_FLAG,
  LOG_FLAGS,
  PROGRESS_FLAGS,
  RESUME_FLAG,
  SANDBOX_FLAG,
  flags,
  loggerFor,
  progressFor,
  type Args,
} from "./flags.js";
import type { CliContext, CliIO } from "./io.js";

const JOB_HELP = [
  "A job file (JSON, paths relative to it) names the manifest or a glob of HR exports, the column",
  'mapping ("columns": export header -> manifest column, or null to ignore), transforms and the run',
  "settings (plan, share, only, assets_dir, delimiter, request_timeout, state, redis, shard, safety).",
  'Strict by default ("strict": true, also for job files without the key): with a mapping, a column',
  "of the export the mapping does not name stops the job (exit 2) before anything is sent; map it,",
  'ignore it with null, or set "strict": false to use such columns as they are.',
].join("\n");

/** `zoom-bulk job <file>`: a job definition from jobs/, run like `run` does, manifest by manifest. */
export function jobCommand(ctx: CliContext): CommandModule<object, Args> {
  return {
    command: "job <file>",
    describe:
      "Run a job definition (jobs/*.json): manifest or export glob, column mapping, transforms, settings",
    builder: (y: Argv<object>) =>
      y
        .positional("file", { type: "string", demandOption: true, describe: "The job file (JSON)" })
        .options({
          sandbox: SANDBOX_FLAG,
          "dry-run": DRY_RUN_FLAG,
          resume: RESUME_FLAG,
          ...flags(...LOG_FLAGS),
          ...flags(...PROGRESS_FLAGS),
        })
        .example([
          ["$0 job jobs/nightly-hr-sync.json --dry-run", "Check the job and its newest export; send nothing"],
          ["$0 job jobs/nightly-hr-sync.json --sandbox", "Try it on the embedded simulated account"],
          [
            "$0 job jobs/migration-pictures-backgrounds.json --resume",
            "Rerun: send only what is not done yet",
          ],
          [
            "$0 job jobs/nightly-hr-sync.json --log-file logs/nightly.log --progress log",
            "From cron: JSON logs in a file (its folder is created), progress as log lines",
          ],
        ])
        .epilog(JOB_HELP) as Argv<Args>,
    handler: async (args) => {
      ctx.exitCode = await runJob(args, ctx.io);
    },
  };
}

async function runJob(args: Args, io: CliIO): Promise<number> {
  // Flags and the whole job file are checked before anything is read, started or sent.
  const progress = progressFor(args);
  const logger = loggerFor(args);
  const job = loadJob(String(args.file), { env: io.env, ...(io.now ? { now: new Date(io.now()) } : {}) });
  const tasks = jobTasks(job, { resume: args.resume === true });
  for (const task of tasks) await checkStrictColumns(job, task.config.manifest);
  if (args["dry-run"]) return validateJob(tasks, io);
  for (const task of tasks) ensureParent(task.config.results);
  return executeRun({
    tasks: tasks.map((task) => ({
      config: task.config,
      ...(task.run.report ? { report: task.run.report } : {}),
      announce: `job ${job.name}: ${task.config.manifest} -> ${task.config.results}`,
    })),
    sandbox: args.sandbox === true,
    io,
    logger,
    progress,
  });
}

async function validateJob(tasks: ReturnType<typeof jobTasks>, io: CliIO): Promise<number> {
  let invalid = 0;
  for (const task of tasks) {
    const report = await validateManifest(task.config, io.env);
    io.stdout.write(formatValidation(report));
    invalid += report.invalid;
  }
  return exitCodeFor({ outcomes: { failed: 0, invalid, skipped: 0, deferred: 0 } });
}
