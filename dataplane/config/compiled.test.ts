import { describe, expect, it } from "vitest";
import type { Snapshot, SnapshotResource } from "../../contracts/snapshot/schema.ts";
import { compileMesh } from "./compiled.ts";

function snapshot(resources: SnapshotResource[], endpointHealth: Snapshot["endpointHealth"] = {}): Snapshot {
  return { version: 7, hash: "0".repeat(64), generatedAt: "now", trustDomain: "cluster.local", resources, endpointHealth, revokedIdentities: [] };
}

const resource = (kind: string, name: string, spec: Record<string, unknown>, namespace = "default"): SnapshotResource => ({
  apiVersion: kind === "Gateway" || kind.endsWith("Rule") || kind === "VirtualService" || kind === "ServiceEntry" ? "networking.istio.io/v1" : "security.istio.io/v1",
  kind,
  metadata: { name, namespace },
  spec,
});

const reviews = resource("ServiceEntry", "reviews", {
  hosts: ["reviews"],
  endpoints: [
    { address: "worker://reviews-v1", labels: { version: "v1" } },
    { address: "worker://reviews-v2", labels: { version: "v2" } },
    { address: "worker://reviews-v3", labels: { version: "v3" } },
  ],
});

const rule = resource("DestinationRule", "reviews", {
  host: "reviews",
  trafficPolicy: { loadBalancer: { simple: "ROUND_ROBIN" }, outlierDetection: { consecutive5xxErrors: 3 } },
  subsets: [
    { name: "v1", labels: { version: "v1" } },
    { name: "v2", labels: { version: "v2" }, trafficPolicy: { loadBalancer: { simple: "RANDOM" } } },
  ],
});

