/**
 * `run --diff --prune --scope …` against the sandbox over real HTTP (issue 15 item 5): exactly the
 * scope's active users the manifest does not name are deactivated (op status, target prune, row
 * 0), never the owner, never a user a row names (an invalid row included), never one outside the
 * scope; past `--max-prune` the run stops with exit 5 and the sandbox sees no write at all. And
 * `zoom-bulk plan --prune` shows the count and the first names, the JSON the whole list.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yargs from "yargs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CliContext } from "../../src/cli/io.js";
import { plan, planCommand } from "../../src/cli/plan.js";
import type { RunConfig } from "../../src/config.js";
import { parseScope, type PruneScope } from "../../src/desired/scope.js";
import { runBatch } from "../../src/run/index.js";
import {
  sandboxEnv,
  sandboxTarget,
  startSandbox,
  type Sandbox,
  type SeedUser,
} from "../../src/sandbox/index.js";
import { normalise, readResults } from "../helpers/results.js";

/** corp.example: the owner, 30 staff the export names, 3 leavers, an inactive and a pending one; others elsewhere. */
function seed(): SeedUser[] {
  const staff = Array.from({ length: 30 }, (_, n) => ({
    email: `s${n + 1}@corp.example`,
    first_name: `Staff${n + 1}`,
    last_name: "Person",
    dept: n < 10 ? "Ops" : "R&D",
    group_ids: n < 5 ? ["grp-a"] : [],
  }));
  return [
    { email: "boss@corp.example", role_name: "Owner", first_name: "Boss", dept: "Ops" },
    ...staff,
    { email: "left1@corp.example", first_name: "Lea", last_name: "Ver", dept: "Ops", group_ids: ["grp-a"] },
    { email: "left2@Corp.Example", first_name: "Leo", last_name: "Gone", dept: " ops " },
    { email: "left3@corp.example", first_name: "Lia", last_name: "Out", dept: "R&D" },
    { email: "idle@corp.example", status: "inactive" },
    { email: "invited@corp.example", status: "pending" },
    { email: "ext@partner.example", first_name: "Ext", dept: "Partners", group_ids: ["grp-a"] },
  ];
}

/** The staff, one row each: s2's row is invalid (a bad type), s3 is named by its id. */
function manifestRows(): Record<string, unknown>[] {
  return Array.from({ length: 30 }, (_, n) => {
    const i = n + 1;
    if (i === 2) return { user: "S2@corp.example", type: "seven" };
    if (i === 3) return { user: "ID-S3", job_title: "Lead" };
    return { user: `s${i}@corp.example`, job_title: i === 4 ? "Lead" : "" };
  });
}

let dir: string;
let manifest: string;
let sandbox: Sandbox;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "zb-prune-"));
  manifest = join(dir, "staff.jsonl");
  writeFileSync(
    manifest,
    manifestRows()
      .map((r) => JSON.stringify(r))
      .join("\n") + "\n",
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  const users = seed().map((u) => (u.email === "s3@corp.example" ? { ...u, id: "ID-S3" } : u));
  sandbox = await startSandbox({ users, plan: "business", startTime: Date.parse("2026-11-24T12:00:00Z") });
});
afterEach(() => sandbox.close());

const scope = (text: string): PruneScope => parseScope(text) as PruneScope;
function config(results: string, over: Partial<RunConfig> = {}): RunConfig {
  return {
    manifest,
    results: join(dir, results),
    plan: "business",
    share: 1,
    diff: true,
    prune: true,
    scope: scope("domain:corp.example"),
    zoom: sandboxTarget(sandbox),
    ...over,
  };
}
const writes = () =>
  sandbox.state.log
    .filter((e) => e.method !== "GET" && e.path.startsWith("/v2/"))
    .map((e) => `${e.method} ${e.path}`);
const statusOf = (email: string) => sandbox.state.getUser(email)?.status;

