#!/usr/bin/env node
import { realpathSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import yargs from "yargs";
import {
  checkResultsPath,
  defaultResultsPath,
  parseConcurrency,
  parseMaxOperations,
  parseOnly,
  parsePlan,
  parseShare,
  zoomTargetFromEnv,
  type RunConfig,
} from "./config.js";
import { ConfigError, EXIT, ZoomBulkError, exitCodeFor } from "./errors.js";
import { createLogger } from "./log.js";
import { runBatch } from "./run.js";
import { defaultRedisPrefix } from "./limit/index.js";
import { parseMaxFailureRate } from "./safety.js";
import { parseShard, shardResultsPath } from "./shard.js";
import { formatMerged, mergeResults } from "./report/merge.js";
import { formatSummary } from "./report/summary.js";
import { formatValidation, validateManifest } from "./validate.js";
import { runJobCommand } from "./job/command.js";
import { PROGRESS_MODES, parseProgressInterval, startProgress, type ProgressMode } from "./progress/index.js";
import { formatCounts, writeReport } from "./report/html.js";
import {
  loadSeedUsers,
  parseFaults,
  parseLatency,
  sandboxEnv,
  sandboxTarget,
  startSandbox,
} from "./sandbox/index.js";

export interface CliIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM by the binary; tests abort it themselves. */
  signal?: AbortSignal;
}

const defaultIO: CliIO = { stdout: process.stdout, stderr: process.stderr, env: process.env };

/**
 * The command line: parses flags, calls the programmatic core, prints, and maps errors to exit
 * codes in one place. Returns the exit code; never calls process.exit itself.
 */
