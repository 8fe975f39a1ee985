import { statSync } from "node:fs";

/**
 * Plain-text passwords in a manifest are a secret on disk: when the file can be read by other
 * users of the machine (group or others have read permission), the operator should know, and
 * should use `env:NAME` or `file:PATH` references instead (src/plan/password.ts).
 */

/** Whether a manifest `password` value holds the password itself rather than an `env:` or `file:` reference. */
export function isPlainPassword(value: unknown): boolean {
  if (typeof value !== "string" || value.trim() === "") return false;
  return !value.startsWith("env:") && !value.startsWith("file:");
}

/**
 * The warning to print when a manifest that held at least one plain password is readable by
 * others, or undefined. Never names the password. POSIX permissions only: on Windows (no mode
 * bits to speak of) and when the file cannot be stat'ed any more, there is nothing to say.
 */
export function plainPasswordWarning(
  manifestPath: string,
  sawPlainPassword: boolean,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if (!sawPlainPassword || platform === "win32") return undefined;
  let mode: number;
  try {
    mode = statSync(manifestPath).mode;
  } catch {
    return undefined;
  }
  const readableBy = [mode & 0o040 ? "its group" : "", mode & 0o004 ? "every user" : ""].filter(Boolean);
  if (readableBy.length === 0) return undefined;
  const octal = (mode & 0o777).toString(8).padStart(3, "0");
  return (
    `warning: manifest ${manifestPath} holds plain-text passwords and can be read by ${readableBy.join(" and ")} ` +
    `on this machine (mode ${octal}). Restrict it (chmod 600 ${manifestPath}), or put the passwords in ` +
    `environment variables or files and write env:NAME or file:PATH in the password column.`
  );
}
