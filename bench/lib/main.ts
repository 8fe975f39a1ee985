/** Running a scenario file by itself: `npx tsx bench/scenarios/<name>.ts [scale]`. */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** Whether the module at `url` is the script node was started with. */
export function isMain(url: string): boolean {
  const script = process.argv[1];
  return script !== undefined && url === pathToFileURL(resolve(script)).href;
}

/**
 * The size factor of a scenario run by itself: the first argument, else BENCH_SCALE, else 1 (the
 * issue's sizes). 0.25 makes a quick check on a busy machine.
 */
export function scaleFromArgs(): number {
  const text = process.argv[2] ?? process.env.BENCH_SCALE ?? "1";
  const scale = Number(text);
  if (!(scale > 0 && scale <= 10))
    throw new Error(`scale: expected a number above 0 and up to 10, got "${text}"`);
  return scale;
}

/** Runs `scenario` at the scale the command line asks for; exit code 1 when it FAILs its target. */
export async function runAsMain(
  scenario: (options: { scale: number }) => Promise<{ pass: boolean }>,
): Promise<void> {
  const figures = await scenario({ scale: scaleFromArgs() });
  if (!figures.pass) process.exitCode = 1;
}
