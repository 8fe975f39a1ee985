import { spawn } from "node:child_process";
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunConfig } from "../../src/config.js";
import { runBatch } from "../../src/run.js";
import { repairTornTail } from "../../src/report/results.js";
import { startSandbox, type Sandbox, sandboxTarget } from "../../src/sandbox/index.js";
import { pngBytes, gifBytes, writeFile } from ".././helpers/files.js";
import { readResults } from ".././helpers/results.js";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const target = (s: Sandbox): RunConfig["zoom"] => sandboxTarget(s);

/** Runs the built job in a child process; `killAfterMs` sends `signal` then. */
function runChild(
  config: RunConfig,
  kill?: { afterMs: number; signal: NodeJS.Signals },
): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, "..", "helpers", "child-run.mjs"), JSON.stringify(config)],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    const timer = kill ? setTimeout(() => child.kill(kill.signal), kill.afterMs) : undefined;
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout });
    });
  });
}

/** Latest line per operation, and how many `ok` lines each operation has. */
function finalLines(path: string) {
  const lines = readResults(path);
  const latest = new Map<string, (typeof lines)[number]>();
  const oks = new Map<string, number>();
  for (const l of lines) {
    const key = `${l.row}|${l.op}|${l.target}`;
    latest.set(key, l);
    if (l.outcome === "ok") oks.set(key, (oks.get(key) ?? 0) + 1);
  }
  return { latest, oks };
}

describe("resume and crash safety", () => {
  it("SIGKILL at five random points of a 3,000-operation run, resumed each time: state equals the manifest, no file twice, one final line per operation", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-kill-"));
    writeFile(join(dir, "a.png"), pngBytes(1, 2000));
    writeFile(join(dir, "b.gif"), gifBytes(2));
    writeFile(join(dir, "p.png"), pngBytes(3));
    // 750 rows × (profile, picture, 2 backgrounds) = 3,000 operations.
    const rows = ["user,job_title,picture,virtual_backgrounds"];
    for (let i = 1; i <= 750; i++) rows.push(`user${i}@example.com,Kill ${i},p.png,a.png;b.gif`);
    writeFileSync(join(dir, "m.csv"), rows.join("\n") + "\n");
    sandbox = await startSandbox({
      plan: "business",
      users: 750,
      limitsScale: 4,
      seed: 11,
      faults: { lostUpload: 0.05 },
    });
    const config: RunConfig = {
      manifest: join(dir, "m.csv"),
      results: join(dir, "r.csv"),
      plan: "business",
      share: 0.8,
      limitsScale: 4,
      zoom: target(sandbox),
    };
    let seed = 42;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let k = 0; k < 5; k++) {
      const run = await runChild(
        { ...config, resume: k > 0 },
        { afterMs: 700 + Math.floor(random() * 1500), signal: "SIGKILL" },
      );
      expect(run.signal, `kill ${k}`).toBe("SIGKILL");
      // A torn last line is cut off on resume; the file stays readable throughout.
      if (!readFileSync(config.results, "utf8").endsWith("\n"))
        appendFileSync(join(dir, "torn.log"), `${k}\n`);
    }
    const last = await runChild({ ...config, resume: true });
    expect(JSON.parse(last.stdout)).toEqual({ exit_code: 0, stopped: null });

    const { latest, oks } = finalLines(config.results);
    expect(latest.size).toBe(3000);
    expect([...latest.values()].filter((l) => l.outcome !== "ok")).toEqual([]);
    expect([...oks.values()].every((n) => n === 1)).toBe(true);
    for (let i = 1; i <= 750; i++) {
      const user = sandbox.state.getUser(`user${i}@example.com`);
      expect(user?.profile.job_title).toBe(`Kill ${i}`);
      expect(user?.picture?.format).toBe("png");
      expect(user?.backgrounds.map((b) => b.name).sort(), `user${i}`).toEqual(["a.png", "b.gif"]);
    }
  }, 120_000);

  it("SIGTERM mid-run drains, exits 143 with a complete results file, and --resume completes it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-term-"));
    const rows = ["user,dept"];
    for (let i = 1; i <= 300; i++) rows.push(`user${i}@example.com,Term ${i}`);
    writeFileSync(join(dir, "m.csv"), rows.join("\n") + "\n");
    sandbox = await startSandbox({ plan: "pro", users: 300, latency: { minMs: 50, maxMs: 100 }, seed: 5 });
    const env = {
      ...process.env,
      ZOOM_API_URL: sandbox.apiUrl,
      ZOOM_OAUTH_URL: sandbox.oauthUrl,
      ZOOM_ACCOUNT_ID: sandbox.credentials.accountId,
      ZOOM_CLIENT_ID: sandbox.credentials.clientId,
      ZOOM_CLIENT_SECRET: sandbox.credentials.clientSecret,
    };
    const cli = (args: string[], termAfterMs?: number) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ["dist/cli.js", ...args], {
          env,
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        const timer = termAfterMs ? setTimeout(() => child.kill("SIGTERM"), termAfterMs) : undefined;
        child.on("exit", (code) => {
          clearTimeout(timer);
          resolve({ code, stderr });
        });
      });
    const results = join(dir, "r.csv");
    const first = await cli(["run", join(dir, "m.csv"), "--results", results, "--log-level", "silent"], 2500);
    expect(first.code).toBe(143);
    expect(first.stderr).toMatch(/SIGTERM: finishing requests in flight/);
    const partial = readResults(results);
    expect(partial.length).toBeGreaterThan(10);
    expect(partial.length).toBeLessThan(300);
    expect(partial.every((l) => l.outcome === "ok")).toBe(true);
    const summary = JSON.parse(readFileSync(`${results}.summary.json`, "utf8")) as { stopped: string };
    expect(summary.stopped).toMatch(/interrupted/);

    const second = await cli([
      "run",
      join(dir, "m.csv"),
      "--results",
      results,
      "--resume",
      "--log-level",
      "silent",
    ]);
    expect(second.code).toBe(0);
    const { latest, oks } = finalLines(results);
    expect(latest.size).toBe(300);
    expect([...oks.values()].every((n) => n === 1)).toBe(true);
    // Nothing was sent twice: one PATCH per user.
    expect(sandbox.state.log.filter((e) => e.method === "PATCH")).toHaveLength(300);
  }, 60_000);

  it("--resume refuses a results file of another manifest, naming the fix", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-other-"));
    writeFileSync(join(dir, "a.csv"), "user,dept\nuser1@example.com,A\n");
    writeFileSync(join(dir, "b.csv"), "user,dept\nuser1@example.com,B\n");
    sandbox = await startSandbox({ users: 2 });
    const base = { results: join(dir, "r.csv"), plan: "pro" as const, share: 0.8, zoom: target(sandbox) };
    await runBatch({ ...base, manifest: join(dir, "a.csv") });
    await expect(runBatch({ ...base, manifest: join(dir, "b.csv"), resume: true })).rejects.toThrow(
      /belongs to a different manifest .*Resume with the same manifest, or start a new run with another --results/,
    );
  });

  it("a torn last line is cut off", () => {
    const path = join(mkdtempSync(join(tmpdir(), "zb-torn-")), "r.csv");
    writeFileSync(path, "row,line\n1,2\n3,");
    expect(repairTornTail(path)).toBe(true);
    expect(readFileSync(path, "utf8")).toBe("row,line\n1,2\n");
    expect(repairTornTail(path)).toBe(false);
  });
});

