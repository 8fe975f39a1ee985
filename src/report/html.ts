import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { lookupCode } from "../codes.js";
import { OUTCOMES, type Outcome, type ResultLine } from "../types.js";
import { LABEL_NAMES, LABELS, type Label } from "../zoom/labels.js";
import { isPlainObject } from "../zoom/rules.js";
import { codeKey, labelOfOp, readResults, summarize, type ResultsCounts } from "./read.js";
import { CONTROL_CHARS, showControl } from "./results.js";
import { summaryPath, type Summary } from "./summary.js";

/**
 * The HTML report of a results file (or of several merged, report/merge.ts): one self-contained
 * file (inline CSS and SVG, no scripts, no fonts, nothing fetched) that an operator can mail or
 * attach to a ticket. It shows the outcome counts, the failures grouped by code with what the code
 * means and what to do, the rows to fix, and requests per second per rate label over the run.
 *
 * Everything it shows comes from files (results, summary) that hold text from the manifest and
 * from Zoom, so every value goes through `esc`, numbers through `num`; nothing is trusted.
 */
export interface ReportInput {
  /** The results file's lines, latest line per operation (readResults). */
  lines: readonly ResultLine[];
  /** Where they came from, shown in the title. */
  source: string;
  /** The run's `<results>.summary.json`, when there is one: adds the paces and 429 counts. */
  summary?: Summary;
  /** For the "generated" line; default now. */
  generatedAt?: Date;
  /** Per-label figures; default: read from `summary` (a merged report passes the files' sums). */
  labels?: Partial<Record<Label, ReportLabel>>;
  /** A merged report: the results files it covers, one line each. */
  files?: readonly ReportFile[];
}

/** A label's figures for the chart, from a summary's `labels` (or several summed). */
export interface ReportLabel {
  /** The pace in use at the end of the run (several runs: summed), requests per second; 0 when unknown. */
  pace_per_second: number;
  /** 429s Zoom answered on the label. */
  rate_limited: number;
  /** Requests started per wall-clock second (epoch second → count), as the limiter recorded them. */
  starts?: ReadonlyMap<number, number>;
}

/** One results file of a merged report. */
export interface ReportFile {
  path: string;
  operations: number;
  exit_code: number;
  manifest_sha256: string | null;
  stopped: string | null;
}

/** At most this many rows to fix are listed; the rest are in the results file. */
export const MAX_ROWS_TO_FIX = 1000;
/** The chart has at most this many points per label; longer runs get wider buckets. */
const MAX_BUCKETS = 600;

export interface CodeAdvice {
  meaning: string;
  todo: string;
}

/** What a code in the results file means and what the operator should do about it. */
export function explainCode(code: string): CodeAdvice {
  const known = CODE_ADVICE.get(code) ?? lookupCode(code);
  if (known) return { meaning: known.meaning, todo: known.todo };
  if (code.startsWith("E_"))
    return { meaning: "Refused by zoom-bulk before sending.", todo: "Read the message; fix the row." };
  if (/^http 5\d\d$/.test(code))
    return {
      meaning: "Zoom answered with a server error on every attempt.",
      todo: "Usually temporary: rerun later with --resume.",
    };
  return { meaning: "Zoom refused the operation.", todo: "Read Zoom's message in the results file." };
}

