import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { RunConfig } from "../../src/config.js";
import { DependencyError, EXIT, exitCodeFor } from "../../src/errors.js";
import { openResults } from "../../src/report/results.js";
import type { Summary } from "../../src/report/summary.js";
import { runBatch, type RunDeps } from "../../src/run/index.js";
import { startSandbox, type Sandbox, sandboxTarget } from "../../src/sandbox/index.js";
import { startRedis } from "../helpers/redis.js";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

function manifestOf(dir: string, rows: number): string {
  const path = join(dir, "m.csv");
  writeFileSync(
    path,
    "user,job_title\n" + Array.from({ length: rows }, (_, i) => `user${i + 1}@example.com,T${i}\n`).join(""),
  );
  return path;
}

/** A 64 KiB tmpfs (root only), else null: the caller then injects the same write error. */
function smallDisk(dir: string): string | null {
  const mount = join(dir, "disk");
  mkdirSync(mount);
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mount], { stdio: "ignore" });
    return mount;
  } catch {
    return null;
  }
}

describe("a dependency that fails stops the run with exit 6, a true summary and nothing sent unrecorded", () => {
  it("disk full mid-run: DependencyError E_DISK, no request sent after, unrecordable lines go to the log", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-disk-"));
    const manifest = manifestOf(dir, 2000);
    sandbox = await startSandbox({ plan: "business", users: 2000, limitsScale: 10, seed: 21 });
    const disk = smallDisk(dir);
    const results = join(disk ?? dir, "r.csv");
    let written = 0;
    const enospc = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    const logged: string[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => void logged.push(line) });
    const config: RunConfig = {
      manifest,
      results,
      plan: "business",
      share: 0.8,
      zoom: sandboxTarget(sandbox),
    };
    try {
      // Without root no tmpfs can be mounted: the same ENOSPC then comes from the results writer.
      const failing: RunDeps["openResults"] = (path, options) => {
        const real = openResults(path, options);
        return {
          path: real.path,
          close: () => real.close(),
          write: (line) => {
            if (++written > 300) throw enospc;
            real.write(line);
          },
        };
      };
      const error = await runBatch(config, {
        limitsScale: 10,
        logger,
        ...(disk ? {} : { openResults: failing }),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DependencyError);
      expect((error as DependencyError).code).toBe("E_DISK");
      expect(exitCodeFor(error)).toBe(EXIT.dependency);
      expect((error as Error).message).toMatch(/^Cannot write the results file .*r\.csv \(ENOSPC\)/);
      const patches = sandbox.state.log.filter((e) => e.method === "PATCH").length;
      const lines = readFileSync(results, "utf8").trimEnd().split("\n").length - 1;
      const unwritten = logged.filter((l) => l.includes('"results.unwritten"')).length;
      expect(patches).toBeLessThan(2000);
      // Every request that reached Zoom is in the results file or, past the full disk, in the log.
      expect(lines + unwritten).toBeGreaterThanOrEqual(patches - 1); // a torn last line may be cut
    } finally {
      if (disk) execFileSync("umount", [disk]);
    }
  });

  it("--state in Redis with a wrong password: DependencyError E_REDIS within seconds, no stack-trace storm, nothing sent", async () => {
    const redis = await startRedis(["--requirepass", "right-password"]);
    const dir = mkdtempSync(join(tmpdir(), "zb-redis-state-"));
    sandbox = await startSandbox({ plan: "pro", users: 5, seed: 22 });
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (
      stderr.push(String(chunk)),
      true
    )) as typeof process.stderr.write;
    const started = Date.now();
    try {
      const error = await runBatch({
        manifest: manifestOf(dir, 5),
        results: join(dir, "r.csv"),
        plan: "pro",
        share: 0.8,
        state: "nightly",
        redis: { url: redis.url.replace("redis://", "redis://:wrong@") },
        zoom: sandboxTarget(sandbox),
      }).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(error).toBeInstanceOf(DependencyError);
      expect((error as DependencyError).code).toBe("E_REDIS");
      expect((error as Error).message).not.toMatch(/wrong/);
      expect(sandbox.state.log.filter((e) => e.path.startsWith("/v2/"))).toEqual([]);
      expect(stderr.join("")).not.toMatch(/Unhandled error event/);
    } finally {
      process.stderr.write = write;
      await redis.stop();
    }
  });

  it("an internal error inside a row stops the run with exit 70 and a summary that says so", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-internal-"));
    sandbox = await startSandbox({ plan: "pro", users: 30, seed: 23 });
    const results = join(dir, "r.csv");
    const error = await runBatch(
      { manifest: manifestOf(dir, 30), results, plan: "pro", share: 0.8, zoom: sandboxTarget(sandbox) },
      {
        observer: {
          result: (line) => {
            if (line.row === 3) throw new TypeError("observer bug");
          },
        },
      },
    ).catch((e: unknown) => e);
    expect(exitCodeFor(error)).toBe(EXIT.internal);
    expect((error as Error).message).toMatch(
      /^internal error: observer bug\. This is a bug in zoom-bulk; please report it/,
    );
    const summary = JSON.parse(readFileSync(`${results}.summary.json`, "utf8")) as Summary;
    expect(summary).toMatchObject({ stop_reason: "internal", exit_code: EXIT.internal });
  });
});

describe("a results file that cannot be written at all", () => {
  it("an immutable results file (EPERM): DependencyError E_DISK before anything is sent", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-eperm-"));
    sandbox = await startSandbox({ plan: "pro", users: 3, seed: 24 });
    const results = join(dir, "r.csv");
    writeFileSync(results, "");
    let immutable = false;
    try {
      execFileSync("chattr", ["+i", results], { stdio: "ignore" });
      immutable = true;
    } catch {
      // not root, or a filesystem without the attribute: the same EPERM comes from the writer
    }
    const eperm = Object.assign(new Error("EPERM: operation not permitted, open"), { code: "EPERM" });
    try {
      const error = await runBatch(
        { manifest: manifestOf(dir, 3), results, plan: "pro", share: 0.8, zoom: sandboxTarget(sandbox) },
        immutable
          ? {}
          : {
              openResults: () => {
                throw eperm;
              },
            },
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DependencyError);
      expect((error as Error).message).toMatch(
        /^Cannot write the results file .*r\.csv \(EPERM\): nothing was sent/,
      );
      expect(exitCodeFor(error)).toBe(EXIT.dependency);
      expect(sandbox.state.log.filter((e) => e.path.startsWith("/v2/"))).toEqual([]);
    } finally {
      if (immutable) execFileSync("chattr", ["-i", results]);
    }
  });
});
