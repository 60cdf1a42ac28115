import { describe, expect, it } from "vitest";
import { bindingName, parseEndpointAddress } from "./endpoint-address.ts";

describe("parseEndpointAddress", () => {
  it("reads the three endpoint kinds", () => {
    expect(parseEndpointAddress("worker://reviews-v2")).toEqual({ kind: "worker", name: "reviews-v2", binding: "REVIEWS_V2" });
    expect(parseEndpointAddress("https://Reviews.Example.com:8443/")).toEqual({ kind: "origin", url: "https://reviews.example.com:8443" });
    expect(parseEndpointAddress("http://10.0.0.1/base/")).toEqual({ kind: "origin", url: "http://10.0.0.1/base" });
    expect(parseEndpointAddress("dispatch://TENANTS/reviews-acme")).toEqual({ kind: "dispatch", namespaceBinding: "TENANTS", script: "reviews-acme" });
  });

  it("explains what is wrong with anything else", () => {
    expect(parseEndpointAddress("10.0.0.1")).toMatch(/^must be worker:\/\/NAME/);
    expect(parseEndpointAddress("worker://a b")).toMatch(/^must be worker/);
    expect(parseEndpointAddress("dispatch://ns-with-dash/x")).toMatch(/^must be worker/);
    expect(parseEndpointAddress("https://u:p@x.example")).toBe("must not carry credentials");
    expect(parseEndpointAddress("https://x.example/#top")).toBe("must not have a query or fragment");
  });
});

describe("bindingName", () => {
  it("upper-cases and turns non-alphanumerics into _", () => {
    expect(bindingName("reviews-v2")).toBe("REVIEWS_V2");
    expect(bindingName("details_v1")).toBe("DETAILS_V1");
  });
});
