import { describe, expect, it } from "vitest";
import { parseDocuments, type Resource } from "../../resources/index.ts";
import { bindingPlans, GATEWAY_IDENTITY, unreachableDestinations } from "./reachability.ts";
import { GATEWAY_WORKLOAD } from "../../workers/gateway/gateway.ts";

const resources = (yaml: string) => parseDocuments(yaml).map((document) => document as unknown as Resource);

const MESH = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews]
  endpoints:
  - { address: "worker://reviews-v1", labels: { version: v1 } }
  - { address: "worker://reviews-v2", labels: { version: v2 } }
  - { address: "dispatch://CUSTOMERS/reviews-v3", labels: { version: v3 } }
  - { address: "https://reviews.example.com", labels: { version: v4 } }
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ratings, namespace: default }
spec:
  hosts: [ratings]
  endpoints: [{ address: "worker://ratings-v1" }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: default }
spec:
  host: reviews
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }, { name: v3, labels: { version: v3 } }, { name: v4, labels: { version: v4 } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: edge, namespace: default }
spec:
  hosts: ["*"]
  gateways: [bookinfo-gateway]
  http:
  - route: [{ destination: { host: reviews, subset: v2 } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews]
  http:
  - route: [{ destination: { host: reviews, subset: v1 }, weight: 50 }, { destination: { host: reviews, subset: v3 }, weight: 50 }]
    mirror: { host: reviews, subset: v4 }
`;

const gateway = { ...GATEWAY_IDENTITY, services: ["ISTHMUS_CONTROL", "PRODUCTPAGE_V1"], dispatchNamespaces: [] };
const productpage = { namespace: "default", serviceAccount: "bookinfo-productpage", services: ["REVIEWS_V1", "RATINGS_V1"], dispatchNamespaces: [] };

describe("destination_unreachable", () => {
  it("is the gateway's own identity", () => {
    expect(GATEWAY_IDENTITY).toEqual({ namespace: GATEWAY_WORKLOAD.namespace, serviceAccount: GATEWAY_WORKLOAD.serviceAccount });
  });

  it("names the workload, the endpoint and the missing binding of a Gateway-bound route", () => {
    const findings = unreachableDestinations(resources(MESH), [], [gateway]);
    expect(findings).toEqual([
      {
        code: "destination_unreachable",
        severity: "warning",
        resource: { kind: "VirtualService", namespace: "default", name: "edge" },
        path: "spec.http[0].route[0].destination",
        message: expect.stringMatching(/^workload istio-system\/istio-ingressgateway-service-account \(the gateway\) has no service binding REVIEWS_V2 for endpoint worker:\/\/reviews-v2 of reviews\.default\.svc\.cluster\.local/),
      },
    ]);
  });

  it("follows a sidecar's mesh routes to the hosts it holds bindings for: subsets, dispatch namespaces and mirrors", () => {
    const findings = unreachableDestinations(resources(MESH), [], [productpage]);
    expect(findings.map((f) => [f.path, /has no (.+?) for endpoint (\S+)/.exec(f.message)!.slice(1).join(" ")])).toEqual([
      ["spec.http[0].route[1].destination", "dispatch namespace binding CUSTOMERS dispatch://CUSTOMERS/reviews-v3"],
    ]);
    // The origin mirror (v4) needs no binding; ratings has no route, so its one endpoint is held.
    expect(unreachableDestinations(resources(MESH), [], [{ ...productpage, dispatchNamespaces: ["CUSTOMERS"] }])).toEqual([]);
  });

  it("counts registry endpoints, and judges no workload that never reported", () => {
    const registry = [{ namespace: "default", service: "ratings", address: "worker://ratings-v2", labels: {} }];
    const findings = unreachableDestinations(resources(MESH), registry, [productpage]);
    expect(findings.map((f) => [f.resource, f.path, /binding (\S+)/.exec(f.message)![1]])).toEqual([
      [{ kind: "ServiceEntry", namespace: "default", name: "ratings" }, "registry:worker://ratings-v2", "RATINGS_V2"],
      [{ kind: "VirtualService", namespace: "default", name: "reviews" }, "spec.http[0].route[1].destination", "CUSTOMERS"],
    ]);
    expect(unreachableDestinations(resources(MESH), registry, [])).toEqual([]);
  });
});

describe("bindingPlans", () => {
  it("lists what a workload's routes need and what it lacks; all needed ones when it never reported", () => {
    const [reported, unknown] = bindingPlans(resources(MESH), [], [
      { ...GATEWAY_IDENTITY, bindings: { services: ["REVIEWS_V2"], dispatchNamespaces: [] } },
      { ...GATEWAY_IDENTITY, bindings: null },
    ]);
    expect(reported).toMatchObject({ gateway: true, missing: [], needs: [{ binding: "REVIEWS_V2", kind: "service", endpoint: "worker://reviews-v2" }] });
    expect(unknown).toMatchObject({ gateway: true, bindings: null, missing: ["REVIEWS_V2"] });
  });
});
