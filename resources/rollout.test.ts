import { describe, expect, it } from "vitest";
import { InvalidResourceError } from "./errors.ts";
import type { Rollout } from "./rollout.ts";
import { validateResource } from "./validate.ts";

const base = { service: "reviews", stableSubset: "v1", canarySubset: "v3", virtualService: "reviews" };
const doc = (spec: object, metadata: object = {}) => ({ apiVersion: "rollouts.isthmus.io/v1alpha1", kind: "Rollout", metadata: { name: "reviews", ...metadata }, spec });

function problems(input: unknown): Array<{ path: string; message: string }> {
  try {
    validateResource(input);
  } catch (error) {
    if (error instanceof InvalidResourceError) return error.details;
    throw error;
  }
  return [];
}

describe("Rollout", () => {
  it("accepts the contract's example with defaults filled in", () => {
    const rollout = validateResource(
      doc({
        ...base,
        routes: ["reviews-route"],
        steps: [{ weight: 0.1, minRequests: 100, minDuration: "30s" }, { weight: 1, approval: true }, { weight: 5 }],
        preStage: { headers: [{ name: "x-canary", exact: "true" }], cookie: { name: "canary", value: "1" }, minRequests: 20 },
        mirror: { percent: 100, minRequests: 50 },
        analysis: { interval: "10s", minRequests: 100, successRate: { min: 99, confidence: 0.95 }, latency: { p99Max: "500ms", p50Max: "200ms", maxRatioToStable: 1.5 }, failureLimit: 1 },
        webhooks: [{ name: "slack", url: "https://hooks.example.com/x", events: [] }],
      }),
    ) as Rollout;
    expect(rollout.metadata.namespace).toBe("default");
    expect(rollout.spec.rollbackOn).toEqual({ outlierEjection: true, exceptions: true });
    expect(validateResource(doc({ ...base, stepWeight: 10 })) as Rollout).toMatchObject({ spec: { analysis: { interval: "10s", minRequests: 100, failureLimit: 1 } } });
  });

  it("names each bad field by its path", () => {
    expect(problems(doc({ ...base, steps: [{ weight: 5 }, { weight: 10 }, { weight: 10.001 }] }))).toEqual([
      { path: "spec.steps[2].weight", message: "must have at most two decimal places (0.01 granularity)" },
    ]);
    expect(problems(doc({ ...base, steps: [{ weight: 5 }, { weight: 5 }] }))).toEqual([{ path: "spec.steps[1].weight", message: "must be above the previous step's weight" }]);
    expect(problems(doc({ ...base, steps: [{ weight: 0 }] }))[0]).toEqual({ path: "spec.steps[0].weight", message: "must be above 0" });
    expect(problems(doc({ ...base, stepWeight: 10, geometric: { startWeight: 1, factor: 2 } }))).toEqual([{ path: "spec.steps", message: "set exactly one of steps, stepWeight, geometric" }]);
    expect(problems(doc({ ...base, canarySubset: "v1", stepWeight: 10 }))).toEqual([{ path: "spec.canarySubset", message: "must differ from stableSubset" }]);
    expect(problems(doc({ ...base, stepWeight: 10, analysis: { interval: "0s" } }))).toEqual([{ path: "spec.analysis.interval", message: "must be longer than 0" }]);
    expect(problems(doc({ ...base, stepWeight: 10, analysis: { interval: "x", latency: { p99Max: "soon" } } })).map((p) => p.path)).toEqual(["spec.analysis.interval", "spec.analysis.latency.p99Max"]);
    expect(problems(doc({ ...base, stepWeight: 10, preStage: { minRequests: 3 } }))).toEqual([{ path: "spec.preStage", message: "must set headers or cookie" }]);
    expect(problems(doc({ ...base, stepWeight: 10, shadow: true }))).toEqual([{ path: "spec.shadow", message: 'unknown field "shadow"' }]);
  });

  it("refuses a webhook on a private address unless annotated", () => {
    const hooked = { ...base, stepWeight: 10, webhooks: [{ name: "local", url: "http://127.0.0.1:9000/hook" }] };
    expect(problems(doc(hooked))[0]?.path).toBe("spec.webhooks[0].url");
    expect(problems(doc(hooked, { annotations: { "isthmus.io/allow-private-addresses": "true" } }))).toEqual([]);
  });
});
