import { describe, expect, it } from "vitest";
import {
  BackgroundListings,
  filesToDelete,
  hasFile,
  virtualBackgrounds,
} from "../../../src/send/backgrounds.js";

const settings = (files: unknown) => ({ in_meeting: { virtual_background_settings: { files } } });

describe("a user's virtual backgrounds", () => {
  it("reads id, name and size from GET settings, skipping what is not a file", () => {
    expect(
      virtualBackgrounds(
        settings([
          { id: "f1", name: "a.png", size: 10, type: "image", is_default: false },
          { name: "b.png", size: 20 },
          { id: "f3", name: "c.png" },
          null,
          "x",
        ]),
      ),
    ).toEqual([
      { id: "f1", name: "a.png", size: 10 },
      { name: "b.png", size: 20 },
    ]);
    expect(virtualBackgrounds({ in_meeting: {} })).toEqual([]);
    expect(virtualBackgrounds(undefined)).toEqual([]);
    expect(virtualBackgrounds(settings("nope"))).toEqual([]);
  });

  it("a file is there when name and size both match", () => {
    const files = [{ id: "f1", name: "a.png", size: 10 }];
    expect(hasFile(files, { name: "a.png", size: 10 })).toBe(true);
    expect(hasFile(files, { name: "a.png", size: 11 })).toBe(false);
    expect(hasFile(files, { name: "A.png", size: 10 })).toBe(false);
  });

  it("replace deletes what the row does not list, and extra copies of what it lists", () => {
    const files = [
      { id: "f1", name: "a.png", size: 10 },
      { id: "f2", name: "b.png", size: 20 },
      { id: "f3", name: "a.png", size: 10 }, // a re-run's duplicate
      { id: "f4", name: "a.png", size: 99 }, // same name, another file
      { name: "c.png", size: 30 }, // no id: cannot be named in a DELETE
    ];
    expect(filesToDelete(files, [{ name: "a.png", size: 10 }]).map((f) => f.id)).toEqual(["f2", "f3", "f4"]);
    expect(
      filesToDelete(files, [
        { name: "a.png", size: 10 },
        { name: "a.png", size: 10 },
        { name: "b.png", size: 20 },
        { name: "a.png", size: 99 },
      ]),
    ).toEqual([]);
    expect(filesToDelete(files, []).map((f) => f.id)).toEqual(["f1", "f2", "f3", "f4"]);
    expect(filesToDelete([], [{ name: "a.png", size: 10 }])).toEqual([]);
  });

  it("a row's listing is kept up to date by its own uploads and deletes, and can be forgotten", () => {
    const listings = new BackgroundListings();
    listings.add("u", { id: "x", name: "x.png", size: 1 }); // not read yet: nothing to update
    expect(listings.get("u")).toBeUndefined();
    listings.set("u", [{ id: "f1", name: "a.png", size: 10 }]);
    listings.add("u", { id: "f2", name: "b.png", size: 20 });
    listings.remove("u", ["f1"]);
    expect(listings.get("u")).toEqual([{ id: "f2", name: "b.png", size: 20 }]);
    expect(listings.get("v")).toBeUndefined();
    listings.forget("u");
    expect(listings.get("u")).toBeUndefined();
  });
});
