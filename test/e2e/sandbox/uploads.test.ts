import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../../../src/sandbox/index.js";
import { startSandbox } from "../../../src/sandbox/index.js";
import { BACKGROUND_MAX_BYTES, PICTURE_MAX_BYTES, UPLOAD_MESSAGES } from "../../../src/zoom/rules.js";
import type { Multipart } from "./helpers.js";
import { GIF, JPEG, MOV, MP4, PNG, client, file, form, getToken } from "./helpers.js";

let sandbox: Sandbox;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  sandbox = await startSandbox({ unlimited: true, seed: 7 });
  api = client(sandbox, await getToken(sandbox));
});
afterAll(() => sandbox.close());

const sha256 = (data: Buffer): string => createHash("sha256").update(data).digest("hex");
const error120 = (message: string) => [400, { code: 120, message }];

describe("POST /users/{userId}/picture (multipart pic_file)", () => {
  it("stores a PNG or JPEG judged by content (201 {}) and shows pic_url", async () => {
    const png = file(PNG, 5000);
    const answer = await api("POST", "/users/frank@example.com/picture", {
      form: form("pic_file", png, "me.jpg"),
    });
    expect([answer.status, answer.body, answer.headers["x-ratelimit-category"]]).toEqual([201, {}, "Medium"]);
    expect(sandbox.state.getUser("frank@example.com")?.picture).toEqual({
      size: 5000,
      sha256: sha256(png),
      format: "png",
    });
    const jpeg = file(JPEG, PICTURE_MAX_BYTES);
    expect(
      (await api("POST", "/users/frank@example.com/picture", { form: form("pic_file", jpeg, "x.png") }))
        .status,
    ).toBe(201);
    expect(sandbox.state.getUser("frank@example.com")?.picture).toEqual({
      size: PICTURE_MAX_BYTES,
      sha256: sha256(jpeg),
      format: "jpeg",
    });
    const user = (await api("GET", "/users/frank@example.com")).body as { pic_url: string; id: string };
    expect(user.pic_url).toBe(`https://sandbox.zoom.us/p/v2/${sha256(jpeg).slice(0, 32)}/${user.id}.jpg`);
  });

  it("answers 400/120 for an empty file, a missing or text part, over 2 MB, and a GIF", async () => {
    const post = (data: Multipart) => api("POST", "/users/grace@example.com/picture", { form: data });
    const strip = (a: { status: number; body: unknown }) => [a.status, a.body];
    expect(strip(await post(form("pic_file", Buffer.alloc(0), "e.png")))).toEqual(
      error120(UPLOAD_MESSAGES.pictureEmpty),
    );
    expect(strip(await post(form("other", file(PNG), "a.png")))).toEqual(
      error120(UPLOAD_MESSAGES.pictureEmpty),
    );
    expect(strip(await post(form("pic_file", "profile.png")))).toEqual(
      error120(UPLOAD_MESSAGES.pictureEmpty),
    );
    expect(strip(await post(form("pic_file", file(PNG, PICTURE_MAX_BYTES + 1), "big.png")))).toEqual(
      error120(UPLOAD_MESSAGES.pictureTooLarge),
    );
    expect(strip(await post(form("pic_file", file(GIF), "a.png")))).toEqual(
      error120(UPLOAD_MESSAGES.pictureFormat),
    );
    expect(sandbox.state.getUser("grace@example.com")?.picture).toBeUndefined();
    // the connection stays usable after a refused large upload
    expect((await api("GET", "/users/grace@example.com")).status).toBe(200);
  });

  it("refuses a body that is not multipart/form-data", async () => {
    const answer = await api("POST", "/users/grace@example.com/picture", {
      json: { pic_file: "profile.png" },
    });
    expect([answer.status, answer.body]).toEqual([
      400,
      {
        code: 300,
        message:
          'Unsupported Content-Type "application/json": this endpoint accepts multipart/form-data only, with the file in the "pic_file" field.',
      },
    ]);
  });
});

