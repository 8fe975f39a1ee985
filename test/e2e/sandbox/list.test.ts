/**
 * GET /users (List users, Medium) as the sandbox serves it: filters, include_fields, page sizes,
 * cursor tokens that expire after 15 minutes of the sandbox clock, and what the list leaves to
 * GET /users/{userId}.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { Sandbox, SandboxOptions, SeedUser } from "../../../src/sandbox/index.js";
import { startSandbox } from "../../../src/sandbox/index.js";
import type { Answer } from "./helpers.js";
import { client, getToken, undocumentedAnswers } from "./helpers.js";

interface Page {
  next_page_token: string;
  page_count: number;
  page_number: number;
  page_size: number;
  total_records: number;
  users: Record<string, unknown>[];
}

const strip = (answer: Answer) => [answer.status, answer.body];
const numbered = (n: number, extra: (i: number) => Partial<SeedUser> = () => ({})): SeedUser[] =>
  Array.from({ length: n }, (_, i) => ({ email: `u${i + 1}@corp.example`, ...extra(i + 1) }));

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

/** Every page of a listing, following next_page_token. */
async function all(query: string): Promise<Page[]> {
  const pages: Page[] = [];
  let token = "";
  do {
    const answer = await api("GET", `/users?${query}${token ? `&next_page_token=${token}` : ""}`);
    expect(answer.status).toBe(200);
    const page = answer.body as Page;
    pages.push(page);
    token = page.next_page_token;
  } while (token);
  return pages;
}

