import type { RunConfig } from "../config.js";
import { openManifest } from "../read/index.js";
import { demoUsers, type SeedUser } from "../sandbox/index.js";

/**
 * The users an embedded sandbox (`--sandbox`) starts with, for a trial run of a real export: the
 * demo account, plus every user a manifest names by email, so the trial shows what the real run
 * will do instead of a wall of 404/1001. Rows that create their user (`action` create) are left
 * out, so the trial creates them; users named by a Zoom user ID cannot be seeded (an ID is the
 * account's own) and answer 1001 as an unknown ID would.
 */
export async function trialUsers(configs: readonly Omit<RunConfig, "zoom">[]): Promise<SeedUser[]> {
  const users = new Map<string, SeedUser>(demoUsers().map((u) => [u.email.toLowerCase(), u]));
  for (const config of configs) {
    const manifest = await openManifest(config.manifest, {
      ...(config.mapping ? { mapping: config.mapping } : {}),
      ...(config.delimiter ? { delimiter: config.delimiter } : {}),
    });
    for await (const record of manifest.records()) {
      const user = record.fields?.user;
      if (typeof user !== "string" || !user.includes("@")) continue;
      if (
        String(record.fields?.action ?? "")
          .trim()
          .toLowerCase() === "create"
      )
        continue;
      const email = user.trim();
      if (!users.has(email.toLowerCase())) users.set(email.toLowerCase(), { email });
    }
  }
  return [...users.values()];
}
