import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { EXIT } from "../../src/errors.js";
import * as api from "../../src/index.js";
import type {
  Credentials,
  FaultSpec,
  InvalidOperation,
  Label,
  LabelStats,
  LabelSummary,
  LatencySpec,
  LoggerOptions,
  ManifestRecord,
  Operation,
  OpKind,
  Outcome,
  Plan,
  PlannedRow,
  ResultLine,
  ResultOp,
  RunConfig,
  RunDeps,
  RunObserver,
  Sandbox,
  SandboxOptions,
  SeedUser,
  Shard,
  StateStore,
  Summary,
  UploadFile,
  ValidationReport,
  ZoomTarget,
} from "../../src/index.js";
import { OUTCOMES, RESULT_COLUMNS } from "../../src/types.js";

/**
 * The product's public surface (PRODUCT.md, STYLE.md 14): the programmatic API's names, the flags
 * of each command, the exit codes, the results columns and the log event names. Changing any of
 * them is a breaking change: update this test on purpose, and the README with it.
 */

/** The types the API's functions take and return; `npm run check` (tsc) fails when one goes missing. */
export type PublicTypes = [
  Credentials,
  FaultSpec,
  InvalidOperation,
  Label,
  LabelStats,
  LabelSummary,
  LatencySpec,
  LoggerOptions,
  ManifestRecord,
  Operation,
  OpKind,
  Outcome,
  Plan,
  PlannedRow,
  ResultLine,
  ResultOp,
  RunConfig,
  RunDeps,
  RunObserver,
  Sandbox,
  SandboxOptions,
  SeedUser,
  Shard,
  StateStore,
  Summary,
  UploadFile,
  ValidationReport,
  ZoomTarget,
];

async function help(argv: string[]): Promise<string> {
  let out = "";
  const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true }, env: {} };
  expect(await main(argv, io)).toBe(0);
  return out;
}

/** The flags in the "Options:" block of a command's help. */
async function flagsOf(command: string): Promise<string[]> {
  const options = (await help([command, "--help"])).split("Options:\n")[1]?.split("\n\n")[0] ?? "";
  return [...options.matchAll(/^[ \t]+(--[a-z-]+)/gm)].map((m) => m[1] as string).sort();
}