const CODE_ADVICE = new Map<string, CodeAdvice>(
  Object.entries({
    "124": {
      meaning: "Access token expired or invalid. zoom-bulk renews the token once by itself.",
      todo: "If it persists, check that the Server-to-Server app is activated and its credentials are current.",
    },
    "200": {
      meaning:
        "Not allowed: only an account administrator may change this, or the user's type or license forbids it (Zoom Rooms users, no-meeting-license users).",
      todo: "Check the app's scopes and the user's type; leave the field empty for such users.",
    },
    "300": {
      meaning:
        "Zoom rejected a value: a name with a blocked word, a password equal to the old one or changed too often in 24 hours, links in about_me, an invalid type change.",
      todo: "Read Zoom's message, fix the cell and run the row again. A password changed too often can only wait 24 hours.",
    },
    "120": {
      meaning:
        "Zoom rejected the file: empty, over the size limit (picture 2 MB, background 15 MB), wrong format, or the user already has 10 backgrounds.",
      todo: "Replace the file (JPEG/PNG picture; JPG/PNG/GIF/MP4/MOV background) or remove old backgrounds.",
    },
    "1001": {
      meaning:
        "The user does not exist in this account (wrong email or ID, deleted, or in another account). The row's other operations were skipped.",
      todo: "Correct the user column, or create the user first.",
    },
    "1120": {
      meaning: "The user's invitation expired, so the user is pending without a valid ID.",
      todo: "Invite the user again, then rerun the row.",
    },
    "1124": {
      meaning: "The password is shorter than the account's password rules allow.",
      todo: "Use a longer password that follows the account's password policy.",
    },
    "4711": {
      meaning: "The app's token lacks a scope this operation needs. The run stopped (exit 3).",
      todo: "Add the scope named in the message to the Marketplace app (user:write:admin etc.), re-activate it and run again.",
    },
    "429": {
      meaning:
        "Rate limited by Zoom after every retry: the per-second budget (other apps on the account spend it too), the daily cap, or two calls on one user at once.",
      todo: "Lower --share, run outside office hours, and make sure no other job changes the same users at the same time.",
    },
    network: {
      meaning: "No answer from Zoom (connection refused or reset, timeout) after every retry.",
      todo: "Check the network or proxy and run again.",
    },
    skipped: {
      meaning: "Not sent: an earlier operation of the row showed it pointless (the user does not exist).",
      todo: "Fix the row's first failure; the skipped operations run with it.",
    },
    deferred: {
      meaning: "Not sent: a daily limit was reached.",
      todo: "Run again after the next safe run time in the summary (00:00 UTC).",
    },
  }),
);

const OUTCOME_COLORS: Record<Outcome, string> = {
  ok: "#1a7f37",
  unchanged: "#57606a",
  failed: "#cf222e",
  invalid: "#bc4c00",
  skipped: "#8250df",
  deferred: "#0969da",
};

const LABEL_COLORS: Record<Label, string> = {
  light: "#0969da",
  medium: "#bc4c00",
  heavy: "#8250df",
  resource_intensive: "#1a7f37",
};

