import { describe, expect, it } from "vitest";
import type { HTTPRoute, VirtualService } from "../../resources/virtual-service.ts";
import { seededRandom } from "./random.ts";
import { compileRouteTable, regexLiteralPrefix, type MatchStats, type RouteRequest } from "./route-table.ts";

function vs(name: string, spec: VirtualService["spec"], metadata: Partial<VirtualService["metadata"]> = {}): VirtualService {
  return { apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name, namespace: "default", ...metadata }, spec };
}

function req(over: Partial<Omit<RouteRequest, "headers">> & { headers?: Record<string, string> } = {}): RouteRequest {
  return { path: "/", method: "GET", authority: "reviews", ...over, headers: new Headers(over.headers ?? {}) };
}

const to = (subset: string) => [{ destination: { host: "reviews", subset } }];

describe("RouteTable: Istio match semantics", () => {
  const bookinfo = vs("reviews", {
    hosts: ["reviews"],
    http: [
      { name: "jason", match: [{ headers: { "end-user": { exact: "jason" } } }], route: to("v2") },
      { name: "default", route: to("v1") },
    ],
  });

  it("routes jason to v2 and everyone else to v1 (Bookinfo's task)", () => {
    const table = compileRouteTable([bookinfo]);
    const jason = table.match(req({ headers: { "end-user": "jason" } }))!;
    expect(jason).toMatchObject({ index: 0, name: "jason", virtualService: { name: "reviews", namespace: "default" } });
    expect(jason.route.route![0]!.destination.subset).toBe("v2");
    expect(table.match(req({ headers: { "end-user": "alice" } }))).toMatchObject({ index: 1, name: "default" });
    expect(table.match(req())).toMatchObject({ index: 1 });
  });

  it("ANDs conditions within a block and ORs blocks", () => {
    const table = compileRouteTable([
      vs("r", {
        hosts: ["reviews"],
        http: [
          {
            match: [
              { name: "a", uri: { prefix: "/api" }, method: { exact: "POST" } },
              { name: "b", headers: { "x-canary": { exact: "1" } } },
            ],
            route: to("v2"),
          },
          { route: to("v1") },
        ],
      }),
    ]);
    expect(table.match(req({ path: "/api/x", method: "POST" }))).toMatchObject({ index: 0, matchName: "a" });
    expect(table.match(req({ path: "/api/x", method: "GET" }))).toMatchObject({ index: 1 });
    expect(table.match(req({ path: "/other", method: "POST" }))).toMatchObject({ index: 1 });
    const byHeader = table.match(req({ path: "/api/x", headers: { "x-canary": "1" } }))!;
    expect(byHeader).toMatchObject({ index: 0, matchName: "b" });
    expect(byHeader.block).toEqual({ name: "b", headers: { "x-canary": { exact: "1" } } });
    expect(table.match(req({ path: "/other" }))!.block).toBeUndefined();
  });

  it("the first matching route wins, even over a more specific later one", () => {
    const table = compileRouteTable([
      vs("r", { hosts: ["reviews"], http: [{ match: [{ uri: { prefix: "/" } }], route: to("v1") }, { match: [{ uri: { exact: "/a" } }], route: to("v2") }] }),
    ]);
    expect(table.match(req({ path: "/a" }))).toMatchObject({ index: 0 });
  });

  it("uri exact, prefix, full-match regex and ignoreUriCase", () => {
    const table = compileRouteTable([
      vs("r", {
        hosts: ["reviews"],
        http: [
          { match: [{ uri: { exact: "/exact" } }], route: to("e") },
          { match: [{ uri: { regex: "/api/v1/products/[0-9]+/reviews" } }], route: to("re") },
          { match: [{ uri: { prefix: "/Static" }, ignoreUriCase: true }], route: to("ci") },
          { match: [{ uri: { exact: "/Login" }, ignoreUriCase: true }], route: to("ci-exact") },
          { match: [{ uri: { prefix: "/p" } }], route: to("p") },
        ],
      }),
    ]);
    const subset = (path: string) => table.match(req({ path }))?.route.route?.[0]!.destination.subset;
    expect(subset("/exact")).toBe("e");
    expect(subset("/exact/")).toBeUndefined();
    expect(subset("/api/v1/products/12/reviews")).toBe("re");
    expect(subset("/api/v1/products/12/reviews/x")).toBeUndefined();
    expect(subset("/api/v1/products/x/reviews")).toBeUndefined();
    expect(subset("/STATIC/app.js")).toBe("ci");
    expect(subset("/static")).toBe("ci");
    expect(subset("/LOGIN")).toBe("ci-exact");
    expect(subset("/login/x")).toBeUndefined();
    expect(subset("/products")).toBe("p");
    expect(subset("/P")).toBeUndefined();
  });

  it("headers exact/prefix/regex/present, withoutHeaders, queryParams exact/regex/present", () => {
    const table = compileRouteTable([
      vs("r", {
        hosts: ["reviews"],
        http: [
          { match: [{ headers: { "X-Exact": { exact: "a" } } }], route: to("exact") },
          { match: [{ headers: { "x-prefix": { prefix: "be" } } }], route: to("prefix") },
          { match: [{ headers: { "x-regex": { regex: "v[0-9]" } } }], route: to("regex") },
          { match: [{ headers: { "x-present": {} } }], route: to("present") },
          { match: [{ uri: { prefix: "/w" }, withoutHeaders: { "x-debug": {} } }], route: to("without") },
          { match: [{ queryParams: { v: { exact: "2" } } }], route: to("q-exact") },
          { match: [{ queryParams: { id: { regex: "[0-9]+" } } }], route: to("q-regex") },
          { match: [{ queryParams: { flag: { exact: "" } } }], route: to("q-present") },
        ],
      }),
    ]);
    const subset = (r: Parameters<typeof req>[0]) => table.match(req(r))?.route.route?.[0]!.destination.subset;
    expect(subset({ headers: { "x-exact": "a" } })).toBe("exact");
    expect(subset({ headers: { "x-exact": "ab" } })).toBeUndefined();
    expect(subset({ headers: { "x-prefix": "beta" } })).toBe("prefix");
    expect(subset({ headers: { "x-regex": "v1" } })).toBe("regex");
    expect(subset({ headers: { "x-regex": "v10" } })).toBeUndefined();
    expect(subset({ headers: { "x-present": "" } })).toBe("present");
    expect(subset({ path: "/w" })).toBe("without");
    expect(subset({ path: "/w", headers: { "x-debug": "1" } })).toBeUndefined();
    expect(subset({ query: "v=2" })).toBe("q-exact");
    expect(subset({ query: "v=3" })).toBeUndefined();
    expect(subset({ query: new URLSearchParams("id=42") })).toBe("q-regex");
    expect(subset({ query: "id=4x" })).toBeUndefined();
    expect(subset({ query: "flag" })).toBe("q-present");
    expect(subset({ query: "flag=yes" })).toBe("q-present");
  });

  it("method, authority, scheme, port, sourceLabels and sourceNamespace", () => {
    const table = compileRouteTable([
      vs("r", {
        hosts: ["reviews"],
        http: [
          { match: [{ method: { regex: "PUT|PATCH" } }], route: to("write") },
          { match: [{ authority: { prefix: "reviews.default" } }], route: to("authority") },
          { match: [{ scheme: { exact: "https" } }], route: to("https") },
          { match: [{ port: 9080 }], route: to("port") },
          { match: [{ sourceLabels: { app: "productpage", version: "v1" } }], route: to("labels") },
          { match: [{ sourceNamespace: "frontend" }], route: to("ns") },
        ],
      }),
    ]);
    const subset = (r: Parameters<typeof req>[0]) => table.match(req(r))?.route.route?.[0]!.destination.subset;
    expect(subset({ method: "PATCH" })).toBe("write");
    expect(subset({ authority: "reviews.default:9080" })).toBe("authority");
    expect(subset({ scheme: "https" })).toBe("https");
    expect(subset({ port: 9080 })).toBe("port");
    expect(subset({ source: { labels: { app: "productpage", version: "v1", extra: "x" } } })).toBe("labels");
    expect(subset({ source: { labels: { app: "productpage" } } })).toBeUndefined();
    expect(subset({ source: { namespace: "frontend" } })).toBe("ns");
    expect(subset({})).toBeUndefined();
  });
});

