/**
 * `run --diff` (and `--prune`) with the run's other modes, against the sandbox over real HTTP
 * (issue 15 items 3 and 6): after an interrupted run, `--resume` sends nothing twice (a prune the
 * results hold as done included); two shards each send only their own users and leavers, one after
 * the other or at once through a real redis-server; and the reader survives List users page
 * tokens that expire mid-listing (the sandbox clock moved 16 minutes between pages).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunConfig } from "../../src/config.js";
import { createReadClient } from "../../src/desired/client.js";
import { PruneIndex } from "../../src/desired/prune.js";
import { readCurrent, Wanted } from "../../src/desired/read.js";
import { parseScope, type PruneScope } from "../../src/desired/scope.js";
import { createLimiters } from "../../src/limit/index.js";
import { runBatch } from "../../src/run/index.js";
import { sandboxTarget, startSandbox, type Sandbox, type SeedUser } from "../../src/sandbox/index.js";
import { createTokenProvider } from "../../src/send/auth.js";
import { createSender } from "../../src/send/sender.js";
import { inShard, shardResultsPath, type Shard } from "../../src/shard.js";
import { startRedis, type RedisServer } from "../helpers/redis.js";
import { readResults } from "../helpers/results.js";

const STAFF = 60;
const LEAVERS = ["x1@corp.example", "x2@corp.example", "x3@corp.example", "x4@corp.example"];
const scope = parseScope("domain:corp.example") as PruneScope;

function seed(): SeedUser[] {
  return [
    { email: "owner@corp.example", role_name: "Owner" },
    ...Array.from({ length: STAFF }, (_, n) => ({ email: `u${n + 1}@corp.example`, job_title: "Old" })),
    ...LEAVERS.map((email) => ({ email })),
  ];
}

/** Every staff member gets a new title, except u1 (already right). */
const rows = Array.from({ length: STAFF }, (_, n) => ({
  user: `u${n + 1}@corp.example`,
  job_title: n === 0 ? "Old" : "New",
}));
/** The writes a whole run sends, in any order. */
const EXPECTED = [
  ...rows.slice(1).map((r) => `PATCH /v2/users/${encodeURIComponent(r.user)}`),
  ...LEAVERS.map((email) => `PUT /v2/users/${encodeURIComponent(email)}/status`),
].sort();

let dir: string;
let manifest: string;
let sandbox: Sandbox | undefined;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "zb-diff-modes-"));
  manifest = join(dir, "staff.jsonl");
  writeFileSync(manifest, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function open(latency = 0): Promise<Sandbox> {
  sandbox = await startSandbox({ users: seed(), plan: "business", latency, seed: 7 });
  return sandbox;
}

function config(s: Sandbox, results: string, over: Partial<RunConfig> = {}): RunConfig {
  return {
    manifest,
    results: join(dir, results),
    plan: "business",
    share: 1,
    diff: true,
    prune: true,
    scope,
    maxPrune: { count: 10 },
    zoom: sandboxTarget(s),
    ...over,
  };
}

const writesOf = (s: Sandbox): string[] =>
  s.state.log
    .filter((e) => e.method !== "GET" && e.path.startsWith("/v2/") && e.status < 300)
    .map((e) => `${e.method} ${e.path}`);

describe("run --diff --prune --resume", () => {
  it("after an interrupted run sends the rest and nothing twice", async () => {
    const s = await open(25);
    const stop = new AbortController();
    let results = 0;
    const first = await runBatch(config(s, "resume.csv"), {
      signal: stop.signal,
      observer: { result: () => void (++results === 20 && stop.abort(new Error("SIGINT"))) },
    });
    expect(first.exit_code).toBe(130);
    const sentFirst = writesOf(s).length;
    expect(sentFirst).toBeGreaterThan(0);
    expect(sentFirst).toBeLessThan(EXPECTED.length);
    const second = await runBatch(config(s, "resume.csv", { resume: true }));
    expect(second.exit_code).toBe(0);
    expect(writesOf(s).sort()).toEqual(EXPECTED); // each write once, over both runs
    for (const email of LEAVERS) expect(s.state.getUser(email)?.status).toBe("inactive");
    expect(s.state.getUser("owner@corp.example")?.status).toBe("active");

    // Someone turns a leaver back on: a --resume does not prune them again (the results hold it
    // as done), and the unchanged rows send nothing.
    const back = s.state.getUser("x2@corp.example");
    if (back) back.status = "active";
    s.state.reset();
    const third = await runBatch(config(s, "resume.csv", { resume: true }));
    expect(third.exit_code).toBe(0);
    expect(writesOf(s)).toEqual([]);
    expect(s.state.getUser("x2@corp.example")?.status).toBe("active");
  });
});

/** Runs both shards (in turn, or at once) and checks each sent only its own users and leavers. */
async function twoShards(s: Sandbox, name: string, together: boolean, redis?: RunConfig["redis"]) {
  const shards: Shard[] = [0, 1].map((index) => ({ index, count: 2 }));
  const run = (shard: Shard) =>
    runBatch(
      config(s, "", {
        results: shardResultsPath(join(dir, name), shard),
        shard,
        ...(redis ? { redis } : {}),
      }),
    );
  const summaries = together
    ? await Promise.all(shards.map(run))
    : [await run(shards[0] as Shard), await run(shards[1] as Shard)];
  expect(summaries.map((x) => x.exit_code)).toEqual([0, 0]);
  const sent: string[] = [];
  for (const shard of shards) {
    const lines = readResults(shardResultsPath(join(dir, name), shard));
    const done = lines.filter((l) => l.outcome === "ok");
    for (const line of lines)
      expect(inShard(line.user, shard), `${line.user} in ${shard.index}/2`).toBe(true);
    sent.push(...done.map((l) => (l.op === "status" ? `status ${l.user}` : `profile ${l.user}`)));
  }
  expect(sent.sort()).toEqual(
    [...rows.slice(1).map((r) => `profile ${r.user}`), ...LEAVERS.map((email) => `status ${email}`)].sort(),
  );
  expect(writesOf(s).sort()).toEqual(EXPECTED);
  expect(s.state.noopWrites).toEqual([]);
}

describe("run --diff --prune with shards", () => {
  it("each shard sends only its users and its leavers, one after the other", async () => {
    const s = await open();
    await twoShards(s, "shards.csv", false);
  });

  describe("through Redis", () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(async () => {
      await redis?.stop();
    });

    it("two shards at once, sharing one budget, send each write once", async () => {
      const s = await open(10);
      await twoShards(s, "redis.csv", true, { url: redis.url, prefix: "zb-diff-modes" });
    });
  });
});

