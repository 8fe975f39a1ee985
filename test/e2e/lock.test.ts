import { copyFileSync, existsSync, linkSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { acquireLock, runLockPath } from "../../src/lock.js";
import { runBatch } from "../../src/run/index.js";
import { startSandbox, sandboxTarget } from "../../src/sandbox/index.js";
import { accountScope, fileSha256 } from "../../src/state/index.js";
import { startRedis } from "../helpers/redis.js";

const fresh = (): string => join(mkdtempSync(join(tmpdir(), "zb-lock-")), "manifest.lock");

describe("runLockPath", () => {
  it("names one lock per manifest content, account and shard, in the temp folder", () => {
    const path = runLockPath("sha256:aa", "https://api.zoom.us#acct", undefined);
    expect(path).toMatch(/zoom-bulk-[0-9a-f]{24}\.lock$/);
    expect(runLockPath("sha256:aa", "https://api.zoom.us#acct", undefined)).toBe(path);
    expect(runLockPath("sha256:bb", "https://api.zoom.us#acct", undefined)).not.toBe(path);
    expect(runLockPath("sha256:aa", "https://api.zoom.us#other", undefined)).not.toBe(path);
    expect(runLockPath("sha256:aa", "https://api.zoom.us#acct", { index: 0, count: 2 })).not.toBe(path);
  });
});

describe("acquireLock", () => {
  it("creates the lock with its owner and removes it on release", () => {
    const path = fresh();
    const lock = acquireLock(path, "the manifest", { command: "zoom-bulk run manifest.csv", host: "h1" });
    const owner = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    expect(owner).toMatchObject({ pid: process.pid, host: "h1", command: "zoom-bulk run manifest.csv" });
    expect(typeof owner.started_at).toBe("string");
    lock.release();
    expect(existsSync(path)).toBe(false);
    lock.release(); // twice is fine
    acquireLock(path, "the manifest").release(); // free again
  });

  it("refuses a second run while the first holds it, naming who holds it", () => {
    const path = fresh();
    const first = acquireLock(path, "the manifest m.csv", {
      pid: 1234,
      host: "build-7",
      now: () => Date.parse("2026-03-01T10:00:00Z"),
      command: "zoom-bulk run m.csv",
      isAlive: () => true,
    });
    let error: unknown;
    try {
      acquireLock(path, "the manifest m.csv", { host: "build-7", isAlive: () => true });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      `another zoom-bulk run (pid 1234 on host build-7, started 2026-03-01T10:00:00.000Z: zoom-bulk run m.csv) holds ${path}, the lock on the manifest m.csv. Two runs would together spend twice the share of Zoom's rate limits: wait for that run to finish, use --redis to share one budget between runs, or remove ${path} if that run is gone.`,
    );
    first.release();
  });

  it("takes over a stale lock whose process is gone on this host", () => {
    const path = fresh();
    writeFileSync(path, JSON.stringify({ pid: 999_999_999, host: "here", started_at: "x", command: "old" }));
    const lock = acquireLock(path, "the manifest", { host: "here" }); // real pid check: 999999999 is not running
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({ pid: process.pid, host: "here" });
    lock.release();
  });

  it("never guesses about another host's lock, nor an unreadable one", () => {
    const path = fresh();
    writeFileSync(
      path,
      JSON.stringify({ pid: 999_999_999, host: "elsewhere", started_at: "x", command: "" }),
    );
    expect(() => acquireLock(path, "the manifest", { host: "here" })).toThrow(
      /pid 999999999 on host elsewhere/,
    );
    writeFileSync(path, "{half");
    expect(() => acquireLock(path, "the manifest")).toThrow(/^another zoom-bulk run holds/);
  });

  it("does not remove a lock someone else took over after ours was removed by hand", () => {
    const path = fresh();
    const ours = acquireLock(path, "the manifest");
    writeFileSync(path, JSON.stringify({ pid: 42, host: "other", started_at: "y", command: "" }));
    ours.release();
    expect(existsSync(path)).toBe(true);
  });
});

describe("the manifest lock in a run", () => {
  it("refuses a second run of the same manifest content (a copy, a hard link) on the same account while the first runs, and frees it after", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-lock-run-"));
    const manifest = join(dir, "m.csv");
    writeFileSync(
      manifest,
      "user,job_title\n" + Array.from({ length: 40 }, (_, i) => `user${i + 1}@example.com,T\n`).join(""),
    );
    const sandbox = await startSandbox({ plan: "free", users: 40, seed: 2 });
    const config = (results: string) => ({
      manifest,
      results: join(dir, results),
      plan: "free" as const,
      share: 1,
      zoom: sandboxTarget(sandbox),
    });
    const lock = runLockPath(
      `sha256:${await fileSha256(manifest)}`,
      accountScope(sandboxTarget(sandbox)),
      undefined,
    );
    const copy = join(dir, "copy.csv");
    const link = join(dir, "link.csv");
    copyFileSync(manifest, copy);
    linkSync(manifest, link);
    try {
      const first = runBatch(config("a.csv")); // Free Light: 4/s, so 40 rows take ~10 s
      await new Promise((r) => setTimeout(r, 500));
      expect(existsSync(lock)).toBe(true);
      for (const [other, results] of [
        [manifest, "b.csv"],
        [copy, "c.csv"],
        [link, "d.csv"],
      ] as const) {
        const error = await runBatch({ ...config(results), manifest: other }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as Error).message).toMatch(
          new RegExp(
            `^another zoom-bulk run \\(pid ${process.pid} on host .+\\) holds ${lock.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`,
          ),
        );
        expect(existsSync(join(dir, results))).toBe(false); // nothing written, nothing sent
      }
      await first;
      expect(existsSync(lock)).toBe(false);
    } finally {
      await sandbox.close();
    }
  });

  it("a second run on the same results file or state is refused, naming who holds it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-lock-run-"));
    for (const name of ["m1.csv", "m2.csv"])
      writeFileSync(
        join(dir, name),
        "user,dept\n" + Array.from({ length: 40 }, (_, i) => `user${i + 1}@example.com,${name}\n`).join(""),
      );
    const sandbox = await startSandbox({ plan: "free", users: 40, seed: 3 });
    const base = { plan: "free" as const, share: 1, zoom: sandboxTarget(sandbox) };
    try {
      const first = runBatch({
        ...base,
        manifest: join(dir, "m1.csv"),
        results: join(dir, "a.csv"),
        state: join(dir, "state"),
      });
      await new Promise((r) => setTimeout(r, 500));
      const sameResults = await runBatch({
        ...base,
        manifest: join(dir, "m2.csv"),
        results: join(dir, "a.csv"),
      }).catch((e: unknown) => e);
      expect((sameResults as Error).message).toMatch(
        /^another zoom-bulk run \(pid \d+ on host .+\) holds .*a\.csv\.lock/,
      );
      const sameState = await runBatch({
        ...base,
        manifest: join(dir, "m2.csv"),
        results: join(dir, "b.csv"),
        state: join(dir, "state"),
      }).catch((e: unknown) => e);
      expect((sameState as Error).message).toMatch(
        /^another zoom-bulk run \(pid \d+ on host .+\) holds .*state\.lock/,
      );
      await first;
    } finally {
      await sandbox.close();
    }
  });
});

