import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Every temporary file of a test run (the tests' own, and those of the CLI and sandbox processes
 * they start) goes into one folder, removed when the run ends: `os.tmpdir()` follows TMPDIR, which
 * the test workers and their children inherit.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "zb-test-run-"));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
