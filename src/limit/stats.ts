/**
 * What one label's starts looked like, for the summary and the HTML report: how many, the busiest
 * sliding second, and a count per wall-clock second. Pure: times come in as arguments.
 */

/**
 * Starts per wall-clock second, keyed by the second's ISO time (`2026-03-10T15:00:01Z`, UTC), only
 * for seconds with at least one start: a run of 10 hours at full pace holds 36,000 keys (about
 * 2 MB), an idle label none.
 */
export type StartsPerSecond = Record<string, number>;

/** The ISO key of the wall-clock second holding `epochMs`. */
export function secondKey(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().slice(0, 19) + "Z";
}

export class StartStats {
  /** Starts recorded. */
  requests = 0;
  /** Most starts within any sliding 1000 ms (monotonic time). */
  busiestSecond = 0;
  readonly perSecond: StartsPerSecond = {};
  /** Starts within the last 1000 ms, oldest first, from `head` on. */
  private recent: number[] = [];
  private head = 0;
  private lastSecond = NaN;
  private lastKey = "";

  /** One start at monotonic `at` ms, wall clock `epochMs`. */
  record(at: number, epochMs: number): void {
    this.requests++;
    const recent = this.recent;
    recent.push(at);
    while (this.head < recent.length && (recent[this.head] as number) <= at - 1000) this.head++;
    const inSecond = recent.length - this.head;
    if (inSecond > this.busiestSecond) this.busiestSecond = inSecond;
    if (this.head > 1024 && this.head * 2 > recent.length) {
      this.recent = recent.slice(this.head);
      this.head = 0;
    }

    const second = Math.floor(epochMs / 1000);
    if (second !== this.lastSecond) {
      this.lastSecond = second;
      this.lastKey = secondKey(epochMs);
    }
    this.perSecond[this.lastKey] = (this.perSecond[this.lastKey] ?? 0) + 1;
  }
}
