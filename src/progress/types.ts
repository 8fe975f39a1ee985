/** Where a display writes: the CLI passes stderr, so stdout keeps only the summary. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  /** Terminal width; lines are cut to it. */
  columns?: number;
}
