import { describe, expect, it } from "vitest";
import { canonicalHost, hostMatches, meshServiceOf } from "./hosts.ts";

describe("canonicalHost", () => {
  it("gives one spelling for every way of naming a mesh service", () => {
    const full = "reviews.default.svc.cluster.local";
    for (const host of ["reviews", "reviews.default", "reviews.default.svc", full, "Reviews.Default", `${full}.`, " reviews "]) {
      expect(canonicalHost(host, "default"), host).toBe(full);
    }
    expect(canonicalHost("reviews", "shop")).toBe("reviews.shop.svc.cluster.local");
    expect(canonicalHost("reviews.default", "shop")).toBe(full);
  });

  it("keeps external names and wildcards as they are", () => {
    expect(canonicalHost("www.googleapis.com", "default")).toBe("www.googleapis.com");
    expect(canonicalHost("*", "default")).toBe("*");
    expect(canonicalHost("*.Example.com", "default")).toBe("*.example.com");
  });

  it("takes another cluster domain", () => {
    expect(canonicalHost("reviews", "default", "mesh.internal")).toBe("reviews.default.svc.mesh.internal");
  });
});

describe("meshServiceOf", () => {
  it("reads the service and namespace from a canonical host", () => {
    expect(meshServiceOf("reviews.default.svc.cluster.local")).toEqual({ service: "reviews", namespace: "default" });
    expect(meshServiceOf("www.googleapis.com")).toBeNull();
    expect(meshServiceOf("a.b.c.svc.cluster.local")).toBeNull();
  });
});

describe("hostMatches", () => {
  it("matches exact hosts, *.suffix wildcards and *", () => {
    expect(hostMatches("*", "anything")).toBe(true);
    expect(hostMatches("*.example.com", "api.example.com")).toBe(true);
    expect(hostMatches("*.example.com", "a.b.example.com")).toBe(true);
    expect(hostMatches("*.example.com", "example.com")).toBe(false);
    expect(hostMatches("a.example.com", "a.example.com")).toBe(true);
    expect(hostMatches("a.example.com", "b.example.com")).toBe(false);
  });
});
