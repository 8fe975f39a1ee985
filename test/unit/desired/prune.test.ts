import { describe, expect, it } from "vitest";
import { runConfigFromArgs } from "../../../src/cli/run.js";
import { readRunSettings } from "../../../src/config.js";
import type { ReadAnswer, ReadClient } from "../../../src/desired/client.js";
import { collectNames, decidePrune, PruneIndex, pruneRow } from "../../../src/desired/prune.js";
import { MAX_LIST_RESTARTS, readCurrent, ReadError, Wanted } from "../../../src/desired/read.js";
import {
  inScope,
  maxPruneOf,
  parsePruneLimit,
  parseScope,
  type PruneScope,
} from "../../../src/desired/scope.js";
import { TransformError } from "../../../src/job/transform.js";
import { shardOf } from "../../../src/shard.js";
import type { ManifestRecord, Operation } from "../../../src/types.js";
import { OK_READ_RESULT, okRead } from "../../helpers/read-answers.js";

describe("--scope", () => {
  it("reads domain:, group: and dept:, and refuses anything else", () => {
    expect(parseScope("domain:Corp.Example")).toEqual({ kind: "domain", value: "Corp.Example" });
    expect(parseScope(" domain: @corp.example ")).toEqual({ kind: "domain", value: "corp.example" });
    expect(parseScope("GROUP:abc123")).toEqual({ kind: "group", value: "abc123" });
    expect(parseScope("dept: Sales Ops ")).toEqual({ kind: "dept", value: "Sales Ops" });
    for (const bad of [
      "corp.example",
      "domain:",
      "domain:corp",
      "domain:a@b.c",
      "group:a b",
      "site:x",
      "dept:  ",
    ])
      expect(parseScope(bad), bad).toBeUndefined();
  });

  it("matches the email domain, a group id, or the dept (trimmed, case-insensitive)", () => {
    const user = { email: "Ann@Corp.Example", group_ids: ["g1", "g2"], dept: " Sales  " };
    const scope = (text: string): PruneScope => parseScope(text) as PruneScope;
    expect(inScope(user, scope("domain:corp.example"))).toBe(true);
    expect(inScope(user, scope("domain:other.example"))).toBe(false);
    expect(inScope({ email: "ann@sub.corp.example" }, scope("domain:corp.example"))).toBe(false);
    expect(inScope(user, scope("group:g2"))).toBe(true);
    expect(inScope(user, scope("group:G2"))).toBe(false); // ids are exact
    expect(inScope({ email: "x@y.z" }, scope("group:g2"))).toBe(false);
    expect(inScope(user, scope("dept:sales"))).toBe(true);
    expect(inScope(user, scope("dept:Sales Ops"))).toBe(false);
  });

  it("--scope, --prune and --max-prune are refused with the fix when they come alone or wrong", () => {
    expect(() => readRunSettings({ scope: "nope" }, "flag")).toThrow(
      '--scope: expected domain:<email domain>, group:<group id> or dept:<department name>, got "nope". For example: --scope domain:corp.example.',
    );
    expect(() => readRunSettings({ scope: "domain:corp.example" }, "flag")).toThrow(
      /^--scope: .*--prune was not given\. Add --prune \(with --diff\), or drop --scope\.$/,
    );
    expect(() => readRunSettings({ prune: true, scope: "domain:corp.example" }, "flag")).toThrow(
      /--prune .*: add --diff\.$/,
    );
    expect(() => readRunSettings({ prune: true, diff: true }, "flag")).toThrow(
      /--prune needs --scope: .* Add for example --scope domain:corp.example\.$/,
    );
    expect(() => readRunSettings({ maxPrune: "3" }, "flag")).toThrow(/^--max-prune: .*Add --prune/);
    expect(() =>
      readRunSettings({ prune: true, diff: true, scope: "dept:x", only: "profile" }, "flag"),
    ).toThrow(/which --only leaves out/);
    expect(() =>
      readRunSettings({ prune: true, diff: true, scope: "dept:x", maxPrune: "5 users" }, "flag"),
    ).toThrow(/^--max-prune: expected a whole number of at least 0, or a percentage/);
    expect(() => readRunSettings({ prune: true, scope: "dept:x" }, { job: "jobs/j.json" })).toThrow(
      /^Job file jobs\/j\.json: "prune" .*add "diff"\.$/,
    );
    expect(
      readRunSettings({ prune: "true", diff: "true", scope: "group:g1", maxPrune: "10%" }, "flag"),
    ).toMatchObject({ prune: true, scope: { kind: "group", value: "g1" }, maxPrune: { percent: 10 } });
    expect(readRunSettings({}, "flag")).not.toHaveProperty("prune");
  });

  it("the run flags reach the run's configuration", () => {
    const args = { manifest: "hr.csv", diff: true, prune: true, scope: "dept:Ops", "max-prune": "3" };
    expect(runConfigFromArgs(args, {})).toMatchObject({
      diff: true,
      prune: true,
      scope: { kind: "dept", value: "Ops" },
      maxPrune: { count: 3 },
    });
  });

  it("--max-prune: a count, or a percentage of the scope rounded down, at least 1 (default 5%)", () => {
    expect(parsePruneLimit("7")).toEqual({ count: 7 });
    expect(parsePruneLimit("0")).toEqual({ count: 0 });
    expect(parsePruneLimit("2.5%")).toEqual({ percent: 2.5 });
    for (const bad of ["-1", "1.5", "101%", "x", "%"]) expect(parsePruneLimit(bad), bad).toBeUndefined();
    expect(maxPruneOf(undefined, 1000)).toBe(50);
    expect(maxPruneOf(undefined, 39)).toBe(1);
    expect(maxPruneOf(undefined, 0)).toBe(1);
    expect(maxPruneOf({ percent: 0 }, 1000)).toBe(0);
    expect(maxPruneOf({ percent: 10 }, 45)).toBe(4);
    expect(maxPruneOf({ count: 3 }, 1000)).toBe(3);
  });
});