describe("a List users page token that expires mid-listing", () => {
  it("restarts that listing from its first page, keeps what was read, and logs it", async () => {
    const s = await startSandbox({ users: 700, plan: "business" }); // 3 active pages of 300
    sandbox = s;
    const tokens = createTokenProvider({ oauthUrl: s.oauthUrl, ...s.credentials });
    const limiters = createLimiters({ plan: "business", share: 1 });
    const sender = createSender({ apiUrl: s.apiUrl, tokens });
    try {
      const wanted = new Wanted();
      for (const i of [1, 299, 301, 700]) wanted.users.set(`user${i}@example.com`, 0);
      wanted.fields.add("first_name");
      const index = new PruneIndex(
        parseScope("domain:example.com") as PruneScope,
        new Set(wanted.users.keys()),
      );
      const logged: unknown[] = [];
      const logger = {
        warn: (fields: unknown, event: string) => logged.push({ ...(fields as object), event }),
      };
      let moved = false;
      const read = await readCurrent(wanted, createReadClient({ sender, limiters, tokens }), {
        prune: index,
        logger: logger as never,
        pageNumbers: false, // the token chain: a Zoom that no longer takes page_number
        onPage: (status) => {
          // 16 minutes pass after the first active page: its token has expired when it is used
          if (status === "active" && !moved) {
            moved = true;
            s.clock.advance(16 * 60_000);
          }
        },
      });
      expect(read.restarts).toBe(1);
      expect([...read.users.keys()].sort()).toEqual([
        "user1@example.com",
        "user299@example.com",
        "user301@example.com",
        "user700@example.com",
      ]);
      expect(index.scopeActive).toBe(700);
      expect(index.leavers.size).toBe(696);
      expect(logged).toEqual([
        {
          status: "active",
          restarts: 1,
          pages: expect.any(Number),
          max_restarts: 3,
          event: "desired.list_restarted",
        },
      ]);
      const active = s.state.log.filter(
        (e) => e.endpoint === "listUsers" && e.query?.includes("status=active"),
      );
      expect(
        active.map((e) => `${e.status} ${e.query?.includes("next_page_token") ? "token" : "first"}`),
      ).toEqual(["200 first", "400 token", "200 first", "200 token", "200 token"]);
      expect(active[1]?.zoomCode).toBe(300);
    } finally {
      await sender.close();
      await limiters.stop();
    }
  });
});
