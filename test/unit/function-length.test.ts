import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/** Issue 10: no function in src/ longer than a reader can hold in their head. */
const MAX_LINES = 150;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** Every function, method, arrow and constructor of `path` with its length in lines. */
function functions(path: string): { where: string; lines: number }[] {
  const file = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.Latest, true);
  const found: { where: string; lines: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const first = file.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = file.getLineAndCharacterOfPosition(node.end).line;
      found.push({ where: `${path}:${first + 1}`, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe("src/", () => {
  it(`has no function over ${MAX_LINES} lines`, () => {
    const long = sourceFiles("src")
      .flatMap(functions)
      .filter((f) => f.lines > MAX_LINES)
      .map((f) => `${f.where} (${f.lines} lines)`);
    expect(long).toEqual([]);
  });
});