describe("RouteTable: gateways and hosts", () => {
  const gatewayVs = vs("bookinfo", {
    hosts: ["*"],
    gateways: ["bookinfo-gateway"],
    http: [
      { match: [{ uri: { exact: "/productpage" } }, { uri: { prefix: "/static" } }], route: [{ destination: { host: "productpage" } }] },
      { match: [{ uri: { prefix: "/both" }, gateways: ["mesh", "bookinfo-gateway"] }], route: [{ destination: { host: "both" } }] },
      { match: [{ uri: { prefix: "/mesh-only" }, gateways: ["mesh"] }], route: [{ destination: { host: "m" } }] },
    ],
  });

  it("binds VirtualServices to their gateways (mesh by default), block gateways override", () => {
    const mesh = compileRouteTable([gatewayVs]);
    const edge = compileRouteTable([gatewayVs], { gateways: ["default/bookinfo-gateway"] });
    expect(edge.match(req({ authority: "bookinfo.example.com", path: "/productpage" }))).toMatchObject({ index: 0 });
    expect(edge.match(req({ authority: "x", path: "/both/1" }))).toMatchObject({ index: 1 });
    expect(edge.match(req({ authority: "x", path: "/mesh-only" }))).toBeUndefined();
    expect(mesh.match(req({ authority: "x", path: "/productpage" }))).toBeUndefined();
    expect(mesh.match(req({ authority: "x", path: "/both" }))).toMatchObject({ index: 1 });
    expect(mesh.match(req({ authority: "x", path: "/mesh-only" }))).toMatchObject({ index: 2 });
    expect(compileRouteTable([gatewayVs], { gateways: ["istio-system/bookinfo-gateway"] }).match(req({ path: "/productpage" }))).toBeUndefined();
  });

  it("reads short names in the client's namespace and ignores port and case (CVE-2021-39155)", () => {
    const table = compileRouteTable([vs("reviews", { hosts: ["reviews"], http: [{ route: to("v1") }] })]);
    for (const host of ["reviews", "reviews:9080", "reviews.default", "REVIEWS.Default.svc", "reviews.default.svc.cluster.local", "reviews.default.svc.cluster.local."]) {
      expect(table.lookup(host), host).toBeDefined();
    }
    expect(table.lookup("reviews", "other")).toBeUndefined();
    expect(table.lookup("reviews.default", "other")).toBeDefined();
    expect(table.lookup("ratings")).toBeUndefined();
  });

  it("prefers exact hosts, then the longest wildcard, then *", () => {
    const table = compileRouteTable(
      [
        vs("any", { hosts: ["*"], http: [{ route: to("any") }] }),
        vs("wide", { hosts: ["*.example.com"], http: [{ route: to("wide") }] }),
        vs("narrow", { hosts: ["*.api.example.com"], http: [{ route: to("narrow") }] }),
        vs("exact", { hosts: ["shop.api.example.com"], http: [{ route: to("exact") }] }),
      ],
      { gateways: ["mesh"] },
    );
    const subset = (host: string) => table.match(req({ authority: host }))?.route.route?.[0]!.destination.subset;
    expect(subset("shop.api.example.com")).toBe("exact");
    expect(subset("Shop.API.example.com:443")).toBe("exact");
    expect(subset("cart.api.example.com")).toBe("narrow");
    expect(subset("www.example.com")).toBe("wide");
    expect(subset("example.com")).toBe("any");
    expect(subset("[::1]:8080")).toBe("any");
  });

  it("honours exportTo", () => {
    const table = compileRouteTable([vs("private", { hosts: ["reviews.default.svc.cluster.local"], exportTo: ["."], http: [{ route: to("v1") }] })]);
    expect(table.lookup("reviews.default", "default")).toBeDefined();
    expect(table.lookup("reviews.default", "other")).toBeUndefined();
  });

  it("merges VirtualServices for one host, oldest first", () => {
    const table = compileRouteTable([
      vs("newer", { hosts: ["reviews"], http: [{ match: [{ uri: { prefix: "/" } }], route: to("newer") }] }, { creationTimestamp: "2026-01-02T00:00:00Z" }),
      vs("older", { hosts: ["reviews"], http: [{ match: [{ uri: { prefix: "/a" } }], route: to("older") }] }, { creationTimestamp: "2026-01-01T00:00:00Z" }),
    ]);
    expect(table.match(req({ path: "/a" }))).toMatchObject({ virtualService: { name: "older" }, order: 0 });
    expect(table.match(req({ path: "/b" }))).toMatchObject({ virtualService: { name: "newer" }, order: 1 });
  });
});

