import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

/** Creates the folder of a results or report path. */
export function ensureParent(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
}
