/**
 * Secrets never leave the job (issue 6): passwords (plain, `env:NAME`, `file:PATH`; valid ones that
 * are sent, ones Zoom would refuse, ones in unreadable records), the client secret and the access
 * tokens never appear in stdout, stderr, the log, the results, the summary or any other file the job
 * wrote. Every secret is a unique random string; every byte the job produced is searched for it and
 * for every 10-character piece of it (a truncated quote of a secret is a leak too).
 *
 * The job runs as a real child process (`node --import tsx src/cli.ts`), so what reaches the
 * terminal is exactly what an operator would see, crash output included.
 */
import { spawn } from "node:child_process";
import { randomInt } from "node:crypto";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPlainPassword, plainPasswordWarning } from "../../src/plan/secrets.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { checkPassword } from "../../src/zoom/rules.js";
import { readResults, sortResults } from ".././helpers/results.js";

const REPO = join(import.meta.dirname, "..", "..");
/** tsx's loader by URL: the child runs in a temporary folder, where the package name does not resolve. */
const TSX = pathToFileURL(join(REPO, "node_modules", "tsx", "dist", "loader.mjs")).href;
const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789";

/** A random string of `length` characters from ALPHABET, so every 10-character piece is unique. */
function random(length: number): string {
  return Array.from({ length }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
}

/** A random password Zoom accepts (8–32 characters, upper, lower, digit, no runs). */
function validPassword(): string {
  for (;;) {
    const candidate = `Q${random(24)}7k`;
    if (!checkPassword(candidate)) return candidate;
  }
}

const secrets = {
  clientSecret: `cs-${random(32)}`,
  wrongClientSecret: `cs-${random(32)}`,
  staticToken: `tok-${random(40)}`,
  plain: validPassword(),
  env: validPassword(),
  file: validPassword(),
  ghost: validPassword(),
  repeated: validPassword(),
  withBadPicture: validPassword(),
  json: validPassword(),
  /** 40 characters: Zoom's limit is 32. */
  tooLong: `Aa7${random(37)}`,
  /** No upper case. */
  noUpper: `${random(20).toLowerCase()}7q`,
  /** 7 characters: Zoom wants 8. */
  envTooShort: `Ab7${random(4)}`,
  /** No digit. */
  fileNoDigit: `Ab${random(20).replace(/\d/g, "x")}`,
  inRaggedRow: validPassword(),
  inUnclosedQuote: validPassword(),
  unquotedInJson: validPassword(),
  pastedInJobTitle: validPassword(),
};
/** Tokens the sandbox issued during the tests; searched for like the secrets. */
const issuedTokens: string[] = [];

let sandbox: Sandbox;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ plan: "business", credentials: { clientSecret: secrets.clientSecret } });
  const issue = sandbox.state.issueToken.bind(sandbox.state);
  sandbox.state.issueToken = () => {
    const issued = issue();
    issuedTokens.push(issued.token);
    return issued;
  };
  dir = mkdtempSync(join(tmpdir(), "zb-secrets-"));
  mkdirSync(join(dir, "in"));
  mkdirSync(join(dir, "out"));
  writeFileSync(join(dir, "in", "pw.txt"), `${secrets.file}\n`);
  writeFileSync(join(dir, "in", "bad.txt"), `${secrets.fileNoDigit}\n`);
  writeFileSync(join(dir, "in", "face.txt"), "not a picture");
  const s = secrets;
  writeFileSync(
    join(dir, "in", "manifest.csv"),
    [
      "user,password,job_title,picture",
      `user1@example.com,${s.plain},Secret keeper,`,
      `user2@example.com,env:ZB_TEST_PASSWORD,,`,
      `user3@example.com,file:pw.txt,,`,
      `ghost@example.com,${s.ghost},,`,
      `user4@example.com,${s.repeated},,`,
      `user4@example.com,${s.repeated},,`,
      `user5@example.com,${s.tooLong},,`,
      `user6@example.com,${s.noUpper},,`,
      `user7@example.com,env:ZB_TEST_SHORT,,`,
      `user8@example.com,file:bad.txt,,`,
      `user9@example.com,${s.withBadPicture},${"x".repeat(200)},face.txt`,
      `user10@example.com,${s.inRaggedRow},extra,cells,here`,
      `user11@example.com,,${s.pastedInJobTitle},`,
      `user12@example.com,"${s.inUnclosedQuote},never closed`,
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "in", "manifest.jsonl"),
    [
      JSON.stringify({ user: "user13@example.com", password: s.json }),
      `{"user":"user14@example.com","password":${s.unquotedInJson}}`,
      JSON.stringify({ user: "user15@example.com", password: "env:ZB_TEST_PASSWORD" }),
      JSON.stringify({ user: "user16@example.com", password: s.tooLong }),
      "",
    ].join("\n"),
  );
});