export function renderReport(input: ReportInput): string {
  const { lines, summary } = input;
  const counts = summarize(lines);
  const labels = input.labels ?? reportLabels(summary);
  const problems = lines.filter((l) => l.outcome !== "ok" && l.outcome !== "unchanged");
  const toFix = lines.filter((l) => l.outcome === "failed" || l.outcome === "invalid");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>zoom-bulk report: ${esc(input.source)}</title>
<style>${CSS}</style>
</head>
<body>
${header(input, counts)}
<section id="outcomes">
<h2>Outcomes</h2>
${outcomeCards(counts)}
${byOpTable(counts)}
<p class="meta">Exit code of these results: <b>${counts.exit_code}</b>${exitMeaning(counts.exit_code)}</p>
</section>
${input.files ? filesTable(input.files) : ""}
<section id="chart">
<h2>Requests per second per rate label</h2>
${chart(lines, labels)}
</section>
<section id="failures">
<h2>Failures by code</h2>
${failuresTable(problems)}
</section>
<section id="rows">
<h2>Rows to fix</h2>
${rowsTable(toFix)}
</section>
<footer>Made by zoom-bulk from ${esc(input.source)}. Every line of the results file is the authority; this page is a view of it.</footer>
</body>
</html>
`;
}

function header(input: ReportInput, counts: ResultsCounts): string {
  const { summary } = input;
  const generated = (input.generatedAt ?? new Date()).toISOString();
  const stopped = summary?.stopped ? `<p class="warn">Stopped early: ${esc(summary.stopped)}</p>` : "";
  const daily = summary?.next_safe_run_at
    ? `<p class="warn">A daily limit was reached: run again after ${esc(summary.next_safe_run_at)}.</p>`
    : "";
  return `<header>
<h1>zoom-bulk report</h1>
<p class="meta">Results <code>${esc(input.source)}</code>${period(counts, summary)} · generated ${esc(generated)}</p>
${stopped}
${daily}
</header>`;
}

function period(counts: ResultsCounts, summary: Summary | undefined): string {
  const from = text(summary?.started_at) || counts.started_at;
  const to = text(summary?.finished_at) || counts.finished_at;
  if (!from || !to) return "";
  const seconds = num((Date.parse(to) - Date.parse(from)) / 1000);
  const extra = summary ? ` · plan ${esc(summary.plan)}, share ${esc(summary.share)}` : "";
  return ` · ${esc(from)} → ${esc(to)} (${seconds.toFixed(1)} s)${extra}`;
}

function exitMeaning(code: number): string {
  const meanings = new Map([
    [0, ": every operation ok or unchanged."],
    [1, ": some operations failed, were invalid or skipped."],
    [4, ": a daily limit deferred some operations."],
  ]);
  return meanings.get(code) ?? "";
}

function outcomeCards(counts: ResultsCounts): string {
  const cards = OUTCOMES.map(
    (o) =>
      `<div class="card" style="border-top-color:${OUTCOME_COLORS[o]}"><div class="n">${counts.outcomes[o]}</div><div class="k">${o}</div></div>`,
  );
  return `<div class="cards">
${cards.join("\n")}
<div class="card total"><div class="n">${counts.operations}</div><div class="k">operations</div></div>
</div>`;
}

function byOpTable(counts: ResultsCounts): string {
  const ops = Object.keys(counts.by_op);
  if (ops.length === 0) return "<p>No operations in this file.</p>";
  const used = OUTCOMES.filter((o) => counts.outcomes[o] > 0);
  const head = `<tr><th>operation</th><th>label</th>${used.map((o) => `<th class="num">${o}</th>`).join("")}</tr>`;
  const body = ops
    .map((op) => {
      const label = labelOfOp(op as ResultLine["op"]);
      const cells = used.map((o) => `<td class="num">${num(counts.by_op[op]?.[o])}</td>`).join("");
      return `<tr><td>${esc(op)}</td><td>${label ? LABEL_NAMES[label] : "–"}</td>${cells}</tr>`;
    })
    .join("\n");
  return `<table class="ops">${head}\n${body}</table>`;
}

function filesTable(files: readonly ReportFile[]): string {
  const manifests = new Set(files.map((f) => f.manifest_sha256 ?? `?${f.path}`)).size;
  const rows = files
    .map(
      (f) =>
        `<tr><td><code>${esc(f.path)}</code></td><td class="num">${num(f.operations)}</td><td class="num">${num(f.exit_code)}</td><td class="code">${f.manifest_sha256 ? esc(f.manifest_sha256.slice(0, 12)) : "unknown (no summary)"}</td><td>${esc(f.stopped ?? "")}</td></tr>`,
    )
    .join("\n");
  const note =
    manifests > 1
      ? `<p class="meta">These files come from ${manifests} different manifests; their rows are counted separately.</p>`
      : "";
  return `<section id="files">
<h2>Results files</h2>
${note}<table class="files"><tr><th>file</th><th class="num">operations</th><th class="num">exit</th><th>manifest (sha-256)</th><th>stopped</th></tr>
${rows}</table>
</section>`;
}

function failuresTable(problems: readonly ResultLine[]): string {
  if (problems.length === 0) return `<p class="good">No failures: nothing to fix.</p>`;
  const groups = new Map<string, ResultLine[]>();
  for (const line of problems) {
    const key = codeKey(line);
    const group = groups.get(key);
    if (group) group.push(line);
    else groups.set(key, [line]);
  }
  const rows = [...groups.entries()]
    .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
    .map(([code, group]) => failureRow(code, group))
    .join("\n");
  return `<table class="codes"><tr><th>code</th><th class="num">count</th><th>outcome</th><th>meaning (and Zoom's messages)</th><th>what to do</th></tr>\n${rows}</table>`;
}

function failureRow(code: string, group: readonly ResultLine[]): string {
  const advice = explainCode(code);
  const outcomes = [...new Set(group.map((l) => l.outcome))].join(", ");
  const statuses = [...new Set(group.map((l) => l.http_status).filter((s) => s !== ""))].join(", ");
  const messages = [...new Set(group.map((l) => l.message))].slice(0, 3);
  const sub = statuses ? `<div class="sub">HTTP ${esc(statuses)}</div>` : "";
  const list = messages.map((m) => `<li>${esc(m)}</li>`).join("");
  return `<tr><td class="code">${esc(code)}${sub}</td><td class="num">${group.length}</td><td>${esc(outcomes)}</td><td>${esc(advice.meaning)}<ul class="msgs">${list}</ul></td><td>${esc(advice.todo)}</td></tr>`;
}

function rowsTable(lines: readonly ResultLine[]): string {
  if (lines.length === 0) return `<p class="good">No row needs fixing.</p>`;
  const shown = [...lines].sort((a, b) => a.row - b.row).slice(0, MAX_ROWS_TO_FIX);
  const more =
    lines.length > shown.length
      ? `<p class="meta">The first ${shown.length} of ${lines.length}; the results file has them all (outcome failed or invalid).</p>`
      : "";
  const body = shown
    .map(
      (l) =>
        `<tr class="${esc(l.outcome)}"><td class="num">${num(l.row)}</td><td class="num">${num(l.line)}</td><td>${esc(l.user)}</td><td>${esc(l.op)}</td><td>${esc(l.target)}</td><td>${esc(l.outcome)}</td><td class="code">${esc(codeKey(l))}</td><td>${esc(l.message)}</td></tr>`,
    )
    .join("\n");
  return `${more}<table class="rows"><tr><th class="num">row</th><th class="num">line</th><th>user</th><th>op</th><th>target</th><th>outcome</th><th>code</th><th>message</th></tr>\n${body}</table>`;
}

/** Requests per second per label, bucketed: `series[label][i]` is the rate in bucket i. */
export interface RequestSeries {
  /** Epoch ms of the first bucket. */
  start: number;
  bucketMs: number;
  series: Partial<Record<Label, number[]>>;
}

interface Starts {
  label: Label;
  /** Epoch ms. */
  at: number;
  count: number;
}

/**
 * An estimate for results without the limiter's record: each line's attempts spread over its
 * duration, from `finished_at − duration_ms`. That includes time spent waiting in the limiter, so
 * peaks look higher than what Zoom saw. Buckets are a quarter second for runs under 15 s, else
 * whole seconds, widened so that no series has more than MAX_BUCKETS points.
 */
export function requestSeries(lines: readonly ResultLine[]): RequestSeries {
  const events: Starts[] = [];
  for (const line of lines) {
    const label = labelOfOp(line.op);
    const end = Date.parse(line.finished_at);
    if (!label || line.attempts <= 0 || !Number.isFinite(end)) continue;
    const start = end - line.duration_ms;
    for (let i = 0; i < line.attempts; i++)
      events.push({ label, at: start + (line.duration_ms * i) / line.attempts, count: 1 });
  }
  return bucketSeries(events, 250);
}

/** The chart from the limiter's own record: requests started per wall-clock second, per label. */
export function startsSeries(starts: Partial<Record<Label, ReadonlyMap<number, number>>>): RequestSeries {
  const events: Starts[] = [];
  for (const label of LABELS)
    for (const [second, count] of starts[label] ?? []) events.push({ label, at: second * 1000, count });
  return bucketSeries(events, 1000);
}

function bucketSeries(events: readonly Starts[], finestMs: number): RequestSeries {
  if (events.length === 0) return { start: 0, bucketMs: 1000, series: {} };
  let first = Infinity;
  let last = -Infinity;
  for (const e of events) {
    first = Math.min(first, e.at);
    last = Math.max(last, e.at);
  }
  const span = last - first;
  const bucketMs =
    span < 15_000 && finestMs < 1000 ? finestMs : Math.max(1, Math.ceil(span / 1000 / MAX_BUCKETS)) * 1000;
  const start = Math.floor(first / bucketMs) * bucketMs;
  // One empty bucket on each side, so every line starts and ends at zero.
  const count = Math.floor((last - start) / bucketMs) + 3;
  const series: Partial<Record<Label, number[]>> = {};
  for (const e of events) {
    const values = (series[e.label] ??= new Array<number>(count).fill(0));
    const i = Math.floor((e.at - start) / bucketMs) + 1;
    values[i] = (values[i] ?? 0) + (e.count * 1000) / bucketMs;
  }
  return { start: start - bucketMs, bucketMs, series };
}

/** The labels' figures from a summary's `labels`, checked: the file may be old, cut off or hostile. */
export function reportLabels(summary: unknown): Partial<Record<Label, ReportLabel>> {
  const out: Partial<Record<Label, ReportLabel>> = {};
  const labels = isPlainObject(summary) ? summary.labels : undefined;
  if (!isPlainObject(labels)) return out;
  for (const label of LABELS) {
    const figures = Object.hasOwn(labels, label) ? labels[label] : undefined;
    if (!isPlainObject(figures)) continue;
    const limited = isPlainObject(figures.rate_limited) ? figures.rate_limited : {};
    const starts = parseStarts(figures.starts_per_second);
    out[label] = {
      pace_per_second: num(figures.pace_per_second),
      rate_limited: num(limited.qps) + num(limited.daily) + num(limited.concurrency),
      ...(starts ? { starts } : {}),
    };
  }
  return out;
}

/**
 * A summary's `starts_per_second`: keys are wall-clock seconds, as ISO times
 * (`2026-03-10T15:00:01Z`) or epoch seconds; anything else is skipped. Undefined when absent.
 */
export function parseStarts(value: unknown): Map<number, number> | undefined {
  if (!isPlainObject(value)) return undefined;
  const starts = new Map<number, number>();
  for (const [key, count] of Object.entries(value)) {
    const second = /^\d{1,12}$/.test(key) ? Number(key) : Math.floor(Date.parse(key) / 1000);
    if (!Number.isFinite(second) || typeof count !== "number" || !(count >= 0) || !Number.isFinite(count))
      continue;
    starts.set(second, (starts.get(second) ?? 0) + count);
  }
  return starts;
}

function chart(lines: readonly ResultLine[], labels: Partial<Record<Label, ReportLabel>>): string {
  const recorded: Partial<Record<Label, ReadonlyMap<number, number>>> = {};
  for (const label of LABELS) {
    const starts = labels[label]?.starts;
    if (starts) recorded[label] = starts;
  }
  const measured = Object.keys(recorded).length > 0;
  const data = measured ? startsSeries(recorded) : requestSeries(lines);
  const shown = LABELS.filter((l) => data.series[l]);
  if (shown.length === 0) return `<p>No request reached Zoom.</p>`;
  const totals = new Map(
    shown.map((l) => [l, (data.series[l] ?? []).reduce((a, b) => a + b, 0) * (data.bucketMs / 1000)]),
  );
  const note = measured
    ? `Requests started per second, as the limiter recorded them.`
    : `Estimate: the summary has no per-second record of this run, so send times are rebuilt as finished_at − duration_ms, which includes time spent waiting in the limiter: peaks can look higher than what Zoom saw.`;
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Requests per second per rate label" data-source="${measured ? "limiter" : "estimate"}">${chartSvg(data, shown, labels)}</svg><figcaption><p class="meta">${note}</p>${legend(shown, totals, labels)}</figcaption></figure>`;
}

const W = 960;
const H = 320;
const PAD = { left: 56, right: 16, top: 16, bottom: 44 };

function chartSvg(
  data: RequestSeries,
  shown: readonly Label[],
  labels: Partial<Record<Label, ReportLabel>>,
): string {
  const n = Math.max(...shown.map((l) => data.series[l]?.length ?? 0));
  const paces = shown.map((l) => labels[l]?.pace_per_second ?? 0);
  const yMax = niceCeil(Math.max(1, ...shown.flatMap((l) => data.series[l] ?? []), ...paces) * 1.1);
  const x = (i: number): number => PAD.left + (n <= 1 ? 0 : (i / (n - 1)) * (W - PAD.left - PAD.right));
  const y = (v: number): number => PAD.top + (1 - v / yMax) * (H - PAD.top - PAD.bottom);
  const parts = axes(data, n, yMax, x, y);
  shown.forEach((label, k) => {
    const values = data.series[label] ?? [];
    const color = LABEL_COLORS[label];
    const pace = paces[k] ?? 0;
    if (pace > 0)
      parts.push(
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${f(y(pace))}" y2="${f(y(pace))}" stroke="${color}" class="pace"><title>${LABEL_NAMES[label]} pace ${f(pace)}/s</title></line>`,
      );
    const points = values.map((v, i) => `${f(x(i))},${f(y(v))}`).join(" ");
    parts.push(
      `<polyline points="${points}" fill="none" stroke="${color}" stroke-width="2" class="series" data-label="${label}"><title>${LABEL_NAMES[label]}</title></polyline>`,
    );
    if (values.length <= 80)
      for (const [i, v] of values.entries())
        if (v > 0) parts.push(`<circle cx="${f(x(i))}" cy="${f(y(v))}" r="3" fill="${color}"/>`);
  });
  return parts.join("");
}

function axes(
  data: RequestSeries,
  n: number,
  yMax: number,
  x: (i: number) => number,
  y: (v: number) => number,
): string[] {
  const bucketSeconds = data.bucketMs / 1000;
  const parts: string[] = [];
  for (const t of ticks(yMax))
    parts.push(
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${f(y(t))}" y2="${f(y(t))}" class="grid"/>`,
      `<text x="${PAD.left - 6}" y="${f(y(t) + 4)}" text-anchor="end">${t}</text>`,
    );
  for (const t of ticks(Math.max(1, (n - 1) * bucketSeconds))) {
    const i = t / bucketSeconds;
    if (i <= n - 1)
      parts.push(`<text x="${f(x(i))}" y="${H - PAD.bottom + 16}" text-anchor="middle">${t} s</text>`);
  }
  const buckets = bucketSeconds !== 1 ? ` (${bucketSeconds} s buckets)` : "";
  parts.push(
    `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${f(y(0))}" y2="${f(y(0))}" class="axis"/>`,
    `<text x="${(W + PAD.left) / 2}" y="${H - 6}" text-anchor="middle">seconds since ${esc(new Date(data.start).toISOString())}${buckets}</text>`,
    `<text x="14" y="${(H - PAD.bottom) / 2}" transform="rotate(-90 14 ${(H - PAD.bottom) / 2})" text-anchor="middle">requests/s</text>`,
  );
  return parts;
}

function legend(
  shown: readonly Label[],
  totals: ReadonlyMap<Label, number>,
  labels: Partial<Record<Label, ReportLabel>>,
): string {
  return shown
    .map((label) => {
      const figures = labels[label];
      const l429 = figures ? `, ${num(figures.rate_limited)} × 429` : "";
      const pace = figures?.pace_per_second ? `, pace ${f(figures.pace_per_second)}/s (dashed)` : "";
      return `<span class="key"><i style="background:${LABEL_COLORS[label]}"></i>${LABEL_NAMES[label]}: ${Math.round(totals.get(label) ?? 0)} requests${pace}${l429}</span>`;
    })
    .join(" ");
}

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function ticks(max: number): number[] {
  const step = niceCeil(max / 5);
  const out: number[] = [];
  for (let t = 0; t <= max + 1e-9; t += step) out.push(Math.round(t * 100) / 100);
  return out;
}

/** A coordinate or rate with one decimal; never anything but a number. */
const f = (n: number): string => num(n).toFixed(1);

/** A finite number, or 0 for anything else (a summary's field may be missing, text or worse). */
export function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

const text = (value: unknown): string => (typeof value === "string" ? value : "");

const HTML_ESCAPES = new Map([
  ["&", "&amp;"],
  ["<", "&lt;"],
  [">", "&gt;"],
  ['"', "&quot;"],
  ["'", "&#39;"],
]);

/** Any value as HTML text: markup characters escaped, control and bidi characters shown as `\x1B`, `\u202E`. */
export function esc(value: unknown): string {
  const s = typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES.get(c) ?? c).replace(CONTROL_CHARS, showControl);
}

