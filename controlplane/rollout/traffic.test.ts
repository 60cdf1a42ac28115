import { describe, expect, it } from "vitest";
import type { Rollout } from "../../resources/rollout.ts";
import { validateResource } from "../../resources/validate.ts";
import type { VirtualService } from "../../resources/virtual-service.ts";
import { withTraffic } from "./traffic.ts";

const vs = validateResource({
  apiVersion: "networking.istio.io/v1",
  kind: "VirtualService",
  metadata: { name: "reviews" },
  spec: {
    hosts: ["reviews"],
    http: [
      { name: "jason", match: [{ headers: { "end-user": { exact: "jason" } } }], route: [{ destination: { host: "reviews", subset: "v2" } }] },
      { name: "main", timeout: "2s", route: [{ destination: { host: "reviews", subset: "v1" }, headers: { request: { set: { x: "1" } } } }] },
    ],
  },
}) as VirtualService;

const rollout = (spec: object = {}) =>
  validateResource({
    apiVersion: "rollouts.isthmus.io/v1alpha1",
    kind: "Rollout",
    metadata: { name: "reviews" },
    spec: { service: "reviews", stableSubset: "v1", canarySubset: "v3", virtualService: "reviews", stepWeight: 10, ...spec },
  }) as Rollout;

function written(r: Rollout, plan: { weight: number; preStage: boolean; mirrorPercent: number | null }, from = vs): VirtualService {
  const result = withTraffic(from, r, plan);
  if (!result.ok) throw new Error(result.message);
  return result.vs;
}

describe("withTraffic", () => {
  it("splits only the driven route, keeping its other fields and the destination's own headers", () => {
    const out = written(rollout(), { weight: 0.1, preStage: false, mirrorPercent: null });
    expect(out.spec.http![0]).toEqual(vs.spec.http![0]);
    expect(out.spec.http![1]).toEqual({
      name: "main",
      timeout: "2s",
      route: [
        { destination: { host: "reviews", subset: "v1" }, headers: { request: { set: { x: "1" } } }, weight: 99.9 },
        { destination: { host: "reviews", subset: "v3" }, weight: 0.1 },
      ],
    });
    expect(vs.spec.http![1]!.route).toHaveLength(1);
  });

  it("puts a tester-only route to the canary ahead of the driven route, and removes it again", () => {
    const r = rollout({ preStage: { headers: [{ name: "x-canary", exact: "true" }], cookie: { name: "canary", value: "1" } } });
    const staged = written(r, { weight: 0, preStage: true, mirrorPercent: null });
    expect(staged.spec.http!.map((route) => route.name)).toEqual(["jason", "rollout-prestage:reviews", "main"]);
    expect(staged.spec.http![1]).toMatchObject({
      timeout: "2s",
      match: [{ headers: { "x-canary": { exact: "true" }, cookie: { regex: "(^|.*;\\s*)canary=1(;.*)?" } } }],
      route: [{ destination: { host: "reviews", subset: "v3" }, weight: 100 }],
    });
    const again = written(r, { weight: 0, preStage: true, mirrorPercent: null }, staged);
    expect(again).toEqual(staged);
    const done = written(r, { weight: 0, preStage: false, mirrorPercent: null }, staged);
    expect(done.spec.http!.map((route) => route.name)).toEqual(["jason", "main"]);
  });

  it("mirrors to the canary while mirroring, then takes only its own mirror away", () => {
    const mirrored = written(rollout(), { weight: 0, preStage: false, mirrorPercent: 50 });
    expect(mirrored.spec.http![1]).toMatchObject({ mirror: { host: "reviews", subset: "v3" }, mirrorPercentage: { value: 50 } });
    const after = written(rollout(), { weight: 10, preStage: false, mirrorPercent: null }, mirrored);
    expect(after.spec.http![1]!.mirror).toBeUndefined();
    expect(after.spec.http![1]!.mirrorPercentage).toBeUndefined();
  });

  it("says why when no route can be driven", () => {
    expect(withTraffic(vs, rollout({ routes: ["jason"] }), { weight: 1, preStage: false, mirrorPercent: null })).toMatchObject({ ok: false, path: "spec.routes[0]" });
  });
});