afterAll(async () => {
  await sandbox.close();
});

interface Job {
  code: number | null;
  stdout: Buffer;
  stderr: Buffer;
}

/** Runs the CLI as a child process with only the environment given (plus PATH and HOME). */
function runCli(args: string[], env: Record<string, string>): Promise<Job> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", TSX, join(REPO, "src", "cli.ts"), ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? dir, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
  });
}

function sandboxEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ZOOM_API_URL: sandbox.apiUrl,
    ZOOM_OAUTH_URL: sandbox.oauthUrl,
    ZOOM_ACCOUNT_ID: sandbox.credentials.accountId,
    ZOOM_CLIENT_ID: sandbox.credentials.clientId,
    ZOOM_CLIENT_SECRET: secrets.clientSecret,
    ZB_TEST_PASSWORD: secrets.env,
    ZB_TEST_SHORT: secrets.envTooShort,
    ...overrides,
  };
}

/**
 * Files the test wrote as input: the only places a secret may be. The failures-only file
 * (`<results>.retry.csv`) and `validate --invalid-rows` are copies of manifest rows, made to be
 * fixed and run again, so they hold what those rows held; they must be 0600 (checked below).
 */
const isManifestCopy = (path: string): boolean => /\.retry\.(csv|jsonl)$|invalid-rows/.test(path);
const isInput = (path: string): boolean => relative(dir, path).startsWith("in") || isManifestCopy(path);

/** Every file under `root` (the job's outputs: results, summaries, logs, anything else). */
function walk(root: string): string[] {
  return readdirSync(root, { withFileTypes: true }).flatMap((entry) => {
    const path = join(root, entry.name);
    return entry.isDirectory() ? walk(path) : entry.isFile() ? [path] : [];
  });
}

/** Every secret, and every 10-character piece of it. */
function needles(): { name: string; piece: string }[] {
  const all = [...Object.entries(secrets), ...issuedTokens.map((t, i): [string, string] => [`token${i}`, t])];
  return all.flatMap(([name, secret]) => {
    if (secret.length <= 10) return [{ name, piece: secret }];
    return Array.from({ length: secret.length - 9 }, (_, i) => ({ name, piece: secret.slice(i, i + 10) }));
  });
}

/** Searches stdout, stderr and every output file for every secret. */
function expectNoSecret(job: Job): void {
  const haystacks: [string, Buffer][] = [
    ["stdout", job.stdout],
    ["stderr", job.stderr],
    ...walk(dir)
      .filter((path) => !isInput(path))
      .map((path): [string, Buffer] => [relative(dir, path), readFileSync(path)]),
  ];
  for (const copy of walk(dir).filter(isManifestCopy))
    expect(statSync(copy).mode & 0o777, relative(dir, copy)).toBe(0o600);
  const found: string[] = [];
  for (const { name, piece } of needles())
    for (const [where, bytes] of haystacks) if (bytes.includes(piece)) found.push(`${name} in ${where}`);
  expect([...new Set(found)]).toEqual([]);
}

