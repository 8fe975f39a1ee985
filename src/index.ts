/**
 * The programmatic surface of zoom-bulk: the CLI is a thin layer over these. Every type a function
 * here takes or returns is exported too, so a caller can write its own observer, state store or
 * configuration. `test/unit/surface.test.ts` pins the names.
 */
export { runBatch, type RunDeps, type RunObserver } from "./run/index.js";
export { validateManifest, type ValidationReport } from "./validate.js";
export {
  startSandbox,
  sandboxTarget,
  type Sandbox,
  type SandboxOptions,
  type SeedUser,
  type FaultSpec,
  type LatencySpec,
  type Credentials,
} from "./sandbox/index.js";
export { zoomTargetFromEnv, defaultResultsPath, type RunConfig, type ZoomTarget } from "./config.js";
export type { Shard } from "./shard.js";
export type { StateStore } from "./state/index.js";
export type { LabelStats } from "./limit/index.js";
export type { Summary, LabelSummary } from "./report/summary.js";
export type { Label, Plan } from "./zoom/labels.js";
export type {
  InvalidOperation,
  ManifestRecord,
  OpKind,
  Operation,
  Outcome,
  PlannedRow,
  ResultLine,
  ResultOp,
  UploadFile,
} from "./types.js";
export { OP_KINDS, OUTCOMES, RESULT_COLUMNS } from "./types.js";
export { createLogger, type LoggerOptions } from "./log.js";
export * from "./errors.js";
