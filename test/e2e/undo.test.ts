/**
 * The journal and `zoom-bulk undo` against the sandbox over real HTTP: a `run --diff` of a manifest
 * where most rows already match sends only the differing fields and journals exactly the values
 * they replace (0600, never a password); `undo` puts the account back as it was before the run
 * (whole user objects compared), deletes the new background and the created user, and lists the
 * password change as cannot-undo; an interrupted undo resumed sends nothing twice.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { EXIT } from "../../src/errors.js";
import { journalPath } from "../../src/journal/file.js";
import { runBatch } from "../../src/run/index.js";
import {
  sandboxEnv,
  sandboxTarget,
  startSandbox,
  type Sandbox,
  type SeedUser,
} from "../../src/sandbox/index.js";
import { undoBatch, undoResultsPath } from "../../src/undo/index.js";
import { pngBytes, writeFile } from "../helpers/files.js";
import { readResults } from "../helpers/results.js";

const PASSWORD = "Zq8-long-passphrase";

function seed(): SeedUser[] {
  return Array.from({ length: 12 }, (_, n) => ({
    email: `p${n + 1}@corp.example`,
    first_name: `First${n + 1}`,
    last_name: "Person",
    type: 1,
    job_title: "Engineer",
    dept: "R&D",
  }));
}

/** Most rows match Zoom; p3..p8 differ in one way each, and one row creates a user. */
function manifestRows(): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = seed().map((u) => ({
    user: u.email.toUpperCase(),
    first_name: u.first_name,
    job_title: "Engineer",
    dept: "R&D",
  }));
  Object.assign(rows[2] as object, { job_title: "Lead" }); // p3
  Object.assign(rows[3] as object, { company: "Acme" }); // p4: had none
  Object.assign(rows[4] as object, { password: PASSWORD }); // p5
  Object.assign(rows[5] as object, { action: "deactivate" }); // p6
  Object.assign(rows[6] as object, { dept: "Sales", virtual_backgrounds: ["beach.png"] }); // p7
  Object.assign(rows[7] as object, { new_email: "p8.new@corp.example" }); // p8
  rows.push({ user: "new@corp.example", action: "create", first_name: "New", last_name: "Person" });
  return rows;
}

/** Users as whole objects; Zoom shows "" and absent alike, and a password cannot be compared. */
function snapshot(sandbox: Sandbox): unknown[] {
  return structuredClone(
    sandbox.state.users().map(({ password: _password, profile, ...user }) => ({
      ...user,
      profile: Object.fromEntries(Object.entries(profile).filter(([, v]) => v !== "")),
    })),
  );
}

const writes = (sandbox: Sandbox): string[] =>
  sandbox.state.log
    .filter((e) => e.method !== "GET" && e.path.startsWith("/v2/"))
    .map((e) => `${e.method} ${e.path}${e.query ? `?${e.query}` : ""} ${e.status}`);

let dir: string;
let sandbox: Sandbox;
let manifest: string;
let results: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "zb-undo-"));
  manifest = join(dir, "export.jsonl");
  results = join(dir, "export.results.csv");
  writeFile(join(dir, "beach.png"), pngBytes(7));
  writeFileSync(
    manifest,
    manifestRows()
      .map((r) => JSON.stringify(r))
      .join("\n") + "\n",
  );
  sandbox = await startSandbox({ users: seed(), plan: "pro", startTime: Date.parse("2026-11-24T12:00:00Z") });
});
afterEach(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

async function runDiff(): Promise<void> {
  const summary = await runBatch({
    manifest,
    results,
    plan: "pro",
    share: 1,
    diff: true,
    zoom: sandboxTarget(sandbox),
  });
  expect(summary.outcomes).toMatchObject({ ok: 8, unchanged: 9, failed: 0 });
}

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main([...argv, "--log-level", "error"], {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    env: sandboxEnv(sandbox),
  });
  return { code, out, err };
}