const CSS = `
:root{color-scheme:light}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0 auto;max-width:1100px;padding:24px;color:#1f2328;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.meta{color:#57606a;margin:4px 0}.warn{background:#fff8c5;border:1px solid #d4a72c;padding:6px 10px;border-radius:6px}
.good{color:#1a7f37}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f6f8fa;padding:1px 4px;border-radius:4px}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{border:1px solid #d0d7de;border-top:4px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:90px}
.card .n{font-size:26px;font-weight:600}.card .k{color:#57606a}.card.total{border-top-color:#1f2328}
table{border-collapse:collapse;width:100%;margin:10px 0}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num,th.num{text-align:right}td.code{font-family:ui-monospace,Menlo,Consolas,monospace;white-space:nowrap}
.sub{color:#57606a;font-size:12px}ul.msgs{margin:4px 0 0;padding-left:18px;color:#57606a;font-size:12px}
table.ops{width:auto}tr.failed td:nth-child(6){color:#cf222e}tr.invalid td:nth-child(6){color:#bc4c00}
figure{margin:0}svg{border:1px solid #d0d7de;border-radius:6px;background:#fff}
svg text{font-size:11px;fill:#57606a}svg .grid{stroke:#eaeef2}svg .axis{stroke:#8c959f}svg .pace{stroke-dasharray:6 4;opacity:.7}
figcaption{margin-top:6px}.key{margin-right:18px}.key i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:-1px}
footer{margin-top:32px;color:#57606a;font-size:12px}
`;

