import { closeSync, fchmodSync, openSync, writeSync } from "node:fs";
import type { Argv, CommandModule } from "yargs";
import { readRunSettings, zoomTargetFromEnv, type ZoomTarget } from "../config.js";
import { AuthError, ConfigError, EXIT } from "../errors.js";
import { describeChange } from "../desired/diff.js";
import { planDesired, type DesiredPlan, type PlanEntry, type PrunePlanSummary } from "../desired/plan.js";
import { ReadError } from "../desired/read.js";
import { sandboxTarget, startSandbox, type SandboxOptions } from "../sandbox/index.js";
import { formatDuration } from "../validate.js";
import { LABEL_NAMES, type Label } from "../zoom/labels.js";
import { LOG_FLAGS, MANIFEST_FLAGS, SANDBOX_FLAG, flags, loggerFor, rawOptions, type Args } from "./flags.js";
import type { CliContext, CliIO } from "./io.js";
import { trialUsers } from "./sandbox-seed.js";
import { manifestPositional } from "./validate.js";

/** `zoom-bulk plan <manifest>`: what a `run --diff` would change, read from Zoom; writes nothing to Zoom. */
export function planCommand(ctx: CliContext): CommandModule<object, Args> {
  return {
    command: "plan <manifest>",
    describe:
      "Read what Zoom holds for the manifest's users and show each field that would change, the users to create, the requests per label and the ETA; writes nothing to Zoom",
    builder: (y: Argv<object>) =>
      manifestPositional(y)
        .options({
          ...flags(...MANIFEST_FLAGS),
          ...flags("requestTimeoutMs", "concurrency", "prune", "scope", "maxPrune"),
          json: {
            type: "string",
            requiresArg: true,
            describe: "Also write the plan as JSON to this file (mode 0600)",
          },
          sandbox: SANDBOX_FLAG,
          ...flags(...LOG_FLAGS),
        })
        .example([
          ["$0 plan hr-export.csv --plan business", "What would change, per user and field"],
          ["$0 plan hr-export.csv --json plan.json", "The same, also as JSON for a review tool"],
          [
            "$0 plan hr-export.csv --prune --scope domain:corp.example",
            "Also the users of corp.example the export does not name (run --diff --prune deactivates them)",
          ],
        ]) as Argv<Args>,
    handler: async (args) => {
      ctx.exitCode = await plan(args, ctx.io);
    },
  };
}

export interface PlanCliDeps {
  /** The embedded sandbox's options under `--sandbox` (tests); its users default to the trial seed. */
  sandbox?: SandboxOptions;
  limitsScale?: number;
}

/**
 * Plans the manifest the flags name against Zoom (credentials from the environment, or
 * `--sandbox`), prints the plan and returns the exit code: 0, or 1 when some rows are invalid or
 * name users that are not in Zoom, or 5 when `--prune` would find more leavers than `--max-prune`
 * (the run would stop there).
 */
export async function plan(args: Args, io: CliIO, deps: PlanCliDeps = {}): Promise<number> {
  // a plan always reads Zoom, as `run --diff` does (which --prune needs)
  const settings = readRunSettings({ ...rawOptions(args), diff: true }, "flag", io.env);
  const manifest = String(args.manifest);
  const jsonPath = typeof args.json === "string" ? args.json : undefined;
  if (args.json !== undefined && (jsonPath === undefined || jsonPath === ""))
    throw new ConfigError("--json: expected a file name, got nothing. Give the file to write the plan to.");
  const config = { ...settings, manifest };
  const fromEnv = args.sandbox === true ? undefined : zoomTargetFromEnv(io.env);
  const sandbox =
    args.sandbox === true
      ? await startSandbox({ users: await trialUsers([{ ...config, results: "" }]), ...deps.sandbox })
      : undefined;
  const json = jsonPath !== undefined ? new JsonPlanFile(jsonPath) : undefined;
  try {
    const zoom: ZoomTarget = fromEnv ?? sandboxTarget(sandbox as NonNullable<typeof sandbox>);
    if (sandbox) io.stderr.write(`zoom-bulk: planning against the embedded sandbox at ${sandbox.apiUrl}\n`);
    const result = await planDesired(
      { ...config, zoom },
      {
        env: io.env,
        logger: loggerFor(args),
        ...(io.signal ? { signal: io.signal } : {}),
        ...(deps.limitsScale ? { limitsScale: deps.limitsScale } : {}),
        onEntry: (entry) => {
          io.stdout.write(formatEntry(entry));
          json?.entry(entry);
        },
      },
    );
    io.stdout.write(formatPlan(result));
    json?.finish(result);
    if (result.prune?.over_limit) return EXIT.safetyStop;
    return result.operations.invalid > 0 || result.missing.count > 0 ? EXIT.someFailed : EXIT.ok;
  } catch (error) {
    if (error instanceof ReadError && error.fatal === "auth") throw new AuthError(error.message, "E_AUTH");
    throw error;
  } finally {
    json?.close();
    await sandbox?.close();
  }
}

