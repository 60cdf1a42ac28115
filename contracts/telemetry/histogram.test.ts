import { describe, expect, it } from "vitest";
import { emptyHistogram, histogramCount, histogramQuantile, ISTIO_BUCKETS, mergeHistogram, observe } from "./histogram.ts";

describe("histogram", () => {
  it("puts a value equal to a bound into that bound's bucket (le is inclusive)", () => {
    const h = emptyHistogram();
    observe(h, 5);
    observe(h, 5.01);
    observe(h, 1e9);
    expect(h.counts[ISTIO_BUCKETS.indexOf(5)]).toBe(1);
    expect(h.counts[ISTIO_BUCKETS.indexOf(10)]).toBe(1);
    expect(h.counts[ISTIO_BUCKETS.length]).toBe(1);
    expect(h.sum).toBeCloseTo(1e9 + 10.01);
  });

  it("merges counts and sums", () => {
    const a = emptyHistogram();
    const b = emptyHistogram();
    observe(a, 3);
    observe(b, 3);
    observe(b, 700);
    mergeHistogram(a, b);
    expect(histogramCount(a)).toBe(3);
    expect(a.sum).toBe(706);
  });
});

describe("histogramQuantile (Prometheus histogram_quantile semantics)", () => {
  const bounds = [10, 20, 40];
  it("interpolates linearly inside the bucket holding the rank", () => {
    // 10 in (0,10], 10 in (10,20], 20 in (20,40]
    const h = { counts: [10, 10, 20, 0], sum: 0 };
    expect(histogramQuantile(0.5, h, bounds)).toBe(20); // rank 20 = top of 2nd bucket
    expect(histogramQuantile(0.25, h, bounds)).toBe(10);
    expect(histogramQuantile(0.75, h, bounds)).toBe(30); // rank 30: 10 into a 20-wide bucket of 20
    expect(histogramQuantile(0.95, h, bounds)).toBe(38);
    expect(histogramQuantile(0.1, h, bounds)).toBe(4); // first bucket starts at 0
  });

  it("answers the highest finite bound for ranks in +Inf", () => {
    const h = { counts: [1, 0, 0, 9], sum: 0 };
    expect(histogramQuantile(0.99, h, bounds)).toBe(40);
  });

  it("is null without observations and skips empty buckets", () => {
    expect(histogramQuantile(0.5, { counts: [0, 0, 0, 0], sum: 0 }, bounds)).toBeNull();
    expect(histogramQuantile(0.5, { counts: [0, 4, 0, 0], sum: 0 }, bounds)).toBe(15);
  });

  it("matches a hand computation over Istio's buckets", () => {
    const h = emptyHistogram();
    for (let i = 0; i < 90; i++) observe(h, 30); // (25,50]
    for (let i = 0; i < 10; i++) observe(h, 400); // (250,500]
    // p50: rank 50 of 90 in (25,50] -> 25 + 25*50/90
    expect(histogramQuantile(0.5, h)).toBeCloseTo(25 + (25 * 50) / 90, 9);
    // p95: rank 95, 5 into the 10 of (250,500] -> 250 + 250*0.5
    expect(histogramQuantile(0.95, h)).toBeCloseTo(375, 9);
  });
});
