import { describe, expect, it } from "vitest";
import { redirectResponse, rewriteAuthority, rewritePath } from "./rewrite.ts";

describe("rewritePath", () => {
  it("replaces the matched prefix", () => {
    expect(rewritePath("/ratings/1", { uri: "/v1/bookRatings" }, { uri: { prefix: "/ratings" } })).toBe("/v1/bookRatings/1");
    expect(rewritePath("/api/users", { uri: "/" }, { uri: { prefix: "/api/" } })).toBe("/users");
    expect(rewritePath("/api/users", { uri: "/" }, { uri: { prefix: "/api" } })).toBe("/users");
    expect(rewritePath("/API/users", { uri: "/v2" }, { uri: { prefix: "/api" }, ignoreUriCase: true })).toBe("/v2/users");
  });

  it("replaces the whole path after an exact or regex match", () => {
    expect(rewritePath("/login", { uri: "/auth/login" }, { uri: { exact: "/login" } })).toBe("/auth/login");
    expect(rewritePath("/items/42", { uri: "/item" }, { uri: { regex: "/items/[0-9]+" } })).toBe("/item");
  });

  it("treats a route without a uri condition as prefix /", () => {
    expect(rewritePath("/foo", { uri: "/v1/" }, undefined)).toBe("/v1/foo");
    expect(rewritePath("/foo", { uri: "/v1" }, { headers: { a: { exact: "b" } } })).toBe("/v1foo");
  });

  it("uriRegexRewrite replaces every match with RE2-style groups", () => {
    const rewrite = { uriRegexRewrite: { match: "^/service/([^/]+)(/.*)$", rewrite: "\\2/instance/\\1" } };
    expect(rewritePath("/service/foo/v1/api", rewrite, undefined)).toBe("/v1/api/instance/foo");
    expect(rewritePath("/a-b-c", { uriRegexRewrite: { match: "-", rewrite: "/" } }, undefined)).toBe("/a/b/c");
    expect(rewritePath("/price", { uriRegexRewrite: { match: "price", rewrite: "$1cost" } }, undefined)).toBe("/$1cost");
  });

  it("leaves the path alone without rewrite or uri", () => {
    expect(rewritePath("/x", undefined, undefined)).toBe("/x");
    expect(rewritePath("/x", { authority: "a" }, undefined)).toBe("/x");
  });
});

describe("rewriteAuthority", () => {
  it("replaces the authority when set", () => {
    expect(rewriteAuthority("reviews", { authority: "reviews.prod" })).toBe("reviews.prod");
    expect(rewriteAuthority("reviews", undefined)).toBe("reviews");
  });
});

describe("redirectResponse", () => {
  const url = new URL("http://bookinfo.example.com:8080/v1/getProductRatings?id=1");
  const location = (r: Response) => r.headers.get("location");

  it("replaces the whole path with uri, 301 by default, query kept", () => {
    const response = redirectResponse(url, { uri: "/v1/bookRatings", authority: "newratings.default.svc.cluster.local" }, { uri: { exact: "/v1/getProductRatings" } });
    expect(response.status).toBe(301);
    expect(location(response)).toBe("http://newratings.default.svc.cluster.local/v1/bookRatings?id=1");
  });

  it("scheme, port, derivePort, redirectCode, prefixRewrite", () => {
    expect(location(redirectResponse(url, { scheme: "https" }, undefined))).toBe("https://bookinfo.example.com/v1/getProductRatings?id=1");
    expect(location(redirectResponse(url, { scheme: "https", port: 8443 }, undefined))).toBe("https://bookinfo.example.com:8443/v1/getProductRatings?id=1");
    expect(location(redirectResponse(url, { authority: "x.example.com", derivePort: "FROM_REQUEST_PORT" }, undefined))).toBe("http://x.example.com:8080/v1/getProductRatings?id=1");
    expect(location(redirectResponse(url, { uri: "/elsewhere" }, undefined))).toBe("http://bookinfo.example.com:8080/elsewhere?id=1");
    expect(location(redirectResponse(url, { uri: "/new?x=2" }, undefined))).toBe("http://bookinfo.example.com:8080/new?x=2");
    expect(redirectResponse(url, { uri: "/x", redirectCode: 308 }, undefined).status).toBe(308);
    expect(location(redirectResponse(url, { prefixRewrite: "/v2" }, { uri: { prefix: "/v1" } }))).toBe("http://bookinfo.example.com:8080/v2/getProductRatings?id=1");
  });
});
