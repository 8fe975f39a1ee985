/**
 * `validate` on a 1,000,000-row manifest: rows per second (target ≥ 50,000/s) and peak RSS
 * (target ≤ 150 MB), measured in a child process so the generator's memory does not count.
 */
import { execFileSync } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);

async function writeManifest(path: string): Promise<void> {
  const out = createWriteStream(path);
  out.write("user,first_name,last_name,job_title,dept,timezone,password\n");
  for (let i = 1; i <= ROWS; i++) {
    const line = `user${i}@example.com,First${i},Last${i},"Engineer, level ${i % 7}",Dept ${i % 50},Europe/Berlin,${i % 4 === 0 ? `Vx-${i % 97}-Pw${i % 89}q` : ""}\n`;
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

export interface ValidateFigures {
  records: number;
  rowsPerSecond: number;
  peakRssMb: number;
}

export async function main(): Promise<ValidateFigures> {
  const dir = mkdtempSync(join(tmpdir(), "zb-bench-"));
  const manifest = join(dir, "million.csv");
  let output: string;
  try {
    await writeManifest(manifest);
    output = execFileSync(process.execPath, [join(import.meta.dirname, "validate-child.mjs"), manifest], {
      encoding: "utf8",
    });
  } finally {
    rmSync(dir, { recursive: true, force: true }); // about 90 MB
  }
  const figures = JSON.parse(output.trim().split("\n").pop() as string) as ValidateFigures;
  console.log(
    `validate: ${figures.records} rows at ${figures.rowsPerSecond} rows/s, peak RSS ${figures.peakRssMb} MB`,
  );
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
