import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { ConfigError } from "../../src/errors.js";
import { checkJob, compileTransforms, loadJob } from "../../src/job/index.js";
import { readResults } from "../../src/report/read.js";
import { sandboxEnv, startSandbox, type Sandbox } from "../../src/sandbox/index.js";

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

const NOW = Date.parse("2026-11-24T02:00:00Z");

const capture = (env: NodeJS.ProcessEnv = {}) => {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t) },
      env,
      now: () => NOW,
    },
    stdout: () => out.join(""),
    stderr: () => err.join(""),
  };
};

/** `zoom-bulk job <file>` against this test's sandbox, through the settings `zoom-bulk sandbox` prints. */
async function runJob(file: string, env: NodeJS.ProcessEnv = {}, flags: string[] = []) {
  sandbox ??= await startSandbox();
  const c = capture({ ...sandboxEnv(sandbox), ...env });
  const code = await main(["job", file, "--log-level", "silent", "--progress", "off", ...flags], c.io);
  return { code, stdout: c.stdout(), stderr: c.stderr(), state: sandbox.state };
}
const runExample = runJob;

describe("the example jobs run against the sandbox", () => {
  it("nightly HR sync: newest Workday export, mapped columns, transforms, dated results and report", async () => {
    const jobs = jobsCopy();
    const r = await runExample(join(jobs, "nightly-hr-sync.json"));
    expect(r.code).toBe(0);
    // The newest export (by the date in its name) ran, not the older one.
    expect(r.stderr).toContain("workday-export-2026-11-23.csv");
    const results = join(jobs, "..", "results", "nightly-hr-sync-2026-11-24.csv");
    const lines = readResults(results).sort((a, b) => a.row - b.row);
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

  it("nightly HR lifecycle: hires created, movers moved, leavers deactivated, from Workday's worker status", async () => {
    const jobs = jobsCopy();
    const r = await runExample(join(jobs, "nightly-hr-lifecycle.json"));
    expect(r.code).toBe(0);
    const results = join(jobs, "..", "results", "nightly-hr-lifecycle-2026-11-24.csv");
    const lines = readResults(results).sort((a, b) => a.row - b.row || a.op.localeCompare(b.op));
    expect(lines.map((l) => [l.row, l.user, l.op, l.target, l.outcome])).toEqual([
      [1, "ines.new@example.com", "create", "", "ok"],
      [1, "ines.new@example.com", "profile", "", "ok"],
      [2, "jon.new@example.com", "create", "", "ok"],
      [2, "jon.new@example.com", "profile", "", "ok"],
      [3, "bob@example.com", "profile", "", "ok"],
      [4, "carol@example.com", "email", "carol.chen@example.com", "ok"],
      [4, "carol@example.com", "profile", "", "ok"],
      [5, "erin@example.com", "profile", "", "ok"],
      [5, "erin@example.com", "status", "deactivate", "ok"],
      [6, "frank@example.com", "profile", "", "ok"],
      [6, "frank@example.com", "status", "deactivate", "ok"],
    ]);
    expect(r.state.getUser("ines.new@example.com")?.profile).toMatchObject({
      first_name: "Ines",
      job_title: "Data Engineer",
      dept: "Engineering",
    });
    expect(r.state.getUser("carol@example.com")).toBeUndefined();
    expect(r.state.getUser("carol.chen@example.com")?.profile.job_title).toBe("Design Lead");
    expect(r.state.getUser("erin@example.com")?.status).toBe("inactive");
  });

  it("one-off migration: pictures and backgrounds inside the assets folder", async () => {
    const jobs = jobsCopy();
    const r = await runExample(join(jobs, "migration-pictures-backgrounds.json"));
    expect(r.code).toBe(0);
    const results = join(jobs, "..", "results", "migration-pictures-backgrounds-2026-11-24-020000.csv");
    const lines = readResults(results);
    lines.sort((a, b) => a.row - b.row);
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
    expect(readdirSync(join(jobs, ".."))).not.toContain("results"); // a dry run creates nothing
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
    ["a bad shard", { ...base, shard: "4/4" }, /"shard": expected an index from 0 to 3 for 4 shards/],
    [
      "a shard beyond the flag's upper bound",
      { ...base, shard: "5/100000" },
      /"shard": expected <i>\/<n> with n from 1 to 10000/,
    ],
    ["a strict that is not a boolean", { ...base, strict: "yes" }, /"strict": expected true .* or false/],
    [
      "an unknown safety key, with a guess",
      { ...base, safety: { max_operation: 5 } },
      /"safety.max_operation": unknown key\. Did you mean "max_operations"\?/,
    ],
    [
      "a request timeout out of range",
      { ...base, request_timeout: 0 },
      /"request_timeout": expected seconds from 1 to 600, got 0\. For example: "request_timeout": 30\./,
    ],
    [
      "a bad safety rail",
      { ...base, safety: { max_failure_rate: 5 } },
      /"safety.max_failure_rate": expected a number above 0 and at most 1/,
    ],
    [
      "an unknown op",
      { ...base, only: ["profile", "avatar"] },
      /"only": expected a list of create, profile, password, picture, virtual_background, email, status, delete, got "avatar"\. For example: "only": "profile,password"\./,
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
    expect(job.config).toEqual({
      plan: "pro",
      share: 0.8,
      maxFailureRate: 0.5,
      diff: false,
      allowDelete: false,
      maxDeletes: 25,
      mapping: base.columns,
    });
    expect(job.strict).toBe(true);
  });
});

describe("re-running a job", () => {
  it("`job … --resume` sends only what is not done; with no results file yet it is a fresh run", async () => {
    const jobs = jobsCopy();
    const file = join(jobs, "migration-pictures-backgrounds.json");
    const first = await runJob(file, {}, ["--resume"]);
    expect(first.stderr).not.toMatch(/Unknown argument|no results file/);
    expect(first.code).toBe(0);
    const uploads = () => first.state.log.filter((e) => e.path.startsWith("/v2/")).length;
    const sent = uploads();
    expect(sent).toBeGreaterThanOrEqual(10);
    const again = await runJob(file, {}, ["--resume"]);
    expect(again.code).toBe(0);
    expect(uploads()).toBe(sent); // nothing sent twice
    const results = join(jobs, "..", "results", "migration-pictures-backgrounds-2026-11-24-020000.csv");
    expect(readResults(results).filter((l) => l.outcome === "ok")).toHaveLength(10);
  });
});

describe("strict column mappings", () => {
  const exportCsv =
    "Work Email,Title,Type,Company\nbob@example.com,Staff Engineer,Full-time,Other Corp\ncarol@example.com,Lead,Part-time,Other Corp\n";
  const setup = (job: Record<string, unknown>): string => {
    const dir = mkdtempSync(join(tmpdir(), "zb-strict-"));
    writeFileSync(join(dir, "export.csv"), exportCsv);
    const base = {
      manifest: "export.csv",
      results: "out.csv",
      columns: { "Work Email": "email", Title: "job_title" },
    };
    writeFileSync(join(dir, "job.json"), JSON.stringify({ ...base, ...job }));
    return join(dir, "job.json");
  };

  it("stops a job (exit 2) naming the columns its mapping leaves out, and sends nothing; strict is the default", async () => {
    for (const job of [{}, { strict: true }]) {
      const r = await runJob(setup(job));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /job\.json: "columns": .*export\.csv has columns "type", "company" .* that the mapping does not name, and the job is strict/,
      );
      expect(r.stderr).toMatch(/"<export header>": null/);
      expect(r.state.log).toEqual([]);
    }
    const dry = capture();
    expect(await main(["job", setup({}), "--dry-run"], dry.io)).toBe(2);
  });

  it("runs once every column is mapped or ignored", async () => {
    const r = await runJob(
      setup({ columns: { "Work Email": "email", Title: "job_title", Type: null, Company: null } }),
    );
    expect(r.code).toBe(0);
    expect(r.state.getUser("bob@example.com")?.profile.job_title).toBe("Staff Engineer");
    expect(r.state.getUser("bob@example.com")?.profile.company).toBeUndefined();
  });

  it('`"strict": false` uses unmapped columns that carry a manifest column\'s name, as before', async () => {
    const r = await runJob(
      setup({ strict: false, columns: { "Work Email": "email", Title: "job_title", Type: null } }),
    );
    expect(r.code).toBe(0);
    expect(r.state.getUser("bob@example.com")?.profile.company).toBe("Other Corp");
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
