/**
 * Desired state against the sandbox over real HTTP: `plan` reads the account (List users pages,
 * GET user where the list lacks a field) and lists only the fields that differ, writing nothing;
 * the run-diff function sends only those fields, so the sandbox's record of writes that changed
 * nothing stays empty.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yargs from "yargs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { planCommand } from "../../src/cli/plan.js";
import type { CliContext } from "../../src/cli/io.js";
import { createReadClient } from "../../src/desired/client.js";
import { collectWanted, currentOf, readCurrent, Wanted } from "../../src/desired/read.js";
import { operationsToSend } from "../../src/desired/run-diff.js";
import { createLimiters, type Limiters } from "../../src/limit/index.js";
import { createPlanner } from "../../src/plan/index.js";
import { openManifest } from "../../src/read/index.js";
import { runBatch } from "../../src/run/index.js";
import {
  sandboxEnv,
  sandboxTarget,
  startSandbox,
  type Sandbox,
  type SeedUser,
} from "../../src/sandbox/index.js";
import { createTokenProvider } from "../../src/send/auth.js";
import { createExecutor } from "../../src/send/execute.js";
import { createSender, type Sender } from "../../src/send/sender.js";
import type { PlannedRow, ResultLine } from "../../src/types.js";

const ATTRS = [
  { key: "k1", name: "Site", value: "HQ" },
  { key: "k2", name: "Team", value: "A" },
];

function seed(): SeedUser[] {
  return Array.from({ length: 40 }, (_, n) => {
    const i = n + 1;
    return {
      email: `p${i}@corp.example`,
      first_name: `First${i}`,
      last_name: "Person",
      type: 1,
      job_title: "Engineer",
      dept: "R&D",
      phone_number: "15550100",
      custom_attributes: ATTRS,
      ...(i === 40 ? { status: "inactive" as const } : {}),
    };
  });
}

/** Most rows already match (in other spellings: case, phone format, type as text, attribute order). */
function manifestRows(): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = Array.from({ length: 40 }, (_, n) => {
    const i = n + 1;
    return {
      user: `P${i}@Corp.Example`,
      first_name: `First${i}`,
      last_name: "Person",
      type: "1",
      job_title: i === 3 ? "Lead" : "Engineer",
      dept: i === 7 ? "Sales" : "R&D",
      phone_number: "+1 555-0100",
      custom_attributes: [...ATTRS].reverse(),
      ...(i === 5 ? { password: "Zq8-long-passphrase" } : {}),
    };
  });
  rows.push({ user: "new@corp.example", action: "create", first_name: "New", last_name: "Person" });
  rows.push({ user: "ghost@corp.example", job_title: "Nobody" });
  return rows;
}

let dir: string;
let sandbox: Sandbox;
let manifest: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "zb-desired-"));
  manifest = join(dir, "export.jsonl");
  writeFileSync(
    manifest,
    manifestRows()
      .map((r) => JSON.stringify(r))
      .join("\n") + "\n",
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  sandbox = await startSandbox({
    users: seed(),
    plan: "business",
    startTime: Date.parse("2026-11-24T12:00:00Z"),
  });
});
afterEach(() => sandbox.close());

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const ctx: CliContext = {
    io: {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (err += t) } as CliContext["io"]["stderr"],
      env: sandboxEnv(sandbox),
    },
    exitCode: 0,
  };
  await yargs().command(planCommand(ctx)).strict().exitProcess(false).parseAsync(argv);
  return { code: ctx.exitCode, out, err };
}

