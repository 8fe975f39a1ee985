/**
 * GET /users with the deprecated `page_number`, as the sandbox serves it: an offset over the
 * filtered, creation-ordered users, echoed in the answer; a page token wins over it; option
 * `listIgnoresPageNumber` simulates a Zoom that has dropped it (page 1 every time).
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { Sandbox, SandboxOptions } from "../../../src/sandbox/index.js";
import { startSandbox } from "../../../src/sandbox/index.js";
import type { Answer } from "./helpers.js";
import { client, getToken, undocumentedAnswers } from "./helpers.js";

interface Page {
  next_page_token: string;
  page_count: number;
  page_number: number;
  page_size: number;
  total_records: number;
  users: { email: string }[];
}

let sandbox: Sandbox;
let api: ReturnType<typeof client>;
const logs: Sandbox["state"]["log"] = [];

async function open(options: SandboxOptions): Promise<void> {
  sandbox = await startSandbox({
    unlimited: true,
    startTime: Date.parse("2026-11-24T12:00:00Z"),
    ...options,
  });
  api = client(sandbox, await getToken(sandbox));
}
afterEach(async () => {
  logs.push(...sandbox.state.log);
  await sandbox.close();
});
afterAll(() => expect(undocumentedAnswers(logs)).toEqual([]));

/** A page's fields, its users as their numbers (user7@example.com: 7), the token as "more". */
const summary = (answer: Answer) => {
  const { users, next_page_token: token, ...rest } = answer.body as Page;
  return { ...rest, more: token !== "", users: users.map((u) => Number(/\d+/.exec(u.email)?.[0])) };
};

describe("GET /users?page_number=", () => {
  it("answers the page at offset (page_number - 1) × page_size and echoes page_number", async () => {
    await open({ users: 10 });
    const pages = await Promise.all(
      ["3", "1", "4", "2", "5"].map((n) => api("GET", `/users?page_size=3&page_number=${n}`)),
    );
    expect(pages.map(summary)).toEqual([
      { page_count: 4, page_number: 3, page_size: 3, total_records: 10, more: true, users: [7, 8, 9] },
      { page_count: 4, page_number: 1, page_size: 3, total_records: 10, more: true, users: [1, 2, 3] },
      { page_count: 4, page_number: 4, page_size: 3, total_records: 10, more: false, users: [10] },
      { page_count: 4, page_number: 2, page_size: 3, total_records: 10, more: true, users: [4, 5, 6] },
      { page_count: 4, page_number: 5, page_size: 3, total_records: 10, more: false, users: [] },
    ]);
  });

  it("counts the offset in the page size it answers, over the status asked for", async () => {
    await open({
      users: Array.from({ length: 12 }, (_, i) => ({
        email: `user${i + 1}@example.com`,
        ...(i % 2 === 1 ? { status: "inactive" as const } : {}),
      })),
      listPageSizeMax: 2,
    });
    expect(summary(await api("GET", "/users?status=inactive&page_size=2000&page_number=2"))).toEqual({
      page_count: 3,
      page_number: 2,
      page_size: 2,
      total_records: 6,
      more: true,
      users: [6, 8],
    });
  });

  it("refuses a page_number that is not a positive integer (400/300)", async () => {
    await open({ users: 3 });
    for (const n of ["0", "-1", "two", "1.5"])
      expect([n, (await api("GET", `/users?page_number=${n}`)).body]).toEqual([
        n,
        {
          code: 300,
          message: "Validation Failed.",
          errors: [{ field: "page_number", message: "Must be a positive integer." }],
        },
      ]);
  });

  it("lets a page token win over a page_number given with it", async () => {
    await open({ users: 10 });
    const token = ((await api("GET", "/users?page_size=3")).body as Page).next_page_token;
    expect(
      summary(await api("GET", `/users?page_size=3&page_number=4&next_page_token=${token}`)),
    ).toMatchObject({
      page_number: 2,
      users: [4, 5, 6],
    });
  });

  it("ignores page_number with listIgnoresPageNumber, answering page 1, and keeps the token chain", async () => {
    await open({ users: 7, listIgnoresPageNumber: true });
    expect(summary(await api("GET", "/users?page_size=3&page_number=2"))).toEqual({
      page_count: 3,
      page_number: 1,
      page_size: 3,
      total_records: 7,
      more: true,
      users: [1, 2, 3],
    });
    expect((await api("GET", "/users?page_number=zero")).status).toBe(200); // an unknown parameter now
    const token = ((await api("GET", "/users?page_size=3")).body as Page).next_page_token;
    expect(summary(await api("GET", `/users?page_size=3&next_page_token=${token}`)).users).toEqual([4, 5, 6]);
  });
});
