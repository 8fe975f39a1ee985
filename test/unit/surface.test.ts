import { describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { EXIT } from "../../src/errors.js";
import { OUTCOMES, RESULT_COLUMNS } from "../../src/types.js";

/** The product's public surface (PRODUCT.md): changing any of it is a breaking change. */
describe("the public surface", () => {
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

  it("the flags of run", async () => {
    let out = "";
    const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true }, env: {} };
    expect(await main(["run", "--help"], io)).toBe(0);
    const flags = [...out.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1]).sort();
    expect(flags).toEqual(
      [
        "--assets-dir",
        "--concurrency",
        "--dry-run",
        "--help",
        "--log-file",
        "--log-level",
        "--max-failure-rate",
        "--max-operations",
        "--only",
        "--plan",
        "--progress",
        "--progress-interval",
        "--redis",
        "--redis-prefix",
        "--report",
        "--results",
        "--resume",
        "--sandbox",
        "--shard",
        "--share",
        "--state",
        "--version",
      ].sort(),
    );
  });
});