export async function main(argv: string[], io: CliIO = defaultIO): Promise<number> {
  let exitCode: number = EXIT.ok;
  const parser = yargs()
    .scriptName("zoom-bulk")
    .usage(
      "$0 <command> [options]\n\nPush user changes from a manifest into Zoom, inside Zoom's rate limits.",
    )
    .command(
      "run <manifest>",
      "Send every operation of a manifest to Zoom and write a results file",
      (y) =>
        runOptions(y)
          .option("results", {
            type: "string",
            describe: "Results file, .csv or .jsonl (default: beside the manifest)",
          })
          .option("resume", {
            type: "boolean",
            default: false,
            describe: "Send only what an earlier run did not finish",
          })
          .option("state", {
            type: "string",
            describe: "Incremental sync: skip what this state folder says was already applied",
          })
          .option("dry-run", {
            type: "boolean",
            default: false,
            describe: "Same as `validate`: plan, count, send nothing",
          })
          .option("sandbox", {
            type: "boolean",
            default: false,
            describe: "Run against an embedded simulated Zoom account",
          })
          .option("concurrency", {
            type: "number",
            describe: "Requests in flight at once (default: from the rates and latency)",
          })
          .options(logOptions)
          .option("report", { type: "string", describe: "At the end, write the HTML report to this file" })
          .option("redis", {
            type: "string",
            describe:
              "Share the rate budget (and --state) with other runs through this Redis: redis://host:port",
          })
          .option("redis-prefix", {
            type: "string",
            describe: "Key prefix of the shared budget (default: zoom-bulk:<ZOOM_ACCOUNT_ID>)",
          })
          .option("shard", {
            type: "string",
            describe: "Take only shard i of n of the manifest's users, 0-based: 0/3, 1/3, 2/3",
          })
          .option("max-operations", {
            type: "number",
            describe: "Mass-change breaker: stop (exit 5) rather than send more than this many operations",
          })
          .option("max-failure-rate", {
            type: "number",
            describe:
              "Stop (exit 5) when more than this share of the last 200 sent operations failed (default 0.5)",
          })
          .options(progressOptions),
      async (args) => {
        if (args["dry-run"]) {
          exitCode = await runValidate(args, io);
          return;
        }
        const settings = runSettings(args, io.env); // flags first: a wrong flag costs nothing
        const logger = loggerFor(args);
        const sandbox = args.sandbox ? await startSandbox() : undefined;
        try {
          const zoom = sandbox ? sandboxTarget(sandbox) : zoomTargetFromEnv(io.env);
          if (sandbox)
            io.stderr.write(`zoom-bulk: running against the embedded sandbox at ${sandbox.apiUrl}\n`);
          const progress = startProgress({
            stream: io.stderr,
            mode: args.progress as ProgressMode,
            intervalMs: parseProgressInterval(args["progress-interval"]),
            logger,
            manifest: settings.manifest,
          });
          const summary = await runBatch(
            { ...settings, zoom },
            { logger, env: io.env, observer: progress, ...(io.signal ? { signal: io.signal } : {}) },
          ).finally(() => progress.close());
          io.stdout.write(formatSummary(summary));
          if (args.report) {
            writeReport(summary.results, args.report);
            io.stdout.write(`  report: ${args.report}\n`);
          }
          exitCode = summary.exit_code;
        } finally {
          await sandbox?.close();
        }
      },
    )
    .command(
      "validate <manifest>",
      "Dry run: check every row, count the requests per rate label and estimate the time; sends nothing",
      (y) => runOptions(y),
      async (args) => {
        exitCode = await runValidate(args, io);
      },
    )
    .command(
      "report <results..>",
      "Print the summary of a results file and write its HTML report; several files (shards) are merged into one summary",
      (y) =>
        y
          .positional("results", {
            type: "string",
            array: true,
            demandOption: true,
            describe: "Results files (.csv or .jsonl)",
          })
          .option("html", { type: "string", describe: "The HTML report (default: <results>.report.html)" })
          .option("json", {
            type: "string",
            describe: "With several files: write the merged summary here too",
          }),
      (args) => {
        const paths = (args.results ?? []).map(String);
        const [first] = paths;
        if (first === undefined)
          throw new ConfigError("Name a results file: zoom-bulk report <results.csv>.");
        if (paths.length > 1) {
          const merged = mergeResults(paths);
          io.stdout.write(formatMerged(merged));
          if (args.json) writeFileSync(args.json, JSON.stringify(merged, null, 2) + "\n", { mode: 0o600 });
          exitCode = merged.exit_code;
          return;
        }
        const html = args.html ?? `${first}.report.html`;
        const { lines, summary } = writeReport(first, html);
        io.stdout.write(summary ? formatSummary(summary) : formatCounts(first, lines));
        io.stdout.write(`  report: ${html}\n`);
      },
    )
    .command(
      "job <file>",
      "Run a job definition (jobs/*.json): manifest or export glob, column mapping, transforms, settings",
      (y) =>
        y
          .positional("file", { type: "string", demandOption: true, describe: "The job file (JSON)" })
          .option("sandbox", {
            type: "boolean",
            default: false,
            describe: "Run against an embedded simulated Zoom account",
          })
          .option("dry-run", {
            type: "boolean",
            default: false,
            describe: "Check the job and its manifest; send nothing",
          })
          .options(logOptions)
          .options(progressOptions),
      async (args) => {
        const progressIntervalMs = parseProgressInterval(args["progress-interval"]);
        const logger = loggerFor(args);
        exitCode = await runJobCommand({
          file: args.file,
          sandbox: args.sandbox,
          dryRun: args["dry-run"],
          logger,
          stdout: io.stdout,
          stderr: io.stderr,
          env: io.env,
          ...(io.signal ? { signal: io.signal } : {}),
          progress: args.progress as ProgressMode,
          progressIntervalMs,
        });
      },
    )
    .command(
      "sandbox",
      "Start the simulated Zoom account as a server and print the settings a run needs",
      (y) =>
        y
          .option("port", { type: "number", default: 0, describe: "Port on 127.0.0.1 (0: any free port)" })
          .option("plan", {
            type: "string",
            default: "pro",
            describe: "Rate limits of this plan: free, pro, business",
          })
          .option("latency", { type: "string", describe: "Added latency in ms: 150 or 100-200" })
          .option("faults", {
            type: "string",
            describe: "e.g. 5xx=0.02,reset=0.01,hang=0.005,lost-upload=0.02,other-apps=0.4",
          })
          .option("users", { type: "string", describe: "JSON file with an array of user objects to seed" })
          .option("account-id", { type: "string" })
          .option("client-id", { type: "string" })
          .option("client-secret", { type: "string" }),
      async (args) => {
        const sandbox = await startSandbox({
          port: args.port,
          plan: parsePlan(args.plan),
          ...(args.latency ? { latency: parseLatency(args.latency) } : {}),
          ...(args.faults ? { faults: parseFaults(args.faults) } : {}),
          ...(args.users ? { users: await loadSeedUsers(args.users) } : {}),
          credentials: {
            ...(args["account-id"] ? { accountId: args["account-id"] } : {}),
            ...(args["client-id"] ? { clientId: args["client-id"] } : {}),
            ...(args["client-secret"] ? { clientSecret: args["client-secret"] } : {}),
          },
        });
        for (const [name, value] of Object.entries(sandboxEnv(sandbox)))
          io.stdout.write(`${name}=${value}\n`);
        io.stderr.write("zoom-bulk: sandbox running; Ctrl-C stops it\n");
        await new Promise<void>((resolve) => {
          if (io.signal?.aborted) resolve();
          io.signal?.addEventListener("abort", () => resolve(), { once: true });
        });
        await sandbox.close();
      },
    )
    .demandCommand(1, "Name a command: run, validate, report, job or sandbox.")
    .strict()
    .help()
    .version()
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new ConfigError(message);
    })
    .showHelpOnFail(false);

  try {
    let output = "";
    await parser.parseAsync(argv, {}, (_err, _argv, text) => {
      output = text;
    });
    if (output) io.stdout.write(output + "\n");
  } catch (error) {
    exitCode = reportError(error, io);
  }
  return exitCode;
}

/** pino logs: JSON (pretty on a terminal) on stderr, or JSON lines in a file. */
const logOptions = {
  "log-level": { type: "string", default: "info", choices: ["debug", "info", "warn", "error", "silent"] },
  "log-file": { type: "string", describe: "Write JSON logs to this file instead of stderr" },
} as const;

