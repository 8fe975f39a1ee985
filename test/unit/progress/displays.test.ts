import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { formatSeconds, bar } from "../../../src/progress/format.js";
import { createProgress } from "../../../src/progress/index.js";
import { LogDisplay, progressLine } from "../../../src/progress/log-line.js";
import type { ProgressSnapshot } from "../../../src/progress/model.js";
import { TtyDisplay, renderBlock } from "../../../src/progress/tty.js";

const snap = (over: Partial<ProgressSnapshot> = {}): ProgressSnapshot => ({
  elapsed_ms: 52_000,
  rows: { planned: 1200, total: 5000 },
  outcomes: { ok: 1150, failed: 3, invalid: 0, skipped: 0, deferred: 0, unchanged: 0 },
  labels: {
    light: {
      done: 1153,
      planned: 1200,
      total: 5000,
      estimated: false,
      rate: 23.9,
      rate_limited: 0,
      eta_seconds: 161,
    },
    medium: {
      done: 310,
      planned: 400,
      total: 1000,
      estimated: true,
      rate: 15.9,
      rate_limited: 2,
      eta_seconds: null,
    },
  },
  eta_seconds: null,
  done: false,
  ...over,
});

afterEach(() => vi.useRealTimers());

describe("format", () => {
  it("formats seconds and bars", () => {
    expect(formatSeconds(75)).toBe("1:15");
    expect(formatSeconds(3725)).toBe("1:02:05");
    expect(formatSeconds(-3)).toBe("0:00");
    expect(bar(0)).toBe("[--------------------]");
    expect(bar(23)).toBe("[#####---------------]");
    expect(bar(150)).toBe("[####################]");
  });
});

describe("the terminal block", () => {
  it("renders one line for the rows and one per label, as the README shows it", () => {
    expect(renderBlock(snap())).toEqual([
      "zoom-bulk  rows read 1200/5000  ok 1150  failed 3  0:52 elapsed",
      "  Light    [#####---------------]   1153/5000   23%  23.9/s  429s 0  ETA 2:41",
      "  Medium   [######--------------]    310/~1000   31%  15.9/s  429s 2  ETA --",
    ]);
  });

  it("cuts lines to the terminal's width", () => {
    expect(renderBlock(snap(), 30).every((l) => l.length <= 29)).toBe(true);
  });

  it("redraws in place: cursor up over the last block, erase, new block", () => {
    const written: string[] = [];
    const display = new TtyDisplay({
      stream: { write: (t: string) => written.push(t) },
      snapshot: () => snap(),
      now: () => 0,
    });
    display.draw();
    display.finish();
    expect(written[0]?.startsWith("zoom-bulk  rows read")).toBe(true);
    expect(written[1]?.startsWith("\r\u001b[3A\u001b[J")).toBe(true);
  });
});

describe("the log line", () => {
  it("is the run.progress event through the logger, or a JSON line without one", () => {
    const lines: string[] = [];
    const logger = pino({ base: null, timestamp: false }, { write: (l: string) => lines.push(l) });
    const display = new LogDisplay({
      stream: { write: () => true },
      snapshot: () => snap(),
      now: () => 0,
      logger,
    });
    display.finish();
    expect(JSON.parse(lines[0] ?? "{}")).toEqual({ level: 30, msg: "run.progress", progress: snap() });

    const written: string[] = [];
    new LogDisplay({
      stream: { write: (t: string) => written.push(t) },
      snapshot: () => snap(),
      now: () => 0,
    }).emit();
    expect(written).toEqual([progressLine(snap(), 0)]);
    expect(JSON.parse(written[0] ?? "")).toEqual({
      time: "1970-01-01T00:00:00.000Z",
      msg: "run.progress",
      progress: snap(),
    });
  });

  it("emits every interval while the run goes", () => {
    vi.useFakeTimers();
    const written: string[] = [];
    const display = new LogDisplay({
      stream: { write: (t: string) => written.push(t) },
      snapshot: () => snap(),
      now: () => 0,
      intervalMs: 1000,
    });
    display.start();
    vi.advanceTimersByTime(3500);
    display.stop();
    vi.advanceTimersByTime(3000);
    expect(written).toHaveLength(3);
  });
});

describe("createProgress", () => {
  it("auto picks the terminal block on a TTY and log lines elsewhere; off shows nothing", () => {
    const tty: string[] = [];
    const p = createProgress({ stream: { write: (t: string) => tty.push(t), isTTY: true }, now: () => 0 });
    p.started?.({ config: {} as never, stats: () => ({}) as never });
    p.finished?.({} as never);
    expect(tty.join("")).toContain("zoom-bulk  rows read 0");

    const log: string[] = [];
    const q = createProgress({ stream: { write: (t: string) => log.push(t) }, now: () => 0 });
    q.started?.({ config: {} as never, stats: () => ({}) as never });
    q.finished?.({} as never);
    expect(log.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(["run.progress"]);

    const off: string[] = [];
    const r = createProgress({ stream: { write: (t: string) => off.push(t), isTTY: true }, mode: "off" });
    r.started?.({ config: {} as never, stats: () => ({}) as never });
    r.finished?.({} as never);
    expect(off).toEqual([]);
  });
});
