import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/** What an operator does: npm pack, install the tarball into an empty folder, run the binary. */
describe("the npm package", () => {
  it("installs into an empty folder and runs --help, validate and run --sandbox", () => {
    const packDir = mkdtempSync(join(tmpdir(), "zb-pack-"));
    // The package from a copy of what it ships (dist/ is built once by `npm test`), with the files a
    // demo run leaves beside the manifest: they must not ship.
    const source = mkdtempSync(join(tmpdir(), "zb-pack-src-"));
    for (const path of ["package.json", "README.md", "dist", "fixtures/demo", "jobs"])
      cpSync(path, join(source, path), { recursive: true });
    writeFileSync(join(source, "fixtures/demo/manifest.results.csv"), "row,line\n");
    writeFileSync(join(source, "fixtures/demo/manifest.results.csv.summary.json"), "{}");
    writeFileSync(join(source, "fixtures/demo/manifest.results.csv.lock"), "{}");
    const listed = JSON.parse(
      execFileSync(npm, ["pack", "--dry-run", "--json", "--ignore-scripts"], {
        cwd: source,
        encoding: "utf8",
      }),
    ) as { files: { path: string }[] }[];
    const files = listed[0]?.files.map((f) => f.path) ?? [];
    expect(files).toContain("fixtures/demo/manifest.csv");
    expect(files.filter((f) => /\.results\.|\.lock$/.test(f))).toEqual([]);
    execFileSync(npm, ["pack", "--pack-destination", packDir, "--silent", "--ignore-scripts"], {
      cwd: source,
      stdio: "pipe",
      timeout: 180_000,
    });
    const tarball = readdirSync(packDir).find((f) => f.endsWith(".tgz"));
    expect(tarball).toMatch(/^zoom-bulk-\d+\.\d+\.\d+\.tgz$/);

    const app = mkdtempSync(join(tmpdir(), "zb-install-"));
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "pack-test", private: true }));
    execFileSync(npm, ["install", join(packDir, tarball ?? ""), "--no-audit", "--no-fund", "--silent"], {
      cwd: app,
      stdio: "pipe",
      timeout: 300_000,
    });
    const bin = join(app, "node_modules", ".bin", "zoom-bulk");
    const run = (args: string[]): string =>
      execFileSync(bin, args, {
        cwd: app,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 60_000,
      });

    expect(run(["--help"])).toMatch(
      /zoom-bulk run <manifest>[\s\S]*zoom-bulk report <results..>[\s\S]*zoom-bulk job <file>/,
    );

    const fixture = join(app, "node_modules", "zoom-bulk", "fixtures", "demo", "manifest.csv");
    expect(run(["validate", fixture])).toMatch(/9 records, 19 operations to send, 0 invalid/);

    const results = join(app, "results.csv");
    const out = run([
      "run",
      fixture,
      "--sandbox",
      "--results",
      results,
      "--log-level",
      "silent",
      "--progress",
      "off",
    ]);
    expect(out).toMatch(/zoom-bulk: 19 operations in [\d.]+ s: ok 19/);
    expect(readFileSync(results, "utf8").trim().split("\n")).toHaveLength(20);
    // The example jobs ship too.
    expect(readdirSync(join(app, "node_modules", "zoom-bulk", "jobs"))).toContain("nightly-hr-sync.json");
  }, 420_000);
});
