import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { ConfigError } from "../errors.js";
import type { FileFormat } from "../zoom/rules.js";
import { isPlainObject } from "../zoom/rules.js";

export type UserStatus = "active" | "inactive" | "pending";
export type UserRole = "Owner" | "Admin" | "Member";

export interface PictureInfo {
  size: number;
  sha256: string;
  format: FileFormat;
}

export interface BackgroundFile {
  id: string;
  name: string;
  size: number;
  type: "image" | "video";
  sha256: string;
  is_default: boolean;
}

/** One user of the simulated account, as tests read it through `sandbox.state`. */
export interface SandboxUser {
  id: string;
  /** As created; lookups by email are case-insensitive. */
  email: string;
  status: UserStatus;
  role_name: UserRole;
  created_at: string;
  /**
   * Every profile field the user holds, as PATCH /users/{userId} sets them: first_name,
   * last_name, display_name, type, pmi, timezone, dept, job_title, custom_attributes, …
   */
  profile: Record<string, unknown>;
  /** Kept in clear: this is a simulation, and tests check it with `state.passwordMatches`. */
  password: string | undefined;
  picture: PictureInfo | undefined;
  backgrounds: BackgroundFile[];
}

/**
 * A seed user: `email` is required; `id` defaults to a stable id derived from the email;
 * every other key is a profile field (first_name, type, pmi, …) except `status`, `role_name`
 * and `password`.
 */
export interface SeedUser {
  email: string;
  id?: string;
  status?: UserStatus;
  role_name?: UserRole;
  password?: string;
  [field: string]: unknown;
}

const DEMO_NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];

/**
 * The default demo account: alice@example.com (the owner, who `me` means) … heidi@example.com,
 * then user1@example.com … user20@example.com.
 */
export function demoUsers(): SeedUser[] {
  const named = DEMO_NAMES.map((name, i) => ({
    email: `${name}@example.com`,
    first_name: name[0]?.toUpperCase() + name.slice(1),
    last_name: "Example",
    ...(i === 0 ? { role_name: "Owner" as const } : {}),
  }));
  return [...named, ...numberedUsers(20)];
}

/** user1@example.com … user<n>@example.com. */
export function numberedUsers(n: number): SeedUser[] {
  return Array.from({ length: n }, (_, i) => ({
    email: `user${i + 1}@example.com`,
    first_name: "User",
    last_name: String(i + 1),
  }));
}

/** A stable Zoom-looking id for an email: the same email always gets the same id. */
export function stableId(email: string): string {
  return createHash("sha256").update(email.toLowerCase()).digest("base64url").slice(0, 22);
}

/** A stable 10-digit PMI for an email. */
export function stablePmi(email: string): number {
  const n = createHash("sha256").update(`pmi:${email.toLowerCase()}`).digest().readUInt32BE(0);
  return 1_000_000_000 + (n % 9_000_000_000);
}

export function makeUser(seed: SeedUser, createdAt: string): SandboxUser {
  const { email, id, status, role_name, password, ...fields } = seed;
  const profile: Record<string, unknown> = {
    first_name: "",
    last_name: "",
    type: 1,
    pmi: stablePmi(email),
    use_pmi: false,
    timezone: "America/Los_Angeles",
    language: "en-US",
    dept: "",
    job_title: "",
    ...fields,
  };
  if (profile.display_name === undefined || profile.display_name === "")
    profile.display_name = `${String(profile.first_name)} ${String(profile.last_name)}`.trim();
  return {
    id: id ?? stableId(email),
    email,
    status: status ?? "active",
    role_name: role_name ?? "Member",
    created_at: createdAt,
    profile,
    password,
    picture: undefined,
    backgrounds: [],
  };
}

/** Reads seed users from a JSON file holding an array of user objects (`--users <file>`). */
export async function loadSeedUsers(path: string): Promise<SeedUser[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError(`--users: cannot read ${path}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `--users: expected a JSON array of user objects in ${path}, got invalid JSON (${(error as Error).message})`,
    );
  }
  return checkSeedUsers(data, `--users (${path})`);
}

export function checkSeedUsers(data: unknown, source: string): SeedUser[] {
  if (!Array.isArray(data))
    throw new ConfigError(`${source}: expected a JSON array of user objects, got ${describe(data)}`);
  const seen = new Set<string>();
  return data.map((item: unknown, i) => {
    if (!isPlainObject(item) || typeof item.email !== "string" || !item.email.includes("@"))
      throw new ConfigError(
        `${source}: item ${i} must be an object with an "email" string, got ${describe(item)}`,
      );
    const key = item.email.toLowerCase();
    if (seen.has(key)) throw new ConfigError(`${source}: item ${i} repeats the email ${item.email}`);
    seen.add(key);
    return item as SeedUser;
  });
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
