import { describe, expect, it } from "vitest";
import { fisherExactGreater, largeEnoughForZ } from "./fisher.ts";
import { twoProportionZ } from "./normal.ts";

describe("fisherExactGreater", () => {
  it("matches tails worked by hand", () => {
    // 1 error among 4 requests, 2 of them the canary's: it lands on the canary half the time.
    expect(fisherExactGreater({ requests: 2, errors: 1 }, { requests: 2, errors: 0 })).toBeCloseTo(0.5, 12);
    // All 3 errors on the canary's 3 of 6 requests: 1 / C(6, 3) = 1/20.
    expect(fisherExactGreater({ requests: 3, errors: 3 }, { requests: 3, errors: 0 })).toBeCloseTo(0.05, 12);
    // 11 errors among 10,000, the canary's 100 take at least one: 1 - prod_{i=0..10} (9900 - i) / (10000 - i).
    let none = 1;
    for (let i = 0; i <= 10; i++) none *= (9900 - i) / (10_000 - i);
    expect(fisherExactGreater({ requests: 100, errors: 1 }, { requests: 9900, errors: 10 })).toBeCloseTo(1 - none, 10);
    expect(1 - none).toBeCloseTo(0.104712, 6);
    // Exact sums (BigInt binomials): at least 2 or 3 of 12 / 13 errors on the canary.
    expect(fisherExactGreater({ requests: 100, errors: 2 }, { requests: 9900, errors: 10 })).toBeCloseTo(0.0061213384, 9);
    expect(fisherExactGreater({ requests: 100, errors: 3 }, { requests: 9900, errors: 10 })).toBeCloseTo(0.0002580457, 10);
  });

  it("is 1 when the canary has no error, and never above 1", () => {
    expect(fisherExactGreater({ requests: 100, errors: 0 }, { requests: 100, errors: 50 })).toBe(1);
    expect(fisherExactGreater({ requests: 0, errors: 0 }, { requests: 0, errors: 0 })).toBe(1);
    expect(fisherExactGreater({ requests: 10, errors: 10 }, { requests: 10, errors: 10 })).toBeLessThanOrEqual(1);
  });

  it("does not call one canary error in 100 worse than a 0.1 % stable, where the z-test does", () => {
    // z = (0.01 - 0.00101) / sqrt(0.0011 * 0.9989 * (1/100 + 1/9900)) = 2.70 > 1.645
    expect(twoProportionZ({ requests: 100, errors: 1 }, { requests: 9900, errors: 10 })).toBeGreaterThan(1.645);
    expect(fisherExactGreater({ requests: 100, errors: 1 }, { requests: 9900, errors: 10 })).toBeGreaterThan(0.05);
  });
});

describe("largeEnoughForZ", () => {
  it("asks for 5 expected errors and successes on each side under the pooled rate", () => {
    // pooled 30/2000: 1000 * 0.015 = 15 expected errors a side
    expect(largeEnoughForZ({ requests: 1000, errors: 20 }, { requests: 1000, errors: 10 })).toBe(true);
    // pooled 11/10000: the canary's 100 expect 0.11 errors
    expect(largeEnoughForZ({ requests: 100, errors: 1 }, { requests: 9900, errors: 10 })).toBe(false);
    expect(largeEnoughForZ({ requests: 1000, errors: 0 }, { requests: 1000, errors: 0 })).toBe(false);
  });
});
