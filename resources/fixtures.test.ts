import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { analyze, parseDocuments, validateResource, type Resource } from "./index.ts";

const FIXTURES = ["bookinfo-registry.yaml", "bookinfo-routing.yaml", "security.yaml", "gateway-api.yaml"];

function load(file: string): Resource[] {
  const text = readFileSync(new URL(`./fixtures/${file}`, import.meta.url), "utf8");
  return parseDocuments(text).map((doc) => validateResource(doc));
}

describe("fixtures in Istio's format", () => {
  it.each(FIXTURES)("%s loads", (file) => {
    expect(load(file).length).toBeGreaterThan(0);
  });

  it("counts every document of every kind", () => {
    const kinds = FIXTURES.flatMap(load).map((r) => r.kind);
    const count = (kind: string) => kinds.filter((k) => k === kind).length;
    expect([count("ServiceEntry"), count("Gateway"), count("VirtualService"), count("DestinationRule")]).toEqual([4, 1, 5, 4]);
    expect([count("PeerAuthentication"), count("AuthorizationPolicy"), count("RequestAuthentication"), count("HTTPRoute")]).toEqual([2, 6, 1, 2]);
  });

  it("the whole Bookinfo configuration analyzes clean", () => {
    expect(analyze(FIXTURES.flatMap(load))).toEqual([]);
  });

  it("keeps Istio's values: the 90/10 split, jason's header match, the fault", () => {
    const byName = new Map(load("bookinfo-routing.yaml").map((r) => [`${r.kind}/${r.metadata.name}`, r]));
    const reviews = byName.get("VirtualService/reviews");
    if (reviews?.kind !== "VirtualService") throw new Error("reviews VirtualService missing");
    expect(reviews.spec.http?.[0].match?.[0].headers?.["end-user"]).toEqual({ exact: "jason" });
    expect(reviews.spec.http?.[1].route?.map((r) => [r.destination.subset, r.weight])).toEqual([["v1", 90], ["v2", 10]]);
    const ratings = byName.get("VirtualService/ratings");
    if (ratings?.kind !== "VirtualService") throw new Error("ratings VirtualService missing");
    expect(ratings.spec.http?.[0].fault).toEqual({
      delay: { percentage: { value: 100 }, fixedDelay: "7s" },
      abort: { percentage: { value: 50 }, httpStatus: 500 },
    });
    expect(ratings.metadata.namespace).toBe("default");
  });

  it("keeps the dry-run annotation as metadata", () => {
    const policy = load("security.yaml").find((r) => r.metadata.name === "deny-admin");
    expect(policy?.metadata.annotations).toEqual({ "istio.io/dry-run": "true" });
  });
});