describe("zoom-bulk plan", () => {
  it("lists only the differing fields, the users to create and the missing, and writes nothing", async () => {
    const json = join(dir, "plan.json");
    const { code, out } = await cli(["plan", manifest, "--plan", "business", "--json", json]);
    expect(code).toBe(1); // ghost@ is not in Zoom
    expect(out.replace(/\(\d+\.\d s\)/, "(T s)")).toBe(
      [
        "row 3 (line 3) P3@Corp.Example",
        '  profile: job_title: "Engineer" -> "Lead"',
        "row 5 (line 5) P5@Corp.Example",
        "  password: password: changes",
        "row 7 (line 7) P7@Corp.Example",
        '  profile: dept: "R&D" -> "Sales"',
        "row 41 (line 41) new@corp.example (create)",
        '  create: user: (empty) -> "new@corp.example"',
        "row 42 (line 42) ghost@corp.example (not in Zoom; the row does not create it)",
        '  profile: job_title: (empty) -> "Nobody"',
        "",
        "Read 40 account users in 3 List users pages of 300 (T s).",
        "42 rows: 5 users change, 5 operations to send, 38 unchanged, 0 invalid.",
        "Users to create: 1 (new@corp.example)",
        "Users not in Zoom (their rows will fail): 1 (ghost@corp.example)",
        "Requests per label (reads made + writes to send):",
        "  Light: 40 reads + 4 writes at 64/s, 1 s",
        "  Medium: 3 reads + 1 writes at 48/s, 1 s",
        "ETA of run --diff: 1 s (plan business, share 0.8).",
        "",
      ].join("\n"),
    );
    // writes nothing to Zoom: every API call is a GET
    const api = sandbox.state.log.filter((e) => e.path.startsWith("/v2/"));
    expect(new Set(api.map((e) => e.method))).toEqual(new Set(["GET"]));
    expect(api.filter((e) => e.endpoint === "listUsers").map((e) => e.query)).toEqual(
      expect.arrayContaining([
        "status=active&page_size=2000&include_fields=custom_attributes",
        "status=inactive&page_size=2000&include_fields=custom_attributes",
        "status=pending&page_size=2000&include_fields=custom_attributes",
      ]),
    );
    expect(sandbox.state.noopWrites).toEqual([]);
    expect(statSync(json).mode & 0o777).toBe(0o600);
    const written = JSON.parse(readFileSync(json, "utf8")) as {
      users: unknown[];
      totals: { creates: unknown };
    };
    expect(written.users).toHaveLength(5);
    expect(written.totals.creates).toEqual({ count: 1, first: ["new@corp.example"] });
    expect(readFileSync(json, "utf8")).not.toContain("Zq8-long-passphrase");
  });
});

describe("run --diff (operationsToSend with the executor)", () => {
  let limiters: Limiters;
  let sender: Sender;
  beforeEach(() => {
    const tokens = createTokenProvider({ oauthUrl: sandbox.oauthUrl, ...sandbox.credentials });
    limiters = createLimiters({ plan: "pro", share: 1 });
    sender = createSender({ apiUrl: sandbox.apiUrl, tokens });
    Object.assign(ctx, { tokens });
  });
  const ctx: { tokens?: ReturnType<typeof createTokenProvider> } = {};
  afterEach(async () => {
    await sender.close();
    await limiters.stop();
  });

  it("sends only the differing fields: the sandbox records no write that changed nothing", async () => {
    const tokens = ctx.tokens as ReturnType<typeof createTokenProvider>;
    const plan = createPlanner({ manifestDir: dir, env: {} });
    const opened = await openManifest(manifest);
    const planned: PlannedRow[] = [];
    for await (const record of opened.records()) planned.push(await plan(record));
    const wanted = await collectWanted(
      (async function* () {
        yield* planned;
      })(),
    );
    const read = await readCurrent(wanted, createReadClient({ sender, limiters, tokens }));
    expect(read.pageSize).toBe(300); // asked 2000, the sandbox caps at 300 and says so
    const executor = createExecutor({ sender, limiters, tokens });
    const unchanged: ResultLine[] = [];
    const sent: string[] = [];
    const writesBefore = sandbox.state.log.length;
    for (const row of planned) {
      const diff = operationsToSend(row, currentOf(read, row.user), Date.parse("2026-11-24T12:00:00Z"));
      unchanged.push(...diff.unchanged);
      const session = executor.row();
      for (const op of diff.operations) {
        const result = await session.execute(op);
        sent.push(
          `${op.user} ${op.op} ${JSON.stringify(op.op === "password" ? "***" : op.body)} ${result.outcome}`,
        );
      }
    }
    expect(sent).toEqual([
      'P3@Corp.Example profile {"job_title":"Lead"} ok',
      'P5@Corp.Example password "***" ok',
      'P7@Corp.Example profile {"dept":"Sales"} ok',
      'new@corp.example create {"action":"create","user_info":{"email":"new@corp.example","type":1,"first_name":"New","last_name":"Person"}} ok',
      'ghost@corp.example profile {"job_title":"Nobody"} failed',
    ]);
    expect(unchanged).toHaveLength(38);
    expect(new Set(unchanged.map((l) => l.outcome))).toEqual(new Set(["unchanged"]));
    expect(sandbox.state.noopWrites).toEqual([]);
    const writes = sandbox.state.log
      .slice(writesBefore)
      .filter((e) => e.method !== "GET" && e.path.startsWith("/v2/"));
    expect(writes.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      "PATCH /v2/users/P3%40Corp.Example 204",
      "PUT /v2/users/P5%40Corp.Example/password 204",
      "PATCH /v2/users/P7%40Corp.Example 204",
      "POST /v2/users 201",
      "PATCH /v2/users/ghost%40corp.example 404",
    ]);
  });

  it("falls back to 300 a page when Zoom refuses the page size", async () => {
    const tokens = ctx.tokens as ReturnType<typeof createTokenProvider>;
    const wanted = new Wanted();
    wanted.users.set("p1@corp.example", 0);
    wanted.fields.add("job_title");
    const read = await readCurrent(wanted, createReadClient({ sender, limiters, tokens }), {
      pageSize: 2001,
    });
    expect(read.pageSize).toBe(300);
    expect(currentOf(read, "P1@corp.example")?.profile.job_title).toBeUndefined(); // the list lacks it
    const lists = sandbox.state.log.filter((e) => e.endpoint === "listUsers");
    expect(lists.map((e) => `${e.status} ${e.query ?? ""}`)).toEqual([
      "400 status=active&page_size=2001&include_fields=custom_attributes",
      "200 status=active&page_size=300&include_fields=custom_attributes",
      "200 status=inactive&page_size=300&include_fields=custom_attributes",
      "200 status=pending&page_size=300&include_fields=custom_attributes",
    ]);
  });
});

