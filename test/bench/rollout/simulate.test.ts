import { describe, expect, it } from "vitest";
import { CONTENDERS, runExperiment, type Scenario } from "./experiment.ts";
import { FLAGGER_DEFAULT, flaggerPolicy } from "./flagger.ts";
import { isthmusPolicy } from "./isthmus.ts";
import type { RolloutPolicy } from "./policy.ts";
import { simulateRollout } from "./simulate.ts";
import { TrafficStream } from "./traffic.ts";

const TARGET = { service: "reviews", stableSubset: "v1", canarySubset: "v3", virtualService: "reviews" };
const severe = (breachAtSecond: number, rps = 1000) => ({ rps, baselineErrorRate: 0.001, canaryErrorRate: 0.2, breachAtSecond });

describe("TrafficStream", () => {
  it("sends the same arrivals whatever the weight, split within one request of it", () => {
    const a = new TrafficStream(severe(Infinity), 7);
    const b = new TrafficStream(severe(Infinity), 7);
    let canary = 0;
    let total = 0;
    for (let s = 0; s < 100; s++) {
      const x = a.second(s, 0);
      const y = b.second(s, 12.5);
      expect(x.canary.requests + x.stable.requests).toBe(y.canary.requests + y.stable.requests);
      canary += y.canary.requests;
      total += y.canary.requests + y.stable.requests;
    }
    expect(total).toBeGreaterThan(80_000);
    expect(Math.abs(canary - total * 0.125)).toBeLessThanOrEqual(1);
  });

  it("fails canary requests at the breach rate only from the breach on, and counts them as exposed", () => {
    const stream = new TrafficStream(severe(10), 3);
    const before = Array.from({ length: 10 }, (_, s) => stream.second(s, 50));
    const after = Array.from({ length: 10 }, (_, s) => stream.second(10 + s, 50));
    const sum = (xs: number[]) => xs.reduce((n, x) => n + x, 0);
    expect(sum(before.map((c) => c.exposed))).toBe(0);
    expect(sum(after.map((c) => c.exposed))).toBe(sum(after.map((c) => c.canary.requests)));
    const rate = sum(after.map((c) => c.canary.errors)) / sum(after.map((c) => c.canary.requests));
    expect(rate).toBeGreaterThan(0.17);
    expect(rate).toBeLessThan(0.23);
    expect(sum(before.map((c) => c.canary.errors))).toBeLessThan(20);
  });
});

describe("the Flagger-style schedule", () => {
  it("rolls back at the threshold'th failed check: 5 minutes after a breach at the start", () => {
    const outcome = simulateRollout(flaggerPolicy(), new TrafficStream(severe(0), 1));
    expect(outcome).toMatchObject({ end: "rolledBack", endSecond: 5 * 60, breachToZeroSeconds: 300 });
    // 10 % of ~1,000 rps for five minutes reached the failing canary.
    expect(outcome.exposed / outcome.sinceBreach).toBeCloseTo(0.1, 2);
  });

  it("promotes a healthy canary after one passed check per step of 10", () => {
    const outcome = simulateRollout(flaggerPolicy(FLAGGER_DEFAULT), new TrafficStream(severe(Infinity), 1));
    expect(outcome).toMatchObject({ end: "promoted", endSecond: 10 * 60, breachToZeroSeconds: null, exposed: 0 });
  });
});

describe("Isthmus's decision code in the simulation", () => {
  const policy = (): RolloutPolicy => isthmusPolicy({ ...TARGET, stepWeight: 10, analysis: { interval: "10s", minRequests: 100, successRate: { min: 99 }, failureLimit: 1 } });

  it("rolls a severe breach back within two analysis intervals (failure limit 1)", () => {
    const outcome = simulateRollout(policy(), new TrafficStream(severe(25), 5));
    expect(outcome.end).toBe("rolledBack");
    expect(outcome.breachToZeroSeconds).toBeGreaterThan(0);
    expect(outcome.breachToZeroSeconds).toBeLessThanOrEqual(20);
  });

  it("advances by the spec's steps while healthy: weights set are the planned ones", () => {
    const isthmus = policy();
    const stream = new TrafficStream({ ...severe(Infinity), baselineErrorRate: 0 }, 9);
    const seen = new Set<number>();
    const recorder: RolloutPolicy = { ...isthmus, weight: () => (seen.add(isthmus.weight()), isthmus.weight()) };
    const outcome = simulateRollout(recorder, stream);
    expect(outcome.end).toBe("promoted");
    expect([...seen]).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
    // The first interval only starts the window (as the controller does), then one per step.
    expect(outcome.endSecond).toBe(100);
  });

  it("promotes every healthy canary at small canary counts (no false rollback from the z-test's approximation)", () => {
    const healthy: Scenario = { name: "healthy", breach: false, traffic: { rps: 1000, baselineErrorRate: 0.001, canaryErrorRate: 0.001 } };
    const [steps] = runExperiment({ scenarios: [healthy], contenders: [CONTENDERS[0]!], rollouts: 20 });
    expect(steps!.outcomes.map((o) => o.end)).toEqual(Array(20).fill("promoted"));
  });

  it("judges thin traffic on a window grown until it holds minRequests, as the controller does", () => {
    // 50 rps at 1 %: half a canary request per second, 100 needed per side.
    const thin = isthmusPolicy({ ...TARGET, steps: [{ weight: 1 }, { weight: 100 }], analysis: { interval: "10s", minRequests: 100, successRate: { min: 99 }, failureLimit: 0 } });
    const outcome = simulateRollout(thin, new TrafficStream(severe(0, 50), 11));
    expect(outcome.end).toBe("rolledBack");
    // About 200 s of traffic to see 100 canary requests, then the first failed analysis rolls back.
    expect(outcome.breachToZeroSeconds).toBeGreaterThanOrEqual(150);
    expect(outcome.breachToZeroSeconds).toBeLessThanOrEqual(260);
    expect(outcome.exposed).toBeGreaterThanOrEqual(100);
  });

  it("refuses a spec the Rollout schema refuses", () => {
    expect(() => isthmusPolicy({ ...TARGET, stepWeight: 10, steps: [{ weight: 5 }] })).toThrow(/exactly one of steps, stepWeight, geometric/);
  });
});

describe("runExperiment", () => {
  it("gives every contender the same breach moments and traffic", () => {
    const scenario: Scenario = { name: "s", breach: true, traffic: { rps: 200, baselineErrorRate: 0.001, canaryErrorRate: 0.5 } };
    const runs = runExperiment({ scenarios: [scenario], rollouts: 5, seed: 4, maxSeconds: 900 });
    expect(runs).toHaveLength(3);
    const breaches = runs.map((r) => r.outcomes.map((o) => o.breachAtSecond));
    expect(breaches[1]).toEqual(breaches[0]);
    expect(breaches[2]).toEqual(breaches[0]);
    for (const at of breaches[0]!) {
      expect(at).toBeGreaterThanOrEqual(0);
      expect(at).toBeLessThan(60);
    }
  });
});
