/**
 * Holds the shared Zoom tables (src/zoom/endpoints.ts, src/zoom/rules.ts) to Zoom's own Users
 * OpenAPI spec (../shared/zoom-openapi/users.openapi.json, snapshot 2026-02-07). Each check
 * collects every disagreement as one line naming the field, what the spec says and what our table
 * says, so a failure reads as a to-do list.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ENDPOINTS } from "../../../src/zoom/endpoints.js";
import { labelFromName } from "../../../src/zoom/labels.js";
import type { FieldRule } from "../../../src/zoom/rules.js";
import { PROFILE_FIELDS, PROFILE_QUERY, checkField } from "../../../src/zoom/rules.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const SPEC_PATH = resolve(repo, "../shared/zoom-openapi/users.openapi.json");

interface Schema {
  type?: string;
  enum?: unknown[];
  maxLength?: number;
  minLength?: number;
  maxItems?: number;
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
}
interface Operation {
  description?: string;
  parameters?: { name: string; in: string; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, unknown>;
}
const spec = JSON.parse(readFileSync(SPEC_PATH, "utf8")) as {
  paths: Record<string, Record<string, Operation>>;
};

const operation = (method: string, path: string): Operation | undefined =>
  spec.paths[path]?.[method.toLowerCase()];

/** "**[Rate Limit Label](https://…):** `MEDIUM`" in the operation's description. */
function specLabel(op: Operation): string | undefined {
  return /\*\*\[Rate Limit Label\]\([^)]*\):\*\*\s*`([^`]+)`/.exec(op.description ?? "")?.[1];
}

/**
 * Where ENDPOINTS deliberately differs from the spec, with the reason. PUT /users/{userId}/status:
 * the spec says 200, but zoom-api.md §2 reads that as a documentation slip (every other write
 * endpoint answers 204) and the job accepts any 2xx.
 */
const SUCCESS_EXCEPTIONS: Record<string, { spec: string; reason: string }> = {
  updateStatus: { spec: "200", reason: "spec's 200 for PUT /status is read as a doc slip (zoom-api.md §2)" },
};

describe("ENDPOINTS against Zoom's spec", () => {
  it("finds every endpoint's method and path in the spec", () => {
    const missing = Object.values(ENDPOINTS)
      .filter((e) => !operation(e.method, e.path))
      .map((e) => `${e.name}: ${e.method} ${e.path} is not in the spec`);
    expect(missing).toEqual([]);
  });

  it("gives every endpoint the spec's Rate Limit Label", () => {
    const problems = Object.values(ENDPOINTS).flatMap((e) => {
      const op = operation(e.method, e.path);
      const label = op && specLabel(op);
      if (!label) return [`${e.name}: no Rate Limit Label in the spec's description`];
      return labelFromName(label) === e.label
        ? []
        : [`${e.name}: spec label ${label}, ENDPOINTS says ${e.label}`];
    });
    expect(problems).toEqual([]);
  });

  it("uses the spec's request content type and multipart file field", () => {
    const problems = Object.values(ENDPOINTS).flatMap((e) => {
      const content = operation(e.method, e.path)?.requestBody?.content ?? {};
      const types = Object.keys(content);
      const expected = { none: [], json: ["application/json"], multipart: ["multipart/form-data"] }[e.body];
      const out: string[] = [];
      if (JSON.stringify(types) !== JSON.stringify(expected))
        out.push(`${e.name}: spec content types ${JSON.stringify(types)}, ENDPOINTS body "${e.body}"`);
      if (e.body === "multipart") {
        const fields = Object.keys(content["multipart/form-data"]?.schema.properties ?? {});
        if (!e.fileField || !fields.includes(e.fileField))
          out.push(
            `${e.name}: spec multipart fields ${JSON.stringify(fields)}, ENDPOINTS fileField ${String(e.fileField)}`,
          );
      } else if (e.fileField) out.push(`${e.name}: fileField set on a ${e.body} endpoint`);
      return out;
    });
    expect(problems).toEqual([]);
  });

  it("expects the spec's success status (or a documented exception)", () => {
    const problems = Object.values(ENDPOINTS).flatMap((e) => {
      const statuses = Object.keys(operation(e.method, e.path)?.responses ?? {}).filter((s) =>
        s.startsWith("2"),
      );
      const exception = SUCCESS_EXCEPTIONS[e.name];
      if (exception)
        return JSON.stringify(statuses) === JSON.stringify([exception.spec])
          ? []
          : [`${e.name}: exception is stale, spec says ${statuses.join(",")}`];
      return statuses.includes(String(e.success))
        ? []
        : [`${e.name}: spec success ${statuses.join(",")}, ENDPOINTS ${e.success}`];
    });
    expect(problems).toEqual([]);
  });
});

