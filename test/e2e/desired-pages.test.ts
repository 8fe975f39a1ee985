/**
 * The desired-state reader against the sandbox over real HTTP: after page 1, List users pages
 * 2..page_count are asked by `page_number` side by side (each once, every user read once); a Zoom
 * that ignores `page_number` is noticed, logged once and read by the token chain instead; the page
 * size fallback (2000, then 300) still holds.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createReadClient, type ReadClient } from "../../src/desired/client.js";
import { PruneIndex } from "../../src/desired/prune.js";
import { currentOf, readCurrent, Wanted, type ReadOptions } from "../../src/desired/read.js";
import { parseScope, type PruneScope } from "../../src/desired/scope.js";
import { createLimiters, type Limiters } from "../../src/limit/index.js";
import { startSandbox, type Sandbox, type SandboxOptions, type SeedUser } from "../../src/sandbox/index.js";
import { createTokenProvider } from "../../src/send/auth.js";
import { createSender, type Sender } from "../../src/send/sender.js";

/** user1..user<n>@example.com; every 25th inactive, every 40th pending. */
const seed = (n: number): SeedUser[] =>
  Array.from({ length: n }, (_, k) => {
    const i = k + 1;
    const status = i % 40 === 0 ? "pending" : i % 25 === 0 ? "inactive" : "active";
    return { email: `user${i}@example.com`, ...(status === "active" ? {} : { status }) };
  });

let sandbox: Sandbox;
let limiters: Limiters;
let sender: Sender;
afterEach(async () => {
  await sender.close();
  await limiters.stop();
  await sandbox.close();
});

async function read(options: SandboxOptions, users: number, readOptions: ReadOptions = {}) {
  sandbox = await startSandbox({ plan: "business", users: seed(users), latency: 20, ...options });
  const tokens = createTokenProvider({ oauthUrl: sandbox.oauthUrl, ...sandbox.credentials });
  limiters = createLimiters({ plan: "business", share: 1 });
  sender = createSender({ apiUrl: sandbox.apiUrl, tokens });
  const wanted = new Wanted();
  for (let i = 1; i <= users; i++) wanted.users.set(`user${i}@example.com`, 0);
  wanted.users.set("ghost@example.com", 0);
  const warnings: [unknown, string][] = [];
  const logger = { warn: (o: unknown, event: string) => warnings.push([o, event]) } as never;
  // the List users pages the reader has asked and not yet had answered, at most
  const inner = createReadClient({ sender, limiters, tokens });
  let asked = 0;
  let mostAsked = 0;
  const counting: ReadClient = {
    requests: inner.requests,
    async get(op) {
      if (op.endpoint !== "listUsers") return inner.get(op);
      mostAsked = Math.max(mostAsked, ++asked);
      try {
        return await inner.get(op);
      } finally {
        asked--;
      }
    },
  };
  const report = await readCurrent(wanted, counting, { logger, ...readOptions });
  const lists = sandbox.state.log.filter((e) => e.endpoint === "listUsers");
  return { report, warnings, lists, mostAsked };
}

/** The list requests of one status, as `<status code> <page_number or token or 1st>`, sorted. */
function pagesAsked(lists: Sandbox["state"]["log"], status: string): string[] {
  return lists
    .map((e) => ({ e, q: new URLSearchParams(e.query ?? "") }))
    .filter(({ q }) => q.get("status") === status)
    .map(({ e, q }) => {
      const how = q.has("next_page_token")
        ? "token"
        : q.has("page_number")
          ? `page ${q.get("page_number")}`
          : "first";
      return `${e.status} ${how} size ${q.get("page_size")}`;
    })
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}

/** Every seeded user is read once, with its status; the ghost is absent. */
function expectEveryUser(report: Awaited<ReturnType<typeof read>>["report"], users: number): void {
  expect(report.users.size).toBe(users);
  expect(report.accountUsers).toBe(users);
  for (const user of seed(users))
    expect(currentOf(report, user.email)?.status, user.email).toBe(user.status ?? "active");
  expect(currentOf(report, "ghost@example.com")).toBeUndefined();
}

