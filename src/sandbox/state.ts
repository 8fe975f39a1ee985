import { randomBytes } from "node:crypto";
import type { EndpointName } from "../zoom/endpoints.js";
import type { Label } from "../zoom/labels.js";
import { LABELS } from "../zoom/labels.js";
import type { SandboxClock } from "./clock.js";
import { UserDirectory } from "./directory.js";
import type { SandboxEndpointName } from "./endpoints.js";
import type { FaultSpec, ForcedFault, LatencySpec, LostFault } from "./faults.js";
import { checkFaults, checkLatency, otherAppsShare } from "./faults.js";
import type { CallInfo } from "./forced.js";
import { ForcedFaults } from "./forced.js";
import type { LabelStats, Limits } from "./limits.js";
import type { NoopWrite } from "./noop.js";
import type { Quotas } from "./quotas.js";
import type { Rng } from "./rng.js";
import type { SandboxUser, SeedUser } from "./users-model.js";

export type { CallInfo } from "./forced.js";

/**
 * One line of the request log, appended when the call's outcome is known (so concurrent calls
 * appear in completion order). `time` and `arrival` are both taken when the request arrived (its
 * headers were read), which is where Zoom counts a request against the rate limits.
 */
export interface LogEntry {
  /** Arrival, ms since the epoch on the sandbox clock (whole ms). */
  time: number;
  /**
   * Arrival on the monotonic clock (performance.now(), fractional ms), the clock the sliding
   * windows use. Only differences mean something; the sandbox clock's jumps do not move it.
   */
  arrival: number;
  method: string;
  /** Path as sent, without the query string (`/v2/users/alice%40example.com`, `/oauth/token`). */
  path: string;
  /** The query string without `?`, when there was one. */
  query?: string;
  /** The job's endpoint (src/zoom/endpoints.ts ENDPOINTS) the call hit, when it is one of them. */
  endpoint?: EndpointName;
  /**
   * The sandbox endpoint the call hit (SANDBOX_ENDPOINTS): `endpoint`'s name, or one the job's
   * table does not have (yet), such as `deleteUser` or `updateEmail`.
   */
  operation?: SandboxEndpointName;
  label?: Label;
  /** HTTP status; 0 when the connection was reset, hung or its answer lost (see `fault`). */
  status: number;
  /** The `{userId}` of the path, URL-decoded, as the client sent it. */
  user?: string;
  zoomCode?: number;
  fault?: "5xx" | "reset" | "hang" | LostFault;
  trackingId: string;
}

/** A user removed by DELETE /users/{userId}, with what was handed to whom. */
export interface RemovedUser {
  id: string;
  email: string;
  action: "delete" | "disassociate";
  /** Sandbox clock, ISO 8601. */
  time: string;
  /** The user who received the data, when `transfer_email` was given. */
  transferTo?: string;
  /** The `transfer_*` options that were true (meeting, webinar, recording, …). */
  transferred: string[];
}

export interface StateOptions {
  clock: SandboxClock;
  limits: Limits;
  quotas: Quotas;
  rng: { latency: Rng; faults: Rng; ids: Rng };
  faults: FaultSpec;
  latency: LatencySpec | number;
  logRequests: boolean;
  users: SeedUser[];
  tokenTtlSeconds: number;
  /** Most users one List users page holds (list.ts). */
  listPageSizeMax: number;
  /** List users ignores `page_number` (list.ts). */
  listIgnoresPageNumber: boolean;
}

/** The simulated account: users, tokens, request log, stats, faults, latency and records. */
export class SandboxState {
  readonly log: LogEntry[] = [];
  /** Writes that changed nothing (noop.ts), in the order they were answered. */
  readonly noopWrites: NoopWrite[] = [];
  /** Users removed by DELETE /users/{userId}, oldest first. */
  readonly removedUsers: RemovedUser[] = [];
  readonly clock: SandboxClock;
  readonly limits: Limits;
  readonly quotas: Quotas;
  readonly rng: StateOptions["rng"];
  readonly directory = new UserDirectory();
  readonly listPageSizeMax: number;
  readonly listIgnoresPageNumber: boolean;
  logRequests: boolean;
  tokenTtlSeconds: number;
  private readonly tokens = new Map<string, number>();
  private readonly forced = new ForcedFaults((idOrEmail) => this.getUser(idOrEmail));
  private faultSpec: FaultSpec = {};
  private latencySpec: LatencySpec = { minMs: 0, maxMs: 0 };

  constructor(options: StateOptions) {
    this.clock = options.clock;
    this.limits = options.limits;
    this.quotas = options.quotas;
    this.rng = options.rng;
    this.logRequests = options.logRequests;
    this.tokenTtlSeconds = options.tokenTtlSeconds;
    this.listPageSizeMax = options.listPageSizeMax;
    this.listIgnoresPageNumber = options.listIgnoresPageNumber;
    this.setFaults(options.faults);
    this.setLatency(options.latency);
    for (const seed of options.users) this.addUser(seed);
  }

  // ---- users

  /** A user by id, email (case-insensitive) or `me` (the account owner). */
  getUser(idOrEmail: string): SandboxUser | undefined {
    return this.directory.get(idOrEmail);
  }

  /** The account owner: the first user seeded with role_name "Owner", else the first user. */
  owner(): SandboxUser | undefined {
    return this.directory.owner();
  }

  /** All users in creation order. */
  users(): SandboxUser[] {
    return this.directory.all();
  }

  get userCount(): number {
    return this.directory.size;
  }

  addUser(seed: SeedUser): SandboxUser {
    return this.directory.add(seed, this.isoNow());
  }

  passwordMatches(idOrEmail: string, password: string): boolean {
    const user = this.getUser(idOrEmail);
    return user?.password !== undefined && user.password === password;
  }

  /** The sandbox clock as Zoom writes times: `2026-11-24T12:00:00Z`. */
  isoNow(): string {
    return new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
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

  /** Replaces the latency range (a number n is the fixed n ms); takes effect on the next call. */
  setLatency(spec: LatencySpec | number): void {
    this.latencySpec = { ...checkLatency(spec) };
  }

  /** Forces the response of the next `count` (default 1) API calls that match. */
  failNext(fault: ForcedFault): void {
    this.forced.push(fault);
  }

  clearForced(): void {
    this.forced.clear();
  }

  /** Takes one use of the first forced fault that matches the call, if any. */
  takeForced(call: CallInfo): ForcedFault | undefined {
    return this.forced.take(call);
  }

  // ---- records, log and stats

  record(entry: LogEntry): void {
    if (this.logRequests) this.log.push(entry);
  }

  recordNoop(write: NoopWrite): void {
    this.noopWrites.push(write);
  }

  stats(): Record<Label, LabelStats> {
    return structuredClone(this.limits.stats);
  }

  /**
   * Clears the request log, the record of writes that changed nothing and the per-label stats
   * (users, tokens, quotas and the limits' windows stay).
   */
  reset(): void {
    this.log.length = 0;
    this.noopWrites.length = 0;
    this.limits.resetStats();
  }

  /** The whole account as JSON, for GET /_sandbox/state (passwords are not shown). */
  snapshot(): unknown {
    return {
      time: new Date(this.clock.now()).toISOString(),
      faults: this.faultSpec,
      latency: this.latencySpec,
      quotas: this.quotas.snapshot(),
      users: this.users().map(({ password, ...user }) => ({ ...user, password_set: password !== undefined })),
      removedUsers: this.removedUsers,
      noopWrites: this.noopWrites,
    };
  }
}
