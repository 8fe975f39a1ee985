import { describe, expect, it } from "vitest";
import {
  DEFAULT_PLAN,
  DEFAULT_SHARE,
  OPTIONS,
  closestName,
  defaultResultsPath,
  readOption,
  readRunSettings,
} from "../../../src/config.js";
import { ConfigError } from "../../../src/errors.js";

const job = { job: "jobs/x.json" };

describe("one parser per option, for flags and job files alike", () => {
  it("gives each option's one default when it is absent", () => {
    expect(readOption("plan", undefined)).toBe(DEFAULT_PLAN);
    expect(readOption("plan", undefined, job)).toBe("pro");
    expect(readOption("share", undefined)).toBe(DEFAULT_SHARE);
    expect(readOption("share", undefined, job)).toBe(0.8);
    expect(readOption("maxFailureRate", undefined)).toBe(0.5);
    expect(readOption("progressIntervalMs", undefined)).toBe(10_000);
    expect(readOption("progress", undefined)).toBe("auto");
    expect(readOption("logLevel", undefined)).toBe("info");
    expect(readOption("concurrency", undefined)).toBeUndefined();
    expect(readOption("shard", undefined)).toBeUndefined();
  });

  it("reads the same value from a flag's text and a job file's JSON", () => {
    expect(readOption("share", "0.5")).toBe(0.5);
    expect(readOption("share", 0.5, job)).toBe(0.5);
    expect(readOption("plan", "Business")).toBe("business");
    expect(readOption("concurrency", "16")).toBe(16);
    expect(readOption("concurrency", 16, job)).toBe(16);
    expect(readOption("shard", " 2 / 3 ")).toEqual({ index: 2, count: 3 });
    expect(readOption("requestTimeoutMs", "2.5")).toBe(2500);
    expect(readOption("progressIntervalMs", "0.5")).toBe(500);
    expect([...(readOption("only", "profile, background") ?? [])]).toEqual(["profile", "virtual_background"]);
    expect([...(readOption("only", ["password", "picture"], job) ?? [])]).toEqual(["password", "picture"]);
    expect(readOption("delimiter", "semicolon")).toBe(";");
    expect(readOption("delimiter", "tab")).toBe("\t");
    expect(readOption("redis", "redis://127.0.0.1:6379")).toBe("redis://127.0.0.1:6379");
    expect(readOption("results", "out/r.JSONL")).toBe("out/r.JSONL");
  });

  it("names the option as it was written, what was expected, what arrived, and a fix", () => {
    const cases: [Parameters<typeof readOption>[0], unknown, string, string][] = [
      [
        "share",
        "2",
        `--share: expected a number above 0 and at most 1 (the share of the account's rate limits this job may use), got "2". For example: --share 0.5.`,
        `Job file jobs/x.json: "share": expected a number above 0 and at most 1 (the share of the account's rate limits this job may use), got "2". For example: "share": 0.5.`,
      ],
      [
        "plan",
        "gold",
        `--plan: expected one of free, pro, business, got "gold". Use the plan of the Zoom account (Business, Education and Enterprise are business). For example: --plan business.`,
        `Job file jobs/x.json: "plan": expected one of free, pro, business, got "gold". Use the plan of the Zoom account (Business, Education and Enterprise are business). For example: "plan": "business".`,
      ],
      [
        "maxOperations",
        "0",
        `--max-operations: expected a whole number of at least 1 (the most operations one run may send), got "0". For example: --max-operations 20000.`,
        `Job file jobs/x.json: "safety.max_operations": expected a whole number of at least 1 (the most operations one run may send), got "0". For example: "safety": {"max_operations": 20000}.`,
      ],
    ];
    for (const [name, value, flagMessage, jobMessage] of cases) {
      expect(() => readOption(name, value)).toThrow(flagMessage);
      expect(() => readOption(name, value, job)).toThrow(jobMessage);
    }
    expect(() => readOption("share", 2, job)).toThrow(/"share": expected .* got 2\. /);
  });

  it("refuses what each option cannot take", () => {
    const bad: [Parameters<typeof readOption>[0], unknown, RegExp][] = [
      ["share", "", /--share: expected a number above 0/],
      ["share", "0", /--share: expected/],
      ["share", true, /--share: expected/],
      ["concurrency", "1.5", /--concurrency: expected a whole number from 1 to 1000, got "1.5"/],
      ["concurrency", "1001", /--concurrency: expected a whole number from 1 to 1000/],
      [
        "only",
        "avatar",
        /--only: expected a list of create, profile, password, picture, virtual_background, email, status, delete, got "avatar"/,
      ],
      ["only", ",", /--only: expected at least one of/],
      ["shard", "3/3", /--shard: expected an index from 0 to 2 for 3 shards .* For example: --shard 2\/3\./],
      ["shard", "0/10001", /--shard: expected <i>\/<n> with n from 1 to 10000/],
      ["shard", "a/3", /--shard: expected <i>\/<n>/],
      ["redis", "localhost:6379", /--redis: expected a redis:\/\/ or rediss:\/\/ URL/],
      ["results", "out.txt", /--results: expected a file ending in \.csv or \.jsonl, got "out\.txt"/],
      ["report", "out.pdf", /--report: expected a file ending in \.html/],
      ["delimiter", "x", /--delimiter: expected , ; \| or tab/],
      ["requestTimeoutMs", "0", /--request-timeout: expected seconds from 1 to 600/],
      ["progress", "fancy", /--progress: expected one of auto, tty, log, off, got "fancy"/],
      ["logLevel", "loud", /--log-level: expected one of debug, info, warn, error, silent/],
      ["port", "70000", /--port: expected a port number from 0 to 65535/],
      ["assetsDir", "", /--assets-dir: expected a folder \(a non-empty text\)/],
    ];
    for (const [name, value, pattern] of bad) {
      expect(() => readOption(name, value), `${name} ${String(value)}`).toThrow(ConfigError);
      expect(() => readOption(name, value), `${name} ${String(value)}`).toThrow(pattern);
    }
  });

  it("a job file's shard has the same upper bound as the flag", () => {
    expect(() => readOption("shard", "5/100000", job)).toThrow(
      /"shard": expected <i>\/<n> with n from 1 to 10000/,
    );
  });

  it("a flag given twice is a mistake unless it is a list", () => {
    expect(() => readOption("share", ["0.5", "0.6"])).toThrow(
      `--share: expected one value, got "0.5 0.6". Give --share once.`,
    );
    expect([...(readOption("only", ["profile", "picture"]) ?? [])]).toEqual(["profile", "picture"]);
  });

  it("every option is documented with an example that its own parser accepts", () => {
    for (const [name, spec] of Object.entries(OPTIONS)) {
      expect(spec.describe.length, name).toBeGreaterThan(20);
      expect(() => readOption(name as keyof typeof OPTIONS, String(spec.example)), name).not.toThrow();
    }
  });
});

