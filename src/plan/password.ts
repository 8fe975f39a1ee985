import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { checkPassword } from "../zoom/rules.js";
import type { FileProblem, PathPolicy } from "./files.js";

/** A password file holds one password; anything bigger is the wrong file. */
const MAX_SECRET_FILE_BYTES = 4096;
/** Secret files read once each; a manifest usually points every row at a handful of them. */
const MAX_CACHED_FILES = 1000;

/**
 * Resolves a manifest password to the secret. `env:NAME` reads an environment variable and
 * `file:PATH` a file (relative to the manifest's folder, inside --assets-dir when set; one trailing
 * line break dropped); any other text is the password itself. Then applies Zoom's default rules.
 * Problems never contain the password.
 */
export class PasswordResolver {
  private readonly files = new Map<string, Promise<{ secret: string } | FileProblem>>();

  constructor(
    private readonly policy: PathPolicy,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async resolve(value: unknown): Promise<{ password: string } | FileProblem> {
    if (typeof value !== "string")
      return { code: "E_PASSWORD", problem: "must be text (a password, env:NAME or file:PATH)" };
    let password = value;
    if (value.startsWith("env:")) {
      const name = value.slice(4).trim();
      const secret = this.env[name];
      if (!secret)
        return {
          code: "E_PASSWORD_REF",
          problem: `environment variable ${name || "(no name)"} is not set or empty; set it or fix the env: reference`,
        };
      password = secret;
    } else if (value.startsWith("file:")) {
      const read = await this.readFile(value.slice(5).trim());
      if ("code" in read) return read;
      password = read.secret;
    }
    const problem = checkPassword(password);
    if (problem)
      return {
        code: "E_PASSWORD",
        problem: `${problem.message} (Zoom would refuse it with code ${problem.code}; the password is not shown)`,
      };
    return { password };
  }

  private readFile(given: string): Promise<{ secret: string } | FileProblem> {
    let cached = this.files.get(given);
    if (!cached) {
      cached = this.load(given);
      if (this.files.size < MAX_CACHED_FILES) this.files.set(given, cached);
    }
    return cached;
  }

  private async load(given: string): Promise<{ secret: string } | FileProblem> {
    if (given === "") return { code: "E_PASSWORD_REF", problem: "file: needs a path" };
    const resolved = await this.policy.resolve(given);
    if ("code" in resolved) return { code: "E_PASSWORD_REF", problem: `password file: ${resolved.problem}` };
    try {
      const handle = await open(resolved.path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
      try {
        const stat = await handle.stat();
        if (!stat.isFile())
          return { code: "E_PASSWORD_REF", problem: `password file ${resolved.path} is not a regular file` };
        if (stat.size > MAX_SECRET_FILE_BYTES)
          return {
            code: "E_PASSWORD_REF",
            problem: `password file ${resolved.path} is larger than ${MAX_SECRET_FILE_BYTES} bytes; it should hold only the password`,
          };
        const buffer = Buffer.alloc(stat.size);
        const { bytesRead } = await handle.read(buffer, 0, stat.size, 0);
        const secret = buffer
          .subarray(0, bytesRead)
          .toString("utf8")
          .replace(/\r?\n$/, "");
        if (secret === "")
          return { code: "E_PASSWORD_REF", problem: `password file ${resolved.path} is empty` };
        return { secret };
      } finally {
        await handle.close();
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "error";
      return {
        code: "E_PASSWORD_REF",
        problem: `password file ${resolved.path} cannot be read (${code === "ENOENT" ? "not found" : code})`,
      };
    }
  }
}
