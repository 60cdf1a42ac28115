import { describe, expect, it } from "vitest";
import { hash32, hashToUnit } from "./hash.ts";
import { seededRandom } from "./random.ts";

describe("hash32", () => {
  it("is deterministic, unsigned and seed-dependent", () => {
    expect(hash32("user-1")).toBe(hash32("user-1"));
    expect(hash32("user-1")).not.toBe(hash32("user-2"));
    expect(hash32("user-1", 1)).not.toBe(hash32("user-1", 2));
    for (const s of ["", "a", "ab", "abc", "é", "\u{1F600}"]) {
      const h = hash32(s);
      expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
    }
  });

  it("spreads sequential keys evenly over 16 buckets (chi-square, 15 dof, p≈0.001 bound 37.7)", () => {
    const buckets = new Array(16).fill(0);
    const n = 64_000;
    for (let i = 0; i < n; i++) buckets[hash32(`user-${i}`) & 15]++;
    const expected = n / 16;
    const chi = buckets.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
    expect(chi).toBeLessThan(37.7);
  });

  it("changes about half the bits when one character changes (avalanche)", () => {
    let flipped = 0;
    const n = 2000;
    for (let i = 0; i < n; i++) {
      const x = hash32(`key-${i}a`) ^ hash32(`key-${i}b`);
      flipped += x.toString(2).split("1").length - 1;
    }
    expect(flipped / n).toBeGreaterThan(14);
    expect(flipped / n).toBeLessThan(18);
  });
});

describe("hashToUnit", () => {
  it("stays strictly inside (0, 1) with mean near 1/2", () => {
    let sum = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      const u = hashToUnit(`id-${i}`);
      expect(u > 0 && u < 1).toBe(true);
      sum += u;
    }
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.005);
  });
});

describe("seededRandom", () => {
  it("repeats for one seed, differs across seeds, and is uniform", () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const seqA = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(seqA);
    expect(Array.from({ length: 5 }, c)).not.toEqual(seqA);
    const r = seededRandom(7);
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const x = r();
      expect(x >= 0 && x < 1).toBe(true);
      buckets[Math.floor(x * 10)]++;
    }
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(400);
  });
});
