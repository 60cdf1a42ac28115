import { describe, expect, it } from "vitest";
import { analyze } from "./analyze.ts";
import type { Resource } from "./kinds.ts";
import { parseDocuments } from "./parse.ts";
import type { Rollout } from "./rollout.ts";
import { drivenRoutes, rolloutConflicts, virtualServiceConflicts } from "./rollout-routes.ts";
import { validateResource } from "./validate.ts";
import type { VirtualService } from "./virtual-service.ts";

const yaml = (text: string) => parseDocuments(text).map((d) => validateResource(d)) as Resource[];
const world = yaml(`
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: reviews }
spec: { hosts: [reviews], location: MESH_INTERNAL, resolution: STATIC, endpoints: [{ address: "worker://reviews-v1", labels: { version: v1 } }] }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews }
spec: { host: reviews, subsets: [{ name: v1, labels: { version: v1 } }, { name: v3, labels: { version: v3 } }] }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
  - name: a
    match: [{ uri: { prefix: /a } }]
    route: [{ destination: { host: reviews, subset: v1 } }]
  - name: b
    route: [{ destination: { host: reviews.default.svc.cluster.local, subset: v1 }, weight: 90 }, { destination: { host: reviews, subset: v3 }, weight: 10 }]
`);
const vs = world.find((r) => r.kind === "VirtualService") as VirtualService;
const rollout = (name: string, spec: object = {}) =>
  validateResource({ apiVersion: "rollouts.isthmus.io/v1alpha1", kind: "Rollout", metadata: { name }, spec: { service: "reviews", stableSubset: "v1", canarySubset: "v3", virtualService: "reviews", stepWeight: 10, ...spec } }) as Rollout;

describe("drivenRoutes", () => {
  it("defaults to every route sending only to the stable and canary subsets (short or FQDN host)", () => {
    expect(drivenRoutes(rollout("r"), vs)).toEqual({ ok: true, indexes: [0, 1] });
    expect(drivenRoutes(rollout("r", { routes: ["b"] }), vs)).toEqual({ ok: true, indexes: [1] });
    expect(drivenRoutes(rollout("r", { routes: ["c"] }), vs)).toMatchObject({ ok: false, path: "spec.routes[0]" });
    expect(drivenRoutes(rollout("r", { canarySubset: "v2", stableSubset: "v9" }), vs)).toMatchObject({ ok: false, path: "spec.virtualService" });
  });
});

describe("rolloutConflicts", () => {
  it("refuses a second Rollout on a route another drives, naming it, and allows disjoint routes", () => {
    const first = rollout("first", { routes: ["a"] });
    const second = rollout("second");
    expect(rolloutConflicts([...world, first, second], [second])).toEqual([
      { rollout: { namespace: "default", name: "second" }, other: { namespace: "default", name: "first" }, message: "Rollout default/first already drives route a of VirtualService default/reviews" },
    ]);
    expect(rolloutConflicts([...world, first, rollout("third", { routes: ["b"] })], [first])).toEqual([]);
  });

  it("without the VirtualService, two Rollouts on it conflict unless both name disjoint routes", () => {
    const alone = [rollout("x", { routes: ["a"] }), rollout("y", { routes: ["b"] })];
    expect(rolloutConflicts(alone, [alone[1]!])).toEqual([]);
    expect(rolloutConflicts([alone[0]!, rollout("z")], [alone[0]!])).toHaveLength(1);
  });
});

describe("analyze", () => {
  it("reports a missing VirtualService, missing subsets and routes that do not split stable/canary", () => {
    const findings = analyze([...world.filter((r) => r.kind !== "VirtualService"), rollout("r", { canarySubset: "v4" })]);
    expect(findings.filter((f) => f.resource.kind === "Rollout").map((f) => [f.code, f.severity, f.path])).toEqual([
      ["subset_not_found", "error", "spec.canarySubset"],
      ["rollout_target_not_found", "warning", "spec.virtualService"],
    ]);
    const named = analyze([...world, rollout("r", { routes: ["nope"] })]).filter((f) => f.resource.kind === "Rollout");
    expect(named).toMatchObject([{ code: "rollout_routes_invalid", path: "spec.routes[0]" }]);
    expect(analyze([...world, rollout("r")]).filter((f) => f.resource.kind === "Rollout")).toEqual([]);
  });
});

describe("virtualServiceConflicts", () => {
  const vsWith = (http: object[]) => ({ ...vs, spec: { ...vs.spec, http } }) as VirtualService;
  const onA = rollout("on-a", { routes: ["a"] });
  const rest = rollout("rest");
  // Route a goes to another service at first, so `rest` (the default set) drives b only.
  const before = vsWith([{ name: "a", route: [{ destination: { host: "ratings", subset: "v1" } }] }, vs.spec.http![1]!]);
  const stored = [...world.filter((r) => r.kind !== "VirtualService"), before, onA, rest];

  it("refuses an edit that lets two Rollouts drive one route, naming both", () => {
    const edited = vsWith(vs.spec.http!);
    const after = [...stored.filter((r) => r !== before), edited];
    expect(virtualServiceConflicts(stored, after, [edited])).toEqual([
      {
        virtualService: { namespace: "default", name: "reviews" },
        rollouts: ["on-a", "rest"],
        message: "VirtualService default/reviews would let Rollouts default/on-a and default/rest drive the same route (Rollout default/on-a already drives route a of VirtualService default/reviews)",
      },
    ]);
  });

  it("allows edits that keep the Rollouts' routes apart, and does not refuse a conflict already stored", () => {
    const reweighted = vsWith([before.spec.http![0]!, { ...vs.spec.http![1]!, route: vs.spec.http![1]!.route!.map((d, i) => ({ ...d, weight: i === 0 ? 50 : 50 })) }]);
    expect(virtualServiceConflicts(stored, [...stored.filter((r) => r !== before), reweighted], [reweighted])).toEqual([]);
    const clashing = [...stored.filter((r) => r !== before), vs];
    expect(virtualServiceConflicts(clashing, clashing, [vs])).toEqual([]);
  });
});