/** Compares one rule with its spec schema; returns one line per disagreement. */
function compare(field: string, rule: FieldRule, schema: Schema): string[] {
  const out: string[] = [];
  const differ = (what: string, specValue: unknown, ours: unknown): void => {
    if (JSON.stringify(specValue) !== JSON.stringify(ours))
      out.push(`${field}: spec ${what} ${JSON.stringify(specValue)}, rules.ts ${JSON.stringify(ours)}`);
  };
  differ("type", schema.type, rule.type);
  switch (rule.type) {
    case "string": {
      differ("maxLength", schema.maxLength, rule.maxLength);
      differ("minLength", schema.minLength, rule.minLength);
      if (schema.enum) {
        // string enums are enforced by the rule's check function: every spec value must pass, others must not
        const refused = schema.enum.filter((v) => checkField(field, rule, v).length > 0);
        if (refused.length > 0)
          out.push(`${field}: rules.ts refuses the spec's enum values ${JSON.stringify(refused)}`);
        if (checkField(field, rule, "not-a-spec-value").length === 0)
          out.push(`${field}: spec enum ${JSON.stringify(schema.enum)}, but rules.ts accepts any string`);
      }
      break;
    }
    case "integer": {
      differ("enum", schema.enum && [...schema.enum].sort(), rule.enum && [...rule.enum].sort());
      // the spec writes a 10-digit PMI as an integer with minLength = maxLength = 10
      const digits =
        schema.minLength !== undefined && schema.minLength === schema.maxLength
          ? schema.minLength
          : undefined;
      differ("digits (minLength = maxLength)", digits, rule.digits);
      break;
    }
    case "array": {
      if (field === "division_ids") {
        // deliberate: the spec has no maxItems, but its description says only one division is supported
        expect(schema.maxItems).toBeUndefined();
        expect(schema.description).toContain("Currently only a single division is supported.");
        differ("maxItems (from the description)", 1, rule.maxItems);
      } else differ("maxItems", schema.maxItems, rule.maxItems);
      const specItems = schema.items?.properties ?? {};
      differ("item properties", Object.keys(specItems).sort(), Object.keys(rule.items).sort());
      for (const [name, itemRule] of Object.entries(rule.items)) {
        const itemSchema = specItems[name];
        if (itemSchema) out.push(...compare(`${field}[].${name}`, itemRule, itemSchema));
      }
      break;
    }
    case "object": {
      const props = schema.properties ?? {};
      for (const [name, propRule] of Object.entries(rule.properties)) {
        const propSchema = props[name];
        if (propSchema) out.push(...compare(`${field}.${name}`, propRule, propSchema));
        else out.push(`${field}.${name}: not in the spec`);
      }
      break;
    }
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
  const body = patch?.requestBody?.content["application/json"]?.schema.properties ?? {};

  it("has every rule's field in the spec's request schema", () => {
    expect(
      Object.keys(PROFILE_FIELDS)
        .filter((f) => !(f in body))
        .map((f) => `${f}: not in the spec`),
    ).toEqual([]);
  });

  it("leaves out only the documented spec fields", () => {
    expect(
      Object.keys(body)
        .filter((f) => !(f in PROFILE_FIELDS))
        .sort(),
    ).toEqual(Object.keys(NOT_SUPPORTED).sort());
  });

  it("agrees on types, maxLength/minLength, maxItems and enums", () => {
    const problems = Object.entries(PROFILE_FIELDS).flatMap(([field, rule]) => {
      const schema = body[field];
      return schema ? compare(field, rule, schema) : [];
    });
    expect(problems).toEqual([]);
  });

  it("agrees on the query options login_type and remove_tsp_credentials", () => {
    const params = Object.fromEntries(
      (patch?.parameters ?? []).filter((p) => p.in === "query").map((p) => [p.name, p.schema]),
    );
    expect(Object.keys(params).sort()).toEqual(Object.keys(PROFILE_QUERY).sort());
    const problems = Object.entries(PROFILE_QUERY).flatMap(([name, rule]) => {
      const schema = params[name];
      return schema ? compare(name, rule, schema) : [`${name}: not a query parameter in the spec`];
    });
    expect(problems).toEqual([]);
  });
});