describe("the run lock in Redis (--redis)", () => {
  it("refuses a second run of the same manifest on the same account through Redis, whatever its results file, and frees it after", async () => {
    const redis = await startRedis();
    const dir = mkdtempSync(join(tmpdir(), "zb-lock-redis-"));
    const manifest = join(dir, "m.csv");
    writeFileSync(
      manifest,
      "user,job_title\n" + Array.from({ length: 40 }, (_, i) => `user${i + 1}@example.com,T\n`).join(""),
    );
    const sandbox = await startSandbox({ plan: "free", users: 40, seed: 4 });
    const config = (results: string) => ({
      manifest,
      results: join(dir, results),
      plan: "free" as const,
      share: 1,
      redis: { url: redis.url },
      zoom: sandboxTarget(sandbox),
    });
    try {
      const first = runBatch(config("a.csv"));
      await new Promise((r) => setTimeout(r, 800));
      const error = await runBatch(config("b.csv")).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(
        /^another zoom-bulk run \(pid \d+ on host .+\) holds redis key zoom-bulk:run-lock:[0-9a-f]{24}/,
      );
      expect(existsSync(join(dir, "b.csv"))).toBe(false);
      expect((await first).outcomes.ok).toBe(40);
      expect(sandbox.state.log.filter((e) => e.method === "PATCH")).toHaveLength(40);
      expect((await runBatch(config("c.csv"))).outcomes.ok).toBe(40); // free again
    } finally {
      await sandbox.close();
      await redis.stop();
    }
  });
});
