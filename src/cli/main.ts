import yargs, { type Argv } from "yargs";
import { OPTIONS, closestName } from "../config.js";
import { ConfigError, EXIT, InternalError, ZoomBulkError, exitCodeFor } from "../errors.js";
import { defaultIO, type CliContext, type CliIO } from "./io.js";
import { jobCommand } from "./job.js";
import { reportCommand } from "./report.js";
import { runCommand } from "./run.js";
import { sandboxCommand } from "./sandbox.js";
import { validateCommand } from "./validate.js";
import { planCommand } from "./plan.js";
import { undoCommand } from "./undo.js";

export type { CliIO } from "./io.js";

/** The commands, in the order `--help` lists them. */
const COMMANDS = [
  runCommand,
  validateCommand,
  planCommand,
  undoCommand,
  reportCommand,
  jobCommand,
  sandboxCommand,
];
export const COMMAND_NAMES = ["run", "validate", "plan", "undo", "report", "job", "sandbox"] as const;

const EPILOG = [
  "Credentials: ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET (Server-to-Server OAuth) or",
  "ZOOM_ACCESS_TOKEN; ZOOM_API_URL and ZOOM_OAUTH_URL point elsewhere (the sandbox prints them).",
  "Exit codes: 0 all ok or unchanged, 1 some rows failed/invalid/skipped, 2 usage or configuration,",
  "3 authentication, 4 a daily limit deferred operations, 5 a safety rail stopped the run,",
  "6 a dependency failed (token endpoint, Redis, disk), 70 a bug in zoom-bulk, 130/143 SIGINT/SIGTERM.",
].join("\n");

/**
 * The command line: wires the command modules (src/cli/<command>.ts), and turns whatever they
 * throw into a message and an exit code (`exitCodeFor`). Returns the exit code; never calls
 * process.exit itself. Bare `zoom-bulk` shows the help.
 */
export async function main(argv: readonly string[], io: CliIO = defaultIO): Promise<number> {
  const ctx: CliContext = { io, exitCode: EXIT.ok };
  try {
    checkCommandName(argv);
    let output = "";
    await parser(ctx, argv).parseAsync(
      argv.length === 0 ? ["--help"] : [...argv],
      {},
      (_error, _argv, text) => {
        output = text;
      },
    );
    if (output) io.stdout.write(output + "\n");
    return ctx.exitCode;
  } catch (error) {
    return reportError(error, io);
  }
}

function parser(ctx: CliContext, argv: readonly string[]): Argv<object> {
  let y: Argv<object> = yargs()
    .scriptName("zoom-bulk")
    .usage(
      "$0 <command> [options]\n\nPush user changes from a manifest into Zoom, inside Zoom's rate limits.",
    );
  for (const command of COMMANDS) y = y.command(command(ctx));
  return y
    .example([
      ["$0 validate hr-export.csv --plan business", "A dry run: rows to fix, requests per label, the ETA"],
      ["$0 run hr-export.csv --sandbox", "The whole run against an embedded simulated account"],
      ["$0 job jobs/nightly-hr-sync.json", "A job definition, as cron runs it"],
      ["$0 <command> --help", "The options and examples of one command"],
    ])
    .epilog(EPILOG)
    .demandCommand(1, "Name a command: run, validate, plan, undo, report, job or sandbox.")
    .strict()
    .help()
    .version()
    .wrap(110)
    .exitProcess(false)
    .showHelpOnFail(false)
    .fail((message, error) => {
      // yargs' own complaints (unknown flag, missing value) are usage errors; anything a command
      // threw goes on as it is.
      if (error && error.name !== "YError") throw error;
      throw new ConfigError(explainUsage(error?.message ?? message, argv));
    });
}

/** An unknown command stops here with a guess, before yargs reads any flag. */
function checkCommandName(argv: readonly string[]): void {
  const [first] = argv;
  if (first === undefined || first.startsWith("-") || (COMMAND_NAMES as readonly string[]).includes(first))
    return;
  const guess = closestName(first, COMMAND_NAMES);
  const manifest = /\.(csv|tsv|txt|json|jsonl|ndjson)$/i.test(first);
  throw new ConfigError(
    `Unknown command "${first}".` +
      (guess ? ` Did you mean "${guess}"?` : "") +
      (manifest
        ? ` To run a manifest: zoom-bulk run ${first} (or validate it first: zoom-bulk validate ${first}).`
        : "") +
      ` Commands: ${COMMAND_NAMES.join(", ")}; zoom-bulk --help shows them.`,
  );
}

/** Every flag of every command, for guesses at a mistyped one. */
const ALL_FLAGS = [
  ...Object.values(OPTIONS).map((spec) => spec.flag),
  ...["resume", "dry-run", "sandbox", "html", "json", "latency", "faults", "users"],
  ...["account-id", "client-id", "client-secret", "help", "version"],
];

/**
 * yargs' own messages, made to say the fix: "Unknown argument: resum" gets "Did you mean
 * --resume?", a flag without its value gets an example, a missing manifest or file the usage.
 */
function explainUsage(message: string, argv: readonly string[]): string {
  const unknown = /^Unknown arguments?: (.+)$/.exec(message);
  if (unknown) {
    const guesses = (unknown[1] ?? "")
      .split(", ")
      .flatMap((name) => closestName(name, ALL_FLAGS) ?? [])
      .map((guess) => `--${guess}`);
    return guesses.length > 0 ? `${message}. Did you mean ${guesses.join(", ")}?` : message;
  }
  const noValue = /^Not enough arguments following: (.+)$/.exec(message);
  if (noValue) {
    const spec = Object.values(OPTIONS).find((s) => s.flag === noValue[1]);
    return `--${noValue[1]}: expected a value after it${spec ? `, for example: --${spec.flag} ${spec.example}` : ""}.`;
  }
  if (/^Not enough non-option arguments/.test(message)) {
    const usage: Record<string, string> = {
      run: "zoom-bulk run <manifest.csv|.json|.jsonl>",
      validate: "zoom-bulk validate <manifest.csv|.json|.jsonl>",
      report: "zoom-bulk report <results.csv> [more results files]",
      job: "zoom-bulk job <jobs/name.json>",
      undo: "zoom-bulk undo <results.csv> (the results of a run made with --diff)",
    };
    const command = usage[argv[0] ?? ""];
    return command ? `Name what to work on: ${command}.` : message;
  }
  return message;
}

/** A known failure gets its message; anything else is a bug (InternalError, exit 70), still without secrets. */
function reportError(error: unknown, io: CliIO): number {
  const known = error instanceof ZoomBulkError ? error : new InternalError(error);
  io.stderr.write(`zoom-bulk: ${known.message}\n`);
  return exitCodeFor(known);
}