function record(row: number, fields: Record<string, unknown> | undefined): ManifestRecord {
  return { row, line: row + 1, ...(fields ? { fields } : { error: { code: "E_ROW_X", message: "x" } }) };
}

describe("the names a manifest gives", () => {
  it("every row's user, new_email and transfer_email, as written and after the transforms", async () => {
    const records = [
      record(1, { user: " Ann@Corp.Example ", new_email: "ann.new@corp.example" }),
      record(2, { user: "bob@corp.example", action: "delete", transfer_email: "Boss@corp.example" }),
      record(3, undefined),
      record(4, { user: "U1234", first_name: "x".repeat(300) }), // invalid row: still named
      record(5, { user: "raw@old.example" }),
      record(6, { user: "broken@corp.example" }),
    ];
    const transform = (fields: Record<string, unknown>): Record<string, unknown> => {
      if (fields.user === "broken@corp.example") throw new TransformError("user[0]", "user", "failed");
      return { ...fields, user: String(fields.user).replace("@old.example", "@corp.example") };
    };
    const names = await collectNames(
      {
        records: async function* () {
          yield* records;
        },
      },
      transform,
    );
    expect([...names].sort()).toEqual([
      "ann.new@corp.example",
      "ann@corp.example",
      "bob@corp.example",
      "boss@corp.example",
      "broken@corp.example",
      "raw@corp.example",
      "raw@old.example",
      "u1234",
    ]);
  });
});

const item = (email: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: `id-${email.split("@")[0] ?? ""}`,
  email,
  status: "active",
  role_id: "2",
  dept: "",
  group_ids: [],
  ...extra,
});

describe("the prune index", () => {
  it("keeps the scope's unnamed active users, never the owner, and counts the scope", () => {
    const index = new PruneIndex(
      parseScope("domain:corp.example") as PruneScope,
      new Set(["ann@corp.example", "id-carl"]),
    );
    index.consider(item("Ann@Corp.example"));
    index.consider(item("bob@corp.example", { first_name: "Bob", last_name: "B" }));
    index.consider(item("carl@corp.example")); // named by id
    index.consider(item("boss@corp.example", { role_id: "0" }));
    index.consider(item("out@other.example"));
    index.consider(item("idle@corp.example", { status: "inactive" }));
    index.consider(item("bob@corp.example", { first_name: "Bob", last_name: "B" })); // a restarted listing
    expect(index.scopeActive).toBe(5);
    expect([...index.leavers.values()]).toEqual([
      { id: "id-bob", email: "bob@corp.example", first_name: "Bob", last_name: "B" },
    ]);
    expect([...index.kept]).toEqual(["boss@corp.example"]);
    index.restarted();
    expect(index.scopeActive).toBe(0);
  });

  it("judges the whole scope against --max-prune; each shard sends only its own leavers, resume skips done ones", () => {
    const index = new PruneIndex(parseScope("dept:ops") as PruneScope, new Set());
    const emails = Array.from({ length: 6 }, (_, i) => `l${i}@corp.example`);
    for (const email of emails) index.consider(item(email, { dept: "Ops" }));
    for (let i = 0; i < 34; i++) index.consider(item(`k${i}@corp.example`, { dept: "Sales" }));
    const all = decidePrune(index, { maxPrune: { count: 6 } });
    expect(all).toMatchObject({ scope: "dept:ops", scopeActive: 6, count: 6, limit: 6, over: false });
    expect(all.targets.map((t) => t.email)).toEqual(emails);
    expect(decidePrune(index)).toMatchObject({ limit: 1, over: true, maxPrune: "5% (default)" });
    const shards = [0, 1].map((i) =>
      decidePrune(index, { maxPrune: { count: 6 }, shard: { index: i, count: 2 } }),
    );
    expect(shards.map((s) => s.count)).toEqual([6, 6]);
    expect([...shards[0]!.targets, ...shards[1]!.targets].map((t) => t.email).sort()).toEqual(emails);
    for (const [i, s] of shards.entries()) for (const t of s.targets) expect(shardOf(t.email, 2)).toBe(i);
    const resumed = decidePrune(index, { maxPrune: { count: 6 }, done: (u) => u === "l0@corp.example" });
    expect(resumed.targets.map((t) => t.email)).toEqual(emails.slice(1));
  });

  it("a prune is a deactivation of row 0, target prune", () => {
    expect(pruneRow({ id: "u9", email: "bob@corp.example" })).toEqual({
      row: 0,
      line: 0,
      user: "bob@corp.example",
      operations: [
        {
          row: 0,
          line: 0,
          user: "bob@corp.example",
          op: "status",
          index: 0,
          endpoint: "updateStatus",
          body: { action: "deactivate" },
          target: "prune",
        },
      ],
      invalid: [],
    });
  });
});

