import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runBatch } from "../../src/run.js";
import { startSandbox, type Sandbox, sandboxTarget } from "../../src/sandbox/index.js";
import type { RunConfig } from "../../src/config.js";
import { mixedManifest, toCsv, toJsonl, type MixedManifest } from ".././helpers/manifest.js";
import { readResults, sortResults } from ".././helpers/results.js";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

function configFor(s: Sandbox, manifest: string, results: string, over: Partial<RunConfig> = {}): RunConfig {
  return {
    manifest,
    results,
    plan: "business",
    share: 0.8,
    zoom: sandboxTarget(s),
    ...over,
  };
}

/** Every user the manifest touched holds exactly what its last valid rows asked for. */
function expectState(s: Sandbox, m: MixedManifest): void {
  for (const [email, want] of m.state) {
    const user = s.state.getUser(email);
    expect(user, email).toBeDefined();
    for (const [field, value] of Object.entries(want.profile))
      expect(user?.profile[field], `${email} ${field}`).toBe(value);
    if (want.password) expect(s.state.passwordMatches(email, want.password), `${email} password`).toBe(true);
    expect(user?.picture?.sha256, `${email} picture`).toBe(want.picture);
    expect(user?.backgrounds.map((b) => b.name).sort(), `${email} backgrounds`).toEqual(
      [...want.backgrounds].sort(),
    );
  }
}

describe("zoom-bulk run, end to end against the sandbox", () => {
  for (const format of ["csv", "jsonl"] as const) {
    it(`a 2,000-row ${format} manifest: one result per operation, the sandbox equals the manifest, nothing sent for invalid operations`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "zb-run-"));
      const m = mixedManifest(dir, 2000, 400);
      const manifest = join(dir, `manifest.${format}`);
      writeFileSync(manifest, format === "csv" ? toCsv(m.rows) : toJsonl(m.rows));
      // Limits scaled up 10× on both sides, so the test takes seconds, not minutes.
      sandbox = await startSandbox({ plan: "business", users: m.users, limitsScale: 10, seed: 1 });
      const results = join(dir, `results.${format === "csv" ? "csv" : "jsonl"}`);
      const summary = await runBatch(configFor(sandbox, manifest, results, { limitsScale: 10 }));

      const lines = sortResults(readResults(results));
      expect(lines.map((l) => ({ row: l.row, op: l.op, outcome: l.outcome, target: l.target }))).toEqual(
        m.expected,
      );
      for (const l of lines.filter((x) => x.outcome === "failed")) {
        expect([l.http_status, l.zoom_code]).toEqual([404, 1001]);
        expect(l.message).toBe(`User does not exist: ${l.user}.`);
      }
      for (const l of lines.filter((x) => x.outcome === "invalid"))
        expect(String(l.zoom_code)).toMatch(/^E_/);
      expectState(sandbox, m);

      // The sandbox saw a request only for operations that were sent: ok ones, and the 404s.
      const apiCalls = sandbox.state.log.filter((e) => e.path.startsWith("/v2/"));
      const sent = lines.filter((l) => l.outcome === "ok" || l.outcome === "failed").length;
      expect(apiCalls.filter((e) => e.status < 300 || e.status === 404)).toHaveLength(sent);
      expect(apiCalls.some((e) => /\/users\/me\b/.test(e.path))).toBe(false);
      expect(apiCalls.filter((e) => e.status === 429)).toEqual([]);
      expect(summary.operations).toBe(m.expected.length);
      expect(summary.exit_code).toBe(1);
    });
  }
});