/** One user's lines: `row 4 (line 5) a@x.com` then `  profile: job_title: "A" -> "B"`. */
export function formatEntry(entry: PlanEntry): string {
  const head = `row ${entry.row} (line ${entry.line}) ${entry.user}${entry.create ? " (create)" : ""}${entry.missing ? " (not in Zoom; the row does not create it)" : ""}`;
  const lines = [head];
  for (const change of entry.changes)
    for (const field of change.fields)
      lines.push(`  ${change.op}${change.target ? ` ${change.target}` : ""}: ${describeChange(field)}`);
  if (entry.invalid > 0) lines.push(`  ${entry.invalid} operation(s) invalid (see validate)`);
  return lines.join("\n") + "\n";
}

export function formatPlan(p: DesiredPlan): string {
  const lines = [
    "",
    `${p.read.lookups > 0 ? `Looked up ${p.read.lookups} users one by one after 1 List users page (${p.read.account_users} active users)` : `Read ${p.read.account_users} account users in ${p.read.pages} List users pages of ${p.read.page_size}`} (${(p.read.ms / 1000).toFixed(1)} s)${p.read.failures > 0 ? `; ${p.read.failures} per-user reads failed (those fields are sent as they are)` : ""}.`,
    `${p.rows} rows: ${p.users_changing} users change, ${p.operations.send} operations to send, ${p.operations.unchanged} unchanged, ${p.operations.invalid} invalid.`,
    `Users to create: ${p.creates.count}${list(p.creates)}`,
    `Users not in Zoom (their rows will fail): ${p.missing.count}${list(p.missing)}`,
    ...(p.prune ? formatPrune(p.prune) : []),
    "Requests per label (reads made + writes to send):",
    ...Object.entries(p.labels).map(
      ([label, l]) =>
        `  ${LABEL_NAMES[label as Label]}: ${l.reads} reads + ${l.writes} writes at ${l.pace_per_second}/s, ${formatDuration(l.seconds)}`,
    ),
    `ETA of run --diff: ${formatDuration(p.eta_seconds)} (plan ${p.plan}, share ${p.share}).`,
  ];
  return lines.join("\n") + "\n";
}

/** The leavers: count and first names, the limit, and who is kept although no row names them. */
function formatPrune(p: PrunePlanSummary): string[] {
  const lines = [
    `Users to prune in ${p.scope} (active, named by no row; ${p.scope_active} active in the scope): ${p.count}${list(p)}`,
  ];
  if (p.over_limit)
    lines.push(
      `  More than --max-prune ${p.max_prune} allows (${p.limit}): run --diff --prune would stop (exit 5) before any change.`,
    );
  if (p.kept.length > 0)
    lines.push(`  Kept although no row names them (the account owner): ${p.kept.join(", ")}`);
  return lines;
}

function list(named: { count: number; first: string[] }): string {
  if (named.count === 0) return "";
  return ` (${named.first.join(", ")}${named.count > named.first.length ? `, and ${named.count - named.first.length} more` : ""})`;
}

/** `{"users": [entries…], "totals": {…}}`, written as the plan goes, mode 0600. */
class JsonPlanFile {
  private readonly fd: number;
  private first = true;
  private closed = false;

  constructor(path: string) {
    this.fd = openSync(path, "w", 0o600);
    fchmodSync(this.fd, 0o600); // an existing file keeps its mode on open
    writeSync(this.fd, '{"users":[');
  }

  entry(entry: PlanEntry): void {
    writeSync(this.fd, (this.first ? "\n" : ",\n") + JSON.stringify(entry));
    this.first = false;
  }

  finish(result: DesiredPlan): void {
    writeSync(this.fd, `\n],"totals":${JSON.stringify(result)}}\n`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
