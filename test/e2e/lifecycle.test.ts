import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunConfig } from "../../src/config.js";
import { runBatch } from "../../src/run/index.js";
import { startSandbox, type Sandbox, sandboxTarget, type SeedUser } from "../../src/sandbox/index.js";
import { readResults } from "../helpers/results.js";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

/**
 * An HR export with every lifecycle action, over an account of user1 … user100 (user61 … user70
 * inactive): 50 joiners, 10 joiners who exist already, 30 movers (new email and title), 20 leavers
 * deactivated (with a last department change), 10 returning users activated, 10 deleted with their
 * data handed to user1, 5 disassociated.
 */
function hrExport(dir: string): { path: string; operations: number } {
  const rows = ["user,action,first_name,last_name,job_title,dept,new_email,transfer_email"];
  const add = (cells: (string | number)[]): void => void rows.push(cells.join(","));
  for (let i = 1; i <= 50; i++)
    add([`new${i}@example.com`, "create", "New", `Hire${i}`, "Engineer", "R&D", "", ""]);
  for (let i = 1; i <= 10; i++) add([`user${i}@example.com`, "create", "", "", "Existing", "", "", ""]);
  for (let i = 11; i <= 40; i++)
    add([`user${i}@example.com`, "", "", "", `Mover ${i}`, "", `moved${i}@example.com`, ""]);
  for (let i = 41; i <= 60; i++) add([`user${i}@example.com`, "deactivate", "", "", "", "Alumni", "", ""]);
  for (let i = 61; i <= 70; i++) add([`user${i}@example.com`, "activate", "", "", "Returner", "", "", ""]);
  for (let i = 71; i <= 80; i++)
    add([`user${i}@example.com`, "delete", "", "", "", "", "", "user1@example.com"]);
  for (let i = 81; i <= 85; i++) add([`user${i}@example.com`, "disassociate", "", "", "", "", "", ""]);
  const path = join(dir, "hr.csv");
  writeFileSync(path, rows.join("\n") + "\n");
  // create + profile, create (unchanged) + profile, profile + email, profile + status,
  // status + profile, delete, delete.
  return { path, operations: 50 * 2 + 10 * 2 + 30 * 2 + 20 * 2 + 10 * 2 + 10 + 5 };
}

function account(): SeedUser[] {
  return Array.from({ length: 100 }, (_, i) => ({
    email: `user${i + 1}@example.com`,
    first_name: "User",
    last_name: String(i + 1),
    ...(i + 1 >= 61 && i + 1 <= 70 ? { status: "inactive" as const } : {}),
  }));
}

/** The account holds exactly what the export asked for, and no user twice. */
function expectAccount(s: Sandbox): void {
  const emails = s.state.users().map((u) => u.email.toLowerCase());
  expect(new Set(emails).size).toBe(emails.length);
  for (let i = 1; i <= 50; i++) {
    const user = s.state.getUser(`new${i}@example.com`);
    expect(user?.profile.last_name, `new${i}`).toBe(`Hire${i}`);
    expect(user?.profile.job_title, `new${i}`).toBe("Engineer");
  }
  for (let i = 1; i <= 10; i++)
    expect(s.state.getUser(`user${i}@example.com`)?.profile.job_title).toBe("Existing");
  for (let i = 11; i <= 40; i++) {
    expect(s.state.getUser(`user${i}@example.com`), `user${i} moved`).toBeUndefined();
    expect(s.state.getUser(`moved${i}@example.com`)?.profile.job_title).toBe(`Mover ${i}`);
  }
  for (let i = 41; i <= 60; i++) {
    const user = s.state.getUser(`user${i}@example.com`);
    expect([user?.status, user?.profile.dept], `user${i}`).toEqual(["inactive", "Alumni"]);
  }
  for (let i = 61; i <= 70; i++) {
    const user = s.state.getUser(`user${i}@example.com`);
    expect([user?.status, user?.profile.job_title], `user${i}`).toEqual(["active", "Returner"]);
  }
  for (let i = 71; i <= 85; i++) expect(s.state.getUser(`user${i}@example.com`), `user${i}`).toBeUndefined();
  expect(s.state.removedUsers.map((r) => r.email).sort()).toEqual(
    Array.from({ length: 15 }, (_, i) => `user${i + 71}@example.com`).sort(),
  );
}

