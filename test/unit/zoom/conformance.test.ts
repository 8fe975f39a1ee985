/**
 * Holds the shared Zoom tables (src/zoom/endpoints.ts, src/zoom/rules.ts) and every route of the
 * sandbox (src/sandbox/router.ts: label, status, content type, declared fields, the answers it
 * gives and the fields it returns) to Zoom's own Users spec, through the extract kept in
 * test/fixtures/zoom-spec.json (made by scripts/spec-extract.mjs from
 * ../shared/zoom-openapi/users.openapi.json, snapshot 2026-02-07; CI runs its `--check` where
 * ../shared exists). Each check collects every disagreement as one line naming the field, what
 * the spec says and what our table says, so a failure reads as a to-do list.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ROUTES } from "../../../src/sandbox/router.js";
import { EMAIL_LENGTH_BELOW } from "../../../src/sandbox/routes/email.js";
import { settingsView } from "../../../src/sandbox/routes/settings.js";
import { DAILY_CREATE_CAPS, EMAIL_CHANGES_PER_DAY } from "../../../src/sandbox/quotas.js";
import { makeUser } from "../../../src/sandbox/users-model.js";
import { createdView, listItem, publicFile, userView } from "../../../src/sandbox/views.js";
import { ENDPOINTS } from "../../../src/zoom/endpoints.js";
import { labelFromName } from "../../../src/zoom/labels.js";
import type { FieldRule } from "../../../src/zoom/rules.js";
import { PROFILE_FIELDS, PROFILE_QUERY, checkField } from "../../../src/zoom/rules.js";

/** One body field or query parameter in the extract, with the facts the spec gives it. */
interface Facts {
  type?: string;
  format?: string;
  enum?: unknown[];
  default?: unknown;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  required?: boolean;
  maxItemsInDescription?: number;
  lengthBelowInDescription?: number;
}
interface SpecEndpoint {
  operationId: string;
  rateLimitLabel?: string;
  successStatus: number[];
  requestContentTypes: string[];
  body: Record<string, Facts>;
  query: Record<string, Facts>;
  responseFields: string[];
  errors: Record<string, number[]>;
  notes?: Record<string, unknown>;
}

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const extract = JSON.parse(readFileSync(resolve(repo, "test/fixtures/zoom-spec.json"), "utf8")) as {
  endpoints: Record<string, SpecEndpoint>;
};
const operation = (method: string, path: string): SpecEndpoint | undefined =>
  extract.endpoints[`${method} ${path}`];
const ADD_IT = "not in the extract (add it to scripts/spec-extract.mjs's list and run it)";

/**
 * Where a table deliberately differs from the spec, with the reason. PUT /users/{userId}/status:
 * the spec says 200, but zoom-api.md §2 reads that as a documentation slip (every other write
 * endpoint answers 204) and the job accepts any 2xx.
 */
const SUCCESS_EXCEPTIONS: Record<string, { spec: number; reason: string }> = {
  updateStatus: { spec: 200, reason: "spec's 200 for PUT /status is read as a doc slip (zoom-api.md §2)" },
};

/** The job's endpoints first (with the same checks), then every route the sandbox serves. */
const tables = {
  ENDPOINTS: Object.values(ENDPOINTS),
  "sandbox routes": ROUTES.map((r) => ({ ...r.endpoint, fileField: r.endpoint.fileField })),
};