describe("GET /users", () => {
  it("pages active users 30 at a time by default, in creation order, with Zoom's page fields", async () => {
    await open({ users: numbered(75, (i) => (i % 10 === 0 ? { status: "inactive" } : {})) });
    const pages = await all("");
    expect(
      pages.map(({ users, next_page_token: t, ...rest }) => ({ ...rest, users: users.length, more: !!t })),
    ).toEqual([
      { page_count: 3, page_number: 1, page_size: 30, total_records: 68, users: 30, more: true },
      { page_count: 3, page_number: 2, page_size: 30, total_records: 68, users: 30, more: true },
      { page_count: 3, page_number: 3, page_size: 30, total_records: 68, users: 8, more: false },
    ]);
    const emails = pages.flatMap((p) => p.users.map((u) => u.email));
    expect(emails).toEqual(
      numbered(75)
        .map((u) => u.email)
        .filter((_, i) => (i + 1) % 10 !== 0),
    );
    const inactive = await all("status=inactive&page_size=5");
    expect(inactive.map((p) => p.users.length)).toEqual([5, 2]);
  });

  it("answers at most 300 a page (the pagination guide), or up to 2000 where the option says so", async () => {
    await open({ users: 2100 });
    const big = (await api("GET", "/users?page_size=2000")).body as Page;
    expect([big.page_size, big.users.length, big.page_count]).toEqual([300, 300, 7]);
    expect(strip(await api("GET", "/users?page_size=0"))).toEqual([
      400,
      {
        code: 300,
        message: "Validation Failed.",
        errors: [{ field: "page_size", message: "Must be at least 1." }],
      },
    ]);
    await sandbox.close();
    await open({ users: 2100, listPageSizeMax: 2000 });
    const pages = await all("page_size=2000");
    expect(pages.map((p) => [p.page_size, p.users.length])).toEqual([
      [2000, 2000],
      [2000, 100],
    ]);
  });

  it("expires a page token after 15 minutes of the sandbox clock, and binds it to the filters", async () => {
    await open({ users: 10 });
    const token = ((await api("GET", "/users?page_size=3")).body as Page).next_page_token;
    expect(token).not.toBe("");
    const expired = [400, { code: 300, message: "The next page token is invalid or expired." }];
    expect(strip(await api("GET", `/users?page_size=3&status=inactive&next_page_token=${token}`))).toEqual(
      expired,
    );
    expect(strip(await api("GET", `/users?page_size=3&next_page_token=garbage`))).toEqual(expired);
    sandbox.clock.advance(14 * 60_000);
    expect((await api("GET", `/users?page_size=3&next_page_token=${token}`)).status).toBe(200);
    sandbox.clock.advance(61_000);
    expect(strip(await api("GET", `/users?page_size=3&next_page_token=${token}`))).toEqual(expired);
  });

  it("neither repeats nor skips users when users are created or removed between pages", async () => {
    await open({ users: 9 });
    const first = (await api("GET", "/users?page_size=3")).body as Page;
    expect(first.users.map((u) => u.email)).toEqual([
      "user1@example.com",
      "user2@example.com",
      "user3@example.com",
    ]);
    expect((await api("DELETE", "/users/user2@example.com")).status).toBe(204);
    expect((await api("DELETE", "/users/user4@example.com")).status).toBe(204);
    await api("POST", "/users", {
      json: { action: "custCreate", user_info: { email: "late@corp.example", type: 1 } },
    });
    const rest: string[] = [];
    let token = first.next_page_token;
    while (token) {
      const page = (await api("GET", `/users?page_size=3&next_page_token=${token}`)).body as Page;
      rest.push(...page.users.map((u) => String(u.email)));
      token = page.next_page_token;
    }
    expect(rest).toEqual([5, 6, 7, 8, 9].map((i) => `user${i}@example.com`).concat("late@corp.example"));
  });

  it("filters by role and license, adds custom attributes or host keys on request, and hides pending users' ids", async () => {
    await open({
      users: [
        { email: "boss@corp.example", role_name: "Owner" },
        { email: "adm@corp.example", role_name: "Admin", host_key: "123456" },
        {
          email: "m@corp.example",
          custom_attributes: [{ key: "k1", name: "Cost", value: "42" }],
          job_title: "Dev",
        },
        { email: "p@corp.example", status: "pending" },
      ],
    });
    const emails = async (query: string) =>
      ((await api("GET", `/users?${query}`)).body as Page).users.map((u) => u.email);
    expect(await emails("role_id=1")).toEqual(["adm@corp.example"]);
    expect(await emails("role_id=2")).toEqual(["m@corp.example"]);
    expect(await emails("license=zoom_workforce_management")).toEqual([]);
    const plain = ((await api("GET", "/users")).body as Page).users;
    expect(plain.map((u) => Object.hasOwn(u, "custom_attributes") || Object.hasOwn(u, "host_key"))).toEqual([
      false,
      false,
      false,
    ]);
    const withAttrs = ((await api("GET", "/users?include_fields=custom_attributes")).body as Page).users;
    expect(withAttrs[2]?.custom_attributes).toEqual([{ key: "k1", name: "Cost", value: "42" }]);
    const withKeys = ((await api("GET", "/users?include_fields=host_key")).body as Page).users;
    expect(withKeys[1]?.host_key).toBe("123456");
    const pending = ((await api("GET", "/users?status=pending")).body as Page).users;
    expect(pending).toEqual([expect.objectContaining({ email: "p@corp.example", status: "pending" })]);
    expect(pending[0]).not.toHaveProperty("id");
    // what the list lacks, GET /users/{userId} has
    expect(plain[2]).not.toHaveProperty("job_title");
    expect((await api("GET", "/users/m@corp.example")).body).toMatchObject({
      job_title: "Dev",
      language: "en-US",
      custom_attributes: [{ key: "k1", name: "Cost", value: "42" }],
    });
    expect(strip(await api("GET", "/users?include_fields=everything"))).toEqual([
      400,
      {
        code: 300,
        message: "Validation Failed.",
        errors: [{ field: "include_fields", message: "Must be one of custom_attributes, host_key." }],
      },
    ]);
  });

  it("is Medium: it spends the Medium budget, not Light's", async () => {
    await open({ users: 3, plan: "free", unlimited: false });
    const answers = await Promise.all([1, 2, 3].map(() => api("GET", "/users")));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 429]);
    expect(answers[0]?.headers["x-ratelimit-category"]).toBe("Medium");
    expect((await api("GET", "/users/user1@example.com")).status).toBe(200);
  });
});
