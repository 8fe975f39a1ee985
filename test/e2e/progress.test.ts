import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createProgress } from "../../src/progress/index.js";
import type { PlannedRow, ResultLine } from "../../src/types.js";

const ESC = "\u001b";

/** The CLI built from the current sources into a temporary folder (dist/ may be stale or busy). */
let cli = "";
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), "zb-progress-build-"));
  execFileSync(process.execPath, [
    resolve("node_modules/typescript/bin/tsc"),
    "-p",
    "tsconfig.build.json",
    "--outDir",
    join(dir, "dist"),
  ]);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  symlinkSync(resolve("node_modules"), join(dir, "node_modules"), "dir");
  cli = join(dir, "dist", "cli.js");
}, 120_000);

/** `rows` profile changes over the sandbox's 20 numbered users: at 24 Light/s, rows/24 seconds. */
function manifest(rows: number): string {
  const dir = mkdtempSync(join(tmpdir(), "zb-progress-"));
  mkdirSync(dir, { recursive: true });
  const lines = ["user,job_title"];
  for (let i = 0; i < rows; i++) lines.push(`user${(i % 20) + 1}@example.com,Title ${i}`);
  writeFileSync(join(dir, "m.csv"), lines.join("\n") + "\n");
  return join(dir, "m.csv");
}

function run(
  command: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

describe("progress", () => {
  it("on a terminal, redraws a live line per label with rising done counts (real pseudo-terminal)", async () => {
    const m = manifest(120);
    const command = `${process.execPath} ${cli} run ${m} --sandbox --results ${m}.results.csv --log-level warn`;
    // script(1) from util-linux gives the CLI a real pty; everything it drew comes back on stdout.
    const { code, stdout } = await run("script", ["-qfec", command, "/dev/null"]);
    expect(code).toBe(0);
    const done = [...stdout.matchAll(/Light\s+\[[#-]+\]\s+(\d+)\/~?(\d+)/g)].map((m) => Number(m[1]));
    // Redrawn in place: the cursor goes up over the last block and clears it.
    expect(stdout).toMatch(new RegExp(`${ESC}\\[\\d+A${ESC}\\[J`));
    expect(done.length).toBeGreaterThanOrEqual(5);
    const distinct = [...new Set(done)];
    expect(distinct.length).toBeGreaterThanOrEqual(4);
    expect(done).toEqual([...done].sort((a, b) => a - b)); // never goes back
    expect(done.at(-1)).toBe(120);
    expect(stdout).toMatch(/Light\s+\[#{20}\]\s+120\/120\s+100%\s+[\d.]+\/s\s+429s 0\s+ETA 0:00/);
    expect(stdout).toMatch(/rows read 120\/120/);
    expect(stdout).toMatch(/zoom-bulk: 120 operations/);
  }, 60_000);

  it("on a terminal, the human summary comes before the run's JSON/log detail", async () => {
    const m = manifest(20);
    const command = `${process.execPath} ${cli} run ${m} --sandbox --results ${m}.results.csv --log-level info`;
    const { code, stdout } = await run("script", ["-qfec", command, "/dev/null"]);
    expect(code).toBe(0);
    const summary = stdout.indexOf("zoom-bulk: 20 operations");
    const finished = stdout.indexOf("run.finished");
    expect(summary).toBeGreaterThan(-1);
    expect(finished).toBeGreaterThan(-1);
    expect(summary).toBeLessThan(finished);
    // The display's last frame is drawn before the summary too.
    expect(stdout.lastIndexOf("rows read 20/20")).toBeLessThan(summary);
  }, 60_000);

  it("elsewhere (cron, CI, a pod), logs a structured run.progress line every interval and no terminal noise", async () => {
    const m = manifest(60);
    const { code, stdout, stderr } = await run(process.execPath, [
      cli,
      "run",
      m,
      "--sandbox",
      "--results",
      `${m}.results.csv`,
      "--progress-interval",
      "0.5",
    ]);
    expect(code).toBe(0);
    expect(stderr).not.toContain("\r");
    expect(stderr).not.toContain(ESC);
    const events = stderr
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map(
        (l) =>
          JSON.parse(l) as {
            msg: string;
            progress?: Record<string, unknown> & {
              labels: { light?: { done: number; total: number } };
              done: boolean;
            };
          },
      )
      .filter((e) => e.msg === "run.progress");
    expect(events.length).toBeGreaterThanOrEqual(3);
    const done = events.map((e) => e.progress?.labels.light?.done ?? 0);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    const last = events.at(-1)?.progress;
    expect(last).toMatchObject({
      done: true,
      rows: { planned: 60, total: 60 },
      labels: { light: { done: 60, total: 60 } },
    });
    expect(Object.keys(events[0]?.progress ?? {}).sort()).toEqual([
      "done",
      "elapsed_ms",
      "eta_seconds",
      "labels",
      "outcomes",
      "rows",
    ]);
    expect(stdout).toMatch(/zoom-bulk: 60 operations/);
  }, 60_000);

  it("estimates the totals from the rows planned until the count is known, and the ETA from the pace", () => {
    let t = 0;
    const written: string[] = [];
    const p = createProgress({
      stream: { write: (s: string) => written.push(s) },
      mode: "log",
      now: () => t,
    });
    const row = (n: number): PlannedRow => ({
      row: n,
      line: n + 1,
      user: `u${n}@example.com`,
      operations: [
        {
          row: n,
          line: n + 1,
          user: `u${n}@example.com`,
          op: "profile",
          index: 0,
          endpoint: "updateUser",
          target: "",
        },
        {
          row: n,
          line: n + 1,
          user: `u${n}@example.com`,
          op: "password",
          index: 1,
          endpoint: "updatePassword",
          target: "",
        },
      ],
      invalid: [],
    });
    const ok = (n: number, op: "profile" | "password"): ResultLine => ({
      row: n,
      line: n + 1,
      user: "",
      op,
      target: "",
      outcome: "ok",
      http_status: 204,
      zoom_code: "",
      message: "",
      attempts: 1,
      duration_ms: 10,
      tracking_id: "",
      finished_at: "",
    });
    p.started?.({ config: {} as never, stats: () => ({}) as never });
    for (let i = 1; i <= 10; i++) p.planned?.(row(i));
    p.setTotal(100);
    for (let i = 1; i <= 5; i++) {
      t += 500;
      p.result?.(ok(i, "profile"), "light");
    }
    const s = p.snapshot();
    expect(s.rows).toEqual({ planned: 10, total: 100 });
    expect(s.labels.light).toMatchObject({ done: 5, planned: 10, total: 100, estimated: true, rate: 2 });
    expect(s.labels.light?.eta_seconds).toBe(48); // 95 left at 2/s
    expect(s.labels.medium).toMatchObject({ done: 0, total: 100, eta_seconds: null });
    p.finished?.({} as never);
    expect(JSON.parse(written.at(-1) ?? "{}")).toMatchObject({
      msg: "run.progress",
      progress: { done: true },
    });
    p.close();
  });
});