describe("secrets never appear in anything the job writes", () => {
  it("a full CSV run with debug logs to a file: results and summary 0600, every kind of password refused or sent, no secret anywhere", async () => {
    const job = await runCli(
      [
        "run",
        "in/manifest.csv",
        "--plan",
        "business",
        "--results",
        "out/csv-run.csv",
        "--log-level",
        "debug",
        "--log-file",
        "out/csv-run.log",
      ],
      sandboxEnv(),
    );
    expect(job.code, job.stderr.toString()).toBe(1);
    const lines = readResults(join(dir, "out", "csv-run.csv"));
    const outcome = (user: string, op: string) =>
      lines.filter((l) => l.user === user && l.op === op).map((l) => [l.outcome, l.zoom_code]);
    // The passwords really went through every path: sent, refused by Zoom, refused here, unreadable.
    expect(outcome("user1@example.com", "password")).toEqual([["ok", ""]]);
    expect(outcome("user2@example.com", "password")).toEqual([["ok", ""]]);
    expect(outcome("user3@example.com", "password")).toEqual([["ok", ""]]);
    expect(outcome("ghost@example.com", "password")).toEqual([["failed", 1001]]);
    expect(outcome("user4@example.com", "password")).toEqual([
      ["ok", ""],
      ["failed", 300],
    ]);
    expect(outcome("user5@example.com", "password")).toEqual([["invalid", "E_PASSWORD"]]);
    expect(outcome("user6@example.com", "password")).toEqual([["invalid", "E_PASSWORD"]]);
    expect(outcome("user7@example.com", "password")).toEqual([["invalid", "E_PASSWORD"]]);
    expect(outcome("user8@example.com", "password")).toEqual([["invalid", "E_PASSWORD"]]);
    expect(outcome("user9@example.com", "password")).toEqual([["ok", ""]]);
    expect(outcome("user11@example.com", "profile")).toEqual([["ok", ""]]);
    expect(lines.filter((l) => l.op === "row").map((l) => l.zoom_code)).toEqual([
      "E_ROW_COLUMNS",
      "E_ROW_QUOTE",
    ]);
    expect(sandbox.state.passwordMatches("user1@example.com", secrets.plain)).toBe(true);
    expect(sandbox.state.passwordMatches("user2@example.com", secrets.env)).toBe(true);
    expect(sandbox.state.passwordMatches("user3@example.com", secrets.file)).toBe(true);
    expect(issuedTokens.length).toBeGreaterThan(0);
    // The debug log really logged the rows (so the search below means something).
    expect(readFileSync(join(dir, "out", "csv-run.log"), "utf8")).toMatch(/"op.sent"/);

    for (const file of ["out/csv-run.csv", "out/csv-run.csv.summary.json"])
      expect(statSync(join(dir, file)).mode & 0o777, file).toBe(0o600);
    expectNoSecret(job);
  });

  it("the same run with debug logs on stderr and JSON Lines results, then a JSON Lines manifest with an unquoted password", async () => {
    const csv = await runCli(
      [
        "run",
        "in/manifest.csv",
        "--plan",
        "business",
        "--results",
        "out/stderr-run.jsonl",
        "--log-level",
        "debug",
      ],
      sandboxEnv(),
    );
    expect(csv.code, csv.stderr.toString()).toBe(1);
    expect(csv.stderr.toString()).toMatch(/"op.sent"/);
    expectNoSecret(csv);

    const jsonl = await runCli(
      [
        "run",
        "in/manifest.jsonl",
        "--plan",
        "business",
        "--results",
        "out/jsonl-run.csv",
        "--log-level",
        "debug",
      ],
      sandboxEnv(),
    );
    expect(jsonl.code, jsonl.stderr.toString()).toBe(1);
    const lines = sortResults(readResults(join(dir, "out", "jsonl-run.csv")));
    expect(lines.map((l) => [l.row, l.op, l.outcome, l.zoom_code])).toEqual([
      [1, "password", "ok", ""],
      [2, "row", "invalid", "E_ROW_JSON"],
      [3, "password", "ok", ""],
      [4, "password", "invalid", "E_PASSWORD"],
    ]);
    expectNoSecret(jsonl);
  });

  it("validate (the dry run) prints no secret; the invalid rows it copies out are 0600", async () => {
    const job = await runCli(
      ["validate", "in/manifest.csv", "--plan", "business", "--invalid-rows", "out/invalid-rows.csv"],
      sandboxEnv(),
    );
    expect(job.code, job.stderr.toString()).toBe(1);
    expect(job.stdout.toString()).toMatch(/invalid by code: /);
    expect(job.stdout.toString()).toMatch(/invalid rows: \d+ written to out\/invalid-rows\.csv/);
    expectNoSecret(job);
  });

  it("refused credentials (exit 3): neither the wrong client secret nor a refused ZOOM_ACCESS_TOKEN is printed", async () => {
    const wrongSecret = await runCli(
      ["run", "in/manifest.csv", "--results", "out/wrong-secret.csv", "--log-level", "debug"],
      sandboxEnv({ ZOOM_CLIENT_SECRET: secrets.wrongClientSecret }),
    );
    expect(wrongSecret.code).toBe(3);
    expect(wrongSecret.stderr.toString()).toMatch(/refused the credentials/);
    expectNoSecret(wrongSecret);

    const badToken = await runCli(
      ["run", "in/manifest.csv", "--results", "out/bad-token.csv", "--log-level", "debug"],
      sandboxEnv({ ZOOM_ACCESS_TOKEN: secrets.staticToken }),
    );
    expect(badToken.code).toBe(3);
    expect(badToken.stderr.toString()).toMatch(/ZOOM_ACCESS_TOKEN/);
    expectNoSecret(badToken);
  });

  it("crash-like paths print no secret: a results file that cannot be created, a manifest that cannot be read", async () => {
    const noFolder = await runCli(
      ["run", "in/manifest.csv", "--results", "out/no/such/folder/r.csv", "--log-level", "debug"],
      sandboxEnv(),
    );
    expect(noFolder.code).toBe(2);
    expect(noFolder.stderr.toString()).toMatch(/--results: the folder .* does not exist/);
    expect(noFolder.stderr.toString()).toMatch(/^zoom-bulk: /m);
    expectNoSecret(noFolder);

    const notAFile = await runCli(
      ["run", "in", "--results", "out/dir.csv", "--log-level", "debug"],
      sandboxEnv({ ZOOM_CLIENT_SECRET: secrets.clientSecret }),
    );
    expect(notAFile.code).toBe(2);
    expectNoSecret(notAFile);
  });
});