describe("readRunSettings", () => {
  it("builds the run settings, with the account's Redis prefix by default", () => {
    expect(
      readRunSettings(
        { share: "0.3", shard: "1/4", redis: "redis://r:6379", only: "profile", requestTimeoutMs: "30" },
        "flag",
        { ZOOM_ACCOUNT_ID: "acct" },
      ),
    ).toEqual({
      plan: "pro",
      share: 0.3,
      maxFailureRate: 0.5,
      diff: false,
      allowDelete: false,
      maxDeletes: 25,
      only: new Set(["profile"]),
      shard: { index: 1, count: 4 },
      redis: { url: "redis://r:6379", prefix: "zoom-bulk:acct" },
      requestTimeoutMs: 30_000,
    });
  });

  it("refuses --redis-prefix without --redis", () => {
    expect(() => readRunSettings({ redisPrefix: "x" }, "flag")).toThrow(
      /--redis-prefix: .* no --redis was given/,
    );
  });
});

describe("defaults and names", () => {
  it("the default results file is <manifest without extension>.results.csv beside the manifest", () => {
    expect(defaultResultsPath("exports/hr-export.csv")).toBe("exports/hr-export.results.csv");
    expect(defaultResultsPath("/data/users.jsonl")).toBe("/data/users.results.csv");
    expect(defaultResultsPath("m.csv")).toBe("m.results.csv");
  });

  it("closestName guesses a typo, ignoring case, - and _", () => {
    expect(closestName("shares", ["share", "shard", "state"])).toBe("share");
    expect(closestName("rn", ["run", "validate", "report"])).toBe("run");
    expect(closestName("valdiate", ["run", "validate", "report"])).toBe("validate");
    expect(closestName("Assets-Dir", ["assets_dir"])).toBe("assets_dir");
    expect(closestName("xyz", ["run", "validate"])).toBeUndefined();
  });
});
