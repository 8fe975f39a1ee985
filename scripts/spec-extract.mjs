#!/usr/bin/env node
/**
 * Extracts from Zoom's Users OpenAPI spec the facts zoom-bulk's conformance test needs, for the
 * endpoints the job and the sandbox speak, into a small, stable, sorted JSON file kept in the
 * repository (test/fixtures/zoom-spec.json). The test reads only that file, so a clone without
 * ../shared passes; CI, where ../shared exists, runs `--check` to catch drift from the spec.
 *
 *   node scripts/spec-extract.mjs [specPath]            write test/fixtures/zoom-spec.json
 *   node scripts/spec-extract.mjs --check [specPath]    exit 1 and list the differences when the
 *                                                       committed extract no longer matches the spec
 *   --out <file>                                        another extract file (tests use it)
 *
 * specPath defaults to ../shared/zoom-openapi/users.openapi.json, relative to the repository root.
 * Plain Node, no dependencies. When the repository's prettier is installed, the written file is
 * formatted with it (so `prettier --check` agrees); `--check` compares parsed JSON, not text.
 *
 * Per endpoint it keeps: operationId, the "Rate Limit Label" from the description (the spec has no
 * structured field for it), success statuses, request content types, request body fields
 * (flattened: `user_info.email`, `phone_numbers[].label`) with type, format, enum, lengths, item
 * limits and required, query parameters, the names of the success response's fields, Zoom's error
 * codes per HTTP status (parsed from the response descriptions), and a few limits that the spec
 * only states in prose (`notes`).
 *
 * Exit codes: 0 ok / up to date, 1 drift (--check), 2 usage error or unreadable spec.
 */
import { readFile, writeFile } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DEFAULT_SPEC = resolve(REPO, "../shared/zoom-openapi/users.openapi.json");
const OUT = resolve(REPO, "test/fixtures/zoom-spec.json");

/**
 * The endpoints the job and the sandbox use. `responseDepth` limits how deep the success
 * response's field names are kept (settings has hundreds); `responseKeep` keeps whole subtrees
 * below that depth.
 */
const ENDPOINTS = [
  { method: "GET", path: "/users" },
  { method: "POST", path: "/users" },
  { method: "GET", path: "/users/email" },
  { method: "GET", path: "/users/{userId}" },
  { method: "PATCH", path: "/users/{userId}" },
  { method: "DELETE", path: "/users/{userId}" },
  { method: "PUT", path: "/users/{userId}/email" },
  { method: "PUT", path: "/users/{userId}/password" },
  { method: "POST", path: "/users/{userId}/picture" },
  { method: "DELETE", path: "/users/{userId}/picture" },
  {
    method: "GET",
    path: "/users/{userId}/settings",
    responseDepth: 2,
    responseKeep: ["in_meeting.virtual_background_settings"],
  },
  { method: "POST", path: "/users/{userId}/settings/virtual_backgrounds" },
  { method: "DELETE", path: "/users/{userId}/settings/virtual_backgrounds" },
  { method: "PUT", path: "/users/{userId}/status" },
];

/** Schema keywords kept as facts, in this order. */
const FACTS = [
  "type",
  "format",
  "enum",
  "default",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "minItems",
  "maxItems",
  "deprecated",
];

/** Limits the spec states only in prose, as [name, regex, value from the match]. */
const OPERATION_NOTES = [
  [
    "dailyCreateCaps",
    /([\d,]+) requests per day for \*\*(Free|Pro|Business\+)\*\*/g,
    (matches) => Object.fromEntries(matches.map((m) => [m[2], Number(m[1].replace(/,/g, ""))])),
  ],
  [
    "changesPerUser",
    /changed up to (\d+) times in any (\d+) hour period/g,
    (matches) => ({ count: Number(matches[0][1]), hours: Number(matches[0][2]) }),
  ],
];
const FIELD_NOTES = [
  ["maxItemsInDescription", /only a single \w+ is supported/gi, () => 1],
  ["lengthBelowInDescription", /length should be less than (\d+) characters/gi, (m) => Number(m[0][1])],
];

function notesOf(text, rules) {
  const notes = {};
  for (const [name, regex, value] of rules) {
    const matches = [...(text ?? "").matchAll(regex)];
    if (matches.length > 0) notes[name] = value(matches);
  }
  return notes;
}

/** Merges allOf parts and the variants of oneOf/anyOf into one schema with all their properties. */
function merged(schema) {
  const parts = [schema, ...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])];
  if (parts.length === 1) return schema;
  const out = { ...schema, properties: {}, required: [] };
  for (const part of parts) {
    const m = part === schema ? part : merged(part);
    Object.assign(out.properties, m.properties ?? {});
    out.required.push(...(m.required ?? []));
    if (!out.type && m.type) out.type = m.type;
  }
  return out;
}