/**
 * A results file's `<results>.summary.json`, or undefined when missing, cut off by a crash, or not
 * an object. With `complete`, also undefined unless it has the parts a person's summary is printed
 * from (counts, labels, times); a merge needs only the manifest's fingerprint and the labels.
 */
export function readSummaryFile(
  resultsPath: string,
  options: { complete?: boolean } = {},
): Summary | undefined {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(summaryPath(resultsPath), "utf8"));
  } catch {
    return undefined; // a report from the results alone
  }
  if (!isPlainObject(value)) return undefined;
  if (options.complete && !isCompleteSummary(value)) return undefined;
  return value as unknown as Summary;
}

function isCompleteSummary(s: Record<string, unknown>): boolean {
  const labels = s.labels;
  return (
    isPlainObject(s.outcomes) &&
    isPlainObject(s.zoom_codes) &&
    isPlainObject(labels) &&
    Object.values(labels).every((l) => isPlainObject(l) && isPlainObject(l.rate_limited)) &&
    typeof s.operations === "number" &&
    typeof s.elapsed_ms === "number" &&
    typeof s.results === "string"
  );
}

/** Writes an HTML page with mode 0600, as the results: the report names users. */
export function writeHtml(htmlPath: string, html: string): void {
  mkdirSync(dirname(resolve(htmlPath)), { recursive: true });
  writeFileSync(htmlPath, html, { mode: 0o600 });
}

