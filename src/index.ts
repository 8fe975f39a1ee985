/** The programmatic surface of zoom-bulk: the CLI is a thin layer over these. */
export { runBatch, type RunDeps } from "./run.js";
export { validateManifest, type ValidationReport } from "./validate.js";
export { startSandbox, type Sandbox, type SandboxOptions } from "./sandbox/index.js";
export type { RunConfig, ZoomTarget } from "./config.js";
export type { Summary } from "./report/summary.js";
export type { ResultLine, Outcome, OpKind } from "./types.js";
export { RESULT_COLUMNS } from "./types.js";
export * from "./errors.js";