describe("run --diff journals what it replaces", () => {
  it("sends only the differing fields and journals exactly their old values, 0600, no password", async () => {
    await runDiff();
    expect(sandbox.state.noopWrites).toEqual([]);
    expect(writes(sandbox)).toEqual(
      expect.arrayContaining([
        "PATCH /v2/users/P3%40CORP.EXAMPLE 204",
        "PATCH /v2/users/P4%40CORP.EXAMPLE 204",
        "PUT /v2/users/P5%40CORP.EXAMPLE/password 204",
        "PUT /v2/users/P6%40CORP.EXAMPLE/status 204",
        "PATCH /v2/users/P7%40CORP.EXAMPLE 204",
        "POST /v2/users/P7%40CORP.EXAMPLE/settings/virtual_backgrounds 201",
        "PUT /v2/users/P8%40CORP.EXAMPLE/email 204",
        "POST /v2/users 201",
      ]),
    );
    expect(writes(sandbox)).toHaveLength(8);
    const journal = journalPath(results);
    expect(statSync(journal).mode & 0o777).toBe(0o600);
    const text = readFileSync(journal, "utf8");
    expect(text).not.toContain(PASSWORD);
    const entries = text
      .trim()
      .split("\n")
      .map((l) => ({ ...(JSON.parse(l) as { row: number; op: string }), at: "<time>" }))
      .sort((a, b) => a.row - b.row || a.op.localeCompare(b.op));
    const at = "<time>";
    expect(entries).toEqual([
      {
        row: 3,
        line: 3,
        user: "P3@CORP.EXAMPLE",
        op: "profile",
        target: "",
        before: { job_title: "Engineer" },
        at,
      },
      { row: 4, line: 4, user: "P4@CORP.EXAMPLE", op: "profile", target: "", before: { company: null }, at },
      { row: 5, line: 5, user: "P5@CORP.EXAMPLE", op: "password", target: "", undoable: false, at },
      {
        row: 6,
        line: 6,
        user: "P6@CORP.EXAMPLE",
        op: "status",
        target: "deactivate",
        before: { status: "active" },
        at,
      },
      { row: 7, line: 7, user: "P7@CORP.EXAMPLE", op: "profile", target: "", before: { dept: "R&D" }, at },
      {
        row: 7,
        line: 7,
        user: "P7@CORP.EXAMPLE",
        op: "virtual_background",
        target: "beach.png",
        file: { name: "beach.png", size: pngBytes(7).length },
        at,
      },
      {
        row: 8,
        line: 8,
        user: "P8@CORP.EXAMPLE",
        op: "email",
        target: "p8.new@corp.example",
        before: { email: "p8@corp.example" },
        at,
      },
      {
        row: 13,
        line: 13,
        user: "new@corp.example",
        op: "create",
        target: "",
        before: { created: true, create_action: "create" },
        at,
      },
    ]);
  });

  it("a run without --diff writes no journal, and undo refuses its results (exit 2)", async () => {
    await runBatch({ manifest, results, plan: "pro", share: 1, zoom: sandboxTarget(sandbox) });
    sandbox.state.reset();
    const { code, err } = await cli(["undo", results]);
    expect(code).toBe(EXIT.usage);
    expect(err).toContain("undo needs a run made with --diff");
    expect(writes(sandbox)).toEqual([]);
  });
});

describe("zoom-bulk undo", () => {
  it("puts every changed field, status and email back, deletes the new background and user, lists the password", async () => {
    const before = snapshot(sandbox);
    await runDiff();
    expect(snapshot(sandbox)).not.toEqual(before);
    sandbox.state.reset();
    const { code, out } = await cli(["undo", results, "--share", "1"]);
    expect(code).toBe(EXIT.someFailed); // the password could not be undone
    expect(snapshot(sandbox)).toEqual(before);
    expect(sandbox.state.passwordMatches("p5@corp.example", PASSWORD)).toBe(true); // left as the run set it
    expect(sandbox.state.getUser("new@corp.example")).toBeUndefined();
    expect(sandbox.state.noopWrites).toEqual([]);
    expect(writes(sandbox).sort()).toEqual(
      [
        "DELETE /v2/users/P7%40CORP.EXAMPLE/settings/virtual_backgrounds?file_ids=" +
          `${sandbox.state.log.find((e) => e.method === "DELETE" && e.query?.startsWith("file_ids="))?.query?.slice(9) ?? ""} 204`,
        "DELETE /v2/users/new%40corp.example?action=disassociate 204",
        "PATCH /v2/users/P3%40CORP.EXAMPLE 204",
        "PATCH /v2/users/P4%40CORP.EXAMPLE 204",
        "PATCH /v2/users/P7%40CORP.EXAMPLE 204",
        "PUT /v2/users/P6%40CORP.EXAMPLE/status 204",
        "PUT /v2/users/p8.new%40corp.example/email 204",
      ].sort(),
    );
    expect(out).toContain(
      "Cannot be undone (1):\n  row 5 (line 5) P5@CORP.EXAMPLE password: A password cannot be read back, so the old one cannot be put back; set a new one if needed.\n",
    );
    const lines = readResults(undoResultsPath(results)).map(
      (l) => `${l.row} ${l.op} ${l.target} ${l.outcome} ${l.zoom_code}`,
    );
    expect(lines.sort()).toEqual(
      [
        "13 delete disassociate ok ",
        "3 profile  ok ",
        "4 profile  ok ",
        "5 password  skipped E_CANNOT_UNDO",
        "6 status activate ok ",
        "7 profile  ok ",
        "7 virtual_background beach.png ok ",
        "8 email p8@corp.example ok ",
      ].sort(),
    );
  });

  it("interrupted, then resumed, sends nothing twice", async () => {
    const before = snapshot(sandbox);
    await runDiff();
    sandbox.state.reset();
    const stop = new AbortController();
    // the free plan's Light pace (4 per 6 s) keeps most undo requests waiting: the stop finds them
    const first = await undoBatch(
      { runResults: results, plan: "free", share: 1, zoom: sandboxTarget(sandbox) },
      { signal: stop.signal, observer: { result: () => stop.abort(new Error("SIGINT")) } },
    );
    expect(first.summary.exit_code).toBe(EXIT.sigint);
    const sentFirst = writes(sandbox);
    expect(sentFirst.length).toBeGreaterThan(0);
    expect(sentFirst.length).toBeLessThan(7);
    const { code } = await cli(["undo", results, "--resume", "--share", "1"]);
    expect(code).toBe(EXIT.someFailed);
    const all = writes(sandbox);
    expect(all).toHaveLength(7);
    expect(new Set(all).size).toBe(7);
    expect(snapshot(sandbox)).toEqual(before);
  });
});
