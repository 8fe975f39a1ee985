import { randomBytes } from "node:crypto";
import type { EndpointName } from "../zoom/endpoints.js";
import type { Label } from "../zoom/labels.js";
import { LABELS } from "../zoom/labels.js";
import type { SandboxClock } from "./clock.js";
import type { FaultSpec, ForcedFault, LatencySpec } from "./faults.js";
import { checkFaults, checkLatency, otherAppsShare } from "./faults.js";
import type { LabelStats, Limits } from "./limits.js";
import type { Rng } from "./rng.js";
import type { SandboxUser, SeedUser } from "./users-model.js";
import { makeUser } from "./users-model.js";

/**
 * One line of the request log, appended when the call's outcome is known (so concurrent calls
 * appear in completion order; `time` is the arrival on the sandbox clock).
 */
export interface LogEntry {
  /** Arrival, ms since the epoch on the sandbox clock. */
  time: number;
  method: string;
  /** Path as sent, without the query string (`/v2/users/alice%40example.com`, `/oauth/token`). */
  path: string;
  /** The query string without `?`, when there was one. */
  query?: string;
  endpoint?: EndpointName;
  label?: Label;
  /** HTTP status; 0 when the connection was reset, hung or lost (see `fault`). */
  status: number;
  /** The `{userId}` of the path, URL-decoded, as the client sent it. */
  user?: string;
  zoomCode?: number;
  fault?: "5xx" | "reset" | "hang" | "lost-upload";
  trackingId: string;
}

export interface StateOptions {
  clock: SandboxClock;
  limits: Limits;
  rng: { latency: Rng; faults: Rng; ids: Rng };
  faults: FaultSpec;
  latency: LatencySpec;
  logRequests: boolean;
  users: SeedUser[];
  tokenTtlSeconds: number;
}

/** What the forced-fault matcher knows about a call. */
export interface CallInfo {
  endpoint: EndpointName;
  method: string;
  /** Path below /v2, as sent but URL-decoded. */
  path: string;
  template: string;
  user: SandboxUser | undefined;
  userParam: string | undefined;
}

/** The simulated account: users, tokens, request log, stats, faults and latency. */
export class SandboxState {
  readonly log: LogEntry[] = [];
  readonly clock: SandboxClock;
  readonly limits: Limits;
  readonly rng: StateOptions["rng"];
  logRequests: boolean;
  tokenTtlSeconds: number;
  private readonly byId = new Map<string, SandboxUser>();
  private readonly byEmail = new Map<string, SandboxUser>();
  private readonly tokens = new Map<string, number>();
  private forced: (ForcedFault & { left: number })[] = [];
  private faultSpec: FaultSpec = {};
  private latencySpec: LatencySpec = { minMs: 0, maxMs: 0 };

  constructor(options: StateOptions) {
    this.clock = options.clock;
    this.limits = options.limits;
    this.rng = options.rng;
    this.logRequests = options.logRequests;
    this.tokenTtlSeconds = options.tokenTtlSeconds;
    this.setFaults(options.faults);
    this.setLatency(options.latency);
    for (const seed of options.users) this.addUser(seed);
  }

  // ---- users

  /** A user by id, email (case-insensitive) or `me` (the account owner). */
  getUser(idOrEmail: string): SandboxUser | undefined {
    if (idOrEmail === "me") return this.owner();
    return this.byId.get(idOrEmail) ?? this.byEmail.get(idOrEmail.toLowerCase());
  }

  /** The account owner: the first user seeded with role_name "Owner", else the first user. */
  owner(): SandboxUser | undefined {
    for (const user of this.byId.values()) if (user.role_name === "Owner") return user;
    return this.byId.values().next().value;
  }

  /** All users in creation order. */
  users(): SandboxUser[] {
    return [...this.byId.values()];
  }

  get userCount(): number {
    return this.byId.size;
  }

  addUser(seed: SeedUser): SandboxUser {
    if (this.byEmail.has(seed.email.toLowerCase()))
      throw new Error(`sandbox: email ${seed.email} already exists`);
    const user = makeUser(seed, new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z"));
    if (this.byId.has(user.id)) throw new Error(`sandbox: user id ${user.id} already exists`);
    this.byId.set(user.id, user);
    this.byEmail.set(user.email.toLowerCase(), user);
    return user;
  }

  passwordMatches(idOrEmail: string, password: string): boolean {
    const user = this.getUser(idOrEmail);
    return user?.password !== undefined && user.password === password;
  }

  // ---- tokens

  issueToken(): { token: string; expiresIn: number } {
    const token = randomBytes(32).toString("base64url");
    this.tokens.set(token, this.clock.now() + this.tokenTtlSeconds * 1000);
    return { token, expiresIn: this.tokenTtlSeconds };
  }

  checkToken(token: string | undefined): "ok" | "expired" | "invalid" {
    const expires = token === undefined ? undefined : this.tokens.get(token);
    if (expires === undefined) return "invalid";
    return this.clock.now() < expires ? "ok" : "expired";
  }

  // ---- faults and latency

  get faults(): FaultSpec {
    return this.faultSpec;
  }

  /** Replaces the fault settings (takes effect on the next call). */
  setFaults(spec: FaultSpec): void {
    this.faultSpec = { ...checkFaults(spec) };
    for (const label of LABELS) this.limits.setOtherApps(label, otherAppsShare(this.faultSpec, label));
  }

  get latency(): LatencySpec {
    return this.latencySpec;
  }

  setLatency(spec: LatencySpec): void {
    this.latencySpec = { ...checkLatency(spec) };
  }

  /** Forces the response of the next `count` (default 1) API calls that match. */
  failNext(fault: ForcedFault): void {
    if (fault.status === undefined && fault.fault === undefined)
      throw new Error("failNext: give a status or a fault");
    this.forced.push({ ...fault, left: fault.count ?? 1 });
  }

  clearForced(): void {
    this.forced = [];
  }

  /** Takes one use of the first forced fault that matches the call, if any. */
  takeForced(call: CallInfo): ForcedFault | undefined {
    if (this.forced.length === 0) return undefined;
    const index = this.forced.findIndex((f) => this.matches(f, call));
    const found = this.forced[index];
    if (!found) return undefined;
    if (--found.left <= 0) this.forced.splice(index, 1);
    return found;
  }

  private matches(f: ForcedFault, call: CallInfo): boolean {
    if (f.endpoint !== undefined && f.endpoint !== call.endpoint) return false;
    if (f.method !== undefined && f.method.toUpperCase() !== call.method) return false;
    if (f.path !== undefined && f.path !== call.path && f.path !== call.template) return false;
    if (f.user !== undefined) {
      const wanted = this.getUser(f.user);
      if (wanted ? wanted !== call.user : f.user.toLowerCase() !== call.userParam?.toLowerCase())
        return false;
    }
    return true;
  }

  // ---- log and stats

  record(entry: LogEntry): void {
    if (this.logRequests) this.log.push(entry);
  }

  stats(): Record<Label, LabelStats> {
    return structuredClone(this.limits.stats);
  }

  /** Clears the request log and the per-label stats (users, tokens and limits' windows stay). */
  reset(): void {
    this.log.length = 0;
    this.limits.resetStats();
  }

  /** The whole account as JSON, for GET /_sandbox/state (passwords are not shown). */
  snapshot(): unknown {
    return {
      time: new Date(this.clock.now()).toISOString(),
      faults: this.faultSpec,
      latency: this.latencySpec,
      users: this.users().map(({ password, ...user }) => ({ ...user, password_set: password !== undefined })),
    };
  }
}
