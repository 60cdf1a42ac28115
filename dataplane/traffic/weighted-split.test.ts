import { describe, expect, it } from "vitest";
import { seededRandom } from "./random.ts";
import { SmoothWeightedSplitter, SplitterCache, effectiveWeights, pickSticky, type WeightedChoice } from "./weighted-split.ts";

const weightSets = [
  [90, 10],
  [50, 50],
  [80, 10, 10],
  [33.33, 33.33, 33.34],
  [99.99, 0.01],
  [12.5, 37.5, 50],
  [0.5, 0.25, 99.25],
  [1, 2, 3, 4],
];

function shares(counts: number[]): number[] {
  const n = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (100 * c) / n);
}

describe("effectiveWeights", () => {
  it("follows Istio's defaults", () => {
    expect(effectiveWeights([undefined])).toEqual([1]);
    expect(effectiveWeights([undefined, undefined])).toEqual([1, 1]);
    expect(effectiveWeights([75, undefined])).toEqual([75, 0]);
    expect(effectiveWeights([-1, 10])).toEqual([0, 10]);
  });
});

describe("SmoothWeightedSplitter (non-sticky)", () => {
  it.each(weightSets)("10,000 requests over %j: every share within ±1 pp, every prefix within 2 requests", (...weights) => {
    const total = weights.reduce((a, b) => a + b, 0);
    const splitter = new SmoothWeightedSplitter(weights);
    const counts = weights.map(() => 0);
    let worst = 0;
    for (let n = 1; n <= 10_000; n++) {
      counts[splitter.next()]!++;
      for (let i = 0; i < weights.length; i++) {
        worst = Math.max(worst, Math.abs(counts[i]! - (n * weights[i]!) / total));
      }
    }
    shares(counts).forEach((share, i) => expect(Math.abs(share - (100 * weights[i]!) / total)).toBeLessThan(1));
    expect(worst).toBeLessThan(2);
  });

  it("stays as accurate from a random starting phase", () => {
    for (const seed of [1, 2, 3]) {
      const splitter = new SmoothWeightedSplitter([90, 10], seededRandom(seed));
      let canary = 0;
      for (let n = 0; n < 10_000; n++) if (splitter.next() === 1) canary++;
      expect(Math.abs(canary - 1000)).toBeLessThanOrEqual(2);
    }
  });

  it("random phases spread isolates' first picks across destinations", () => {
    const random = seededRandom(11);
    let firstToCanary = 0;
    for (let isolate = 0; isolate < 2000; isolate++) {
      if (new SmoothWeightedSplitter([90, 10], random).next() === 1) firstToCanary++;
    }
    expect(firstToCanary / 2000).toBeGreaterThan(0.07);
    expect(firstToCanary / 2000).toBeLessThan(0.13);
  });

  it("interleaves rather than sending runs (50/50 alternates)", () => {
    const splitter = new SmoothWeightedSplitter([50, 50]);
    const picks = Array.from({ length: 8 }, () => splitter.next());
    expect(picks).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
  });

  it("never picks a zero weight, and answers -1 when all are zero", () => {
    const splitter = new SmoothWeightedSplitter([0, 100, 0]);
    for (let i = 0; i < 100; i++) expect(splitter.next()).toBe(1);
    expect(new SmoothWeightedSplitter([0, 0]).next()).toBe(-1);
  });
});

