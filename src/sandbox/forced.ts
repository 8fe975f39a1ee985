import type { SandboxEndpointName } from "./endpoints.js";
import type { ForcedFault } from "./faults.js";
import type { SandboxUser } from "./users-model.js";

/** What the forced-fault matcher knows about a call. */
export interface CallInfo {
  endpoint: SandboxEndpointName;
  method: string;
  /** Path below /v2, as sent but URL-decoded. */
  path: string;
  template: string;
  user: SandboxUser | undefined;
  userParam: string | undefined;
}

/** The queue of answers forced on matching calls (`state.failNext`), first match first. */
export class ForcedFaults {
  private queue: (ForcedFault & { left: number })[] = [];

  constructor(private readonly getUser: (idOrEmail: string) => SandboxUser | undefined) {}

  push(fault: ForcedFault): void {
    if (fault.status === undefined && fault.fault === undefined)
      throw new Error("failNext: give a status or a fault");
    this.queue.push({ ...fault, left: fault.count ?? 1 });
  }

  clear(): void {
    this.queue = [];
  }

  /** Takes one use of the first forced fault that matches the call, if any. */
  take(call: CallInfo): ForcedFault | undefined {
    if (this.queue.length === 0) return undefined;
    const index = this.queue.findIndex((f) => this.matches(f, call));
    const found = this.queue[index];
    if (!found) return undefined;
    if (--found.left <= 0) this.queue.splice(index, 1);
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
}
