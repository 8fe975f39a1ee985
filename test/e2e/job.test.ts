import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { ConfigError } from "../../src/errors.js";
import { runJobCommand } from "../../src/job/command.js";
import { checkJob, compileTransforms, loadJob } from "../../src/job/index.js";
import { silentLogger } from "../../src/log.js";
import { readResults } from "../../src/report/read.js";
import { startSandbox, type Sandbox, sandboxTarget } from "../../src/sandbox/index.js";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

/** A copy of jobs/ in a temporary folder, so results/ and state/ land beside it. */
function jobsCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "zb-job-"));
  cpSync("jobs", join(dir, "jobs"), { recursive: true });
  return join(dir, "jobs");
}

async function runExample(file: string, env: NodeJS.ProcessEnv = {}) {
  sandbox = await startSandbox();
  const out: string[] = [];
  const err: string[] = [];
  const code = await runJobCommand({
    file,
    sandbox: false,
    dryRun: false,
    logger: silentLogger,
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
    env,
    progress: "off",
    progressIntervalMs: 10_000,
    now: new Date("2026-11-24T02:00:00Z"),
    zoom: sandboxTarget(sandbox),
  });
  return { code, stdout: out.join(""), stderr: err.join(""), state: sandbox.state };
}

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t) },
      env: {},
    },
    stdout: () => out.join(""),
    stderr: () => err.join(""),
  };
};

describe("the example jobs run against the sandbox", () => {
  it("nightly HR sync: newest Workday export, mapped columns, transforms, dated results and report", async () => {
    const jobs = jobsCopy();
    const r = await runExample(join(jobs, "nightly-hr-sync.json"));
    expect(r.code).toBe(0);
    // The newest export (by the date in its name) ran, not the older one.
    expect(r.stderr).toContain("workday-export-2026-11-23.csv");
    const results = join(jobs, "..", "results", "nightly-hr-sync-2026-11-24.csv");
    const lines = readResults(results);
    expect(lines.map((l) => [l.row, l.user, l.op, l.outcome])).toEqual([
      [1, "alice@example.com", "profile", "ok"],
      [2, "bob@example.com", "profile", "ok"],
      [3, "carol@example.com", "profile", "ok"],
      [4, "dave@example.com", "profile", "ok"],
      [5, "erin@example.com", "profile", "ok"],
      [6, "frank@example.com", "profile", "ok"],
      [7, "grace@example.com", "profile", "ok"],
      [8, "heidi@example.com", "profile", "ok"],
    ]);
    // Trimmed and lower-cased users; department codes mapped; an unknown code leaves dept alone;
    // ignored columns never reach Zoom.
    const patches = r.state.log.filter((e) => e.endpoint === "updateUser").map((e) => e.user);
    expect(patches).toContain("alice@example.com");
    expect(patches).toContain("bob@example.com");
    expect(r.state.getUser("bob@example.com")?.profile).toMatchObject({
      last_name: "Brown",
      dept: "Engineering",
      job_title: "Staff Engineer",
      location: "Chicago",
    });
    expect(r.state.getUser("alice@example.com")?.profile).toMatchObject({ dept: "Finance" });
    expect(r.state.getUser("heidi@example.com")?.profile.dept).not.toBe("X99");
    expect(JSON.stringify(r.state.getUser("bob@example.com")?.profile)).not.toContain("2020-01-15");
    expect(readdirSync(join(jobs, "..", "results"))).toContain("nightly-hr-sync-2026-11-24.html");
  });

  it("one-off migration: pictures and backgrounds inside the assets folder", async () => {
    const jobs = jobsCopy();
    const r = await runExample(join(jobs, "migration-pictures-backgrounds.json"));
    expect(r.code).toBe(0);
    const results = join(jobs, "..", "results", "migration-pictures-backgrounds-2026-11-24-020000.csv");
    const lines = readResults(results);
    expect(lines.filter((l) => l.op === "picture").map((l) => [l.user, l.outcome])).toEqual([
      ["alice@example.com", "ok"],
      ["bob@example.com", "ok"],
      ["carol@example.com", "ok"],
      ["dave@example.com", "ok"],
    ]);
    expect(lines.filter((l) => l.op === "virtual_background")).toHaveLength(6);
    expect(r.state.getUser("carol@example.com")?.backgrounds.map((b) => b.name)).toEqual([
      "office.png",
      "beach.png",
    ]);
    expect(r.state.getUser("dave@example.com")?.picture).toBeDefined();
  });

  it("password reset: passwords from the environment, other columns ignored", async () => {
    const jobs = jobsCopy();
    const r = await runExample(join(jobs, "password-reset.json"), { RESET_PASSWORD: "Temp-Reset-2026x" });
    expect(r.code).toBe(0);
    const results = join(jobs, "..", "results", "password-reset-2026-11-24-020000.jsonl");
    const lines = readResults(results);
    expect(lines.map((l) => [l.user, l.op, l.outcome])).toEqual([
      ["dave@example.com", "password", "ok"],
      ["frank@example.com", "password", "ok"],
      ["heidi@example.com", "password", "ok"],
    ]);
    for (const user of ["dave@example.com", "frank@example.com", "heidi@example.com"])
      expect(r.state.passwordMatches(user, "Temp-Reset-2026x")).toBe(true);
    expect(readFileSync(results, "utf8")).not.toContain("Temp-Reset-2026x");
    expect(r.state.log.filter((e) => e.endpoint === "updateUser")).toEqual([]);
  });

  it("`zoom-bulk job --dry-run` checks a job and its manifest and sends nothing", async () => {
    const jobs = jobsCopy();
    const c = capture();
    expect(await main(["job", join(jobs, "nightly-hr-sync.json"), "--dry-run"], c.io)).toBe(0);
    expect(c.stdout()).toMatch(/8 records, 8 operations to send, 0 invalid/);
  });
});

