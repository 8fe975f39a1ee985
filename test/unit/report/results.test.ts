import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readResults } from "../../../src/report/read.js";
import { CONTROL_CHARS, csvCell, openResults } from "../../../src/report/results.js";
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

  it("escapes every formula start, fullwidth and small forms and | included", () => {
    expect(["=1", "+1", "-1", "@a", "\tx", "\rx", "plain"].map(csvCell)).toEqual([
      "'=1",
      "'+1",
      "'-1",
      "'@a",
      "'\tx",
      "'\\x0Dx", // CR is a control character: shown, not written
      "plain",
    ]);
    expect(
      ["＝1+1", "﹦1+1", "＋1", "﹢1", "－1", "﹣1", "＠SUM(A1)", "﹫x", "|calc", "a=1", "1-2"].map(csvCell),
    ).toEqual([
      "'＝1+1",
      "'﹦1+1",
      "'＋1",
      "'﹢1",
      "'－1",
      "'﹣1",
      "'＠SUM(A1)",
      "'﹫x",
      "'|calc",
      "a=1",
      "1-2",
    ]);
  });

  it("never writes a raw control byte into CSV: ESC, OSC, C0, C1 and bidi overrides are shown escaped", () => {
    const hostile = "a\u001b[31mred\u001b]0;title\u0007\u0000\u009b2J\u202eevil\u2066x\u2069\u200f\u0085";
    expect(csvCell(hostile)).toBe(
      "a\\x1B[31mred\\x1B]0;title\\x07\\x00\\x9B2J\\u202Eevil\\u2066x\\u2069\\u200F\\x85",
    );
    expect(csvCell("tab\tand\nline feed stay")).toBe('"tab\tand\nline feed stay"');
    expect(csvCell(7)).toBe("7");
  });

  it("keeps control bytes out of both formats and reads every cell back as it was", () => {
    const dir = mkdtempSync(join(tmpdir(), "zb-"));
    const hostile = line({
      user: "\u001b]8;;http://x\u0007=cmd",
      target: "\u202egnp.exe",
      message: "\rOverwritten\u009b; ＝1+1 \\x41 stays",
      outcome: "failed",
      zoom_code: "＝HYPERLINK()",
    });
    for (const name of ["r.csv", "r.jsonl"]) {
      const path = join(dir, name);
      const w = openResults(path);
      w.write(hostile);
      w.close();
      const raw = readFileSync(path, "utf8");
      expect(raw, name).not.toMatch(CONTROL_CHARS);
      expect(
        [...raw].filter((c) => c !== "\n" && c.charCodeAt(0) < 0x20),
        name,
      ).toEqual([]);
      expect(readResults(path), name).toEqual([hostile]);
    }
  });
});