describe("a manifest small beside its account", () => {
  it("is looked up user by user when that beats listing the account", async () => {
    const big = await startSandbox({ users: 3000, plan: "business", latency: 40 });
    const tokens = createTokenProvider({ oauthUrl: big.oauthUrl, ...big.credentials });
    const limiters = createLimiters({ plan: "business", share: 0.8 });
    const sender = createSender({ apiUrl: big.apiUrl, tokens });
    try {
      const wanted = new Wanted();
      for (const user of ["user3@example.com", "User2500@example.com", "ghost@example.com"])
        wanted.note({
          row: 1,
          line: 2,
          user,
          operations: [
            {
              row: 1,
              line: 2,
              user,
              op: "profile",
              index: 0,
              endpoint: "updateUser",
              body: { dept: "X" },
              target: "",
            },
          ],
          invalid: [],
        });
      const read = await readCurrent(wanted, createReadClient({ sender, limiters, tokens }), {
        lookupPerSecond: 64,
      });
      expect(read.lookups).toBe(2);
      expect(currentOf(read, "USER3@example.com")?.email).toBe("user3@example.com");
      expect(currentOf(read, "user2500@example.com")?.status).toBe("active");
      expect(currentOf(read, "ghost@example.com")).toBeUndefined();
      expect(
        big.state.log
          .filter((e) => e.path.startsWith("/v2/"))
          .map((e) => `${e.endpoint ?? ""} ${e.status}`)
          .sort(),
      ).toEqual(["getUser 200", "getUser 404", "listUsers 200"]);
    } finally {
      await sender.close();
      await limiters.stop();
      await big.close();
    }
  });
});

describe("run --diff", () => {
  it("sends only what differs, reports the rest unchanged, and a second run of the same export writes nothing", async () => {
    const own = await startSandbox({ plan: "pro", users: seed(), seed: 41 });
    try {
      const config = (results: string) => ({
        manifest,
        results: join(dir, results),
        plan: "pro" as const,
        share: 1,
        diff: true,
        zoom: sandboxTarget(own),
      });
      const first = await runBatch(config("diff1.csv"));
      expect(first.outcomes).toMatchObject({ ok: 4, failed: 1, unchanged: 38 });
      expect(own.state.noopWrites).toEqual([]);
      const writes = () => own.state.log.filter((e) => e.method !== "GET" && e.path.startsWith("/v2/"));
      expect(writes()).toHaveLength(5);
      own.state.reset();
      const second = await runBatch(config("diff2.csv"));
      // The password cannot be read back, so it is sent again; the ghost still does not exist.
      expect(writes().map((e) => `${e.method} ${e.path}`)).toEqual([
        "PUT /v2/users/P5%40Corp.Example/password",
        "PATCH /v2/users/ghost%40corp.example",
      ]);
      expect(second.outcomes).toMatchObject({ unchanged: 41 });
      expect(own.state.noopWrites).toEqual([]);
    } finally {
      await own.close();
    }
  });
});
