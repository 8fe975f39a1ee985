import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { csvCell, openResults } from "../../../src/report/results.js";
import type { ResultLine } from "../../../src/types.js";

const line = (over: Partial<ResultLine> = {}): ResultLine => ({
  row: 1,
  line: 2,
  user: "a@example.com",
  op: "profile",
  target: "",
  outcome: "ok",
  http_status: 204,
  zoom_code: "",
  message: "",
  attempts: 1,
  duration_ms: 12,
  tracking_id: "t1",
  finished_at: "2026-11-24T00:00:00.000Z",
  ...over,
});

describe("results file", () => {
  it("writes a CSV header once, appends lines, and is created 0600", () => {
    const path = join(mkdtempSync(join(tmpdir(), "zb-")), "r.csv");
    const w = openResults(path);
    w.write(line());
    w.close();
    const again = openResults(path, { append: true });
    again.write(line({ row: 2, user: '=HYPERLINK("x")', message: "a, b\nc" }));
    again.close();
    expect(readFileSync(path, "utf8")).toBe(
      "row,line,user,op,target,outcome,http_status,zoom_code,message,attempts,duration_ms,tracking_id,finished_at\n" +
        "1,2,a@example.com,profile,,ok,204,,,1,12,t1,2026-11-24T00:00:00.000Z\n" +
        '2,2,"\'=HYPERLINK(""x"")",profile,,ok,204,,"a, b\nc",1,12,t1,2026-11-24T00:00:00.000Z\n',
    );
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("writes JSON Lines with the columns in order", () => {
    const path = join(mkdtempSync(join(tmpdir(), "zb-")), "r.jsonl");
    const w = openResults(path);
    w.write(
      line({
        outcome: "failed",
        http_status: 404,
        zoom_code: 1001,
        message: "User does not exist: a@example.com.",
      }),
    );
    w.close();
    expect(readFileSync(path, "utf8")).toBe(
      '{"row":1,"line":2,"user":"a@example.com","op":"profile","target":"","outcome":"failed","http_status":404,"zoom_code":1001,"message":"User does not exist: a@example.com.","attempts":1,"duration_ms":12,"tracking_id":"t1","finished_at":"2026-11-24T00:00:00.000Z"}\n',
    );
  });

  it("escapes every formula start", () => {
    expect(["=1", "+1", "-1", "@a", "\tx", "\rx", "plain"].map(csvCell)).toEqual([
      "'=1",
      "'+1",
      "'-1",
      "'@a",
      "'\tx",
      '"\'\rx"',
      "plain",
    ]);
  });
});