function loggerFor(args: { "log-level": string; "log-file"?: string | undefined }) {
  return createLogger({ level: args["log-level"], ...(args["log-file"] ? { file: args["log-file"] } : {}) });
}

/** Progress on stderr: a live block on a terminal, a `run.progress` log line every N seconds elsewhere. */
const progressOptions = {
  progress: {
    type: "string",
    default: "auto",
    choices: PROGRESS_MODES,
    describe: "auto (tty on a terminal, else log), tty, log or off",
  },
  "progress-interval": {
    type: "number",
    default: 10,
    describe: "Seconds between progress log lines when not on a terminal",
  },
} as const;

function runOptions<T>(y: import("yargs").Argv<T>) {
  return y
    .positional("manifest", {
      type: "string",
      demandOption: true,
      describe: "CSV, JSON array or JSON Lines manifest",
    })
    .option("plan", {
      type: "string",
      default: "pro",
      describe: "The account's plan, for its rate limits: free, pro, business",
    })
    .option("share", {
      type: "number",
      default: 0.8,
      describe: "Share (0..1] of the account's per-label budget this job may use",
    })
    .option("only", {
      type: "string",
      describe: "Only these operations: profile,password,picture,virtual_background",
    })
    .option("assets-dir", {
      type: "string",
      describe: "Picture and background paths must stay inside this folder",
    });
}

interface ManifestArgs {
  manifest: string | undefined;
  plan: string;
  share: number;
  only?: string | undefined;
  "assets-dir"?: string | undefined;
}

function baseConfig(args: ManifestArgs) {
  const manifest = args.manifest;
  if (!manifest) throw new ConfigError("Name the manifest: zoom-bulk run <manifest.csv|.json|.jsonl>.");
  const only = parseOnly(args.only);
  return {
    manifest,
    plan: parsePlan(args.plan),
    share: parseShare(args.share),
    ...(only ? { only } : {}),
    ...(args["assets-dir"] ? { assetsDir: args["assets-dir"] } : {}),
  };
}

function runSettings(
  args: ManifestArgs & {
    results?: string | undefined;
    concurrency?: number | undefined;
    resume?: boolean | undefined;
    state?: string | undefined;
    redis?: string | undefined;
    "redis-prefix"?: string | undefined;
    shard?: string | undefined;
    "max-failure-rate"?: number | undefined;
    "max-operations"?: number | undefined;
  },
  env: NodeJS.ProcessEnv,
): Omit<RunConfig, "zoom"> {
  const base = baseConfig(args);
  const concurrency = parseConcurrency(args.concurrency);
  const shard = parseShard(args.shard);
  return {
    ...base,
    results: shardResultsPath(checkResultsPath(args.results ?? defaultResultsPath(base.manifest)), shard),
    ...(shard ? { shard } : {}),
    ...(args.redis
      ? {
          redis: { url: args.redis, prefix: args["redis-prefix"] ?? defaultRedisPrefix(env.ZOOM_ACCOUNT_ID) },
        }
      : {}),
    maxFailureRate: parseMaxFailureRate(args["max-failure-rate"]),
    ...(args["max-operations"] !== undefined
      ? { maxOperations: parseMaxOperations(args["max-operations"]) }
      : {}),
    ...(concurrency ? { concurrency } : {}),
    ...(args.resume ? { resume: true } : {}),
    ...(args.state ? { state: args.state } : {}),
  };
}

async function runValidate(args: ManifestArgs, io: CliIO): Promise<number> {
  const report = await validateManifest(baseConfig(args), io.env);
  io.stdout.write(formatValidation(report));
  return report.invalid > 0 ? EXIT.someFailed : EXIT.ok;
}

/** A user mistake gets its message; anything else is a bug and says so, still without secrets. */
function reportError(error: unknown, io: CliIO): number {
  if (error instanceof ZoomBulkError) {
    io.stderr.write(`zoom-bulk: ${error.message}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(
      `zoom-bulk: unexpected error: ${message}\nPlease report this with the log (run with --log-level debug).\n`,
    );
  }
  return exitCodeFor(error);
}

function isEntryPoint(): boolean {
  try {
    return realpathSync(process.argv[1] ?? "") === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const controller = new AbortController();
  let signalCode: number | undefined;
  const onSignal = (name: NodeJS.Signals, code: number) => () => {
    if (signalCode !== undefined) process.exit(code); // a second signal stops at once
    signalCode = code;
    process.stderr.write(
      `zoom-bulk: ${name}: finishing requests in flight, then stopping (again to stop at once)\n`,
    );
    controller.abort(new Error(name));
  };
  process.on("SIGINT", onSignal("SIGINT", EXIT.sigint));
  process.on("SIGTERM", onSignal("SIGTERM", EXIT.sigterm));
  const code = await main(process.argv.slice(2), { ...defaultIO, signal: controller.signal });
  process.exitCode = signalCode ?? code;
}
