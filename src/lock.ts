import { closeSync, openSync, readFileSync, realpathSync, unlinkSync, writeSync } from "node:fs";
import { createHash } from "node:crypto";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ConfigError } from "./errors.js";

/**
 * A lock file per manifest (see `lockPath`) and per results file (`<results>.lock`), so two runs on one host do not both spend
 * the budget unnoticed (without --redis each would pace itself at limit × share, together twice
 * that). Created with `wx` (fails if it exists) and holding the owner's pid, host, start time and
 * command. A lock whose pid is gone on this host is stale and taken over; one from another host is
 * never guessed about.
 */
export interface LockOwner {
  pid: number;
  host: string;
  started_at: string;
  command: string;
}

export interface Lock {
  readonly path: string;
  /** Removes the lock file if it is still ours. Safe to call twice. */
  release(): void;
}

export interface LockOptions {
  /** Written into the lock for whoever finds it. Default: this process's argv. */
  command?: string;
  /** Default: this process. */
  pid?: number;
  host?: string;
  now?: () => number;
  /** Whether a pid runs on this host. Default: `process.kill(pid, 0)`. */
  isAlive?: (pid: number) => boolean;
}

/**
 * The lock of a manifest: in the system's temp folder, named by the manifest's real path, so a
 * read-only manifest folder is no obstacle and two spellings of one path are one lock.
 */
export function lockPath(manifest: string): string {
  let real = resolve(manifest);
  try {
    real = realpathSync(real);
  } catch {
    // not there (yet): the resolved path names it
  }
  return join(tmpdir(), `zoom-bulk-${createHash("sha1").update(real).digest("hex").slice(0, 16)}.lock`);
}

/**
 * Takes the lock at `path`, or throws ConfigError naming who holds it. `what` says what is locked,
 * for the message ("the manifest jobs/hr.csv").
 */
export function acquireLock(path: string, what: string, options: LockOptions = {}): Lock {
  const owner: LockOwner = {
    pid: options.pid ?? process.pid,
    host: options.host ?? hostname(),
    started_at: new Date((options.now ?? Date.now)()).toISOString(),
    command: options.command ?? process.argv.slice(1).join(" "),
  };
  const isAlive = options.isAlive ?? pidAlive;
  const text = JSON.stringify(owner) + "\n";

  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, "wx", 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST")
        throw new ConfigError(
          `Cannot create the lock file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}. Check that its folder is writable.`,
        );
      const holder = readOwner(path);
      if (holder && holder.host === owner.host && !isAlive(holder.pid)) {
        // Stale: that run is gone. Remove it and try again (another run may win the race: fine).
        removeIf(path, (current) => current === holder.raw);
        continue;
      }
      throw new ConfigError(heldMessage(path, what, holder));
    }
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    let released = false;
    return {
      path,
      release() {
        if (released) return;
        released = true;
        removeIf(path, (current) => current === text);
      },
    };
  }
  throw new ConfigError(heldMessage(path, what, readOwner(path)));
}

function heldMessage(path: string, what: string, holder: (LockOwner & { raw: string }) | undefined): string {
  const who = holder
    ? `another zoom-bulk run (pid ${holder.pid} on host ${holder.host}, started ${holder.started_at}${holder.command ? `: ${holder.command}` : ""})`
    : "another zoom-bulk run";
  return `${who} holds ${path}, the lock on ${what}. Two runs would together spend twice the share of Zoom's rate limits: wait for that run to finish, use --redis to share one budget between runs, or remove ${path} if that run is gone.`;
}

function readOwner(path: string): (LockOwner & { raw: string }) | undefined {
  try {
    const raw = readFileSync(path, "utf8");
    const parsed = JSON.parse(raw) as Partial<LockOwner>;
    if (typeof parsed.pid !== "number" || typeof parsed.host !== "string") return undefined;
    return {
      pid: parsed.pid,
      host: parsed.host,
      started_at: String(parsed.started_at ?? "at an unknown time"),
      command: String(parsed.command ?? ""),
      raw,
    };
  } catch {
    return undefined; // unreadable or half-written: treated as held, never as stale
  }
}

function removeIf(path: string, test: (current: string) => boolean): void {
  try {
    if (test(readFileSync(path, "utf8"))) unlinkSync(path);
  } catch {
    // already gone
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
