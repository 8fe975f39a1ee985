import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunConfig } from "../../src/config.js";
import { startCliSandbox } from "../../bench/lib/sandbox.js";
import { runBatch } from "../../src/run/index.js";
import { startSandbox, type Sandbox, sandboxTarget } from "../../src/sandbox/index.js";
import { PLAN_LIMITS } from "../../src/zoom/labels.js";
import { checkPassword } from "../../src/zoom/rules.js";
import { gifBytes, jpegBytes, pngBytes, writeFile } from ".././helpers/files.js";
import { readResults } from ".././helpers/results.js";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const target = (s: Sandbox): RunConfig["zoom"] => sandboxTarget(s);

function password(i: number): string {
  for (let k = 0; ; k++) if (!checkPassword(`Rz-${i * 13 + k}-Pq`)) return `Rz-${i * 13 + k}-Pq`;
}

describe("pacing at real limits", () => {
  it("business plan, 150 ms latency: no 429 at all, and no sliding second above limit × share", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-pace-"));
    const rows = ["user,job_title,password"];
    for (let i = 1; i <= 240; i++)
      rows.push(`user${i}@example.com,Pace ${i},${i % 4 === 0 ? "" : password(i)}`);
    writeFileSync(join(dir, "m.csv"), rows.join("\n") + "\n");
    // The sandbox runs as its own process, as Zoom does: sharing this worker's event loop with
    // the job, its arrival stamps would wait whenever the job is busy, and bunch.
    const zoom = await startCliSandbox({ plan: "business", users: 240, latency: "150", dir });
    let stats: Awaited<ReturnType<typeof zoom.stats>>;
    try {
      const summary = await runBatch({
        manifest: join(dir, "m.csv"),
        results: join(dir, "r.csv"),
        plan: "business",
        share: 0.8,
        zoom: zoom.target,
      });
      expect(summary.outcomes.ok).toBe(240 + 180);
      expect((await zoom.log()).filter((e) => e.status === 429)).toEqual([]);
      stats = await zoom.stats();
    } finally {
      await zoom.stop();
    }
    for (const label of ["light", "medium"] as const) {
      const allowed = Math.floor(PLAN_LIMITS.business[label].limit * 0.8);
      expect(stats[label].maxInSlidingSecond, label).toBeLessThanOrEqual(allowed);
      // …and it does use its budget: the busiest second is close to it.
      expect(stats[label].maxInSlidingSecond, label).toBeGreaterThanOrEqual(allowed * 0.9);
    }
  });
});

describe("faults cost no operation and duplicate no background file", () => {
  it("token expiry mid-run, 5xx, connection resets and lost upload responses", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-faults-"));
    writeFile(join(dir, "p.png"), pngBytes(1));
    writeFile(join(dir, "p.jpg"), jpegBytes(2));
    writeFile(join(dir, "a.png"), pngBytes(3, 3000));
    writeFile(join(dir, "b.gif"), gifBytes(4));
    const rows = ["user,dept,picture,virtual_backgrounds"];
    for (let i = 1; i <= 300; i++)
      rows.push(
        `user${i}@example.com,Dept ${i},${i % 2 ? "p.png" : "p.jpg"},${i % 3 === 0 ? "a.png;b.gif" : "a.png"}`,
      );
    writeFileSync(join(dir, "m.csv"), rows.join("\n") + "\n");
    sandbox = await startSandbox({
      plan: "business",
      users: 300,
      limitsScale: 10,
      seed: 7,
      // A harsh but real mix: five attempts per operation make a give-up a one-in-a-million event.
      faults: { error5xx: 0.02, reset: 0.02, lostUpload: 0.05 },
    });
    const s = sandbox;
    // Every token the job holds expires a third of the way through.
    const expire = setTimeout(() => s.clock.advance(2 * 3600 * 1000), 400);
    const summary = await runBatch(
      {
        manifest: join(dir, "m.csv"),
        results: join(dir, "r.csv"),
        plan: "business",
        share: 0.8,
        zoom: target(s),
      },
      { limitsScale: 10 },
    ).finally(() => clearTimeout(expire));

    const lines = readResults(join(dir, "r.csv"));
    const expected = 300 * 3 + 100;
    expect(lines).toHaveLength(expected);
    expect(lines.filter((l) => l.outcome !== "ok")).toEqual([]);
    expect(summary.outcomes.ok).toBe(expected);
    for (let i = 1; i <= 300; i++) {
      const user = s.state.getUser(`user${i}@example.com`);
      expect(user?.profile.dept).toBe(`Dept ${i}`);
      expect(user?.picture?.format).toBe(i % 2 ? "png" : "jpeg");
      expect(user?.backgrounds.map((b) => b.name).sort(), `user${i}`).toEqual(
        i % 3 === 0 ? ["a.png", "b.gif"] : ["a.png"],
      );
    }
    // The faults really happened.
    const log = s.state.log;
    expect(log.filter((e) => e.status === 401 && e.zoomCode === 124).length).toBeGreaterThan(0);
    expect(log.filter((e) => e.fault === "5xx").length).toBeGreaterThan(5);
    expect(log.filter((e) => e.fault === "reset").length).toBeGreaterThan(5);
    expect(log.filter((e) => e.fault === "lost-upload").length).toBeGreaterThan(5);
  });
});
