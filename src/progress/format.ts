/** 75 -> "1:15", 3725 -> "1:02:05". */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** A 20-character bar for a percentage: `[#####---------------]`. */
export function bar(pct: number, width = 20): string {
  const full = Math.min(width, Math.max(0, Math.round((pct * width) / 100)));
  return "[" + "#".repeat(full) + "-".repeat(width - full) + "]";
}
