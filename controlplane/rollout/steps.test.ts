import { describe, expect, it } from "vitest";
import { validateResource } from "../../resources/validate.ts";
import type { Rollout } from "../../resources/rollout.ts";
import { planStepGates, planSteps } from "./steps.ts";

describe("planSteps", () => {
  it("keeps explicit steps and ends at 100", () => {
    expect(planSteps({ steps: [{ weight: 0.1 }, { weight: 1 }, { weight: 5 }, { weight: 25 }, { weight: 50 }] })).toEqual([0.1, 1, 5, 25, 50, 100]);
    expect(planSteps({ steps: [{ weight: 10 }, { weight: 100 }] })).toEqual([10, 100]);
  });

  it("counts stepWeight up to maxWeight, then 100, without float drift", () => {
    expect(planSteps({ stepWeight: 10, maxWeight: 50 })).toEqual([10, 20, 30, 40, 50, 100]);
    expect(planSteps({ stepWeight: 0.1, maxWeight: 0.5 })).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 100]);
    expect(planSteps({ stepWeight: 30 })).toEqual([30, 60, 90, 100]);
  });

  it("grows geometrically, capped at maxWeight, in 0.01 steps", () => {
    expect(planSteps({ geometric: { startWeight: 1, factor: 2, maxWeight: 50 } })).toEqual([1, 2, 4, 8, 16, 32, 50, 100]);
    expect(planSteps({ geometric: { startWeight: 0.01, factor: 3 } })).toEqual([0.01, 0.03, 0.09, 0.27, 0.81, 2.43, 7.29, 21.87, 65.61, 100]);
  });
});

describe("planStepGates", () => {
  it("takes each explicit step's gates and the analysis default elsewhere", () => {
    const rollout = validateResource({
      apiVersion: "rollouts.isthmus.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "reviews" },
      spec: {
        service: "reviews", stableSubset: "v1", canarySubset: "v3", virtualService: "reviews",
        steps: [{ weight: 1, minRequests: 20, minDuration: "30s" }, { weight: 50, approval: true }],
        analysis: { minRequests: 7 },
      },
    }) as Rollout;
    expect(planStepGates(rollout.spec)).toEqual([
      { weight: 1, minRequests: 20, minDurationMs: 30_000, approval: false },
      { weight: 50, minRequests: 7, minDurationMs: 0, approval: true },
      { weight: 100, minRequests: 7, minDurationMs: 0, approval: false },
    ]);
  });
});