describe("virtual backgrounds", () => {
  const path = "/users/heidi@example.com/settings/virtual_backgrounds";

  it("uploads images and videos (201), lists them in settings and deletes them by file_ids", async () => {
    const uploads = [
      { data: file(JPEG, 1234), name: "office.jpg", type: "image" },
      { data: file(GIF, 99), name: "party.gif", type: "image" },
      { data: file(MP4, 4000), name: "beach.mp4", type: "video" },
      { data: file(MOV, 10), name: "loop.mov", type: "video" },
    ];
    const ids: string[] = [];
    for (const upload of uploads) {
      const answer = await api("POST", path, { form: form("file", upload.data, upload.name) });
      expect(answer.status).toBe(201);
      expect(answer.headers["x-ratelimit-category"]).toBe("Medium");
      const body = answer.body as { id: string };
      expect(body).toEqual({
        id: expect.stringMatching(/^[\w-]{22}$/),
        is_default: false,
        name: upload.name,
        size: upload.data.length,
        type: upload.type,
      });
      ids.push(body.id);
    }
    expect(sandbox.state.getUser("heidi@example.com")?.backgrounds).toEqual(
      uploads.map((u, i) => ({
        id: ids[i],
        name: u.name,
        size: u.data.length,
        type: u.type,
        sha256: sha256(u.data),
        is_default: false,
      })),
    );
    const settings = (await api("GET", "/users/heidi@example.com/settings")).body as {
      in_meeting: { virtual_background_settings: unknown };
    };
    expect(settings.in_meeting.virtual_background_settings).toEqual({
      enable: true,
      allow_videos: true,
      allow_upload_custom: true,
      files: uploads.map((u, i) => ({
        id: ids[i],
        is_default: false,
        name: u.name,
        size: u.data.length,
        type: u.type,
      })),
    });

    const deleted = await api("DELETE", `${path}?file_ids=${ids[0]},${ids[2]}`);
    expect([deleted.status, deleted.body, deleted.headers["x-ratelimit-category"]]).toEqual([
      204,
      undefined,
      "Light",
    ]);
    expect(sandbox.state.getUser("heidi@example.com")?.backgrounds.map((f) => f.id)).toEqual([
      ids[1],
      ids[3],
    ]);
    const missing = await api("DELETE", path);
    expect([missing.status, missing.body]).toEqual([
      400,
      { code: 300, message: "Invalid parameter: file_ids" },
    ]);
  });

  it("answers 400/120 for a missing file, over 15 MB, a wrong format and an 11th file", async () => {
    const target = "/users/user1@example.com/settings/virtual_backgrounds";
    const post = (data: Multipart) => api("POST", target, { form: data });
    const strip = (a: { status: number; body: unknown }) => [a.status, a.body];
    expect(strip(await post(form("pic_file", file(PNG), "a.png")))).toEqual(
      error120(UPLOAD_MESSAGES.backgroundMissing),
    );
    expect(strip(await post(form("file", file(PNG, BACKGROUND_MAX_BYTES + 1), "huge.png")))).toEqual(
      error120(UPLOAD_MESSAGES.backgroundTooLarge),
    );
    expect(strip(await post(form("file", Buffer.from("%PDF-1.4 not an image"), "a.png")))).toEqual(
      error120(UPLOAD_MESSAGES.backgroundFormat),
    );
    expect((await post(form("file", file(PNG, BACKGROUND_MAX_BYTES), "max.png"))).status).toBe(201);
    for (let i = 1; i < 10; i++)
      expect((await post(form("file", file(PNG, 100 + i), `${i}.png`))).status).toBe(201);
    expect(strip(await post(form("file", file(PNG), "eleventh.png")))).toEqual(
      error120(UPLOAD_MESSAGES.backgroundTooMany),
    );
    expect(sandbox.state.getUser("user1@example.com")?.backgrounds).toHaveLength(10);
  });
});
