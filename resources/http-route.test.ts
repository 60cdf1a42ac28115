import { describe, expect, it } from "vitest";
import { doc, problemLines } from "./fixtures/documents.ts";

const hr = (rules: unknown[], extra: Record<string, unknown> = {}) => problemLines(doc("HTTPRoute", { parentRefs: [{ name: "edge" }], rules, ...extra }));
const filter = (f: unknown) => hr([{ filters: [f], backendRefs: [{ name: "reviews", port: 9080 }] }]);

describe("HTTPRoute (Gateway API)", () => {
  it("accepts matches, every filter type, weights and timeouts", () => {
    expect(
      hr(
        [
          {
            name: "edge",
            matches: [
              { path: { type: "Exact", value: "/productpage" } },
              { path: { type: "PathPrefix", value: "/api" }, method: "POST", headers: [{ name: "end-user", value: "jason" }] },
              { path: { type: "RegularExpression", value: "/reviews/\\d+" }, queryParams: [{ type: "RegularExpression", name: "v", value: "[0-9]+" }] },
            ],
            filters: [
              { type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "a", value: "1" }], add: [{ name: "b", value: "2" }], remove: ["c"] } },
              { type: "ResponseHeaderModifier", responseHeaderModifier: { remove: ["server"] } },
              { type: "URLRewrite", urlRewrite: { hostname: "internal", path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/v2" } } },
              { type: "RequestMirror", requestMirror: { backendRef: { name: "reviews-shadow", port: 9080 }, fraction: { numerator: 1, denominator: 1000 } } },
            ],
            backendRefs: [
              { name: "reviews-v1", port: 9080, weight: 90 },
              { name: "reviews-v2", namespace: "canary", port: 9080, weight: 10 },
            ],
            timeouts: { request: "10s", backendRequest: "2s" },
            retry: { codes: [503], attempts: 2, backoff: "100ms" },
          },
          { filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", hostname: "b.example", statusCode: 301, path: { type: "ReplaceFullPath", replaceFullPath: "/" } } }] },
        ],
        { hostnames: ["bookinfo.example"], parentRefs: [{ group: "", kind: "Service", name: "reviews", port: 9080 }, { name: "edge", namespace: "istio-system" }] },
      ),
    ).toEqual([]);
  });

  it("refuses what a route cannot mean here, by name", () => {
    expect(hr([{ backendRefs: [{ name: "a", filters: [] }] }])[0]).toMatch(/^spec.rules\[0\].backendRefs\[0\].filters: unsupported field "filters"/);
    expect(hr([{ backendRefs: [{ name: "a", kind: "ServiceImport" }] }])).toEqual(["spec.rules[0].backendRefs[0].kind: backends are Services: kind must be Service"]);
    expect(hr([], { parentRefs: [{ name: "edge", sectionName: "http" }] })[0]).toMatch(/^spec.parentRefs\[0\].sectionName: unsupported field/);
    expect(hr([], { parentRefs: [{ name: "edge", kind: "Mesh" }] })[0]).toMatch(/^spec.parentRefs\[0\].kind: must be Gateway/);
  });

  it("checks path matches", () => {
    expect(hr([{ matches: [{ path: { type: "Exact", value: "productpage" } }] }])).toEqual(['spec.rules[0].matches[0].path.value: must start with "/"']);
    expect(hr([{ matches: [{ path: { type: "Glob", value: "/*" } }] }])[0]).toMatch(/^spec.rules\[0\].matches\[0\].path.type: Invalid option/);
    expect(hr([{ matches: [{ path: { type: "RegularExpression", value: "/(?<=a)b" } }] }])[0]).toMatch(
      /^spec.rules\[0\].matches\[0\].path.value: invalid regex .*lookbehind/,
    );
    expect(hr([{ matches: [{ headers: [{ type: "RegularExpression", name: "h", value: "(" }] }] }])[0]).toMatch(
      /^spec.rules\[0\].matches\[0\].headers\[0\].value: invalid regex/,
    );
    expect(hr([{ matches: [{ method: "FETCH" }] }])[0]).toMatch(/^spec.rules\[0\].matches\[0\].method: Invalid option/);
  });

  it("checks that a filter carries exactly the field its type names", () => {
    expect(filter({ type: "RequestHeaderModifier" })).toEqual(["spec.rules[0].filters[0].requestHeaderModifier: is required for type RequestHeaderModifier"]);
    expect(filter({ type: "URLRewrite", urlRewrite: {}, requestHeaderModifier: {} })).toEqual([
      "spec.rules[0].filters[0].requestHeaderModifier: is only allowed with type RequestHeaderModifier",
    ]);
    expect(filter({ type: "ExtensionRef", extensionRef: { name: "x" } })).toContain(
      "spec.rules[0].filters[0].type: must be one of RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect, URLRewrite, RequestMirror",
    );
    expect(filter({ type: "URLRewrite", urlRewrite: { path: { type: "ReplaceFullPath", replacePrefixMatch: "/" } } })).toEqual([
      "spec.rules[0].filters[0].urlRewrite.path: set exactly the field named by type (replaceFullPath or replacePrefixMatch)",
    ]);
    expect(filter({ type: "RequestRedirect", requestRedirect: { statusCode: 304 } })).toEqual([
      "spec.rules[0].filters[0].requestRedirect.statusCode: must be 301, 302, 303, 307 or 308",
    ]);
    expect(filter({ type: "RequestMirror", requestMirror: { backendRef: { name: "a" }, percent: 5, fraction: { numerator: 1 } } })).toEqual([
      "spec.rules[0].filters[0].requestMirror: set at most one of percent, fraction",
    ]);
    expect(filter({ type: "RequestMirror", requestMirror: { backendRef: { name: "a" }, fraction: { numerator: 5, denominator: 4 } } })).toEqual([
      "spec.rules[0].filters[0].requestMirror.fraction: numerator must not exceed denominator",
    ]);
  });

  it("checks backends, weights and timeouts; refuses session persistence", () => {
    expect(hr([{ backendRefs: [{ port: 9080 }] }])).toEqual(["spec.rules[0].backendRefs[0].name: is required"]);
    expect(hr([{ backendRefs: [{ name: "a", weight: 1_000_001 }] }])).toEqual(["spec.rules[0].backendRefs[0].weight: must be 0..1000000"]);
    expect(hr([{ backendRefs: [{ name: "a", port: 0 }] }])).toEqual(["spec.rules[0].backendRefs[0].port: must be a port number 1..65535"]);
    expect(hr([{ timeouts: { request: "10" } }])[0]).toMatch(/^spec.rules\[0\].timeouts.request: must be a duration/);
    expect(hr([{ sessionPersistence: { type: "Cookie" } }])[0]).toMatch(/^spec.rules\[0\].sessionPersistence: unsupported field "sessionPersistence"/);
    expect(hr([], { parentRefs: [{ namespace: "x" }] })).toEqual(["spec.parentRefs[0].name: is required"]);
  });
});
