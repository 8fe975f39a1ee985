import { OUTCOMES } from "../types.js";
import { LABEL_NAMES, LABELS } from "../zoom/labels.js";
import { bar, formatSeconds } from "./format.js";
import type { ProgressSnapshot } from "./model.js";
import type { ProgressStream } from "./types.js";

/**
 * The terminal display: a block of one line for the rows and one per rate label, redrawn in
 * place (cursor up over the last block, erase to the end of the screen) at most every `redrawMs`,
 * and at least once a second so the elapsed time and rates move.
 */
export function renderBlock(snap: ProgressSnapshot, columns?: number): string[] {
  const rows = snap.rows.total === null ? `${snap.rows.planned}` : `${snap.rows.planned}/${snap.rows.total}`;
  const counts = OUTCOMES.filter((o) => snap.outcomes[o] > 0)
    .map((o) => `${o} ${snap.outcomes[o]}`)
    .join("  ");
  const lines = [
    `zoom-bulk  rows read ${rows}  ${counts}  ${formatSeconds(snap.elapsed_ms / 1000)} elapsed${snap.done ? "  done" : ""}`,
  ];
  for (const label of LABELS) {
    const l = snap.labels[label];
    if (!l) continue;
    const total = `${l.estimated ? "~" : ""}${l.total}`;
    const pct = l.total > 0 ? Math.floor((l.done * 100) / l.total) : 100;
    const eta = l.eta_seconds === null ? "--" : formatSeconds(l.eta_seconds);
    lines.push(
      `  ${LABEL_NAMES[label].padEnd(8)} ${bar(pct)} ${String(l.done).padStart(6)}/${total}  ${String(pct).padStart(3)}%  ${l.rate.toFixed(1)}/s  429s ${l.rate_limited}  ETA ${eta}`,
    );
  }
  const width = columns && columns > 20 ? columns - 1 : undefined;
  return width ? lines.map((l) => l.slice(0, width)) : lines;
}

export interface TtyDisplayOptions {
  stream: ProgressStream;
  snapshot: () => ProgressSnapshot;
  now: () => number;
  /** Least milliseconds between redraws; default 200 (5 a second). */
  redrawMs?: number;
}

export class TtyDisplay {
  readonly #o: TtyDisplayOptions;
  #timer: NodeJS.Timeout | undefined;
  #drawnLines = 0;
  #dirty = false;
  #lastDraw = 0;

  constructor(options: TtyDisplayOptions) {
    this.#o = options;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (this.#dirty || this.#o.now() - this.#lastDraw >= 1000) this.draw();
    }, this.#o.redrawMs ?? 200);
    this.#timer.unref();
    this.draw();
  }

  /** Something changed: redraw at the next tick. */
  changed(): void {
    this.#dirty = true;
  }

  draw(): void {
    this.#lastDraw = this.#o.now();
    this.#dirty = false;
    const lines = renderBlock(this.#o.snapshot(), this.#o.stream.columns);
    const up = this.#drawnLines > 0 ? `\r\x1b[${this.#drawnLines}A\x1b[J` : "";
    this.#o.stream.write(up + lines.join("\n") + "\n");
    this.#drawnLines = lines.length;
  }

  /** The last frame, then no more timers. */
  finish(): void {
    this.stop();
    this.draw();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
