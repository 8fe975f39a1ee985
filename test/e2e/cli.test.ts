import { cpSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { sandboxEnv, startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { normalise, readResults, sortResults } from ".././helpers/results.js";

function capture(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) }, env },
    stdout: () => out.join(""),
    stderr: () => err.join(""),
  };
}

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

/** Times and speeds change from run to run; everything else in the summary must not. */
const normaliseSummary = (s: Record<string, unknown>): Record<string, unknown> => ({
  ...s,
  manifest: "<manifest>",
  results: "<results>",
  account: "<account>",
  started_at: "<time>",
  finished_at: "<time>",
  elapsed_ms: 0,
  throughput_per_second: 0,
  labels: Object.fromEntries(
    Object.entries((s.labels ?? {}) as Record<string, Record<string, unknown>>).map(([label, figures]) => [
      label,
      "starts_per_second" in figures ? { ...figures, starts_per_second: "<per second>" } : figures,
    ]),
  ),
});

const demoCopy = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "zb-cli-"));
  cpSync("fixtures/demo", dir, { recursive: true });
  return dir;
};

describe("the command line", () => {
  it("prints help with the commands", async () => {
    const c = capture();
    expect(await main(["--help"], c.io)).toBe(0);
    expect(c.stdout()).toMatch(/zoom-bulk run <manifest>/);
    expect(c.stdout()).toMatch(/zoom-bulk validate <manifest>/);
    expect(c.stdout()).toMatch(/zoom-bulk sandbox/);
  });

  for (const [name, manifest, expectedCode] of [
    ["demo", "fixtures/demo/manifest.csv", 0],
    ["mixed", "test/fixtures/mixed/manifest.csv", 1],
  ] as const) {
    it(`runs the ${name} manifest on the embedded sandbox: results, summary and exit code equal the expected files`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "zb-cli-"));
      cpSync(dirname(manifest), dir, { recursive: true });
      const results = join(dir, "results.csv");
      const c = capture();
      const code = await main(
        ["run", join(dir, "manifest.csv"), "--sandbox", "--results", results, "--log-level", "silent"],
        c.io,
      );
      expect(c.stderr()).toMatch(/embedded sandbox/);
      expect(code).toBe(expectedCode);
      const actual = {
        results: sortResults(readResults(results))
          .map(normalise)
          .map((l) => ({ ...l, message: l.message.replaceAll(dir, "<dir>") })),
        summary: normaliseSummary(
          JSON.parse(readFileSync(`${results}.summary.json`, "utf8")) as Record<string, unknown>,
        ),
      };
      const expectedFile = `test/expected/${name}-run.json`;
      if (process.env.UPDATE_EXPECTED) writeFileSync(expectedFile, JSON.stringify(actual, null, 2) + "\n");
      expect(actual).toEqual(JSON.parse(readFileSync(expectedFile, "utf8")));
      expect(actual.summary.exit_code).toBe(expectedCode);
      expect(c.stdout()).toContain(`results: ${results}`);
    });
  }

  it("--sandbox seeds the users a real export names, so a trial run shows what the real run will do", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-cli-trial-"));
    const manifest = join(dir, "hr-export.csv");
    writeFileSync(
      manifest,
      "user,job_title\n" +
        Array.from({ length: 300 }, (_, i) => `person${i}@corp.example,Engineer\n`).join(""),
    );
    const c = capture();
    const code = await main(
      ["run", manifest, "--sandbox", "--plan", "business", "--log-level", "silent"],
      c.io,
    );
    expect(code).toBe(0);
    const lines = readResults(join(dir, "hr-export.results.csv"));
    expect(lines).toHaveLength(300);
    expect(lines.every((l) => l.outcome === "ok")).toBe(true);
  }, 60_000);

  it("exits 2 naming the variables when no credentials are set, before reading anything", async () => {
    const c = capture({});
    expect(await main(["run", "fixtures/demo/manifest.csv"], c.io)).toBe(2);
    expect(c.stderr()).toMatch(/ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET/);
  });

  it("exits 3 when the token endpoint refuses the credentials, and never prints the secret", async () => {
    sandbox = await startSandbox();
    const dir = demoCopy();
    const secret = "wrong-secret-4e1f9a";
    const c = capture({
      ZOOM_API_URL: sandbox.apiUrl,
      ZOOM_OAUTH_URL: sandbox.oauthUrl,
      ZOOM_ACCOUNT_ID: sandbox.credentials.accountId,
      ZOOM_CLIENT_ID: sandbox.credentials.clientId,
      ZOOM_CLIENT_SECRET: secret,
    });
    expect(await main(["run", join(dir, "manifest.csv"), "--log-level", "silent"], c.io)).toBe(3);
    expect(c.stderr()).toMatch(/ZOOM_CLIENT_SECRET/);
    expect(c.stderr() + c.stdout()).not.toContain(secret);
    expect(sandbox.state.log.filter((e) => e.path.startsWith("/v2/"))).toEqual([]);
  });

  it("exits 2 naming an unknown column, and sends nothing", async () => {
    sandbox = await startSandbox();
    const dir = mkdtempSync(join(tmpdir(), "zb-cli-"));
    writeFileSync(join(dir, "m.csv"), "user,job_titel\nbob@example.com,Boss\n");
    const c = capture({
      ZOOM_API_URL: sandbox.apiUrl,
      ZOOM_OAUTH_URL: sandbox.oauthUrl,
      ZOOM_ACCOUNT_ID: sandbox.credentials.accountId,
      ZOOM_CLIENT_ID: sandbox.credentials.clientId,
      ZOOM_CLIENT_SECRET: sandbox.credentials.clientSecret,
    });
    expect(await main(["run", join(dir, "m.csv"), "--log-level", "silent"], c.io)).toBe(2);
    expect(c.stderr()).toMatch(/job_titel/);
    expect(sandbox.state.log).toEqual([]);
  });

  it("refuses bad flags with exit 2 and a message naming the option", async () => {
    for (const [argv, pattern] of [
      [["run", "m.csv", "--share", "2"], /--share: expected a number above 0 and at most 1/],
      [["run", "m.csv", "--plan", "gold"], /--plan: expected one of free, pro, business/],
      [["run", "m.csv", "--only", "avatar"], /--only: expected/],
      [
        ["run", "m.csv", "--results", "out.txt", "--sandbox"],
        /--results: expected a file ending in .csv or .jsonl/,
      ],
      [["run", "m.csv", "--bogus"], /Unknown argument/],
    ] as const) {
      const c = capture({});
      expect(await main([...argv], c.io), argv.join(" ")).toBe(2);
      expect(c.stderr()).toMatch(pattern);
    }
  });

  it("validate prints the plan, the per-label requests and the ETA, and sends nothing", async () => {
    const c = capture();
    expect(await main(["validate", "fixtures/demo/manifest.csv", "--plan", "business"], c.io)).toBe(0);
    expect(c.stdout()).toMatch(/9 records, 19 operations to send, 0 invalid \(plan business, share 0.8\)/);
    expect(c.stdout()).toMatch(/Light: 8 requests at 64\/s/);
    expect(c.stdout()).toMatch(/Medium: 14 requests at 48\/s/); // 11 writes, and one look at the files of each row that uploads backgrounds
    expect(c.stdout()).toMatch(/ETA: 1 s/);
  });
  it("creates the folder of --log-file (cron writes logs/<date>.log into a folder nobody made)", async () => {
    const dir = demoCopy();
    const log = join(dir, "logs", "nightly", "run.log");
    const c = capture();
    const code = await main(
      ["run", join(dir, "manifest.csv"), "--sandbox", "--log-file", log, "--progress", "off"],
      c.io,
    );
    expect(c.stderr()).not.toMatch(/ENOENT|internal error/);
    expect(code).toBe(0);
    expect(statSync(log).mode & 0o777).toBe(0o600);
    const events = readFileSync(log, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(events).toContain("run.finished");
  });

  it("writes the results to <manifest without extension>.results.csv beside the manifest by default", async () => {
    const dir = demoCopy();
    const c = capture();
    expect(await main(["run", join(dir, "manifest.csv"), "--sandbox", "--log-level", "silent"], c.io)).toBe(
      0,
    );
    const results = join(dir, "manifest.results.csv");
    expect(readResults(results)).toHaveLength(19);
    expect(existsSync(`${results}.summary.json`)).toBe(true);
    expect(c.stdout()).toContain(`results: ${results}`);
  });

  it("run --resume with no results file yet is a fresh run (cron can always pass it), then resumes", async () => {
    const dir = demoCopy();
    const results = join(dir, "out.csv");
    // One account for both runs (an embedded --sandbox is a new account each time, and --resume
    // refuses results of another account).
    sandbox = await startSandbox();
    const argv = ["run", join(dir, "manifest.csv"), "--results", results, "--resume"];
    const first = capture(sandboxEnv(sandbox));
    expect(await main([...argv, "--log-level", "silent"], first.io)).toBe(0);
    expect(first.stderr()).not.toMatch(/no results file/);
    expect(readResults(results).map((l) => l.outcome)).toEqual(Array(19).fill("ok"));
    const again = capture(sandboxEnv(sandbox));
    expect(await main([...argv, "--log-level", "silent"], again.io)).toBe(0);
    expect(readResults(results)).toHaveLength(19); // nothing was sent again
  });

  it("sandbox --env-file writes the settings it prints, mode 0600, until stopped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-cli-"));
    const file = join(dir, "conf", "sandbox.env");
    const stop = new AbortController();
    const c = capture();
    const running = main(["sandbox", "--env-file", file, "--account-id", "acct-1"], {
      ...c.io,
      signal: stop.signal,
    });
    await expect.poll(() => existsSync(file), { timeout: 10_000 }).toBe(true);
    stop.abort(new Error("SIGINT"));
    expect(await running).toBe(0);
    const text = readFileSync(file, "utf8");
    expect(text).toBe(c.stdout());
    expect(
      text
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split("=")[0]),
    ).toEqual(["ZOOM_API_URL", "ZOOM_OAUTH_URL", "ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET"]);
    expect(text).toContain("ZOOM_ACCOUNT_ID=acct-1\n");
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("report --json for one file, and --html and --json for several", async () => {
    sandbox = await startSandbox();
    const dir = demoCopy();
    const env = sandboxEnv(sandbox);
    for (const shard of ["0/2", "1/2"]) {
      const c = capture(env);
      const argv = ["run", join(dir, "manifest.csv"), "--results", join(dir, "r.csv"), "--shard", shard];
      expect(await main([...argv, "--log-level", "silent", "--progress", "off"], c.io)).toBe(0);
    }
    const shards = [join(dir, "r.shard-0-of-2.csv"), join(dir, "r.shard-1-of-2.csv")];
    const one = capture();
    expect(await main(["report", shards[0] as string, "--json", join(dir, "one.json")], one.io)).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "one.json"), "utf8"))).toMatchObject({
      files: [{ path: shards[0] }],
    });
    const many = capture();
    const argv = ["report", ...shards, "--html", join(dir, "all.html"), "--json", join(dir, "all.json")];
    expect(await main(argv, many.io)).toBe(0);
    expect(many.stdout()).toMatch(/19 operations in 2 results files: ok 19/);
    expect(readFileSync(join(dir, "all.html"), "utf8")).toMatch(/^<!doctype html>/);
    expect(JSON.parse(readFileSync(join(dir, "all.json"), "utf8"))).toMatchObject({ operations: 19 });
    expect(statSync(join(dir, "all.html")).mode & 0o777).toBe(0o600);
  });

  it("validate reads a semicolon export with --delimiter and writes the invalid rows with --invalid-rows", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-cli-"));
    writeFileSync(
      join(dir, "m.csv"),
      "user;job_title;type\nbob@example.com;Boss;1\ncarol@example.com;Lead;7\n",
    );
    const c = capture();
    const code = await main(
      ["validate", join(dir, "m.csv"), "--delimiter", "semicolon", "--invalid-rows", join(dir, "fix.csv")],
      c.io,
    );
    expect(c.stderr()).toBe("");
    expect(code).toBe(1);
    expect(c.stdout()).toMatch(/2 records, 1 operations to send, 1 invalid/);
    expect(readFileSync(join(dir, "fix.csv"), "utf8")).toContain("carol@example.com");
  });
});