describe.each(Object.entries(tables))("%s against the spec extract", (_name, endpoints) => {
  it("finds every endpoint's method and path", () => {
    const missing = endpoints
      .filter((e) => !operation(e.method, e.path))
      .map((e) => `${e.name}: ${e.method} ${e.path} is ${ADD_IT}`);
    expect(missing).toEqual([]);
  });

  it("gives every endpoint the spec's Rate Limit Label", () => {
    const problems = endpoints.flatMap((e) => {
      const label = operation(e.method, e.path)?.rateLimitLabel;
      if (!label) return [`${e.name}: no Rate Limit Label in the spec's description`];
      return labelFromName(label) === e.label
        ? []
        : [`${e.name}: spec label ${label}, table says ${e.label}`];
    });
    expect(problems).toEqual([]);
  });

  it("uses the spec's request content type and multipart file field", () => {
    const problems = endpoints.flatMap((e) => {
      const spec = operation(e.method, e.path);
      const types = spec?.requestContentTypes ?? [];
      const expected = { none: [], json: ["application/json"], multipart: ["multipart/form-data"] }[e.body];
      const out: string[] = [];
      if (JSON.stringify(types) !== JSON.stringify(expected))
        out.push(`${e.name}: spec content types ${JSON.stringify(types)}, table body "${e.body}"`);
      if (e.body === "multipart") {
        const fields = Object.keys(spec?.body ?? {});
        if (!e.fileField || !fields.includes(e.fileField))
          out.push(
            `${e.name}: spec multipart fields ${JSON.stringify(fields)}, fileField ${String(e.fileField)}`,
          );
      } else if (e.fileField) out.push(`${e.name}: fileField set on a ${e.body} endpoint`);
      return out;
    });
    expect(problems).toEqual([]);
  });

  it("expects the spec's success status (or a documented exception)", () => {
    const problems = endpoints.flatMap((e) => {
      const statuses = operation(e.method, e.path)?.successStatus ?? [];
      const exception = SUCCESS_EXCEPTIONS[e.name];
      if (exception)
        return JSON.stringify(statuses) === JSON.stringify([exception.spec])
          ? []
          : [`${e.name}: exception is stale, spec says ${statuses.join(",")}`];
      return statuses.includes(e.success)
        ? []
        : [`${e.name}: spec success ${statuses.join(",")}, table ${e.success}`];
    });
    expect(problems).toEqual([]);
  });
});

/** Facts a sandbox route declares (src/sandbox/fields.ts FieldSpec), compared one to one. */
const DECLARED_FACTS = [
  "type",
  "format",
  "enum",
  "default",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "maxItems",
  "required",
] as const;

/**
 * Spec fields and parameters a sandbox route accepts without checking or storing them, with why.
 * A new one in the spec fails the test until it is declared or listed here.
 */
const NOT_MODELLED: Record<string, Record<string, string>> = {
  createUser: Object.fromEntries(
    [
      "user_info.division_ids",
      "user_info.feature",
      "user_info.feature.zoom_one_type",
      "user_info.feature.zoom_phone",
      "user_info.plan_united_type",
      "user_info.license_info_list",
      "user_info.license_info_list[].license_option",
      "user_info.license_info_list[].license_type",
      "user_info.license_info_list[].subscription_id",
    ].map((f) => [f, "licences, divisions and features are not simulated"]),
  ),
  getSettings: {
    option: "only the user settings variant is served",
    custom_query_fields: "only the user settings variant is served",
  },
  updatePassword: {
    password: "the spec's `minimum: 8` on a string is a slip for minLength; checkPassword applies it as 1124",
  },
};