describe("incremental sync with --state", () => {
  it("the same 10,000-row export twice sends nothing the second time; 50 changed rows send exactly 50 requests", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-state-"));
    const rows = ["user,job_title,dept"];
    for (let i = 1; i <= 10_000; i++) rows.push(`user${i}@example.com,Title ${i},Dept ${i % 40}`);
    writeFileSync(join(dir, "export.csv"), rows.join("\n") + "\n");
    sandbox = await startSandbox({ plan: "business", users: 10_000, limitsScale: 20, seed: 9 });
    const config = (manifest: string, results: string): RunConfig => ({
      manifest: join(dir, manifest),
      results: join(dir, results),
      plan: "business",
      share: 0.8,
      limitsScale: 20,
      state: join(dir, "state"),
      zoom: target(sandbox as Sandbox),
    });
    const first = await runBatch(config("export.csv", "r1.csv"));
    expect(first.outcomes.ok).toBe(10_000);

    sandbox.state.reset();
    const second = await runBatch(config("export.csv", "r2.csv"));
    expect(second.outcomes).toMatchObject({ ok: 0, unchanged: 10_000 });
    expect(sandbox.state.log).toEqual([]);

    copyFileSync(join(dir, "export.csv"), join(dir, "export2.csv"));
    const changed = rows.map((r, i) =>
      i > 0 && i % 200 === 0 ? r.replace(/Title \d+/, `Title ${i} (new)`) : r,
    );
    writeFileSync(join(dir, "export2.csv"), changed.join("\n") + "\n");
    const third = await runBatch(config("export2.csv", "r3.csv"));
    expect(third.outcomes).toMatchObject({ ok: 50, unchanged: 9_950 });
    const api = sandbox.state.log.filter((e) => e.path.startsWith("/v2/"));
    expect(api).toHaveLength(50);
    expect(api.every((e) => e.method === "PATCH")).toBe(true);
    expect(sandbox.state.getUser("user200@example.com")?.profile.job_title).toBe("Title 200 (new)");
  }, 120_000);
});