function facts(schema, required) {
  const out = {};
  for (const key of FACTS) if (schema[key] !== undefined) out[key] = schema[key];
  if (schema.type === "array" && schema.items) {
    const items = merged(schema.items);
    if (items.type && items.type !== "object") out.items = facts(items, false);
  }
  if (required) out.required = true;
  Object.assign(out, notesOf(schema.description, FIELD_NOTES));
  return out;
}

/** Request fields, flattened: `a`, `a.b`, `a[].b`, each with its facts. */
function flattenFields(schema, prefix = "", out = {}) {
  const s = merged(schema);
  const required = s.required ?? [];
  for (const [name, raw] of Object.entries(s.properties ?? {})) {
    const prop = merged(raw);
    const path = prefix ? `${prefix}.${name}` : name;
    out[path] = facts(prop, required.includes(name));
    if (prop.properties) flattenFields(prop, path, out);
    if (prop.type === "array" && prop.items && merged(prop.items).properties)
      flattenFields(prop.items, `${path}[]`, out);
  }
  return out;
}

/** Response field names, flattened like flattenFields, down to `depth` unless under `keep`. */
function flattenNames(schema, depth, keep, prefix = "", level = 1, out = []) {
  const s = merged(schema);
  for (const [name, raw] of Object.entries(s.properties ?? {})) {
    const prop = merged(raw);
    const path = prefix ? `${prefix}.${name}` : name;
    out.push(path);
    const deeper = level < depth || keep.some((k) => path === k || path.startsWith(`${k}.`));
    if (!deeper) continue;
    if (prop.properties) flattenNames(prop, depth, keep, path, level + 1, out);
    if (prop.type === "array" && prop.items && merged(prop.items).properties)
      flattenNames(prop.items, depth, keep, `${path}[]`, level + 1, out);
  }
  return out;
}

