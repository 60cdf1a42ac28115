import { describe, expect, it } from "vitest";
import type { EdgeStats } from "../types.ts";
import { layeredLayout } from "./layout.ts";
import { healthOf, serviceGraph } from "./model.ts";

function edge(source: string, sourceNs: string, service: string, version: string, successRate: number | null = 1): EdgeStats {
  return {
    source: { workload: source, namespace: sourceNs },
    destination: { service, namespace: "default", version },
    requests: 10,
    rps: 1,
    successRate,
    latencyMs: { p50: 1, p95: 2, p99: 3 },
  };
}

const BOOKINFO = [
  edge("istio-ingressgateway", "istio-system", "productpage", "v1"),
  edge("productpage-v1", "default", "details", "v1"),
  edge("productpage-v1", "default", "reviews", "v1"),
  edge("productpage-v1", "default", "reviews", "v2"),
  edge("reviews-v2", "default", "ratings", "v1", 0.9),
];

describe("serviceGraph", () => {
  it("puts versions inside services and callers named <service>-<version> inside theirs", () => {
    const graph = serviceGraph(BOOKINFO);
    expect(graph.nodes.map((n) => [n.id, n.service, n.versions])).toEqual([
      ["details.default", true, ["v1"]],
      ["istio-ingressgateway.istio-system", false, []],
      ["productpage.default", true, ["v1"]],
      ["ratings.default", true, ["v1"]],
      ["reviews.default", true, ["v1", "v2"]],
    ]);
    expect(graph.links[4]).toMatchObject({ from: { node: "reviews.default", version: "v2" }, to: { node: "ratings.default", version: "v1" } });
    expect(graph.links[0]!.from).toEqual({ node: "istio-ingressgateway.istio-system", version: null });
  });

  it("colours by success rate bands", () => {
    expect([healthOf(null), healthOf(1), healthOf(0.97), healthOf(0.5)]).toEqual(["idle", "healthy", "degraded", "failing"]);
  });
});

describe("layeredLayout", () => {
  it("places callers left of callees, one layer per call depth", () => {
    const layout = layeredLayout(serviceGraph(BOOKINFO));
    const x = (id: string) => layout.placed.get(id)!.node.x;
    expect(x("istio-ingressgateway.istio-system")).toBeLessThan(x("productpage.default"));
    expect(x("productpage.default")).toBeLessThan(x("reviews.default"));
    expect(x("reviews.default")).toBe(x("details.default"));
    expect(x("ratings.default")).toBeGreaterThan(x("reviews.default"));
    const reviews = layout.placed.get("reviews.default")!;
    expect([...reviews.versions.keys()]).toEqual(["v1", "v2"]);
    for (const box of reviews.versions.values()) expect(box.y + box.height).toBeLessThanOrEqual(reviews.node.y + reviews.node.height);
    expect(layout.width).toBeGreaterThanOrEqual(x("ratings.default") + reviews.node.width);
  });

  it("survives cycles", () => {
    const layout = layeredLayout(serviceGraph([edge("a-v1", "default", "b", "v1"), edge("b-v1", "default", "a", "v1")]));
    expect(layout.placed.size).toBe(2);
  });

  it("keeps nodes in one column from overlapping", () => {
    const layout = layeredLayout(serviceGraph(BOOKINFO));
    const column = ["details.default", "reviews.default"].map((id) => layout.placed.get(id)!.node).sort((a, b) => a.y - b.y);
    expect(column[0]!.y + column[0]!.height).toBeLessThan(column[1]!.y);
  });
});