describe("regexLiteralPrefix", () => {
  it.each([
    ["/api/v1/products/[0-9]+/reviews", "/api/v1/products/"],
    ["/ratings/.*", "/ratings/"],
    ["^/x/y", "/x/y"],
    ["/a\\.b/c+", "/a.b/c"],
    ["/ab?c", "/a"],
    ["/ab*", "/a"],
    ["/ab{2}", "/a"],
    ["/(a|b)/x", "/"],
    ["/a|/b", ""],
    ["(?i)/abc", ""],
    ["\\d+", ""],
    ["[/]abc", ""],
    ["/api(?i)/x", "/api"],
    ["/a\\Q.*\\E", "/a"],
    ["/n\\pN+", "/n"],
    ["/[[:digit:]]+", "/"],
    ["/a{,2}", "/"],
    ["/x😀*", "/x"],
    ["/x😀+", "/x😀"],
    ["/x]y", "/x"],
    ["^/ab+", "/ab"],
    ["/a\\/b\\.c?", "/a/b."],
  ])("%s -> %j", (pattern, prefix) => {
    expect(regexLiteralPrefix(pattern)).toBe(prefix);
  });
});

describe("RouteTable: scale", () => {
  const random = seededRandom(20260426);
  const segments = ["api", "v1", "v2", "products", "reviews", "ratings", "details", "static", "users", "orders"];
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const pathOf = () => "/" + Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(segments)).join("/") + "/" + Math.floor(random() * 40);

  // 1,000 routes: exact paths, prefixes, regexes with literal prefixes, header-gated routes.
  const http: HTTPRoute[] = Array.from({ length: 1000 }, (_, i) => {
    const kind = i % 4;
    const path = pathOf();
    const uri = kind === 0 ? { exact: path } : kind === 1 ? { prefix: path } : kind === 2 ? { regex: `${path}/[0-9]+` } : { prefix: path };
    const match = kind === 3 ? [{ uri, headers: { "x-tenant": { exact: `t${i % 7}` } } }] : [{ uri }];
    return { name: `r${i}`, match, route: to(`s${i}`) };
  });
  const table = compileRouteTable([vs("big", { hosts: ["reviews"], http })]);

  /** The plain reading of Istio's rules: test every route in order. */
  function linear(request: RouteRequest): number | undefined {
    for (let i = 0; i < http.length; i++) {
      for (const block of http[i]!.match!) {
        const uri = block.uri!;
        const uriOk =
          uri.exact !== undefined ? request.path === uri.exact : uri.prefix !== undefined ? request.path.startsWith(uri.prefix) : new RegExp(`^(?:${uri.regex})$`).test(request.path);
        const headersOk = Object.entries(block.headers ?? {}).every(([k, m]) => request.headers.get(k) === m.exact);
        if (uriOk && headersOk) return i;
      }
    }
    return undefined;
  }

  it("agrees with a linear scan on 3,000 random requests while examining a handful of routes", () => {
    let matched = 0;
    let maxExamined = 0;
    let totalExamined = 0;
    for (let n = 0; n < 3000; n++) {
      const base = n % 3 === 0 ? pick(http).match![0]!.uri!.exact ?? pick(http).match![0]!.uri!.prefix ?? pathOf() : pathOf();
      const path = n % 2 === 0 ? `${base}/${Math.floor(random() * 50)}` : base;
      const request = req({ path, headers: { "x-tenant": `t${Math.floor(random() * 7)}` } });
      const stats: MatchStats = { examined: 0 };
      const found = table.match(request, "default", stats);
      expect(found?.index, path).toBe(linear(request));
      if (found) matched++;
      maxExamined = Math.max(maxExamined, stats.examined);
      totalExamined += stats.examined;
    }
    expect(matched).toBeGreaterThan(300);
    expect(totalExamined / 3000).toBeLessThan(10);
    expect(maxExamined).toBeLessThan(50);
  });

  it("examines one route for an exact path among 1,000", () => {
    const exactRoutes = http.filter((r) => r.match![0]!.uri!.exact !== undefined);
    const unique = exactRoutes.find((r) => !http.some((o) => o !== r && (o.match![0]!.uri!.prefix !== undefined || o.match![0]!.uri!.regex !== undefined) && r.match![0]!.uri!.exact!.startsWith(o.match![0]!.uri!.prefix ?? "\u0000")));
    const stats: MatchStats = { examined: 0 };
    const found = table.match(req({ path: unique!.match![0]!.uri!.exact! }), "default", stats);
    expect(found?.name).toBeDefined();
    expect(stats.examined).toBeLessThanOrEqual(3);
  });

  it("examines nothing for a path no route can match", () => {
    const stats: MatchStats = { examined: 0 };
    expect(table.match(req({ path: "/nothing/here" }), "default", stats)).toBeUndefined();
    expect(stats.examined).toBe(0);
  });
});

