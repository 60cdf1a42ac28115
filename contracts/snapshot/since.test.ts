import { describe, expect, it } from "vitest";
import { InvalidSinceError, formatSince, isNewer, parseSince } from "./since.ts";

describe("snapshot since", () => {
  it("reads a bare version, <epoch>:<version>, or nothing", () => {
    expect(parseSince(7)).toEqual({ version: 7 });
    expect(parseSince("7")).toEqual({ version: 7 });
    expect(parseSince("a1b2:7")).toEqual({ epoch: "a1b2", version: 7 });
    expect(parseSince(undefined)).toBeNull();
    expect(parseSince("")).toBeNull();
    for (const bad of ["x", "-1", "a:b", ":7", 1.5, {}]) expect(() => parseSince(bad), String(bad)).toThrow(InvalidSinceError);
    expect(formatSince({ epoch: "e1", version: 3 })).toBe("e1:3");
    expect(formatSince({ version: 3 })).toBe("3");
  });

  it("a higher version is news; a lower or equal one is news only from another epoch", () => {
    const current = { epoch: "new", version: 2 };
    expect(isNewer(current, null)).toBe(true);
    expect(isNewer(current, { epoch: "new", version: 1 })).toBe(true);
    expect(isNewer(current, { epoch: "new", version: 2 })).toBe(false);
    expect(isNewer(current, { epoch: "old", version: 40 })).toBe(true);
    // A caller that knows no epoch compares versions, as before epochs.
    expect(isNewer(current, { version: 40 })).toBe(false);
    expect(isNewer(current, { version: 1 })).toBe(true);
  });
});