/** Reads a results file (and its summary, when the run wrote one) and writes the HTML report. */
export function writeReport(
  resultsPath: string,
  htmlPath: string,
): { lines: ResultLine[]; summary?: Summary } {
  const lines = readResults(resultsPath);
  const summary = readSummaryFile(resultsPath, { complete: true });
  writeHtml(htmlPath, renderReport({ lines, source: resultsPath, ...(summary ? { summary } : {}) }));
  return { lines, ...(summary ? { summary } : {}) };
}

/** The summary as text when only the results file is there (no `.summary.json`). */
export function formatCounts(resultsPath: string, lines: readonly ResultLine[]): string {
  const c = summarize(lines);
  const counts = OUTCOMES.filter((o) => c.outcomes[o] > 0)
    .map((o) => `${o} ${c.outcomes[o]}`)
    .join(", ");
  const out = [`zoom-bulk: ${c.operations} operations in ${resultsPath}: ${counts || "nothing"}`];
  for (const label of LABELS) {
    const n = c.requests[label];
    if (n) out.push(`  ${LABEL_NAMES[label]}: ${n} operations sent, ${c.attempts[label] ?? 0} requests`);
  }
  const codes = Object.entries(c.failure_codes);
  if (codes.length > 0) out.push(`  codes: ${codes.map(([k, n]) => `${k} ×${n}`).join(", ")}`);
  return out.join("\n") + "\n";
}