/** A List users (active: `pages`; other statuses: none) that refuses a token when `expire(token)` says so. */
function fakeClient(pages: Record<string, unknown>[][], expire: (token: string) => boolean) {
  const calls: string[] = [];
  const client: ReadClient = {
    requests: {},
    get(op: Operation): Promise<ReadAnswer> {
      const q = op.query ?? {};
      calls.push(`${q.status} ${q.next_page_token ?? "-"}`);
      if (q.status !== "active") return okRead({ next_page_token: "", users: [] });
      if (q.next_page_token !== undefined && expire(q.next_page_token))
        return Promise.resolve({
          ok: false,
          result: {
            ...OK_READ_RESULT,
            outcome: "failed",
            http_status: 400,
            zoom_code: 300,
            message: "The next page token is invalid or expired.",
          },
        } as ReadAnswer);
      const at = q.next_page_token === undefined ? 0 : Number(q.next_page_token);
      const next = at + 1 < pages.length ? String(at + 1) : "";
      return okRead({ next_page_token: next, page_size: 2, total_records: 6, users: pages[at] });
    },
  };
  return { client, calls };
}

describe("an expired page token", () => {
  const pages = [
    [item("a@corp.example"), item("b@corp.example")],
    [item("c@corp.example"), item("d@corp.example")],
    [item("e@corp.example"), item("f@corp.example")],
  ];

  it("restarts that listing from its first page, merging what was read", async () => {
    const wanted = new Wanted();
    wanted.users.set("a@corp.example", 0);
    wanted.users.set("f@corp.example", 0);
    const index = new PruneIndex(
      parseScope("domain:corp.example") as PruneScope,
      new Set(["a@corp.example", "f@corp.example"]),
    );
    const warnings: unknown[] = [];
    const logger = { warn: (o: unknown, e: string) => warnings.push([o, e]) } as never;
    let refused = 0;
    const { client, calls } = fakeClient(pages, (token) => token === "1" && refused++ === 0); // once
    const report = await readCurrent(wanted, client, { prune: index, logger });
    expect(calls.filter((c) => c.startsWith("active"))).toEqual([
      "active -",
      "active 1",
      "active -",
      "active 1",
      "active 2",
    ]);
    expect(report.restarts).toBe(1);
    expect([...report.users.keys()].sort()).toEqual(["a@corp.example", "f@corp.example"]);
    expect(index.scopeActive).toBe(6);
    expect([...index.leavers.values()].map((l) => l.email).sort()).toEqual([
      "b@corp.example",
      "c@corp.example",
      "d@corp.example",
      "e@corp.example",
    ]);
    expect(warnings).toEqual([
      [
        { status: "active", restarts: 1, pages: 1, max_restarts: MAX_LIST_RESTARTS },
        "desired.list_restarted",
      ],
    ]);
  });

  it("gives up after MAX_LIST_RESTARTS fresh starts with a ReadError saying so", async () => {
    const { client, calls } = fakeClient(pages, () => true);
    await expect(readCurrent(new Wanted(), client)).rejects.toThrow(ReadError);
    await expect(readCurrent(new Wanted(), fakeClient(pages, () => true).client)).rejects.toThrow(
      /refused the next page token as invalid or expired after 3 fresh starts/,
    );
    expect(calls.filter((c) => c === "active -")).toHaveLength(1 + MAX_LIST_RESTARTS);
  });
});