describe("every sandbox route's declared fields against the spec extract", () => {
  const compareFacts = (where: string, declared: object, spec: Facts | undefined): string[] => {
    if (!spec) return [`${where}: not in the spec`];
    return DECLARED_FACTS.flatMap((fact) => {
      const ours = (declared as Record<string, unknown>)[fact];
      const theirs = spec[fact];
      return JSON.stringify(ours) === JSON.stringify(theirs)
        ? []
        : [`${where}: spec ${fact} ${JSON.stringify(theirs)}, sandbox ${JSON.stringify(ours)}`];
    });
  };

  it("declares query parameters and body fields exactly as the spec does", () => {
    const problems = ROUTES.flatMap(({ endpoint, query = {}, body = {} }) => {
      const spec = operation(endpoint.method, endpoint.path);
      if (!spec) return [`${endpoint.name}: ${ADD_IT}`];
      const skip = NOT_MODELLED[endpoint.name] ?? {};
      return [
        ...Object.entries(query).map(([n, d]) => compareFacts(`${endpoint.name} ?${n}`, d, spec.query[n])),
        ...Object.entries(body).map(([n, d]) => compareFacts(`${endpoint.name} ${n}`, d, spec.body[n])),
      ]
        .flat()
        .filter((line) => !Object.keys(skip).some((f) => line.startsWith(`${endpoint.name} ${f}:`)));
    });
    expect(problems).toEqual([]);
  });

  it("declares every spec field of a JSON body and every query parameter, or says why not", () => {
    const problems = ROUTES.flatMap(({ endpoint, query = {}, body = {} }) => {
      if (endpoint.name === "updateUser") return []; // src/zoom/rules.ts, checked below
      const spec = operation(endpoint.method, endpoint.path);
      const skip = NOT_MODELLED[endpoint.name] ?? {};
      const missing = (kind: string, specFields: string[], ours: object): string[] =>
        specFields
          .filter((f) => !(f in ours) && !(f in skip))
          .map((f) => `${endpoint.name}: spec ${kind} ${f} is neither declared nor in NOT_MODELLED`);
      const jsonBody = endpoint.body === "json" ? Object.keys(spec?.body ?? {}) : [];
      return [...missing("query", Object.keys(spec?.query ?? {}), query), ...missing("body", jsonBody, body)];
    });
    expect(problems).toEqual([]);
  });

  it("lists as undocumented only answers the spec really does not list", () => {
    const stale = ROUTES.flatMap(({ endpoint, undocumented = [] }) =>
      undocumented
        .filter((u) => operation(endpoint.method, endpoint.path)?.errors[String(u.status)]?.includes(u.code))
        .map((u) => `${endpoint.name}: ${u.status}/${u.code} is documented now; drop it from undocumented`),
    );
    expect(stale).toEqual([]);
  });

  it("keeps the limits the spec states in prose", () => {
    const create = operation("POST", "/users")?.notes?.dailyCreateCaps;
    expect(create).toEqual({
      Free: DAILY_CREATE_CAPS.free,
      Pro: DAILY_CREATE_CAPS.pro,
      "Business+": DAILY_CREATE_CAPS.business,
    });
    const email = operation("PUT", "/users/{userId}/email");
    expect(email?.notes?.changesPerUser).toEqual({ count: EMAIL_CHANGES_PER_DAY, hours: 24 });
    expect(email?.body.email?.lengthBelowInDescription).toBe(EMAIL_LENGTH_BELOW);
  });
});

/** Every key of `value`, flattened as the extract flattens response fields (`a.b`, `a[].b`). */
function keysOf(value: unknown, prefix = "", out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) keysOf(item, `${prefix}[]`, out);
    return out;
  }
  if (value === null || typeof value !== "object") return out;
  for (const [key, v] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    out.add(path);
    keysOf(v, path, out);
  }
  return out;
}

describe("what the sandbox returns against the spec's response fields", () => {
  // a user holding every profile field the job can set, a picture and a background
  const full = makeUser(
    {
      email: "full@example.com",
      role_name: "Admin",
      ...Object.fromEntries(Object.keys(PROFILE_FIELDS).map((f) => [f, f === "type" ? 2 : `x-${f}`])),
      custom_attributes: [{ key: "k", name: "n", value: "v" }],
      phone_numbers: [{ code: "+1", country: "US", label: "Mobile", number: "555" }],
      host_key: "123456",
    },
    "2026-11-24T12:00:00Z",
  );
  full.picture = { size: 1, sha256: "0".repeat(64), format: "png" };
  full.backgrounds.push({ id: "b", name: "b.png", size: 1, type: "image", sha256: "", is_default: false });
  const returned: [string, string, string, unknown][] = [
    ["getUser", "GET", "/users/{userId}", userView(full, "acc")],
    [
      "listUsers",
      "GET",
      "/users",
      { users: [listItem(full, ["custom_attributes"]), listItem(full, ["host_key"])] },
    ],
    ["createUser", "POST", "/users", createdView(full)],
    [
      "uploadVirtualBackground",
      "POST",
      "/users/{userId}/settings/virtual_backgrounds",
      publicFile(full.backgrounds[0]!),
    ],
    ["getSettings", "GET", "/users/{userId}/settings", settingsView(full)],
  ];

  it.each(returned)("%s returns only fields the spec's response has", (_name, method, path, body) => {
    const spec = operation(method, path);
    const known = new Set(spec?.responseFields ?? []);
    // settings: the extract keeps two levels, and everything under virtual_background_settings
    const deep = (k: string) =>
      path.endsWith("/settings") &&
      k.split(".").length > 2 &&
      !k.startsWith("in_meeting.virtual_background_settings");
    expect([...keysOf(body)].filter((k) => !known.has(k) && !deep(k))).toEqual([]);
  });

  it("answers List users without ids for pending users, as the spec says", () => {
    expect(listItem({ ...full, status: "pending" }, [])).not.toHaveProperty("id");
    expect(
      (operation("GET", "/users")?.responseFields ?? []).filter((f) => f.startsWith("users[]")).length,
    ).toBeGreaterThan(10);
  });
});

