import { describe, expect, it } from "vitest";
import { emptyHistogram, observe } from "../../contracts/telemetry/histogram.ts";
import { judge } from "./judge.ts";

const analysis = { minRequests: 100, successRate: { min: 99, confidence: 0.95 } };

describe("judge", () => {
  it("holds with insufficient_data below minRequests on either side, whatever the errors", () => {
    const verdict = judge({ canary: { requests: 99, errors: 99 }, stable: { requests: 1000, errors: 0 } }, analysis);
    expect(verdict.result).toBe("insufficient_data");
    expect(verdict.checks.map((c) => [c.name, c.result])).toEqual([["successRate", "insufficient_data"], ["twoProportion", "insufficient_data"]]);
    // Counts too small for the normal approximation name the exact test instead.
    expect(judge({ canary: { requests: 5, errors: 0 }, stable: { requests: 5, errors: 0 } }, analysis).checks.map((c) => [c.name, c.threshold])).toEqual([["successRate", 0], ["fisherExact", 0.05]]);
    expect(judge({ canary: { requests: 500, errors: 0 }, stable: { requests: 50, errors: 0 } }, analysis).result).toBe("insufficient_data");
  });

  it("passes a canary as good as stable and states the numbers", () => {
    const verdict = judge({ canary: { requests: 200, errors: 1 }, stable: { requests: 1800, errors: 9 } }, analysis);
    expect(verdict.result).toBe("pass");
    expect(verdict.canary).toMatchObject({ requests: 200, errors: 1, successRate: 99.5 });
    expect(verdict.stable.successRate).toBe(99.5);
    // pooled 10/2000: 1 expected canary error, too few for the z-test; Fisher's p = 1 - C(1990, 200) / C(2000, 200) = 1 - 0.34780 = 0.6522
    const exact = verdict.checks.find((c) => c.name === "fisherExact")!;
    expect(exact).toMatchObject({ result: "pass", threshold: 0.05 });
    expect(exact.value).toBeCloseTo(0.6522, 4);
    expect(verdict.checks.some((c) => c.name === "twoProportion")).toBe(false);
  });

  it("fails on the two-proportion z-test when the canary is significantly worse at large counts, though above the floor", () => {
    // canary 40/1000 (96 %) vs stable 20/1000, pooled 0.03 (30 expected errors a side): z = 0.02 / sqrt(0.03 * 0.97 * 0.002) = 2.6216 > 1.645
    const verdict = judge({ canary: { requests: 1000, errors: 40 }, stable: { requests: 1000, errors: 20 } }, { minRequests: 100, successRate: { min: 95, confidence: 0.95 } });
    expect(verdict.result).toBe("fail");
    expect(verdict.checks.find((c) => c.name === "successRate")?.result).toBe("pass");
    const z = verdict.checks.find((c) => c.name === "twoProportion")!;
    expect(z.result).toBe("fail");
    expect(z.value).toBeCloseTo(2.6216, 3);
    expect(verdict.reason).toContain("40/1000");
  });

  it("fails on Fisher's exact test when a small canary is significantly worse, though above the floor", () => {
    // canary 4/400 (99.0 %) vs stable 0/4000: all 4 errors on the canary's 400 of 4400, p = C(400, 4) / C(4400, 4) = 6.737e-5
    const verdict = judge({ canary: { requests: 400, errors: 4 }, stable: { requests: 4000, errors: 0 } }, analysis);
    expect(verdict.result).toBe("fail");
    expect(verdict.checks.find((c) => c.name === "successRate")?.result).toBe("pass");
    const exact = verdict.checks.find((c) => c.name === "fisherExact")!;
    expect(exact).toMatchObject({ result: "fail", value: 6.737e-5, threshold: 0.05 });
    expect(verdict.reason).toContain("Fisher's exact p=0.00006737");
  });

  it("passes one canary error in 100 against a 0.1 % stable (the z-test's false alarm at small counts)", () => {
    const verdict = judge({ canary: { requests: 100, errors: 1 }, stable: { requests: 9900, errors: 10 } }, analysis);
    expect(verdict.result).toBe("pass");
    expect(verdict.checks.find((c) => c.name === "fisherExact")).toMatchObject({ result: "pass", value: 0.1047 });
    // Two errors in 100 fall below the 99 % floor and are significant: p = 0.00612
    expect(judge({ canary: { requests: 100, errors: 2 }, stable: { requests: 9900, errors: 10 } }, { minRequests: 100 }).checks[0]).toMatchObject({ name: "fisherExact", result: "fail", value: 0.006121 });
  });

  it("does not fail a small difference the test cannot tell from noise, unless the floor does", () => {
    // 2/200 vs 1/200: Fisher's p = 0.5 (z = 0.58)
    expect(judge({ canary: { requests: 200, errors: 2 }, stable: { requests: 200, errors: 1 } }, { minRequests: 100, successRate: { confidence: 0.95 } }).result).toBe("pass");
    const floored = judge({ canary: { requests: 200, errors: 3 }, stable: { requests: 200, errors: 3 } }, analysis);
    expect(floored.result).toBe("fail");
    expect(floored.checks.find((c) => c.name === "successRate")).toMatchObject({ result: "fail", value: 98.5, threshold: 99 });
  });

  it("judges latency against ceilings and against stable", () => {
    const slow = emptyHistogram();
    const fast = emptyHistogram();
    for (let i = 0; i < 100; i++) {
      observe(slow, 400);
      observe(fast, 40);
    }
    const latency = { minRequests: 100, latency: { p99Max: "500ms", p50Max: "200ms", maxRatioToStable: 1.5 } };
    const verdict = judge({ canary: { requests: 100, errors: 0, histogram: slow }, stable: { requests: 100, errors: 0, histogram: fast } }, latency);
    expect(verdict.result).toBe("fail");
    // Prometheus-style interpolation inside the (250, 500] bucket: p50 = 375, p99 = 497.5
    expect(verdict.checks.map((c) => [c.name, c.result, c.value])).toEqual([
      ["fisherExact", "pass", 1],
      ["p99", "pass", 497.5],
      ["p50", "fail", 375],
      ["latencyRatio", "fail", 497.5 / 49.75],
    ]);
  });

  it("reads custom checks by name and bounds them", () => {
    const custom = { minRequests: 1, custom: [{ name: "p95", query: "/v1/stats?service=reviews", max: 100 }] };
    const window = { canary: { requests: 10, errors: 0 }, stable: { requests: 10, errors: 0 } };
    expect(judge({ ...window, custom: { p95: 150 } }, custom).result).toBe("fail");
    expect(judge({ ...window, custom: { p95: 50 } }, custom).result).toBe("pass");
    expect(judge({ ...window, custom: { p95: null } }, custom).result).toBe("insufficient_data");
  });

  it("rolls back at once on ejection or exceptions, even with few requests, unless turned off", () => {
    const window = { canary: { requests: 3, errors: 3 }, stable: { requests: 3, errors: 0 }, triggers: { ejections: 0, exceptions: 2 } };
    const verdict = judge(window, analysis);
    expect(verdict).toMatchObject({ result: "fail", rollback: true });
    expect(verdict.checks).toEqual([{ name: "exceptions", result: "fail", value: 2, threshold: 0 }]);
    expect(judge(window, analysis, { outlierEjection: true, exceptions: false }).result).toBe("insufficient_data");
  });
});
