/**
 * The failures-only file (issue 11): the rows whose operations failed, were invalid or deferred,
 * copied out of the manifest in its own format, byte for byte for CSV and JSON Lines, ready to
 * be fixed and run like any manifest.
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openManifest } from "../../../src/read/index.js";
import {
  LineCopier,
  retryPath,
  retryRows,
  writeManifestRows,
  writeRetryFile,
} from "../../../src/report/retry-file.js";
import type { ManifestRecord, ResultLine } from "../../../src/types.js";

const dir = mkdtempSync(join(tmpdir(), "zb-retry-"));
let n = 0;
function file(ext: string, content: string | Buffer): string {
  const path = join(dir, `m${++n}${ext}`);
  writeFileSync(path, content);
  return path;
}

async function records(path: string): Promise<ManifestRecord[]> {
  const out: ManifestRecord[] = [];
  for await (const r of (await openManifest(path)).records()) out.push(r);
  return out;
}

const result = (
  row: number,
  outcome: ResultLine["outcome"],
  op: ResultLine["op"] = "profile",
): ResultLine => ({
  row,
  line: row + 1,
  user: "u",
  op,
  target: "",
  outcome,
  http_status: "",
  zoom_code: "",
  message: "",
  attempts: 0,
  duration_ms: 0,
  tracking_id: "",
  finished_at: "",
});

describe("which rows go into the retry file", () => {
  it("rows with an operation failed, invalid, deferred or skipped; not ok or unchanged ones", () => {
    expect(
      retryRows([
        result(1, "ok"),
        result(2, "failed"),
        result(2, "skipped", "password"),
        result(3, "unchanged"),
        result(5, "deferred"),
        result(4, "invalid", "row"),
      ]),
    ).toEqual([2, 4, 5]);
  });
});

describe("the retry file of a CSV manifest", () => {
  const csv =
    "\uFEFFuser;about_me;job_title\r\n" +
    "ok1@x.com;fine;A\r\n" +
    'bad@x.com;"two\r\nlines; ""quoted""";B\r\n' +
    "\r\n" +
    "ok2@x.com;x;C\r\n" +
    Buffer.from("latin1@x.com;caf\xe9;D\r\n", "latin1").toString("latin1") +
    "last@x.com;no break at the end;E";

  it("copies the header and the chosen records' lines exactly, multi-line cells and odd bytes included", async () => {
    const bytes = Buffer.concat([
      Buffer.from(csv.slice(0, csv.indexOf("latin1@")), "utf8"),
      Buffer.from("latin1@x.com;caf\xe9;D\r\n", "latin1"),
      Buffer.from("last@x.com;no break at the end;E", "utf8"),
    ]);
    const manifest = file(".csv", bytes);
    const results = join(dir, "run.results.csv");
    const written = await writeRetryFile({ manifest, results, rows: [2, 4, 5] });
    expect(written).toEqual({ path: `${results}.retry.csv`, rows: 3, missing: [] });
    expect(readFileSync(`${results}.retry.csv`)).toEqual(
      Buffer.concat([
        Buffer.from('\uFEFFuser;about_me;job_title\r\nbad@x.com;"two\r\nlines; ""quoted""";B\r\n', "utf8"),
        Buffer.from("latin1@x.com;caf\xe9;D\r\n", "latin1"),
        Buffer.from("last@x.com;no break at the end;E\r\n", "utf8"),
      ]),
    );
    expect(statSync(`${results}.retry.csv`).mode & 0o777).toBe(0o600);
    // and it reads as the same records, renumbered
    const again = await records(`${results}.retry.csv`);
    expect(again.map((r) => r.fields?.about_me ?? r.error?.code)).toEqual([
      'two\r\nlines; "quoted"',
      "E_ROW_ENCODING",
      "no break at the end",
    ]);
  });

  it("reports rows the manifest no longer has, and removes a stale retry file when nothing failed", async () => {
    const manifest = file(".csv", "user\nu1\nu2\n");
    const results = join(dir, "stale.results.csv");
    expect((await writeRetryFile({ manifest, results, rows: [2, 9] }))?.missing).toEqual([9]);
    expect(readFileSync(retryPath(results, manifest), "utf8")).toBe("user\nu2\n");
    expect(await writeRetryFile({ manifest, results, rows: [] })).toBeUndefined();
    expect(existsSync(retryPath(results, manifest))).toBe(false);
  });

  it("splits lines the same wherever the file's chunks break (CR, LF, CRLF across chunk ends)", () => {
    const text = Buffer.from("h\r\na\rb\nc\r\n\r\nd\re");
    const ranges: [number, number][] = [
      [1, 1],
      [3, 3],
      [5, 5],
      [7, 7],
    ];
    const whole = new LineCopier(ranges, true);
    const expected = Buffer.concat([...whole.take(text), Buffer.from(whole.end() ?? "")]).toString();
    expect(expected).toBe("h\r\nb\n\r\ne\r\n");
    for (let cut = 0; cut <= text.length; cut++)
      for (let cut2 = cut; cut2 <= text.length; cut2++) {
        const c = new LineCopier(ranges, true);
        const parts = [text.subarray(0, cut), text.subarray(cut, cut2), text.subarray(cut2)].flatMap((p) =>
          c.take(p),
        );
        expect(Buffer.concat([...parts, Buffer.from(c.end() ?? "")]).toString(), `${cut}/${cut2}`).toBe(
          expected,
        );
      }
  });
});

describe("the retry file of JSON manifests", () => {
  it("copies JSON Lines lines verbatim (CR kept, only LF ends a line)", async () => {
    const manifest = file(".jsonl", '{"user":"a"}\r\n{"user":"b","type":"x"}\r\n\n{"user":\n');
    const results = join(dir, "j.results.jsonl");
    expect(await writeRetryFile({ manifest, results, rows: [2, 3] })).toMatchObject({ rows: 2, missing: [] });
    expect(readFileSync(`${results}.retry.jsonl`, "utf8")).toBe('{"user":"b","type":"x"}\r\n{"user":\n');
  });

  it("writes a JSON array's elements as JSON Lines, or as an array when the file is named .json", async () => {
    const manifest = file(".json", '[\n  {"user": "a"},\n  {"user": "b",\n   "type": 7}, 42\n]\n');
    const results = join(dir, "a.results.csv");
    await writeRetryFile({ manifest, results, rows: [2, 3] });
    expect(readFileSync(`${results}.retry.jsonl`, "utf8")).toBe('{"user": "b",    "type": 7}\n42\n');
    const out = join(dir, "invalid.json");
    await writeManifestRows(manifest, [2], out);
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual([{ user: "b", type: 7 }]);
  });
});
