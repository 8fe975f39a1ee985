import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkPassword } from "../../src/zoom/rules.js";
import { gifBytes, jpegBytes, pngBytes, writeFile } from "./files.js";

/**
 * A mixed manifest whose every row's fate is known by construction: valid profile, password,
 * picture and background operations, invalid fields, `me`, missing files, users that do not
 * exist, and users repeated across rows (the last row must win).
 */
export interface Expected {
  row: number;
  op: string;
  outcome: string;
  target: string;
}

export interface MixedManifest {
  rows: Record<string, string | undefined>[];
  expected: Expected[];
  /** Final state of each existing user the manifest touches: profile fields, password, picture hash, background names. */
  state: Map<
    string,
    { profile: Record<string, unknown>; password?: string; picture?: string; backgrounds: string[] }
  >;
  users: number;
}

export function mixedManifest(dir: string, rowCount: number, users: number): MixedManifest {
  const pictures = [
    writeFile(join(dir, "pics/p0.png"), pngBytes(1)),
    writeFile(join(dir, "pics/p1.jpg"), jpegBytes(2)),
    writeFile(join(dir, "pics/p2.png"), pngBytes(3)),
  ];
  writeFile(join(dir, "bg/a.png"), pngBytes(7, 4000));
  writeFile(join(dir, "bg/b.gif"), gifBytes(9));
  const sha = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");

  const rows: MixedManifest["rows"] = [];
  const expected: Expected[] = [];
  const state: MixedManifest["state"] = new Map();
  for (let i = 1; i <= rowCount; i++) {
    const ghost = i % 61 === 0;
    const me = i % 151 === 0;
    const user = me ? "me" : ghost ? `ghost${i}@example.com` : `user${((i * 7) % users) + 1}@example.com`;
    const row: Record<string, string | undefined> = { user, job_title: `Title ${i}`, dept: `Dept ${i % 13}` };
    if (i % 5 === 0) row.first_name = `F${i}`;
    if (i % 97 === 0) row.job_title = "x".repeat(200);
    if (i % 89 === 0) row.type = "7";
    if (i % 10 === 3) row.password = i % 30 === 3 ? "short1A" : validPassword(i);
    if (i % 50 === 7)
      row.picture = i % 123 === 7 ? "pics/missing.png" : `pics/${["p0.png", "p1.jpg", "p2.png"][i % 3]}`;
    if (i % 100 === 11) row.virtual_backgrounds = "bg/a.png;bg/b.gif";
    rows.push(row);

    const ops: { op: string; valid: boolean; target: string }[] = [
      { op: "profile", valid: i % 97 !== 0 && i % 89 !== 0, target: "" },
    ];
    if (row.password) ops.push({ op: "password", valid: row.password !== "short1A", target: "" });
    if (row.picture)
      ops.push({
        op: "picture",
        valid: !row.picture.includes("missing"),
        target: row.picture.split("/")[1] ?? "",
      });
    if (row.virtual_backgrounds)
      for (const name of ["a.png", "b.gif"])
        ops.push({ op: "virtual_background", valid: true, target: name });

    if (me) {
      expected.push({ row: i, op: "row", outcome: "invalid", target: "" });
      continue;
    }
    let firstSent = true;
    for (const op of ops) {
      if (!op.valid) {
        expected.push({ row: i, op: op.op, outcome: "invalid", target: op.target });
        continue;
      }
      const s = state.get(user) ?? { profile: {}, backgrounds: [] };
      // A background the user already has (same name and size) is never uploaded again.
      const there = op.op === "virtual_background" && s.backgrounds.includes(op.target);
      expected.push({
        row: i,
        op: op.op,
        outcome: ghost ? (firstSent ? "failed" : "skipped") : there ? "unchanged" : "ok",
        target: op.target,
      });
      firstSent = false;
      if (ghost) continue;
      state.set(user, s);
      if (op.op === "profile") {
        s.profile.job_title = row.job_title;
        s.profile.dept = row.dept;
        if (row.first_name) s.profile.first_name = row.first_name;
      }
      if (op.op === "password") s.password = row.password as string;
      if (op.op === "picture") s.picture = sha(pictures[i % 3] as string);
      if (op.op === "virtual_background" && !there) s.backgrounds.push(op.target);
    }
  }
  return { rows, expected, state, users };
}

function validPassword(i: number): string {
  for (let k = 0; ; k++) {
    const candidate = `Zq${(i * 31 + k) % 997}-Lm${i}x`;
    if (!checkPassword(candidate)) return candidate;
  }
}

export const COLUMNS = [
  "user",
  "first_name",
  "job_title",
  "dept",
  "type",
  "password",
  "picture",
  "virtual_backgrounds",
];

export function toCsv(rows: Record<string, string | undefined>[]): string {
  const cell = (v: string | undefined): string =>
    v === undefined ? "" : /[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
  return (
    [COLUMNS.join(","), ...rows.map((r) => COLUMNS.map((c) => cell(r[c])).join(","))].join("\r\n") + "\r\n"
  );
}

export function toJsonl(rows: Record<string, string | undefined>[]): string {
  return (
    rows
      .map((r) => {
        const o: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(r)) {
          if (v === undefined) continue;
          o[k] = k === "type" ? Number(v) : k === "virtual_backgrounds" ? v.split(";") : v;
        }
        return JSON.stringify(o);
      })
      .join("\n") + "\n"
  );
}
