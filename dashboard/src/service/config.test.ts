import { describe, expect, it } from "vitest";
import type { Resource } from "../types.ts";
import { forHost, hostNames, policiesFor } from "./config.ts";

const resource = (kind: string, namespace: string, name: string, spec: Record<string, unknown>): Resource => ({
  apiVersion: "x",
  kind,
  metadata: { name, namespace },
  spec,
});

describe("service config", () => {
  it("resolves short and qualified host names by the resource's namespace", () => {
    expect(hostNames("reviews", "default", "reviews", "default")).toBe(true);
    expect(hostNames("reviews", "other", "reviews", "default")).toBe(false);
    expect(hostNames("reviews.default", "other", "reviews", "default")).toBe(true);
    expect(hostNames("reviews.default.svc.cluster.local", "x", "reviews", "default")).toBe(true);
    expect(hostNames("reviews.default.example.com", "default", "reviews", "default")).toBe(false);
    expect(hostNames("ratings", "default", "reviews", "default")).toBe(false);
  });

  it("finds resources by hosts or host", () => {
    const vs = resource("VirtualService", "default", "r", { hosts: ["reviews"] });
    const dr = resource("DestinationRule", "default", "d", { host: "reviews.default.svc.cluster.local" });
    const other = resource("VirtualService", "default", "o", { hosts: ["ratings"] });
    expect(forHost([vs, dr, other], "reviews", "default")).toEqual([vs, dr]);
  });

  it("scopes policies by selector, namespace and root namespace", () => {
    const workload = resource("AuthorizationPolicy", "default", "w", { selector: { matchLabels: { app: "reviews" } } });
    const otherWorkload = resource("AuthorizationPolicy", "default", "o", { selector: { matchLabels: { app: "ratings" } } });
    const namespace = resource("PeerAuthentication", "default", "n", { mtls: { mode: "STRICT" } });
    const mesh = resource("PeerAuthentication", "istio-system", "m", {});
    const elsewhere = resource("AuthorizationPolicy", "prod", "e", {});
    expect(policiesFor([workload, otherWorkload, namespace, mesh, elsewhere], "reviews", "default").map((p) => [p.resource.metadata.name, p.scope])).toEqual([
      ["w", "workload"],
      ["n", "namespace"],
      ["m", "mesh"],
    ]);
  });
});
