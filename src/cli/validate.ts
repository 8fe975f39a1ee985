import type { Argv, CommandModule } from "yargs";
import { readOption, readRunSettings } from "../config.js";
import { exitCodeFor } from "../errors.js";
import { formatValidation, validateManifest } from "../validate.js";
import { MANIFEST_FLAGS, flags, rawOptions, type Args } from "./flags.js";
import type { CliContext, CliIO } from "./io.js";

/** `zoom-bulk validate <manifest>` (and `run --dry-run`): the plan, counted; nothing sent. */
export function validateCommand(ctx: CliContext): CommandModule<object, Args> {
  return {
    command: "validate <manifest>",
    describe:
      "Dry run: check every row, count the requests per rate label and estimate the time; sends nothing",
    builder: (y: Argv<object>) =>
      manifestPositional(y)
        .options({ ...flags(...MANIFEST_FLAGS), ...flags("invalidRows") })
        .example([
          ["$0 validate hr-export.csv --plan business", "Rows to fix, requests per label and the ETA"],
          [
            "$0 validate hr-export.csv --invalid-rows fix-me.csv",
            "Also write the invalid rows to fix and rerun",
          ],
          ["$0 validate export.csv --delimiter semicolon", "A semicolon-separated export"],
        ]) as Argv<Args>,
    handler: async (args) => {
      ctx.exitCode = await validate(args, ctx.io);
    },
  };
}

export function manifestPositional(y: Argv<object>) {
  return y.positional("manifest", {
    type: "string",
    demandOption: true,
    describe: "CSV (header row), JSON array or JSON Lines manifest",
  });
}

/** Validates the manifest the flags name and prints the report; exit 1 when some rows are invalid. */
export async function validate(args: Args, io: CliIO): Promise<number> {
  const settings = readRunSettings(rawOptions(args), "flag", io.env);
  const invalidRows = readOption("invalidRows", args["invalid-rows"]);
  const config = {
    ...settings,
    manifest: String(args.manifest),
    ...(invalidRows !== undefined ? { invalidRows } : {}),
  };
  const report = await validateManifest(config, io.env);
  io.stdout.write(formatValidation(report));
  return exitCodeFor({ outcomes: { failed: 0, invalid: report.invalid, skipped: 0, deferred: 0 } });
}
