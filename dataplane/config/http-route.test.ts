import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseDocuments, validateResource } from "../../resources/index.ts";
import type { HTTPRoute as GatewayRoute } from "../../resources/http-route.ts";
import { VirtualServiceResource } from "../../resources/virtual-service.ts";
import { rewritePath } from "../traffic/rewrite.ts";
import { compileRouteTable } from "../traffic/route-table.ts";
import { virtualServiceOfHttpRoute } from "./http-route.ts";

const fixture = readFileSync(new URL("../../resources/fixtures/gateway-api.yaml", import.meta.url), "utf8");
const [edge, canary] = parseDocuments(fixture).map((d) => validateResource(d) as GatewayRoute);
const request = (authority: string, path: string, headers: Record<string, string> = {}, method = "GET") => ({
  authority,
  path,
  method,
  headers: new Headers(headers),
});

describe("Gateway API HTTPRoute as a VirtualService", () => {
  it("gives a valid VirtualService bound to the parent Gateway, with its matches and filters", () => {
    const vs = virtualServiceOfHttpRoute(edge!);
    expect(VirtualServiceResource.safeParse(vs).success).toBe(true);
    expect(vs.spec.gateways).toEqual(["default/bookinfo-gateway"]);
    expect(vs.spec.hosts).toEqual(["bookinfo.example"]);
    const route = vs.spec.http![0]!;
    expect(route.match).toEqual([
      { uri: { exact: "/productpage" } },
      { uri: { prefix: "/api/v1/products" } },
      { uri: { regex: "/static/[a-z]+\\.css" }, method: { exact: "GET" } },
    ]);
    expect(route.headers).toEqual({ request: { set: { "x-edge": "isthmus" }, remove: ["x-internal"] } });
    expect(route.route).toEqual([{ destination: { host: "productpage.default" }, weight: 100 }]);
    expect(route.timeout).toBe("10s");

    const table = compileRouteTable([vs], { gateways: ["default/bookinfo-gateway"] });
    expect(table.match(request("bookinfo.example", "/api/v1/products/1"))?.index).toBe(0);
    expect(table.match(request("bookinfo.example", "/static/a.css", {}, "POST"))).toBeUndefined();
    expect(compileRouteTable([vs], { gateways: ["mesh"] }).match(request("bookinfo.example", "/productpage"))).toBeUndefined();
  });

  it("binds Service parents to the mesh, turns relative weights into percentages and mirrors", () => {
    const vs = virtualServiceOfHttpRoute(canary!);
    expect(VirtualServiceResource.safeParse(vs).success).toBe(true);
    expect(vs.spec.gateways).toEqual(["mesh"]);
    expect(vs.spec.hosts).toEqual(["reviews.default"]);
    expect(vs.spec.http![1]!.route!.map((r) => r.weight)).toEqual([90, 10]);
    expect(vs.spec.http![1]!.mirrors).toEqual([{ destination: { host: "details.default" }, percentage: { value: 5 } }]);
    const table = compileRouteTable([vs]);
    expect(table.match(request("reviews", "/reviews/1", { "end-user": "jason" }))?.index).toBe(0);
    expect(table.match(request("reviews", "/reviews/1"))?.index).toBe(1);
  });

  it("translates redirects, rewrites and retries", () => {
    const route = validateResource({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "r", namespace: "shop" },
      spec: {
        parentRefs: [{ name: "edge", namespace: "infra" }],
        rules: [
          { filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301, path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/v2" } } }] },
          {
            filters: [{ type: "URLRewrite", urlRewrite: { hostname: "internal", path: { type: "ReplaceFullPath", replaceFullPath: "/x" } } }],
            backendRefs: [{ name: "a", weight: 1 }, { name: "b", weight: 2 }],
            retry: { codes: [502, 503], attempts: 3, backoff: "50ms" },
            timeouts: { backendRequest: "1s" },
          },
        ],
      },
    }) as GatewayRoute;
    const vs = virtualServiceOfHttpRoute(route);
    expect(VirtualServiceResource.safeParse(vs).success).toBe(true);
    expect(vs.spec.hosts).toEqual(["*"]);
    expect(vs.spec.gateways).toEqual(["infra/edge"]);
    expect(vs.spec.http![0]!.redirect).toEqual({ scheme: "https", redirectCode: 301, prefixRewrite: "/v2" });
    const second = vs.spec.http![1]!;
    expect(second.rewrite).toEqual({ authority: "internal", uriRegexRewrite: { match: ".*", rewrite: "/x" } });
    // ReplaceFullPath replaces the whole path once (RE2 skips the empty match at the end).
    expect(rewritePath("/a/b", second.rewrite, undefined)).toBe("/x");
    expect(second.route!.map((r) => [r.destination.host, r.weight])).toEqual([["a.shop", 33.33], ["b.shop", 66.67]]);
    expect(second.retries).toEqual({ attempts: 3, perTryTimeout: "1s", retryOn: "502,503", backoff: "50ms" });
  });
});