/** Compares one rule with the extract's facts at `path`; returns one line per disagreement. */
function compare(path: string, rule: FieldRule, fields: Record<string, Facts>): string[] {
  const facts = fields[path];
  if (!facts) return [`${path}: not in the spec`];
  const out: string[] = [];
  const differ = (what: string, specValue: unknown, ours: unknown): void => {
    if (JSON.stringify(specValue) !== JSON.stringify(ours))
      out.push(`${path}: spec ${what} ${JSON.stringify(specValue)}, rules.ts ${JSON.stringify(ours)}`);
  };
  differ("type", facts.type, rule.type);
  switch (rule.type) {
    case "string": {
      differ("maxLength", facts.maxLength, rule.maxLength);
      differ("minLength", facts.minLength, rule.minLength);
      if (facts.enum) {
        // string enums are enforced by the rule's check function: every spec value must pass, others must not
        const refused = facts.enum.filter((v) => checkField(path, rule, v).length > 0);
        if (refused.length > 0)
          out.push(`${path}: rules.ts refuses the spec's enum values ${JSON.stringify(refused)}`);
        if (checkField(path, rule, "not-a-spec-value").length === 0)
          out.push(`${path}: spec enum ${JSON.stringify(facts.enum)}, but rules.ts accepts any string`);
      }
      break;
    }
    case "integer": {
      const sorted = (values: readonly unknown[] | undefined) => values && [...values].sort();
      differ("enum", sorted(facts.enum), sorted(rule.enum));
      // the spec writes a 10-digit PMI as an integer with minLength = maxLength = 10
      const digits =
        facts.minLength !== undefined && facts.minLength === facts.maxLength ? facts.minLength : undefined;
      differ("digits (minLength = maxLength)", digits, rule.digits);
      break;
    }
    case "array": {
      if (facts.maxItems === undefined && facts.maxItemsInDescription !== undefined)
        // deliberate: no maxItems, but the description says only one (division_ids)
        differ("maxItems (from the description)", facts.maxItemsInDescription, rule.maxItems);
      else differ("maxItems", facts.maxItems, rule.maxItems);
      const itemFields = Object.keys(fields)
        .filter((k) => k.startsWith(`${path}[].`) && !k.slice(path.length + 3).includes("."))
        .map((k) => k.slice(path.length + 3));
      differ("item properties", itemFields.sort(), Object.keys(rule.items).sort());
      for (const [name, itemRule] of Object.entries(rule.items))
        if (fields[`${path}[].${name}`]) out.push(...compare(`${path}[].${name}`, itemRule, fields));
      break;
    }
    case "object":
      for (const [name, propRule] of Object.entries(rule.properties))
        out.push(...compare(`${path}.${name}`, propRule, fields));
      break;
    case "boolean":
      break;
  }
  return out;
}

/**
 * Spec fields of PATCH /users/{userId} that PROFILE_FIELDS leaves out on purpose (a manifest
 * column naming them is refused before anything is sent).
 */
const NOT_SUPPORTED: Record<string, string> = {
  zoom_one_type: "enum values above 2^53 cannot round-trip through JS numbers (zoom-api.md §1.1)",
  license_info_list: "only for accounts with several subscription plans (zoom-api.md §1.1)",
};