describe("SplitterCache", () => {
  it("keeps state per route and rebuilds when weights change", () => {
    const cache = new SplitterCache(seededRandom(5));
    const counts = [0, 0];
    for (let i = 0; i < 1000; i++) counts[cache.pick("vs/reviews#0", [90, 10])]!++;
    expect(counts[1]).toBeGreaterThanOrEqual(99);
    expect(counts[1]).toBeLessThanOrEqual(101);
    const after = [0, 0];
    for (let i = 0; i < 1000; i++) after[cache.pick("vs/reviews#0", [0, 100])]!++;
    expect(after).toEqual([0, 1000]);
    expect(cache.pick("vs/reviews#0", [100, 0])).toBe(0);
  });

  it("keeps a route's split position across snapshots whose weights are equal (a new array, same numbers)", () => {
    const weights = [50, 50];
    const cache = new SplitterCache(seededRandom(9));
    const first = [cache.pick("vs/r#0", weights), cache.pick("vs/r#0", weights), cache.pick("vs/r#0", weights)];
    // Smooth round robin alternates; the equal copy goes on where the first array left off.
    expect(first[1]).not.toBe(first[0]);
    expect(cache.pick("vs/r#0", [50, 50])).toBe(first[1]);
    expect(cache.pick("vs/r#0", weights)).toBe(first[0]);
  });

  it("keeps at most `capacity` routes, the oldest starting its split over", () => {
    const run = (capacity: number) => {
      const cache = new SplitterCache(() => 0, capacity);
      const thirds = [1, 1, 1];
      const picks = [cache.pick("a", thirds), cache.pick("a", thirds)];
      cache.pick("b", thirds);
      cache.pick("c", thirds);
      return [...picks, cache.pick("a", thirds)];
    };
    expect(run(3)).toEqual([0, 1, 2]);
    expect(run(2)).toEqual([0, 1, 0]);
  });
});

describe("pickSticky (sticky canary)", () => {
  const users = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);
  const dests = (weights: number[]): WeightedChoice[] => weights.map((weight, i) => ({ id: `reviews|v${i + 1}`, weight }));

  it.each([[[90, 10]], [[50, 50]], [[80, 10, 10]], [[33.33, 33.33, 33.34]], [[99, 1]], [[70.5, 29.5]]])(
    "100,000 user ids over %j: each share within ±1 pp",
    (weights) => {
      const choices = dests(weights);
      const counts = weights.map(() => 0);
      for (const user of users) counts[pickSticky(user, choices)]!++;
      const total = weights.reduce((a, b) => a + b, 0);
      shares(counts).forEach((share, i) => expect(Math.abs(share - (100 * weights[i]!) / total)).toBeLessThan(1));
    },
  );

  it("is sticky for 100 % of a user's requests and independent of list order", () => {
    const choices = dests([60, 30, 10]);
    const reversed = [...choices].reverse();
    for (const user of users.slice(0, 5000)) {
      const first = pickSticky(user, choices);
      for (let r = 0; r < 5; r++) expect(pickSticky(user, choices)).toBe(first);
      expect(reversed[pickSticky(user, reversed)]!.id).toBe(choices[first]!.id);
    }
  });

  it("90/10 -> 80/20 moves ≈10 % of users, all of them to the canary", () => {
    const before = dests([90, 10]);
    const after = dests([80, 20]);
    let moved = 0;
    let movedAway = 0;
    for (const user of users) {
      const a = pickSticky(user, before);
      const b = pickSticky(user, after);
      if (a !== b) {
        moved++;
        if (b !== 1) movedAway++;
      }
    }
    expect(movedAway).toBe(0);
    expect(Math.abs(moved / users.length - 0.1)).toBeLessThan(0.005);
  });

  it("a three-way change moves users only toward destinations whose relative weight grew", () => {
    const before = dests([60, 30, 10]);
    const after = dests([50, 30, 20]); // v3 grew relative to both, v2 grew relative to v1
    let moved = 0;
    for (const user of users) {
      const a = pickSticky(user, before);
      const b = pickSticky(user, after);
      if (a === b) continue;
      moved++;
      expect([a, b]).not.toEqual([2, 0]);
      expect([a, b]).not.toEqual([2, 1]);
      expect([a, b]).not.toEqual([1, 0]);
    }
    // The minimum is 10 %; rendezvous churn between v1/v2/v3 adds a little on top.
    expect(moved / users.length).toBeGreaterThanOrEqual(0.095);
    expect(moved / users.length).toBeLessThan(0.15);
  });

  it("skips zero weights and answers -1 when none is positive", () => {
    const choices = dests([0, 100]);
    for (const user of users.slice(0, 1000)) expect(pickSticky(user, choices)).toBe(1);
    expect(pickSticky("u", dests([0, 0]))).toBe(-1);
  });
});