describe("the warning for a manifest with plain passwords that others can read", () => {
  it("warns when group or others may read it, never naming a password", () => {
    const path = join(dir, "in", "warn.csv");
    writeFileSync(path, `user,password\nu@example.com,${secrets.plain}\n`);
    chmodSync(path, 0o644);
    const warning = plainPasswordWarning(path, true, "linux");
    expect(warning).toMatch(/warn\.csv holds plain-text passwords and can be read by .*every user/);
    expect(warning).toMatch(/mode 644/);
    expect(warning).toMatch(/env:NAME or file:PATH/);
    expect(warning).not.toContain(secrets.plain);
    chmodSync(path, 0o640);
    expect(plainPasswordWarning(path, true, "linux")).toMatch(/can be read by its group on/);
  });

  it("says nothing for a 0600 manifest, without plain passwords, on Windows, or for a file gone", () => {
    const path = join(dir, "in", "quiet.csv");
    writeFileSync(path, "user,password\nu@example.com,env:PW\n");
    chmodSync(path, 0o600);
    expect(plainPasswordWarning(path, true, "linux")).toBeUndefined();
    chmodSync(path, 0o644);
    expect(plainPasswordWarning(path, false, "linux")).toBeUndefined();
    expect(plainPasswordWarning(path, true, "win32")).toBeUndefined();
    expect(plainPasswordWarning(join(dir, "in", "gone.csv"), true, "linux")).toBeUndefined();
  });

  it("tells a plain password from env: and file: references", () => {
    expect(isPlainPassword("Secret-Pass-7x")).toBe(true);
    expect(isPlainPassword("env:ZOOM_PW")).toBe(false);
    expect(isPlainPassword("file:pw.txt")).toBe(false);
    expect(isPlainPassword("")).toBe(false);
    expect(isPlainPassword(undefined)).toBe(false);
    expect(isPlainPassword(12345678)).toBe(false);
  });
});
