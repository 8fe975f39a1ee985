import { spawn } from "node:child_process";
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  readdirSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunConfig } from "../../src/config.js";
import { runBatch } from "../../src/run/index.js";
import { repairTornTail } from "../../src/report/results.js";
import type { Summary } from "../../src/report/summary.js";
import { startSandbox, type Sandbox, sandboxTarget } from "../../src/sandbox/index.js";
import { pngBytes, gifBytes, writeFile } from ".././helpers/files.js";
import { readResults } from ".././helpers/results.js";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const target = (s: Sandbox): RunConfig["zoom"] => sandboxTarget(s);

/** Resolves once `path` holds at least `lines` result lines (header excluded); polls, bounded. */
async function resultLines(path: string, lines: number): Promise<void> {
  for (let waited = 0; waited < 60_000; waited += 10) {
    if (existsSync(path) && readFileSync(path, "utf8").split("\n").length - 2 >= lines) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${path} never reached ${lines} result lines`);
}

/** Runs the built job in a child process; `kill` sends `signal` once the results hold `afterLines` new lines. */
function runChild(
  config: RunConfig,
  limitsScale: number,
  kill?: { afterLines: number; signal: NodeJS.Signals },
): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(import.meta.dirname, "..", "helpers", "child-run.mjs"),
        JSON.stringify(config),
        String(limitsScale),
      ],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    const already = existsSync(config.results)
      ? readFileSync(config.results, "utf8").split("\n").length - 2
      : 0;
    if (kill)
      void resultLines(config.results, Math.max(0, already) + kill.afterLines).then(
        () => child.kill(kill.signal),
        reject,
      );
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve({ code, signal, stdout }));
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
      zoom: target(sandbox),
    };
    let seed = 42;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let k = 0; k < 5; k++) {
      const run = await runChild({ ...config, resume: k > 0 }, 4, {
        afterLines: 50 + Math.floor(random() * 400),
        signal: "SIGKILL",
      });
      expect(run.signal, `kill ${k}`).toBe("SIGKILL");
      // A torn last line is cut off on resume; the file stays readable throughout.
      if (!readFileSync(config.results, "utf8").endsWith("\n"))
        appendFileSync(join(dir, "torn.log"), `${k}\n`);
    }
    const last = await runChild({ ...config, resume: true }, 4);
    expect(JSON.parse(last.stdout)).toEqual({ exit_code: 0, stopped: null });

    const { latest, oks } = finalLines(config.results);
    expect(latest.size).toBe(3000);
    // A resumed upload that finds its file already there is `unchanged`: never a second copy.
    expect([...latest.values()].filter((l) => l.outcome !== "ok" && l.outcome !== "unchanged")).toEqual([]);
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
    const results = join(dir, "r.csv");
    const cli = (args: string[], termAfterLines?: number) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ["dist/cli.js", ...args], {
          env,
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        if (termAfterLines) void resultLines(results, termAfterLines).then(() => child.kill("SIGTERM"));
        child.on("exit", (code) => resolve({ code, stderr }));
      });
    const first = await cli(["run", join(dir, "m.csv"), "--results", results, "--log-level", "silent"], 20);
    expect(first.code).toBe(143);
    expect(first.stderr).toMatch(/SIGTERM: finishing requests in flight/);
    const partial = readResults(results);
    expect(partial.length).toBeGreaterThan(10);
    expect(partial.length).toBeLessThan(300);
    expect(partial.every((l) => l.outcome === "ok")).toBe(true);
    const summary = JSON.parse(readFileSync(`${results}.summary.json`, "utf8")) as Summary;
    expect(summary).toMatchObject({ exit_code: 143, stop_reason: "sigterm" });
    expect(summary.stopped).toMatch(/interrupted/);
    // Every PATCH that reached Zoom has its line, the ones in flight at SIGTERM too.
    expect(sandbox.state.log.filter((e) => e.method === "PATCH")).toHaveLength(partial.length);

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

  it("--resume refuses results without row hashes (an older version's) of another manifest, naming the fix", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-other-"));
    writeFileSync(join(dir, "a.csv"), "user,dept\nuser1@example.com,A\n");
    writeFileSync(join(dir, "b.csv"), "user,dept\nuser1@example.com,B\n");
    sandbox = await startSandbox({ users: 2 });
    const base = { results: join(dir, "r.csv"), plan: "pro" as const, share: 0.8, zoom: target(sandbox) };
    await runBatch({ ...base, manifest: join(dir, "a.csv") });
    rmSync(join(dir, "r.csv.rows"));
    await expect(runBatch({ ...base, manifest: join(dir, "b.csv"), resume: true })).rejects.toThrow(
      /without row hashes and belongs to a different manifest .*Resume with the same manifest, or start a new run with another --results/,
    );
    // The same manifest resumes as before: nothing left to send.
    const same = await runBatch({ ...base, manifest: join(dir, "a.csv"), resume: true });
    expect(same).toMatchObject({ exit_code: 0, operations: 1 });
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
      state: join(dir, "state"),
      zoom: target(sandbox as Sandbox),
    });
    const first = await runBatch(config("export.csv", "r1.csv"), { limitsScale: 20 });
    expect(first.outcomes.ok).toBe(10_000);

    sandbox.state.reset();
    const second = await runBatch(config("export.csv", "r2.csv"), { limitsScale: 20 });
    expect(second.outcomes).toMatchObject({ ok: 0, unchanged: 10_000 });
    expect(sandbox.state.log).toEqual([]);

    copyFileSync(join(dir, "export.csv"), join(dir, "export2.csv"));
    const changed = rows.map((r, i) =>
      i > 0 && i % 200 === 0 ? r.replace(/Title \d+/, `Title ${i} (new)`) : r,
    );
    writeFileSync(join(dir, "export2.csv"), changed.join("\n") + "\n");
    const third = await runBatch(config("export2.csv", "r3.csv"), { limitsScale: 20 });
    expect(third.outcomes).toMatchObject({ ok: 50, unchanged: 9_950 });
    const api = sandbox.state.log.filter((e) => e.path.startsWith("/v2/"));
    expect(api).toHaveLength(50);
    expect(api.every((e) => e.method === "PATCH")).toBe(true);
    expect(sandbox.state.getUser("user200@example.com")?.profile.job_title).toBe("Title 200 (new)");
  }, 120_000);
});

describe("--state belongs to one account", () => {
  it("a state folder shared by a sandbox trial and another account sends the change to the other account; its files are 0600", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-state-acct-"));
    writeFileSync(join(dir, "m.csv"), "user,dept\nuser1@example.com,Sales\nuser2@example.com,Ops\n");
    sandbox = await startSandbox({ plan: "pro", users: 2, seed: 12 });
    const other = await startSandbox({
      plan: "pro",
      users: 2,
      seed: 13,
      credentials: { accountId: "live-account" },
    });
    try {
      const config = (s: Sandbox, results: string): RunConfig => ({
        manifest: join(dir, "m.csv"),
        results: join(dir, results),
        plan: "pro",
        share: 0.8,
        state: join(dir, "state"),
        zoom: target(s),
      });
      expect((await runBatch(config(sandbox, "trial.csv"))).outcomes.ok).toBe(2);
      expect((await runBatch(config(sandbox, "again.csv"))).outcomes.unchanged).toBe(2);
      const live = await runBatch(config(other, "live.csv"));
      expect(live.outcomes).toMatchObject({ ok: 2, unchanged: 0 });
      expect(other.state.getUser("user1@example.com")?.profile.dept).toBe("Sales");
      for (const name of readdirSync(join(dir, "state")))
        expect((statSync(join(dir, "state", name)).mode & 0o777).toString(8), name).toBe("600");
      expect((statSync(join(dir, "state")).mode & 0o777).toString(8)).toBe("700");
    } finally {
      await other.close();
    }
  });
});

describe("--resume stays on one account", () => {
  it("refuses the results of a run on another account (a sandbox trial), so the real run skips nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-resume-acct-"));
    writeFileSync(join(dir, "m.csv"), "user,dept\nuser1@example.com,Sales\n");
    sandbox = await startSandbox({ plan: "pro", users: 1, seed: 14 });
    const live = await startSandbox({ plan: "pro", users: 1, seed: 15 });
    try {
      const base = {
        manifest: join(dir, "m.csv"),
        results: join(dir, "r.csv"),
        plan: "pro" as const,
        share: 0.8,
      };
      expect((await runBatch({ ...base, zoom: target(sandbox) })).outcomes.ok).toBe(1);
      await expect(runBatch({ ...base, zoom: target(live), resume: true })).rejects.toThrow(
        /^--resume: .*r\.csv records a run on another Zoom account .*such as a sandbox trial\. What was done there is not done here/,
      );
      expect(live.state.log.filter((e) => e.path.startsWith("/v2/"))).toEqual([]);
    } finally {
      await live.close();
    }
  });
});
