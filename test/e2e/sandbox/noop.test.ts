/**
 * The sandbox's record of writes that changed nothing (`state.noopWrites`, GET
 * /_sandbox/noop-writes): the proof a `--diff` run can give that it sent none.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../../src/sandbox/index.js";
import { startSandbox } from "../../../src/sandbox/index.js";
import { PNG, call, client, file, form, getToken } from "./helpers.js";

const START = Date.parse("2026-11-24T12:00:00Z");
let sandbox: Sandbox;
let api: ReturnType<typeof client>;

beforeEach(async () => {
  sandbox = await startSandbox({ unlimited: true, seed: 2, startTime: START });
  api = client(sandbox, await getToken(sandbox));
});
afterEach(() => sandbox.close());

const noops = () =>
  sandbox.state.noopWrites.map(({ endpoint, userId, reason, fields, partial }) => ({
    endpoint,
    user: sandbox.state.getUser(userId)?.email,
    reason,
    ...(fields ? { fields } : {}),
    partial,
  }));

describe("writes that changed nothing", () => {
  it("records none for writes that change something", async () => {
    await api("PATCH", "/users/bob@example.com", { json: { dept: "Sales", job_title: "Rep" } });
    await api("PUT", "/users/bob@example.com/status", { json: { action: "deactivate" } });
    await api("PUT", "/users/carol@example.com/email", { json: { email: "carol2@example.com" } });
    await api("POST", "/users/dave@example.com/picture", { form: form("pic_file", file(PNG), "d.png") });
    await api("POST", "/users/dave@example.com/settings/virtual_backgrounds", {
      form: form("file", file(PNG), "a.png"),
    });
    expect(sandbox.state.noopWrites).toEqual([]);
  });

  it("records PATCH fields that already had the value sent: whole, partial and empty updates", async () => {
    const patch = (json: unknown, query = "") => api("PATCH", `/users/bob@example.com${query}`, { json });
    expect((await patch({ first_name: "Bob", dept: "" })).status).toBe(204); // both already so
    await patch({ first_name: "Bob", job_title: "Lead" }); // first_name already so
    await patch({});
    await patch({}, "?remove_tsp_credentials=true"); // does something Zoom-side
    await patch({ feature: { zoom_phone: true } });
    await patch({ feature: { zoom_phone: true } });
    await patch({ location: "" }); // a field never set, sent empty: Zoom stores "" anyway
    expect(noops()).toEqual([
      {
        endpoint: "updateUser",
        user: "bob@example.com",
        reason: "fields already had the values sent",
        fields: ["first_name", "dept"],
        partial: false,
      },
      {
        endpoint: "updateUser",
        user: "bob@example.com",
        reason: "fields already had the values sent",
        fields: ["first_name"],
        partial: true,
      },
      { endpoint: "updateUser", user: "bob@example.com", reason: "empty update", fields: [], partial: false },
      {
        endpoint: "updateUser",
        user: "bob@example.com",
        reason: "fields already had the values sent",
        fields: ["feature.zoom_phone"],
        partial: false,
      },
      {
        endpoint: "updateUser",
        user: "bob@example.com",
        reason: "fields already had the values sent",
        fields: ["location"],
        partial: false,
      },
    ]);
    expect(sandbox.state.noopWrites[0]?.time).toBeGreaterThanOrEqual(START);
    expect(sandbox.state.noopWrites[0]).toMatchObject({
      method: "PATCH",
      path: "/users/bob@example.com",
      userId: sandbox.state.getUser("bob@example.com")?.id,
    });
  });

  it("records the same status, the same email, the same picture, a known background and deletes of nothing", async () => {
    await api("PUT", "/users/erin@example.com/status", { json: { action: "activate" } });
    await api("PUT", "/users/erin@example.com/email", { json: { email: "erin@example.com" } });
    const picture = form("pic_file", file(PNG, 500), "p.png");
    await api("POST", "/users/erin@example.com/picture", { form: picture });
    await api("POST", "/users/erin@example.com/picture", { form: form("pic_file", file(PNG, 500), "p.png") });
    const upload = () =>
      api("POST", "/users/erin@example.com/settings/virtual_backgrounds", {
        form: form("file", file(PNG, 700), "bg.png"),
      });
    const first = (await upload()).body as { id: string };
    await upload();
    await api("DELETE", "/users/erin@example.com/settings/virtual_backgrounds?file_ids=nope");
    await api("DELETE", `/users/erin@example.com/settings/virtual_backgrounds?file_ids=${first.id}`);
    await api("DELETE", "/users/erin@example.com/picture");
    await api("DELETE", "/users/erin@example.com/picture");
    expect(noops().map(({ endpoint, reason }) => [endpoint, reason])).toEqual([
      ["updateStatus", "status already active"],
      ["updateEmail", "email already set"],
      ["uploadPicture", "the same picture is already set"],
      ["uploadVirtualBackground", "a background named bg.png of 700 bytes is already there"],
      ["deleteVirtualBackgrounds", "no such background files"],
      ["deletePicture", "no picture to delete"],
    ]);
  });

  it("is served at /_sandbox/noop-writes and in /_sandbox/state, and cleared by reset", async () => {
    await api("PUT", "/users/frank@example.com/status", { json: { action: "activate" } });
    const base = `${sandbox.apiUrl.slice(0, -3)}/_sandbox`;
    const served = (await call(`${base}/noop-writes`)).body as { reason: string }[];
    expect(served.map((n) => n.reason)).toEqual(["status already active"]);
    expect((await call(`${base}/state`)).body).toMatchObject({ noopWrites: [{ endpoint: "updateStatus" }] });
    expect((await call(`${base}/reset`, { method: "POST" })).status).toBe(204);
    expect((await call(`${base}/noop-writes`)).body).toEqual([]);
  });

  it("notes nothing for refused writes (they are errors, not no-ops)", async () => {
    await api("PUT", "/users/grace@example.com/password", { json: { password: "Zx9-long-Pw" } });
    expect(
      (await api("PUT", "/users/grace@example.com/password", { json: { password: "Zx9-long-Pw" } })).status,
    ).toBe(400);
    expect((await api("PATCH", "/users/grace@example.com", { json: { type: 3 } })).status).toBe(400);
    expect(sandbox.state.noopWrites).toEqual([]);
  });
});
