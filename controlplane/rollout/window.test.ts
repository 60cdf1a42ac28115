import { describe, expect, it } from "vitest";
import { intervalsToDrop, MAX_WINDOW_INTERVALS } from "./window.ts";

const of = (...canary: number[]) => canary.map((c) => ({ canary: c, stable: 1000 }));

describe("intervalsToDrop", () => {
  it("keeps a thin window whole until it holds minRequests, then drops what the rest does not need", () => {
    expect(intervalsToDrop(of(30, 30, 30), 100)).toBe(0);
    // 30 + 30 + 30 + 30 = 120: without the first, 90 < 100, so all four stay.
    expect(intervalsToDrop(of(30, 30, 30, 30), 100)).toBe(0);
    // A burst: the last interval alone holds 150, so the window is that interval only.
    expect(intervalsToDrop(of(30, 30, 30, 150), 100)).toBe(3);
    expect(intervalsToDrop(of(60, 30, 50, 40), 100)).toBe(1);
  });

  it("drops for the thinner side too, and never the latest interval", () => {
    expect(intervalsToDrop([{ canary: 500, stable: 80 }, { canary: 500, stable: 80 }], 100)).toBe(0);
    expect(intervalsToDrop(of(0, 0, 0), 100)).toBe(0);
    expect(intervalsToDrop(of(500, 500, 500), 100)).toBe(2);
    expect(intervalsToDrop([], 100)).toBe(0);
  });

  it("never lets a window span more than MAX_WINDOW_INTERVALS, however thin", () => {
    const long = of(...Array.from({ length: MAX_WINDOW_INTERVALS + 4 }, () => 1));
    expect(intervalsToDrop(long, 1_000)).toBe(4);
  });
});