describe("reading the account by page_number", () => {
  it("asks pages 2..page_count each once, side by side, and reads every user once", async () => {
    const { report, warnings, lists, mostAsked } = await read({ listPageSizeMax: 100, latency: 50 }, 2000);
    // 1880 active: 19 pages of 100; 70 inactive; 50 pending
    expect(pagesAsked(lists, "active")).toEqual([
      "200 first size 2000",
      ...Array.from({ length: 18 }, (_, k) => `200 page ${k + 2} size 100`),
    ]);
    expect(pagesAsked(lists, "inactive")).toEqual(["200 first size 2000"]);
    expect(pagesAsked(lists, "pending")).toEqual(["200 first size 2000"]);
    expect(report.pages).toBe(21);
    expect(report.pageSize).toBe(100);
    expectEveryUser(report, 2000);
    expect(warnings).toEqual([]);
    expect(mostAsked).toBeGreaterThan(2); // side by side (page 1 of the three statuses aside)
  });

  it("keeps at most pagesInFlight pages asked at once", async () => {
    const { report, lists, mostAsked } = await read({ listPageSizeMax: 50, latency: 50 }, 1000, {
      pagesInFlight: 2,
    });
    expectEveryUser(report, 1000);
    expect(pagesAsked(lists, "active").filter((p) => p.includes("page"))).toHaveLength(18);
    expect(mostAsked).toBeLessThanOrEqual(2 + 2); // + the inactive and pending first pages
  });

  it("follows next_page_token from page 1 when Zoom ignores page_number, and logs it once", async () => {
    const { report, warnings, lists } = await read(
      { listPageSizeMax: 100, listIgnoresPageNumber: true },
      2000,
      { pagesInFlight: 4 },
    );
    expectEveryUser(report, 2000);
    const active = pagesAsked(lists, "active");
    expect(active.filter((p) => p.includes("token"))).toHaveLength(18);
    expect(active.filter((p) => p.includes("first"))).toEqual(["200 first size 2000"]);
    const byNumber = active.filter((p) => p.includes("page"));
    expect(byNumber.length).toBeGreaterThanOrEqual(1);
    expect(byNumber.length).toBeLessThanOrEqual(4); // no more asked once it was seen
    expect(report.pages).toBe(21);
    expect(warnings).toEqual([
      [
        { status: "active", reason: expect.stringMatching(/^asked page \d+, answered page 1$/) as string },
        "desired.page_number_ignored",
      ],
    ]);
  });

  it("keeps the 15-minute token restart in the fallback, and reads by token only with pageNumbers false", async () => {
    let moved = false;
    const { report, warnings, lists } = await read({ listIgnoresPageNumber: true }, 1000, {
      onPage: (status) => {
        // 16 minutes pass after page 1: its token has expired when the fallback uses it
        if (status === "active" && !moved) {
          moved = true;
          sandbox.clock.advance(16 * 60_000);
        }
      },
    });
    expectEveryUser(report, 1000);
    expect(report.restarts).toBe(1);
    expect(warnings.map(([, event]) => event)).toEqual([
      "desired.page_number_ignored",
      "desired.list_restarted",
    ]);
    const active = pagesAsked(lists, "active");
    expect(active.filter((p) => !p.includes("page "))).toEqual([
      "200 first size 2000",
      "200 first size 2000",
      "200 token size 2000",
      "200 token size 2000",
      "200 token size 2000",
      "400 token size 2000",
    ]);
    await sender.close();
    await limiters.stop();
    await sandbox.close();
    const plain = await read({}, 1000, { pageNumbers: false });
    expectEveryUser(plain.report, 1000);
    expect(pagesAsked(plain.lists, "active")).toEqual([
      "200 first size 2000",
      "200 token size 2000",
      "200 token size 2000",
      "200 token size 2000",
    ]);
  });

  it("counts the prune scope once when it falls back to the token chain", async () => {
    const index = new PruneIndex(parseScope("domain:example.com") as PruneScope, new Set());
    const { report } = await read({ listPageSizeMax: 100, listIgnoresPageNumber: true }, 1000, {
      prune: index,
      pagesInFlight: 3,
    });
    expect(report.users.size).toBe(1000);
    expect(index.scopeActive).toBe(seed(1000).filter((u) => u.status === undefined).length);
    expect(index.leavers.size).toBe(index.scopeActive); // no row names anyone; merged by id
  });

  it("falls back to 300 a page when Zoom refuses 2000, and asks the pages by number at 300", async () => {
    const { report, lists } = await read({}, 1000, { pageSize: 2001 });
    expect(report.pageSize).toBe(300);
    expect(pagesAsked(lists, "active")).toEqual([
      "200 first size 300",
      "200 page 2 size 300",
      "200 page 3 size 300",
      "200 page 4 size 300",
      "400 first size 2001",
    ]);
    expectEveryUser(report, 1000);
  });
});