describe("RouteTable: merged candidates", () => {
  it("keeps VirtualService order when exact, prefix and case-insensitive routes all apply, request after request", () => {
    const table = compileRouteTable([
      vs("r", {
        hosts: ["reviews"],
        http: [
          { name: "tenant", match: [{ uri: { prefix: "/api/" }, headers: { "x-tenant": { exact: "a" } } }], route: to("v3") },
          { name: "any-case", match: [{ uri: { prefix: "/API/V1/" }, ignoreUriCase: true, headers: { "x-tenant": { exact: "b" } } }], route: to("v2") },
          { name: "exact", match: [{ uri: { exact: "/api/v1/x" } }], route: to("v1") },
          { name: "prefix", match: [{ uri: { prefix: "/api/v1/" } }], route: to("v1") },
        ],
      }),
    ]);
    for (let round = 0; round < 3; round++) {
      expect(table.match(req({ path: "/api/v1/x", headers: { "x-tenant": "a" } }))?.name).toBe("tenant");
      expect(table.match(req({ path: "/api/v1/x", headers: { "x-tenant": "b" } }))?.name).toBe("any-case");
      expect(table.match(req({ path: "/api/v1/x" }))?.name).toBe("exact");
      expect(table.match(req({ path: "/api/v1/y" }))?.name).toBe("prefix");
      expect(table.match(req({ path: "/Api/V1/y", headers: { "x-tenant": "b" } }))?.name).toBe("any-case");
      expect(table.match(req({ path: "/Api/V1/y" }))).toBeUndefined();
    }
  });
});