describe("compileMesh", () => {
  it("finds a service by every spelling of its host, from its namespace", () => {
    const mesh = compileMesh(snapshot([reviews]));
    for (const host of ["reviews", "reviews.default", "reviews.default.svc", "reviews.default.svc.cluster.local", "REVIEWS"]) {
      expect(mesh.service(host, "default")?.host, host).toBe("reviews.default.svc.cluster.local");
    }
    expect(mesh.service("reviews", "other")).toBeUndefined();
    expect(mesh.service("reviews.default", "other")?.name).toBe("reviews");
  });

  it("selects subset endpoints by labels and overrides the rule's policy with the subset's", () => {
    const mesh = compileMesh(snapshot([reviews, rule]));
    const service = mesh.service("reviews", "default")!;
    const v2 = mesh.subset(service, "v2")!;
    expect(v2.endpoints.map((e) => e.address)).toEqual(["worker://reviews-v2"]);
    expect(v2.policy.loadBalancer).toEqual({ simple: "RANDOM" });
    expect(v2.policy.outlierDetection).toEqual({ consecutive5xxErrors: 3 });
    expect(mesh.subset(service)!.endpoints).toHaveLength(3);
    expect(mesh.subset(service, "v9")).toBeUndefined();
    expect(mesh.subset(service, "v2")).toBe(v2); // derived once per version
  });

  it("honours exportTo on ServiceEntries and DestinationRules, the client's own rule first", () => {
    const hidden = resource("ServiceEntry", "ratings", { hosts: ["ratings"], exportTo: ["."], endpoints: [{ address: "worker://ratings" }] });
    const shared = resource("ServiceEntry", "details", { hosts: ["details"], exportTo: ["shop"], endpoints: [{ address: "worker://details" }] });
    const mesh = compileMesh(snapshot([hidden, shared]));
    expect(mesh.service("ratings", "default")?.name).toBe("ratings");
    expect(mesh.service("ratings.default", "shop")).toBeUndefined();
    expect(mesh.service("details.default", "shop")?.name).toBe("details");
    expect(mesh.service("details", "default")).toBeUndefined();

    const ownRule = { ...rule, spec: { ...rule.spec, exportTo: ["."] } };
    const shopRule = resource("DestinationRule", "reviews-for-shop", { host: "reviews.default", trafficPolicy: { loadBalancer: { simple: "RANDOM" } } }, "shop");
    const withRules = compileMesh(snapshot([reviews, ownRule, shopRule]));
    const service = withRules.service("reviews", "default")!;
    expect(withRules.destinationRule(service.host, "default")?.rule.name).toBe("reviews");
    expect(withRules.destinationRule(service.host, "shop")?.rule.name).toBe("reviews-for-shop");
    expect(withRules.destinationRule(service.host, "other")?.rule.name).toBe("reviews-for-shop");
    expect(withRules.subset(service, "v1", "shop")).toBeUndefined(); // the shop's rule has no subsets
    expect(withRules.subset(service, "v1", "default")!.endpoints).toHaveLength(1);
  });

  it("leaves endpoints the registry reports unhealthy out of every subset", () => {
    const mesh = compileMesh(snapshot([reviews, rule], { "default/reviews/worker://reviews-v1": { healthy: false } }));
    const service = mesh.service("reviews", "default")!;
    expect(mesh.subset(service, "v1")!.endpoints).toEqual([]);
    expect(mesh.subset(service)!.endpoints.map((e) => e.address)).toEqual(["worker://reviews-v2", "worker://reviews-v3"]);
  });

  it("selects gateways by their selector and builds route tables per gateway context", () => {
    const gateway = resource("Gateway", "bookinfo-gateway", { selector: { istio: "ingressgateway" }, servers: [{ port: { number: 8080, protocol: "HTTP" }, hosts: ["*"] }] });
    const other = resource("Gateway", "other", { selector: { istio: "egressgateway" }, servers: [{ port: { number: 80, protocol: "HTTP" }, hosts: ["*"] }] });
    const edge = resource("VirtualService", "bookinfo", { hosts: ["*"], gateways: ["bookinfo-gateway"], http: [{ route: [{ destination: { host: "reviews" } }] }] });
    const mesh = compileMesh(snapshot([reviews, gateway, other, edge]));
    expect(mesh.gatewaysSelecting({ istio: "ingressgateway", app: "x" }).map((g) => g.key)).toEqual(["default/bookinfo-gateway"]);
    expect(mesh.routeTable(["default/bookinfo-gateway"]).lookup("anything.example", "istio-system")).toBeDefined();
    expect(mesh.routeTable(["mesh"]).lookup("anything.example", "default")).toBeUndefined();
    expect(mesh.routeTable(["mesh"])).toBe(mesh.routeTable(["mesh"]));
  });

  it("binds a VirtualService host through a gateway only where a server's hosts admit its namespace (ns/host)", () => {
    const servers = (hosts: string[]) => ({ selector: { istio: "ingressgateway" }, servers: [{ port: { number: 8080, protocol: "HTTP" }, hosts }] });
    const gateway = resource("Gateway", "edge", servers(["shop/shop.example", "./ops.example", "*/any.example", "plain.example"]), "istio-system");
    const vs = (name: string, namespace: string, host: string) =>
      resource("VirtualService", name, { hosts: [host], gateways: ["istio-system/edge"], http: [{ route: [{ destination: { host: "reviews.default" } }] }] }, namespace);
    const mesh = compileMesh(
      snapshot([
        reviews,
        gateway,
        vs("shop-in-shop", "shop", "shop.example"),
        vs("shop-elsewhere", "default", "shop.example"),
        vs("ops-in-default", "default", "ops.example"),
        vs("ops-in-gateway-ns", "istio-system", "ops.example"),
        vs("any", "default", "any.example"),
        vs("plain", "default", "plain.example"),
        vs("unlisted", "default", "unlisted.example"),
      ]),
    );
    const table = mesh.routeTable(["istio-system/edge"]);
    // default/shop-elsewhere would merge before shop/shop-in-shop (same age, by name): it is not bound at all.
    const bound = (host: string) =>
      table
        .match({ path: "/", method: "GET", headers: new Headers(), authority: host }, "istio-system")
        ?.virtualService.name;
    expect(bound("shop.example")).toBe("shop-in-shop");
    expect(bound("ops.example")).toBe("ops-in-gateway-ns");
    expect(bound("any.example")).toBe("any");
    expect(bound("plain.example")).toBe("plain");
    expect(bound("unlisted.example")).toBeUndefined(); // no server lists the host
  });
});
