import { describe, expect, it } from "vitest";
import { main } from "../../../src/cli.js";
import { COMMAND_NAMES } from "../../../src/cli/main.js";

function capture(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) }, env },
    stdout: () => out.join(""),
    stderr: () => err.join(""),
  };
}

describe("the command line's wiring (no run is started)", () => {
  it("bare zoom-bulk shows the help, with every command and examples", async () => {
    const c = capture();
    expect(await main([], c.io)).toBe(0);
    for (const name of COMMAND_NAMES) expect(c.stdout()).toMatch(new RegExp(`zoom-bulk ${name}\\b`));
    expect(c.stdout()).toMatch(/Examples:/);
    expect(c.stdout()).toMatch(/Exit codes: 0 all ok/);
    expect(c.stderr()).toBe("");
  });

  for (const name of COMMAND_NAMES)
    it(`${name} --help shows examples of ${name}`, async () => {
      const c = capture();
      expect(await main([name, "--help"], c.io)).toBe(0);
      const examples = c.stdout().split("Examples:")[1] ?? "";
      expect(examples).toMatch(new RegExp(`zoom-bulk ${name} `));
    });

  it("sandbox --help documents the --users file format", async () => {
    const c = capture();
    await main(["sandbox", "--help"], c.io);
    expect(c.stdout()).toMatch(/--users <file>: a JSON array of user objects, each with at least "email"/);
    expect(c.stdout()).toMatch(/"status" \(active, inactive or pending/);
  });

  it("job --help says what strict mapping means", async () => {
    const c = capture();
    await main(["job", "--help"], c.io);
    expect(c.stdout()).toMatch(/Strict by default \("strict": true, also for job files without the key\)/);
    expect(c.stdout()).toMatch(/--resume/);
  });

  it("an unknown command gets a guess, with exit 2", async () => {
    const cases: [string[], RegExp][] = [
      [
        ["rn", "m.csv"],
        /^zoom-bulk: Unknown command "rn"\. Did you mean "run"\? Commands: run, validate, plan, undo, report, job, sandbox/,
      ],
      [["valdate", "m.csv"], /Did you mean "validate"\?/],
      [
        ["hr-export.csv"],
        /Unknown command "hr-export\.csv"\. To run a manifest: zoom-bulk run hr-export\.csv/,
      ],
    ];
    for (const [argv, pattern] of cases) {
      const c = capture();
      expect(await main(argv, c.io), argv.join(" ")).toBe(2);
      expect(c.stderr()).toMatch(pattern);
      expect(c.stderr().trim().split("\n")).toHaveLength(1);
    }
  });

  it("usage mistakes exit 2 with a message that says the fix", async () => {
    const cases: [string[], RegExp][] = [
      [["run", "m.csv", "--resum"], /Unknown argument: resum\. Did you mean --resume\?/],
      [["run", "m.csv", "--share"], /--share: expected a value after it, for example: --share 0\.5\./],
      [["run"], /Name what to work on: zoom-bulk run <manifest/],
      [["run", "m.csv", "--share", "2"], /--share: expected a number above 0 and at most 1/],
      [["run", "m.csv", "--share", "0.5", "--share", "0.6"], /--share: expected one value/],
      [["run", "m.csv", "--shard", "3/3"], /--shard: .* For example: --shard 2\/3\./],
      [
        ["run", "m.csv", "--concurrency", "lots"],
        /--concurrency: expected a whole number from 1 to 1000, got "lots"/,
      ],
      [["run", "m.csv", "--request-timeout", "0"], /--request-timeout: expected seconds from 1 to 600/],
      [["run", "m.csv", "--delimiter", "xy"], /--delimiter: expected , ; \| or tab/],
      [["run", "m.csv", "--progress", "fancy"], /--progress: expected one of auto, tty, log, off/],
      [["run", "m.csv", "--redis-prefix", "p"], /--redis-prefix: .* no --redis was given/],
      [
        ["run", "m.csv", "--results", "/no/such/folder/r.csv", "--sandbox"],
        /--results: the folder \/no\/such\/folder does not exist/,
      ],
      [["validate", "m.csv", "--plan", "gold"], /--plan: expected one of free, pro, business, got "gold"/],
      [["sandbox", "--port", "99999"], /--port: expected a port number from 0 to 65535/],
      [["job", "no-such-job.json"], /Cannot read job file no-such-job\.json: ENOENT/],
    ];
    for (const [argv, pattern] of cases) {
      const c = capture();
      expect(await main(argv, c.io), argv.join(" ")).toBe(2);
      expect(c.stderr(), argv.join(" ")).toMatch(pattern);
      expect(c.stderr()).toMatch(/^zoom-bulk: .+\n$/);
    }
  });

  it("a run without credentials exits 2 naming them, before reading the manifest", async () => {
    const c = capture({});
    expect(await main(["run", "no-such-manifest.csv"], c.io)).toBe(2);
    expect(c.stderr()).toMatch(/Missing ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET/);
  });
});
