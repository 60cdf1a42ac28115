import { describe, expect, it } from "vitest";
import { normalQuantile, twoProportionZ } from "./normal.ts";

describe("normalQuantile", () => {
  it("gives the z-values of the usual confidence levels", () => {
    expect(normalQuantile(0.95)).toBeCloseTo(1.644854, 5);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.99)).toBeCloseTo(2.326348, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});

describe("twoProportionZ", () => {
  it("matches the pooled statistic worked by hand", () => {
    // pc = 0.10, ps = 0.05, pooled 0.075: z = 0.05 / sqrt(0.075 * 0.925 * 2 / 200) = 0.05 / 0.026339 = 1.8983
    expect(twoProportionZ({ requests: 200, errors: 20 }, { requests: 200, errors: 10 })).toBeCloseTo(1.8983, 3);
    expect(twoProportionZ({ requests: 100, errors: 0 }, { requests: 100, errors: 0 })).toBe(0);
  });
});