describe("job files with mistakes", () => {
  const dir = mkdtempSync(join(tmpdir(), "zb-jobbad-"));
  writeFileSync(join(dir, "m.csv"), "Email,Dept\na@example.com,FIN\n");
  const base = { manifest: "m.csv", results: "out-{date}.csv", columns: { Email: "email", Dept: "dept" } };
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      "an unknown key, with a guess",
      { ...base, shares: 0.5 },
      /"shares": unknown key\. Did you mean "share"\?/,
    ],
    ["a missing manifest key", { results: "r.csv" }, /"manifest": is required/],
    [
      "a manifest that matches nothing",
      { ...base, manifest: "exports/*.csv" },
      /"manifest": no such folder|"manifest": no file matches/,
    ],
    [
      "a share out of range",
      { ...base, share: 2 },
      /"share": expected a number above 0 and at most 1 .*got 2\./,
    ],
    ["a wrong plan", { ...base, plan: "gold" }, /"plan": expected one of free, pro, business, got "gold"/],
    [
      "a results file of another type",
      { ...base, results: "out.xlsx" },
      /"results": expected a file ending in .csv or .jsonl/,
    ],
    [
      "a mapping to no column",
      { ...base, columns: { Email: "email", Dept: "department" } },
      /"columns.Dept": "department" is not a manifest column/,
    ],
    [
      "an unknown transform step",
      { ...base, transforms: { dept: ["uppercase"] } },
      /"transforms.dept\[0\]": unknown step "uppercase"/,
    ],
    [
      "a transform on no column",
      { ...base, transforms: { Dept: ["trim"] } },
      /"transforms.Dept": not a manifest column/,
    ],
    [
      "a bad map step",
      { ...base, transforms: { dept: [{ map: { FIN: 1 } }] } },
      /"transforms.dept\[0\]": "map": expected an object of text -> text/,
    ],
    ["a bad shard", { ...base, shard: "4/4" }, /"shard": expected "<index>\/<count>"/],
    [
      "a bad safety rail",
      { ...base, safety: { max_failure_rate: 5 } },
      /"safety.max_failure_rate": expected a number above 0 and at most 1/,
    ],
    [
      "an unknown op",
      { ...base, only: ["profile", "avatar"] },
      /"only": expected a list of profile, password, picture, virtual_background, got "avatar"/,
    ],
    [
      "a bad redis URL",
      { ...base, redis: "localhost:6379" },
      /"redis": expected a redis:\/\/ or rediss:\/\/ URL/,
    ],
  ];
  for (const [name, job, pattern] of cases)
    it(`names the key: ${name}`, () => {
      const file = join(dir, "job.json");
      expect(() => checkJob(job, file)).toThrow(ConfigError);
      expect(() => checkJob(job, file)).toThrow(pattern);
    });

  it("the CLI exits 2 with the message, and nothing is sent", async () => {
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ ...base, columns: { Email: "emial" } }));
    const c = capture();
    expect(await main(["job", file, "--sandbox"], c.io)).toBe(2);
    expect(c.stderr()).toMatch(
      /bad\.json: "columns.Email": "emial" is not a manifest column\. Did you mean "email"\?/,
    );
    expect(c.stderr()).not.toMatch(/sandbox at/);
  });

  it("a file that is not JSON says so", () => {
    const file = join(dir, "broken.json");
    writeFileSync(file, "{ manifest: m.csv }");
    expect(() => loadJob(file)).toThrow(/is not valid JSON/);
  });

  it("fills {date}, {time}, {job} and resolves paths against the job file's folder", () => {
    const job = checkJob(
      { ...base, name: "hr", results: "../r/{job}-{date}-{time}.csv" },
      join(dir, "j.json"),
      {
        now: new Date("2026-01-02T03:04:05Z"),
      },
    );
    expect(job.runs).toEqual([
      { manifest: join(dir, "m.csv"), results: join(dir, "..", "r", "hr-2026-01-02-030405.csv") },
    ]);
    expect(job.config).toMatchObject({ plan: "pro", share: 0.8, mapping: base.columns });
  });
});

describe("value transforms", () => {
  const fail = (key: string, message: string): never => {
    throw new Error(`${key}: ${message}`);
  };
  it("trims, lower-cases, maps codes, fills defaults and replaces, on text values only", () => {
    const t = compileTransforms(
      {
        "*": ["trim"],
        user: ["lower"],
        dept: [{ map: { FIN: "Finance" }, otherwise: "blank" }],
        company: [{ default: "Example Inc." }],
        phone_number: [{ replace: { pattern: "[^0-9+]", with: "" } }],
        last_name: ["collapse_spaces", "upper"],
      },
      fail,
    );
    expect(
      t({
        user: " Alice@Example.COM ",
        dept: "FIN",
        company: "",
        phone_number: "+49 (30) 123",
        last_name: " van  der Berg ",
        type: 2,
      }),
    ).toEqual({
      user: "alice@example.com",
      dept: "Finance",
      company: "Example Inc.",
      phone_number: "+4930123",
      last_name: "VAN DER BERG",
      type: 2,
    });
    expect(t({ user: "b@example.com", dept: "X99" })).toEqual({
      user: "b@example.com",
      dept: "",
      company: "Example Inc.",
    });
  });
});