describe("the public surface", () => {
  it("the names src/index.ts exports", () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        "AuthError",
        "ConfigError",
        "DependencyError",
        "EXIT",
        "InternalError",
        "ManifestError",
        "NetworkError",
        "OP_KINDS",
        "OUTCOMES",
        "RESULT_COLUMNS",
        "SafetyStopError",
        "ZoomBulkError",
        "createLogger",
        "defaultResultsPath",
        "exitCodeFor",
        "runBatch",
        "sandboxTarget",
        "startSandbox",
        "validateManifest",
        "zoomTargetFromEnv",
      ].sort(),
    );
  });

  it("exit codes, results columns and outcomes", () => {
    expect(EXIT).toEqual({
      ok: 0,
      someFailed: 1,
      usage: 2,
      auth: 3,
      deferred: 4,
      safetyStop: 5,
      dependency: 6,
      internal: 70,
      sigint: 130,
      sigterm: 143,
    });
    expect(RESULT_COLUMNS).toEqual([
      "row",
      "line",
      "user",
      "op",
      "target",
      "outcome",
      "http_status",
      "zoom_code",
      "message",
      "attempts",
      "duration_ms",
      "tracking_id",
      "finished_at",
    ]);
    expect(OUTCOMES).toEqual(["ok", "failed", "invalid", "skipped", "deferred", "unchanged"]);
  });

  it("the commands", async () => {
    const commands = [...(await help(["--help"])).matchAll(/^\s+zoom-bulk ([a-z]+)/gm)].map((m) => m[1]);
    expect(commands.slice(0, 7)).toEqual(["run", "validate", "plan", "undo", "report", "job", "sandbox"]);
  });

  const common = ["--help", "--version"];
  const flags: Record<string, string[]> = {
    run: [
      "--allow-delete",
      "--assets-dir",
      "--concurrency",
      "--delimiter",
      "--diff",
      "--dry-run",
      "--log-file",
      "--log-level",
      "--max-deletes",
      "--max-failure-rate",
      "--max-operations",
      "--max-prune",
      "--only",
      "--plan",
      "--progress",
      "--progress-interval",
      "--prune",
      "--redis",
      "--redis-prefix",
      "--report",
      "--request-timeout",
      "--results",
      "--resume",
      "--sandbox",
      "--scope",
      "--shard",
      "--share",
      "--state",
    ],
    validate: ["--assets-dir", "--delimiter", "--invalid-rows", "--only", "--plan", "--share"],
    report: ["--html", "--json"],
    job: [
      "--dry-run",
      "--log-file",
      "--log-level",
      "--progress",
      "--progress-interval",
      "--resume",
      "--sandbox",
    ],
    plan: [
      "--assets-dir",
      "--concurrency",
      "--delimiter",
      "--json",
      "--log-file",
      "--log-level",
      "--max-prune",
      "--only",
      "--plan",
      "--prune",
      "--request-timeout",
      "--sandbox",
      "--scope",
      "--share",
    ],
    undo: [
      "--concurrency",
      "--log-file",
      "--log-level",
      "--max-deletes",
      "--max-failure-rate",
      "--plan",
      "--progress",
      "--progress-interval",
      "--redis",
      "--redis-prefix",
      "--request-timeout",
      "--resume",
      "--share",
    ],
    sandbox: [
      "--account-id",
      "--client-id",
      "--client-secret",
      "--env-file",
      "--faults",
      "--latency",
      "--plan",
      "--port",
      "--users",
    ],
  };
  for (const [command, own] of Object.entries(flags))
    it(`the flags of ${command}`, async () => {
      expect(await flagsOf(command)).toEqual([...own, ...common].sort());
    });

  it("the log event names", () => {
    expect(logEvents()).toEqual([
      "auth.renew",
      "desired.list_restarted",
      "desired.page_number_ignored",
      "limit.ceiling",
      "limit.daily",
      "limit.redis.error",
      "limit.redis.late",
      "limit.slowdown",
      "limit.speedup",
      "op.reconcile",
      "op.retry",
      "op.sent",
      "op.timeout",
      "prune.planned",
      "results.unwritten",
      "run.close_failed",
      "run.finished",
      "run.internal_error",
      "run.progress",
      "run.retry_file",
      "run.retry_file_failed",
      "run.safety_stop",
      "summary.unwritten",
    ]);
  });
});

/**
 * Every event name a pino call in src/ logs: the last string argument of `.trace/.debug/.info/
 * .warn/.error/.fatal(…)` when it is a dotted name (`run.finished`), plus named event constants
 * (`PROGRESS_EVENT = "run.progress"`).
 */
function logEvents(): string[] {
  const events = new Set<string>();
  for (const file of sourceFiles("src")) {
    const text = readFileSync(file, "utf8");
    for (const call of text.matchAll(/\.(?:trace|debug|info|warn|error|fatal)\(/g)) {
      const args = callArguments(text, (call.index ?? 0) + call[0].length);
      const last = [...args.matchAll(/"([a-z_]+(?:\.[a-z_]+)+)"/g)].at(-1);
      if (last && args.trimEnd().replace(/,$/, "").endsWith(`"${last[1]}"`)) events.add(last[1] as string);
    }
    for (const constant of text.matchAll(/_EVENT\s*=\s*"([a-z_]+(?:\.[a-z_]+)+)"/g))
      events.add(constant[1] as string);
  }
  return [...events].sort();
}

/** The text between a call's parentheses (balanced, strings and template literals skipped roughly). */
function callArguments(text: string, from: number): string {
  let depth = 1;
  let quote: string | null = null;
  for (let i = from; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'" || ch === "`") quote = ch;
    else if (ch === "(") depth++;
    else if (ch === ")" && --depth === 0) return text.slice(from, i);
  }
  return text.slice(from);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "sandbox" ? [] : sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}