describe("run --diff --prune", () => {
  it("deactivates exactly the scope's active users the manifest does not name", async () => {
    const summary = await runBatch(config("domain.csv", { maxPrune: { count: 3 } }));
    expect(summary.exit_code).toBe(1); // s2's invalid row
    const lines = readResults(join(dir, "domain.csv")).map(normalise);
    const prunes = lines.filter((l) => l.row === 0).sort((a, b) => a.user.localeCompare(b.user));
    expect(prunes).toEqual(
      ["left1@corp.example", "left2@Corp.Example", "left3@corp.example"].map((user) => ({
        row: 0,
        line: 0,
        user,
        op: "status",
        target: "prune",
        outcome: "ok",
        http_status: 204,
        zoom_code: "",
        message: "",
        attempts: 1,
        duration_ms: 0,
        tracking_id: "<tracking-id>",
        finished_at: "<time>",
      })),
    );
    expect(writes().sort()).toEqual([
      "PATCH /v2/users/ID-S3",
      "PATCH /v2/users/s4%40corp.example",
      "PUT /v2/users/left1%40corp.example/status",
      "PUT /v2/users/left2%40Corp.Example/status",
      "PUT /v2/users/left3%40corp.example/status",
    ]);
    for (const email of ["left1@corp.example", "left2@corp.example", "left3@corp.example"])
      expect(statusOf(email)).toBe("inactive");
    for (const email of ["boss@corp.example", "s2@corp.example", "s3@corp.example", "ext@partner.example"])
      expect(statusOf(email)).toBe("active");
    expect(statusOf("invited@corp.example")).toBe("pending");
    expect(sandbox.state.noopWrites).toEqual([]);
    // the journal keeps each leaver's status before, so `zoom-bulk undo` can switch them back on
    const journal = readFileSync(join(dir, "domain.csv.journal.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { row: number; user: string; target: string; before?: unknown });
    expect(
      journal
        .filter((e) => e.target === "prune")
        .map((e) => [e.row, e.user.toLowerCase(), e.before])
        .sort(),
    ).toEqual([
      [0, "left1@corp.example", { status: "active" }],
      [0, "left2@corp.example", { status: "active" }],
      [0, "left3@corp.example", { status: "active" }],
    ]);
    // the prunes have no manifest row: the retry file holds only s2's row
    expect(readFileSync(join(dir, "domain.csv.retry.jsonl"), "utf8")).toBe(
      JSON.stringify({ user: "S2@corp.example", type: "seven" }) + "\n",
    );
  });

  it("a group: scope takes its members, whatever their domain", async () => {
    const summary = await runBatch(
      config("group.csv", { scope: scope("group:grp-a"), maxPrune: { count: 2 } }),
    );
    expect(summary.by_op.status).toEqual({ ok: 2 });
    expect(writes().filter((w) => w.endsWith("/status"))).toEqual(
      expect.arrayContaining([
        "PUT /v2/users/left1%40corp.example/status",
        "PUT /v2/users/ext%40partner.example/status",
      ]),
    );
    expect(writes().filter((w) => w.endsWith("/status"))).toHaveLength(2);
    expect(statusOf("left2@corp.example")).toBe("active");
  });

  it("stops with exit 5 and zero writes past --max-prune (default 5% of the scope)", async () => {
    const summary = await runBatch(config("stop.csv"));
    expect(summary.exit_code).toBe(5);
    expect(summary.stop_reason).toBe("safety");
    expect(summary.stopped).toBe(
      "3 users of domain:corp.example (34 active) would be pruned, more than --max-prune 5% (default) allows (1): left1@corp.example, left2@Corp.Example, left3@corp.example. Nothing was sent. Check that the manifest holds the whole scope; if these leavers are meant, rerun with a higher --max-prune.",
    );
    expect(writes()).toEqual([]);
    expect(readResults(join(dir, "stop.csv"))).toEqual([]);
  });
});

async function cli(argv: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const ctx: CliContext = {
    io: {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: () => true } as unknown as CliContext["io"]["stderr"],
      env: sandboxEnv(sandbox),
    },
    exitCode: 0,
  };
  await yargs().command(planCommand(ctx)).strict().exitProcess(false).parseAsync(argv);
  return { code: ctx.exitCode, out };
}

describe("zoom-bulk plan --prune", () => {
  it("shows the count and the first names, the JSON every leaver, and writes nothing", async () => {
    const json = join(dir, "plan.json");
    const { code, out } = await cli([
      "plan",
      manifest,
      "--plan",
      "business",
      "--prune",
      "--scope",
      "dept:ops",
      "--json",
      json,
    ]);
    expect(code).toBe(5); // 2 leavers; 5% of 13 allows 1
    expect(out).toContain(
      [
        "Users to prune in dept:ops (active, named by no row; 13 active in the scope): 2 (left1@corp.example, left2@Corp.Example)",
        "  More than --max-prune 5% (default) allows (1): run --diff --prune would stop (exit 5) before any change.",
        "  Kept although no row names them (the account owner): boss@corp.example",
        "",
      ].join("\n"),
    );
    const plan = JSON.parse(readFileSync(json, "utf8")) as { totals: { prune: unknown } };
    expect(plan.totals.prune).toEqual({
      scope: "dept:ops",
      scope_active: 13,
      max_prune: "5% (default)",
      limit: 1,
      count: 2,
      over_limit: true,
      first: ["left1@corp.example", "left2@Corp.Example"],
      kept: ["boss@corp.example"],
      users: [
        { id: expect.any(String), email: "left1@corp.example", first_name: "Lea", last_name: "Ver" },
        { id: expect.any(String), email: "left2@Corp.Example", first_name: "Leo", last_name: "Gone" },
      ],
    });
    expect(writes()).toEqual([]);
  });

  it("refuses --prune without --scope, naming what to add", async () => {
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: sandboxEnv(sandbox) };
    await expect(plan({ manifest, prune: true }, io as unknown as CliContext["io"])).rejects.toThrow(
      "--prune needs --scope: the users the manifest is the whole truth for (domain:<email domain>, group:<group id> or dept:<department name>). Add for example --scope domain:corp.example.",
    );
    await expect(plan({ manifest, scope: "dept:ops" }, io as unknown as CliContext["io"])).rejects.toThrow(
      /^--scope: .* Add --prune/,
    );
  });
});
