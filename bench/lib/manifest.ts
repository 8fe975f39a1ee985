/**
 * Manifests for the bench scenarios, written to a temporary folder, for users
 * user1@example.com … user<n>@example.com (the users the bench sandboxes are seeded with). Each
 * returns how many operations of each label it plans, so a scenario knows what to expect.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkPassword } from "../../src/zoom/rules.js";
import { gifBytes, jpegBytes, pngBytes, writeFile } from "../../test/helpers/files.js";
import { onBenchExit } from "./processes.js";

export interface Manifest {
  path: string;
  /** Users it names (user1 … user<users>). */
  users: number;
  /** Operations it plans. */
  operations: number;
}

/** A temporary folder under os.tmpdir(), removed by `remove`, or when the bench exits early. */
export function tempDir(name: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `zb-bench-${name}-`));
  const remove = (): void => rmSync(path, { recursive: true, force: true });
  const hook = onBenchExit(remove);
  return {
    path,
    remove: () => {
      hook.forget();
      remove();
    },
  };
}

/** A password Zoom's rules accept, different per row. */
export function password(i: number): string {
  for (let k = 0; k < 100; k++) {
    const candidate = `Bench-${i * 7 + k}-Kz`;
    if (!checkPassword(candidate)) return candidate;
  }
  throw new Error(`no valid bench password for row ${i}`);
}

function writeCsv(path: string, header: string[], rows: string[][]): void {
  const lines = [header.join(","), ...rows.map((row) => row.join(","))];
  // 0600: it holds plain-text passwords (the run would warn about a manifest others can read).
  writeFileSync(path, lines.join("\n") + "\n", { mode: 0o600 });
}

/**
 * Every user a profile change (Light); the first `withPassword` of them also a password (Medium).
 * The head-of-line manifest is `lanesManifest(dir, 1600, 1200)`.
 */
export function lanesManifest(dir: string, users: number, withPassword: number): Manifest {
  const path = join(dir, "lanes.csv");
  const rows: string[][] = [];
  for (let i = 1; i <= users; i++)
    rows.push([`user${i}@example.com`, `Title ${i}`, i <= withPassword ? password(i) : ""]);
  writeCsv(path, ["user", "job_title", "password"], rows);
  return { path, users, operations: users + Math.min(users, withPassword) };
}

/** A profile change (Light) per user, nothing else. */
export function lightManifest(dir: string, users: number): Manifest {
  const path = join(dir, "light.csv");
  const rows: string[][] = [];
  for (let i = 1; i <= users; i++) rows.push([`user${i}@example.com`, `Title ${i}`]);
  writeCsv(path, ["user", "job_title"], rows);
  return { path, users, operations: users };
}

/**
 * Every operation kind, both labels kept equally busy on the Business plan: per 20 users, 20
 * profile changes (Light, 80/s) and 15 Medium operations (60/s): 8 passwords, 4 pictures and 3
 * virtual backgrounds. About `operations` in all (1.75 per user).
 */
export function mixedManifest(dir: string, operations: number): Manifest {
  // Relative to the manifest's folder, as a manifest names them.
  writeFile(join(dir, "pics/p0.png"), pngBytes(1));
  writeFile(join(dir, "pics/p1.jpg"), jpegBytes(2));
  writeFile(join(dir, "bg/a.png"), pngBytes(7, 4000));
  writeFile(join(dir, "bg/b.gif"), gifBytes(9));
  const pictures = ["pics/p0.png", "pics/p1.jpg"];
  const backgrounds = ["bg/a.png", "bg/b.gif"];
  const users = Math.max(1, Math.round(operations / 1.75));
  const path = join(dir, "mixed.csv");
  const rows: string[][] = [];
  let count = 0;
  for (let i = 1; i <= users; i++) {
    const slot = i % 20;
    const row = [`user${i}@example.com`, `Title ${i}`, "", "", ""];
    count++;
    if (slot % 5 === 0 || slot % 5 === 1) {
      row[2] = password(i);
      count++;
    } else if (slot % 5 === 2) {
      row[3] = pictures[i % pictures.length] as string;
      count++;
    } else if (slot === 3 || slot === 8 || slot === 13) {
      row[4] = backgrounds[i % backgrounds.length] as string;
      count++;
    }
    rows.push(row);
  }
  writeCsv(path, ["user", "job_title", "password", "picture", "virtual_backgrounds"], rows);
  return { path, users, operations: count };
}