const LABEL = /\*\*\[Rate Limit Label\]\([^)]*\):\*\*\s*`([^`]+)`/;
const ERROR_CODE = /\*\*Error Code:\*\*\s*`(\d+)`/g;

function extractEndpoint(spec, { method, path, responseDepth = Infinity, responseKeep = [] }) {
  const op = spec.paths?.[path]?.[method.toLowerCase()];
  if (!op) return { missing: true };
  const out = { operationId: op.operationId };
  const label = LABEL.exec(op.description ?? "")?.[1];
  if (label) out.rateLimitLabel = label;
  const statuses = Object.keys(op.responses ?? {});
  out.successStatus = statuses.filter((s) => s.startsWith("2")).map(Number);
  const content = op.requestBody?.content ?? {};
  out.requestContentTypes = Object.keys(content).sort();
  const body = {};
  for (const type of out.requestContentTypes) Object.assign(body, flattenFields(content[type].schema ?? {}));
  out.body = body;
  out.query = Object.fromEntries(
    (op.parameters ?? [])
      .filter((p) => p.in === "query")
      .map((p) => [p.name, facts(merged(p.schema ?? {}), p.required === true)]),
  );
  const success = op.responses?.[String(out.successStatus[0])];
  const schema = success?.content?.["application/json"]?.schema;
  out.responseFields = schema ? [...new Set(flattenNames(schema, responseDepth, responseKeep))].sort() : [];
  out.errors = Object.fromEntries(
    statuses
      .filter((s) => !s.startsWith("2"))
      .map((s) => {
        const codes = [...(op.responses[s].description ?? "").matchAll(ERROR_CODE)].map((m) => Number(m[1]));
        return [s, [...new Set(codes)].sort((a, b) => a - b)];
      }),
  );
  const notes = notesOf(op.description, OPERATION_NOTES);
  if (Object.keys(notes).length > 0) out.notes = notes;
  return out;
}

export function extract(spec) {
  return sortKeys({
    source: {
      file: "zoom-openapi/users.openapi.json",
      openapi: spec.openapi,
      title: spec.info?.title,
      version: spec.info?.version,
      generatedBy: "node scripts/spec-extract.mjs",
    },
    endpoints: Object.fromEntries(ENDPOINTS.map((e) => [`${e.method} ${e.path}`, extractEndpoint(spec, e)])),
  });
}

/** Objects get sorted keys at every level; arrays keep their order (enums as the spec lists them). */
function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys(value[k])]),
    );
  return value;
}

/** Every leaf as "path = value" (arrays of primitives are one leaf), for a readable diff. */
function leaves(value, path = "", out = new Map()) {
  const primitiveArray = Array.isArray(value) && value.every((v) => v === null || typeof v !== "object");
  if (value && typeof value === "object" && !primitiveArray) {
    const entries = Array.isArray(value) ? value.map((v, i) => [`[${i}]`, v]) : Object.entries(value);
    if (entries.length === 0) out.set(path, JSON.stringify(value));
    for (const [k, v] of entries)
      leaves(v, Array.isArray(value) ? `${path}${k}` : path ? `${path} › ${k}` : k, out);
  } else out.set(path, JSON.stringify(value));
  return out;
}

function leafDiff(committed, fresh, prefix) {
  const a = leaves(committed, prefix);
  const b = leaves(fresh, prefix);
  const lines = [];
  for (const [path, value] of a)
    if (!b.has(path)) lines.push(`- ${path}: ${value} (no longer in the spec)`);
    else if (b.get(path) !== value) lines.push(`~ ${path}: ${value} -> ${b.get(path)}`);
  for (const [path, value] of b) if (!a.has(path)) lines.push(`+ ${path}: ${value} (new in the spec)`);
  return lines;
}

/** One line per difference; an endpoint that appeared or went is one line. */
export function diff(committed, fresh) {
  const { endpoints: oldEndpoints = {}, ...oldRest } = committed;
  const { endpoints: newEndpoints = {}, ...newRest } = fresh;
  const lines = leafDiff(oldRest, newRest, "");
  const present = (e) => e !== undefined && !e.missing;
  for (const key of [...new Set([...Object.keys(oldEndpoints), ...Object.keys(newEndpoints)])].sort()) {
    const [was, is] = [oldEndpoints[key], newEndpoints[key]];
    if (present(was) && !present(is)) lines.push(`- ${key}: the endpoint is no longer in the spec`);
    else if (!present(was) && present(is))
      lines.push(`+ ${key}: the endpoint is not in the committed extract yet`);
    else if (present(was)) lines.push(...leafDiff(was, is, key));
  }
  return lines;
}

async function format(text, out) {
  try {
    const prettier = await import("prettier");
    const options = (await prettier.resolveConfig(out)) ?? {};
    return await prettier.format(text, { ...options, parser: "json" });
  } catch {
    return text;
  }
}

function parseArgs(argv) {
  const args = { check: false, out: OUT, spec: DEFAULT_SPEC };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--check") args.check = true;
    else if (argv[i] === "--out" && argv[i + 1]) args.out = resolve(argv[++i]);
    else rest.push(argv[i]);
  }
  if (rest.some((a) => a.startsWith("-")) || rest.length > 1) return undefined;
  if (rest[0]) args.spec = resolve(rest[0]);
  return args;
}

async function main(argv) {
  const args = parseArgs(argv);
  if (!args) {
    console.error("usage: node scripts/spec-extract.mjs [--check] [--out <file>] [specPath]");
    return 2;
  }
  const { check, out, spec: specPath } = args;
  let spec;
  try {
    spec = JSON.parse(await readFile(specPath, "utf8"));
  } catch (error) {
    console.error(`spec-extract: cannot read Zoom's spec at ${specPath}: ${error.message}`);
    return 2;
  }
  const fresh = extract(spec);
  const missing = Object.entries(fresh.endpoints)
    .filter(([, e]) => e.missing)
    .map(([k]) => k);
  const where = relative(process.cwd(), out) || out;
  if (!check) {
    await writeFile(out, await format(`${JSON.stringify(fresh, null, 2)}\n`, out));
    console.log(`spec-extract: wrote ${where} (${Object.keys(fresh.endpoints).length} endpoints)`);
    if (missing.length === 0) return 0;
    console.error(`spec-extract: not in the spec: ${missing.join(", ")}`);
    return 1;
  }
  let committed;
  try {
    committed = JSON.parse(await readFile(out, "utf8"));
  } catch (error) {
    console.error(`spec-extract --check: cannot read ${where}: ${error.message}`);
    return 1;
  }
  const lines = diff(committed, fresh);
  if (lines.length === 0) {
    console.log(`spec-extract --check: ${where} matches ${specPath}`);
    return 0;
  }
  const shown = lines.slice(0, 60);
  console.error(
    `spec-extract --check: ${where} has drifted from ${specPath} (${lines.length} difference${lines.length === 1 ? "" : "s"}):`,
  );
  for (const line of shown) console.error(`  ${line}`);
  if (lines.length > shown.length) console.error(`  … and ${lines.length - shown.length} more`);
  console.error(
    "Regenerate it with `node scripts/spec-extract.mjs`, then run the conformance test (test/unit/zoom/conformance.test.ts) and fix what it reports.",
  );
  return 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  process.exitCode = await main(process.argv.slice(2));
