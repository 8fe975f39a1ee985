import type { SandboxUser, SeedUser } from "./users-model.js";
import { makeUser } from "./users-model.js";

/**
 * The account's users, found by id or email (any case), kept in creation order with a sequence
 * number each, so List users can page with a cursor that survives users being created or removed
 * between pages.
 */
export class UserDirectory {
  private readonly byId = new Map<string, SandboxUser>();
  private readonly byEmail = new Map<string, SandboxUser>();
  private readonly seqOf = new WeakMap<SandboxUser, number>();
  private nextSeq = 1;

  /** A user by id, email (case-insensitive) or `me` (the account owner). */
  get(idOrEmail: string): SandboxUser | undefined {
    if (idOrEmail === "me") return this.owner();
    return this.byId.get(idOrEmail) ?? this.byEmail.get(idOrEmail.toLowerCase());
  }

  /** The account owner: the first user seeded with role_name "Owner", else the first user. */
  owner(): SandboxUser | undefined {
    for (const user of this.byId.values()) if (user.role_name === "Owner") return user;
    return this.byId.values().next().value;
  }

  /** All users in creation order. */
  all(): SandboxUser[] {
    return [...this.byId.values()];
  }

  /** All users in creation order, without copying them (List users pages a large account). */
  values(): MapIterator<SandboxUser> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }

  /** Creation order: a later user has a larger number. */
  seq(user: SandboxUser): number {
    return this.seqOf.get(user) ?? 0;
  }

  add(seed: SeedUser, createdAt: string): SandboxUser {
    if (this.byEmail.has(seed.email.toLowerCase()))
      throw new Error(`sandbox: email ${seed.email} already exists`);
    const user = makeUser(seed, createdAt);
    if (this.byId.has(user.id)) throw new Error(`sandbox: user id ${user.id} already exists`);
    this.byId.set(user.id, user);
    this.byEmail.set(user.email.toLowerCase(), user);
    this.seqOf.set(user, this.nextSeq++);
    return user;
  }

  remove(user: SandboxUser): void {
    this.byId.delete(user.id);
    this.byEmail.delete(user.email.toLowerCase());
  }

  /** Changes a user's login email (the caller checked that no one else holds it). */
  rename(user: SandboxUser, email: string): void {
    this.byEmail.delete(user.email.toLowerCase());
    user.email = email;
    this.byEmail.set(email.toLowerCase(), user);
  }
}