describe("PROFILE_FIELDS and PROFILE_QUERY against PATCH /users/{userId}", () => {
  const patch = operation("PATCH", "/users/{userId}");
  const body = patch?.body ?? {};
  const topLevel = Object.keys(body).filter((f) => !f.includes(".") && !f.includes("["));

  it("has every rule's field in the spec's request schema", () => {
    expect(
      Object.keys(PROFILE_FIELDS)
        .filter((f) => !topLevel.includes(f))
        .map((f) => `${f}: not in the spec`),
    ).toEqual([]);
  });

  it("leaves out only the documented spec fields", () => {
    expect(topLevel.filter((f) => !(f in PROFILE_FIELDS)).sort()).toEqual(Object.keys(NOT_SUPPORTED).sort());
  });

  it("agrees on types, maxLength/minLength, maxItems and enums", () => {
    const problems = Object.entries(PROFILE_FIELDS).flatMap(([field, rule]) =>
      body[field] ? compare(field, rule, body) : [],
    );
    expect(problems).toEqual([]);
  });

  it("agrees on the query options login_type and remove_tsp_credentials", () => {
    const params = patch?.query ?? {};
    expect(Object.keys(params).sort()).toEqual(Object.keys(PROFILE_QUERY).sort());
    const problems = Object.entries(PROFILE_QUERY).flatMap(([name, rule]) =>
      params[name] ? compare(name, rule, params) : [`${name}: not a query parameter in the spec`],
    );
    expect(problems).toEqual([]);
  });
});

describe("scripts/spec-extract.mjs", () => {
  const script = resolve(repo, "scripts/spec-extract.mjs");
  const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: "utf8" });
  const sharedSpec = resolve(repo, "../shared/zoom-openapi/users.openapi.json");

  it.skipIf(!existsSync(sharedSpec))(
    "keeps test/fixtures/zoom-spec.json in step with ../shared's spec",
    () => {
      const result = run("--check");
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
    },
  );

  it("writes an extract, then --check names each fact that drifted and exits 1", () => {
    const dir = mkdtempSync(join(tmpdir(), "spec-extract-"));
    const label = (name: string) =>
      `Changes the email.\n\n**[Rate Limit Label](https://marketplace.zoom.us/docs/api-reference/rate-limits#rate-limits):** \`${name}\``;
    const spec = (labelName: string, maxLength: number) => ({
      openapi: "3.0.0",
      info: { title: "Users", version: "2" },
      paths: {
        "/users/{userId}/email": {
          put: {
            operationId: "userEmailUpdate",
            description: label(labelName),
            requestBody: {
              content: {
                "application/json": {
                  schema: {
                    required: ["email"],
                    type: "object",
                    properties: { email: { type: "string", maxLength } },
                  },
                },
              },
            },
            responses: {
              "204": { description: "ok" },
              "404": { description: "**Error Code:** `1001` <br> User does not exist." },
            },
          },
        },
      },
    });
    const out = join(dir, "extract.json");
    writeFileSync(join(dir, "a.json"), JSON.stringify(spec("Light", 128)));
    writeFileSync(join(dir, "b.json"), JSON.stringify(spec("MEDIUM", 100)));
    // the other endpoints of the script's list are missing from this small spec: exit 1, named
    const wrote = run("--out", out, join(dir, "a.json"));
    expect(wrote.status).toBe(1);
    expect(wrote.stderr).toMatch(/^spec-extract: not in the spec: .*POST \/users, /);
    const written = JSON.parse(readFileSync(out, "utf8")) as { endpoints: Record<string, unknown> };
    expect(written.endpoints["PUT /users/{userId}/email"]).toEqual({
      body: { email: { maxLength: 128, required: true, type: "string" } },
      errors: { "404": [1001] },
      operationId: "userEmailUpdate",
      query: {},
      rateLimitLabel: "Light",
      requestContentTypes: ["application/json"],
      responseFields: [],
      successStatus: [204],
    });
    expect(run("--check", "--out", out, join(dir, "a.json")).status).toBe(0);
    const drift = run("--check", "--out", out, join(dir, "b.json"));
    expect(drift.status).toBe(1);
    expect(drift.stderr).toContain("(2 differences)");
    expect(drift.stderr).toContain('~ PUT /users/{userId}/email › rateLimitLabel: "Light" -> "MEDIUM"');
    expect(drift.stderr).toContain("~ PUT /users/{userId}/email › body › email › maxLength: 128 -> 100");
    expect(run("--check", "--out", out, join(dir, "missing.json")).status).toBe(2);
  });
});
