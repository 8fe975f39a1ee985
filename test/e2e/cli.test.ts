import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
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
  started_at: "<time>",
  finished_at: "<time>",
  elapsed_ms: 0,
  throughput_per_second: 0,
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
    expect(c.stdout()).toMatch(/Medium: 11 requests at 48\/s/);
    expect(c.stdout()).toMatch(/ETA: 1 s/);
  });
});