const posts = (s: Sandbox) => s.state.log.filter((e) => e.method === "POST" && e.path === "/v2/users");
/** POSTs that made a user: answered 201, or made it and lost the answer (the fault). */
const creates = (s: Sandbox): number =>
  posts(s).filter((e) => e.status === 201 || e.fault === "lost-create").length;
/**
 * 409/1005 answers: exactly one per joiner who existed already. A second POST after a lost create
 * (instead of a look-up first) would add one more.
 */
const conflicts = (s: Sandbox): number => posts(s).filter((e) => e.status === 409).length;

describe("joiners, movers and leavers", () => {
  it("a manifest mixing every action, under faults with lost create answers, leaves exactly the intended account", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-lifecycle-"));
    const { path, operations } = hrExport(dir);
    sandbox = await startSandbox({
      plan: "business",
      users: account(),
      limitsScale: 5,
      seed: 31,
      faults: { lostCreate: 0.3, error5xx: 0.02, reset: 0.01 },
    });
    const config: RunConfig = {
      manifest: path,
      results: join(dir, "r.csv"),
      plan: "business",
      share: 0.8,
      allowDelete: true,
      zoom: sandboxTarget(sandbox),
    };
    const summary = await runBatch(config, { limitsScale: 5 });
    const lines = readResults(config.results);
    expect(lines).toHaveLength(operations); // one line per operation
    expect(lines.filter((l) => l.outcome !== "ok" && l.outcome !== "unchanged")).toEqual([]);
    expect(summary.exit_code).toBe(0);
    expect(lines.filter((l) => l.op === "create" && l.outcome === "unchanged")).toHaveLength(10);
    expect(creates(sandbox)).toBe(50); // no user created twice, lost answers or not
    expect(conflicts(sandbox)).toBe(10);
    expectAccount(sandbox);
  }, 120_000);

  it("without --allow-delete the rows that delete are named and nothing is sent (exit 2)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-lifecycle-nodelete-"));
    const { path } = hrExport(dir);
    sandbox = await startSandbox({ plan: "business", users: account(), seed: 32 });
    const error = await runBatch({
      manifest: path,
      results: join(dir, "r.csv"),
      plan: "business",
      share: 0.8,
      zoom: sandboxTarget(sandbox),
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /^15 rows would delete or disassociate users \(row 121 \(line 122\) user71@example\.com, .*, and 10 more\); nothing was sent\. Removing users needs --allow-delete/,
    );
    expect(sandbox.state.log.filter((e) => e.path.startsWith("/v2/"))).toEqual([]);
  });

  it("kill -9 in the middle of a lifecycle run, then --resume: no user created twice, the account as asked", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-lifecycle-kill-"));
    const { path } = hrExport(dir);
    sandbox = await startSandbox({
      plan: "business",
      users: account(),
      limitsScale: 2,
      seed: 33,
      faults: { lostCreate: 0.2 },
    });
    const config: RunConfig = {
      manifest: path,
      results: join(dir, "r.csv"),
      plan: "business",
      share: 0.8,
      allowDelete: true,
      zoom: sandboxTarget(sandbox),
    };
    for (const [k, afterLines] of [
      [0, 30],
      [1, 60],
    ] as const) {
      const child = spawn(
        process.execPath,
        [
          join(import.meta.dirname, "..", "helpers", "child-run.mjs"),
          JSON.stringify({ ...config, resume: k > 0 }),
          "2",
        ],
        { stdio: ["ignore", "ignore", "inherit"] },
      );
      const before = existsSync(config.results) ? readFileSync(config.results, "utf8").split("\n").length : 0;
      for (let waited = 0; waited < 60_000; waited += 10) {
        if (
          existsSync(config.results) &&
          readFileSync(config.results, "utf8").split("\n").length - before >= afterLines
        )
          break;
        await new Promise((r) => setTimeout(r, 10));
      }
      child.kill("SIGKILL");
      await new Promise((r) => child.on("exit", r));
    }
    const last = await runBatch({ ...config, resume: true }, { limitsScale: 2 });
    expect(last.exit_code).toBe(0);
    expect(creates(sandbox)).toBe(50);
    expect(conflicts(sandbox)).toBeLessThanOrEqual(10); // a joiner who existed is looked up, not posted, on resume
    expectAccount(sandbox);
  }, 120_000);
});
