import { describe, expect, it } from "vitest";
import { capOf, DailyCaps } from "../../../src/send/caps.js";

describe("daily caps on one kind of operation", () => {
  it("only POST /users with action=create counts against the create cap", () => {
    expect(capOf({ endpoint: "createUser", body: { action: "create" } })).toBe("create");
    expect(capOf({ endpoint: "createUser" })).toBe("create"); // Zoom requires an action; a missing one is not exempt
    expect(capOf({ endpoint: "createUser", body: { action: "autoCreate" } })).toBeUndefined();
    expect(capOf({ endpoint: "createUser", body: { action: "ssoCreate" } })).toBeUndefined();
    expect(capOf({ endpoint: "updateUser", body: { action: "create" } })).toBeUndefined();
  });

  it("holds creates until the time given, then lets them go; never shortens a hold", () => {
    let now = Date.parse("2026-03-10T15:30:00Z");
    const caps = new DailyCaps(() => now);
    const create = { endpoint: "createUser" as const, body: { action: "create" } };
    const midnight = Date.parse("2026-03-11T00:00:00Z");
    expect(caps.heldUntil(create)).toBeUndefined();
    caps.hold("create", midnight);
    caps.hold("create", midnight - 3600_000);
    expect(caps.heldUntil(create)).toBe(midnight);
    expect(caps.heldUntil({ endpoint: "createUser", body: { action: "custCreate" } })).toBeUndefined();
    expect(caps.heldUntil({ endpoint: "updateUser" })).toBeUndefined();
    now = midnight;
    expect(caps.heldUntil(create)).toBeUndefined();
  });
});
