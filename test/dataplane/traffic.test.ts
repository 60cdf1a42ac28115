// Traffic management through real Workers: control plane, gateway, meshed echo services
// and one behind the standalone sidecar, joined by service bindings; config applied
// through the REST API, requests through the gateway.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestMesh, type TestMesh } from "../harness/data-plane.ts";
import { BASE_CONFIG, ECHOES } from "./mesh-config.ts";
import { EDGE_ROUTES, canaryRoutes, stickyRoutes } from "./routes.ts";

const REFRESH_MS = 250;
let mesh: TestMesh;
// A service outside Workers, reached as an http:// origin endpoint.
let origin: Server;

beforeAll(async () => {
  origin = createServer((request, response) => {
    response.setHeader("content-type", "application/json");
    response.setHeader("x-pod", "origin");
    response.end(JSON.stringify({ url: request.url }));
  });
  await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", resolve));
  const port = (origin.address() as { port: number }).port;
  mesh = await startTestMesh({ echoes: ECHOES, refreshMs: REFRESH_MS });
  await mesh.apply(BASE_CONFIG);
  await mesh.apply(EDGE_ROUTES);
  await mesh.apply(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: legacy, annotations: { isthmus.io/allow-private-addresses: "true" } }
spec:
  hosts: [legacy.example.internal]
  location: MESH_EXTERNAL
  resolution: STATIC
  endpoints: [{ address: "http://127.0.0.1:${port}/legacy" }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: legacy-edge }
spec:
  hosts: [origin.test]
  gateways: [test-gateway]
  http:
  - route: [{ destination: { host: legacy.example.internal } }]
`);
  await mesh.settle(await mesh.snapshotVersion());
});

afterAll(async () => {
  await mesh?.dispose();
  await new Promise((resolve) => origin?.close(resolve));
});

async function json(response: Response): Promise<any> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`not JSON (${response.status}): ${text}`);
  }
}

/** Which pod answered, for `count` requests sent `concurrency` at a time. */
async function tally(count: number, request: (i: number) => Promise<Response>, concurrency = 16): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const response = await request(i);
        await response.arrayBuffer();
        const pod = response.headers.get("x-pod") ?? `status-${response.status}`;
        seen[pod] = (seen[pod] ?? 0) + 1;
      }
    }),
  );
  return seen;
}

async function hits(worker: string, path: string): Promise<number> {
  const body = await json(await mesh.worker(worker, "/hits", { headers: await mesh.credentials(worker) }));
  return body.hits[path] ?? 0;
}

describe("weighted split", () => {
  it("keeps every destination within ±1 pp of its (fractional) weight over 10,000 requests", async () => {
    const seen = await tally(10_000, () => mesh.gateway("/split/x"), 32);
    const share = (pod: string) => (100 * (seen[pod] ?? 0)) / 10_000;
    expect(Object.keys(seen).sort()).toEqual(["back-v1", "back-v2", "back-v3"]);
    expect(Math.abs(share("back-v1") - 70.5)).toBeLessThanOrEqual(1);
    expect(Math.abs(share("back-v2") - 20)).toBeLessThanOrEqual(1);
    expect(Math.abs(share("back-v3") - 9.5)).toBeLessThanOrEqual(1);
  });

  const users = Array.from({ length: 400 }, (_, i) => `user-${i}`);

  /** The pods each user landed on over `rounds` requests each. */
  async function stickyPods(rounds: number): Promise<Map<string, Set<string>>> {
    const perUser = new Map<string, Set<string>>();
    await tally(users.length * rounds, async (i) => {
      const user = users[i % users.length]!;
      const response = await mesh.gateway("/sticky/x", { headers: { "end-user": user } });
      const pods = perUser.get(user) ?? new Set();
      pods.add(response.headers.get("x-pod") ?? String(response.status));
      perUser.set(user, pods);
      return response;
    });
    return perUser;
  }

  it("sends 100 % of one user's requests to the same subset while the weights hold across users", async () => {
    const perUser = await stickyPods(5);
    const flipped = [...perUser.values()].filter((pods) => pods.size !== 1);
    expect(flipped).toEqual([]);
    const onCanary = [...perUser.values()].filter((pods) => pods.has("back-v3")).length;
    // 400 users, p = 0.2: sd = 2 pp; allow 4 sd.
    expect(Math.abs((100 * onCanary) / users.length - 20)).toBeLessThanOrEqual(8);
  });

  it("generates the hash cookie a new client lacks (httpCookie ttl), and the cookie keeps it on one subset", async () => {
    await mesh.apply(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: cookie-edge }
spec:
  hosts: [cookie.test]
  gateways: [test-gateway]
  http:
  - stickyHash: { httpCookie: { name: canary, ttl: 600s, path: / } }
    route:
    - { destination: { host: back, subset: v1 }, weight: 50 }
    - { destination: { host: back, subset: v3 }, weight: 50 }
`);
    await mesh.settle(await mesh.snapshotVersion());
    for (let client = 0; client < 6; client++) {
      const first = await mesh.gateway("/x", { host: "cookie.test:8080" });
      await first.arrayBuffer();
      const setCookie = first.headers.get("set-cookie") ?? "";
      expect(setCookie).toMatch(/^canary="[0-9a-f]+"; Max-Age=600; Path=\/; HttpOnly$/);
      const cookie = setCookie.split(";")[0]!;
      const seen = await tally(8, () => mesh.gateway("/x", { host: "cookie.test:8080", headers: { cookie } }), 4);
      expect(Object.keys(seen)).toEqual([first.headers.get("x-pod")]);
    }
  });

  it("moves only the users that must move when the sticky weights change", async () => {
    const before = await stickyPods(1);
    await mesh.apply(stickyRoutes(60, 40));
    await mesh.settle(await mesh.snapshotVersion());
    const after = await stickyPods(1);
    const pod = (pods: Map<string, Set<string>>, user: string) => [...pods.get(user)!][0];
    const moved = users.filter((user) => pod(before, user) !== pod(after, user));
    // Every move goes to the canary, none leaves it; about 20 % of users move.
    expect(moved.every((user) => pod(before, user) === "back-v1" && pod(after, user) === "back-v3")).toBe(true);
    expect(Math.abs((100 * moved.length) / users.length - 20)).toBeLessThanOrEqual(8);
    await mesh.apply(stickyRoutes(80, 20));
  });

  it("applies weights changed through the API within 2 × refresh", async () => {
    const before = await tally(20, () => mesh.gateway("/canary/x"));
    expect(before).toEqual({ "back-v1": 20 });
    await mesh.apply(canaryRoutes(0, 100));
    const written = Date.now();
    let switchedAfter = -1;
    while (Date.now() - written < 5_000) {
      const response = await mesh.gateway("/canary/x");
      await response.arrayBuffer();
      if (response.headers.get("x-pod") === "back-v2") {
        switchedAfter = Date.now() - written;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(switchedAfter).toBeGreaterThanOrEqual(0);
    expect(switchedAfter).toBeLessThanOrEqual(2 * REFRESH_MS);
    expect(await tally(20, () => mesh.gateway("/canary/x"))).toEqual({ "back-v2": 20 });
  });
});

describe("resilience", () => {
  it("retries recover a flaky endpoint; without retries the failure shows", async () => {
    const recovered = await mesh.gateway("/retry/flaky?key=r1&fail=3");
    expect(recovered.status).toBe(200);
    expect((await json(recovered)).path).toBe("/flaky");
    const failed = await mesh.gateway("/noretry/flaky?key=r2&fail=1");
    expect(failed.status).toBe(503);
    await failed.arrayBuffer();
  });

  it("replays a buffered request body on retry, and sends a body past the buffer limit once", async () => {
    const small = "x".repeat(10_000);
    const replayed = await mesh.gateway("/retry/flaky?key=body-small&fail=1", { method: "POST", body: small });
    const echoed = await json(replayed);
    expect(replayed.status).toBe(200);
    expect(echoed.body).toBe(small);

    const large = "y".repeat(100_000);
    const once = await mesh.gateway("/retry/flaky?key=body-large&fail=1", { method: "POST", body: large });
    await once.arrayBuffer();
    expect(once.status).toBe(503);
    const second = await json(await mesh.gateway("/retry/flaky?key=body-large&fail=1", { method: "POST", body: large }));
    expect(second.body.length).toBe(large.length);
  });

  it("the retry budget stops a retry storm against a failing destination", async () => {
    const before = await hits("storm-v1", "/status/500");
    const requests = 100;
    const seen = await tally(requests, () => mesh.gateway("/storm/status/500"), 4);
    expect(seen).toEqual({ "storm-v1": requests });
    const upstream = (await hits("storm-v1", "/status/500")) - before;
    // Without a budget: 6 attempts each (600). Budget: 10 % of requests + 1/s over 10 s.
    expect(upstream).toBeGreaterThanOrEqual(requests);
    expect(upstream).toBeLessThanOrEqual(requests + 0.1 * requests + 10 + 2);
  });

  it("ejects an endpoint after consecutive 5xx and lets it back after baseEjectionTime", async () => {
    // Round robin over a healthy (pool-a) and a broken (pool-b, always 503) endpoint.
    const first = await tally(20, () => mesh.gateway("/outlier/x"), 1);
    expect(first["pool-b"]).toBe(2);
    const settled = await tally(10, () => mesh.gateway("/outlier/x"), 1);
    expect(settled).toEqual({ "pool-a": 10 });
    await new Promise((resolve) => setTimeout(resolve, 2_300));
    const back = await tally(6, () => mesh.gateway("/outlier/x"), 1);
    expect(back["pool-b"] ?? 0).toBeGreaterThan(0);
  });

  it("circuit breaking refuses requests past http2MaxRequests in flight with 503 UO", async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => mesh.gateway("/limited/slow?ms=600")));
    const statuses = answers.map((response) => response.status).sort();
    const refused = answers.filter((response) => response.status === 503);
    expect(statuses).toEqual([200, 200, 503, 503, 503, 503]);
    for (const response of refused) expect((await json(response)).error).toMatchObject({ code: "overflow", flags: "UO" });
    // Once they finished, the destination takes requests again.
    expect((await mesh.gateway("/limited/x")).status).toBe(200);
  });

  it("the route timeout fires with 504 UT", async () => {
    const started = Date.now();
    const response = await mesh.gateway("/timeout/slow?ms=3000");
    const body = await json(response);
    expect(response.status).toBe(504);
    expect(body.error).toMatchObject({ code: "upstream_timeout", flags: "UT" });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("the per-try timeout bounds each attempt and the attempts run out", async () => {
    const started = Date.now();
    const response = await mesh.gateway("/per-try/slow?ms=3000");
    const body = await json(response);
    expect(response.status).toBe(504);
    expect(body.error.code).toBe("upstream_timeout");
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe("faults and mirroring", () => {
  it("aborts with the configured status (FI) without reaching the destination", async () => {
    const before = await hits("back-v1", "/aborted");
    const response = await mesh.gateway("/abort/aborted");
    expect(response.status).toBe(418);
    expect((await json(response)).error).toMatchObject({ code: "fault_abort", flags: "FI" });
    expect(await hits("back-v1", "/aborted")).toBe(before);
  });

  it("delays by the configured fixed delay", async () => {
    const started = Date.now();
    const response = await mesh.gateway("/delay/delayed");
    await response.arrayBuffer();
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
  });

  it("mirrors a copy to the shadow destination and answers from the primary", async () => {
    const before = await hits("shadow-v1", "/mirrored");
    const response = await mesh.gateway("/mirror/mirrored");
    expect((await json(response)).pod).toBe("back-v1");
    let mirrored = 0;
    for (let i = 0; i < 50 && mirrored === 0; i++) {
      mirrored = (await hits("shadow-v1", "/mirrored")) - before;
      if (mirrored === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(mirrored).toBe(1);
  });
});

describe("rewrite, headers, redirect, CORS", () => {
  it("rewrites the path and applies route and destination header operations", async () => {
    const response = await mesh.gateway("/rewrite/a/b?q=1", { headers: { "x-drop-me": "1", "x-trail": "client" } });
    const body = await json(response);
    expect(body.pod).toBe("back-v2");
    expect(body.path).toBe("/rewritten/a/b");
    expect(body.query).toBe("?q=1");
    expect(body.headers["x-route"]).toBe("edge");
    expect(body.headers["x-destination"]).toBe("back-v2");
    expect(body.headers["x-trail"]).toBe("client, gateway");
    expect(body.headers["x-drop-me"]).toBeUndefined();
    expect(response.headers.get("x-served-by")).toBe("isthmus");
  });

  it("delivers the rewrite, the header rules and the gateway's identity together, in the request the service sees", async () => {
    // Only the gateway's verified identity may reach the rewritten path: the 200 below proves
    // the JWT-SVID arrived in the same request as the new path and the route's headers.
    await mesh.apply(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: rewritten-from-gateway-only }
spec:
  selector: { matchLabels: { app: back } }
  action: DENY
  rules:
  - from: [{ source: { notPrincipals: [cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account] } }]
    to: [{ operation: { paths: ["/rewritten/*"] } }]
`);
    const version = await mesh.snapshotVersion();
    await mesh.settle(version, () => mesh.worker("back-v2", "/rewritten/probe"));
    expect((await mesh.worker("back-v2", "/rewritten/probe")).status).toBe(403);
    // The gateway takes the version on its own refresh: wait for it too.
    await mesh.settle(version, () => mesh.gateway("/rewrite/probe"));
    const response = await mesh.gateway("/rewrite/a?q=2", { headers: { "x-drop-me": "1", "x-trail": "client" } });
    const body = await json(response);
    expect(response.status).toBe(200);
    expect([body.pod, body.path, body.query]).toEqual(["back-v2", "/rewritten/a", "?q=2"]);
    expect([body.headers["x-route"], body.headers["x-destination"], body.headers["x-trail"], body.headers["x-drop-me"]]).toEqual(["edge", "back-v2", "client, gateway", undefined]);
    // Credentials and the telemetry claim are the mesh's: the service never sees them.
    expect(Object.keys(body.headers).filter((name) => name.startsWith("x-isthmus-"))).toEqual([]);
    expect([response.headers.get("x-served-by"), response.headers.get("x-isthmus-peer-svid")]).toEqual(["isthmus", null]);
    expect(Number(response.headers.get("x-isthmus-snapshot"))).toBeGreaterThanOrEqual(version);
  });

  it("answers a redirect route at the gateway", async () => {
    const response = await mesh.gateway("/old", { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(new URL(response.headers.get("location")!).pathname).toBe("/new");
  });

  it("answers a CORS preflight from an allowed origin at the gateway", async () => {
    const before = await hits("back-v1", "/preflight");
    const preflight = await mesh.gateway("/cors/preflight", {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST" },
    });
    await preflight.arrayBuffer();
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(preflight.headers.get("access-control-allow-methods")).toBe("GET,POST");
    expect(preflight.headers.get("access-control-max-age")).toBe("3600");
    expect(await hits("back-v1", "/preflight")).toBe(before);

    const actual = await mesh.gateway("/cors/actual", { headers: { origin: "https://app.example" } });
    await actual.arrayBuffer();
    expect(actual.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const foreign = await mesh.gateway("/cors/actual", { headers: { origin: "https://evil.example" } });
    await foreign.arrayBuffer();
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("RE2 regexes at the gateway", () => {
  it("routes by [[:digit:]], \\pN, (?i) mid-pattern and \\Q..\\E as RE2 does, and rewrites with \\1 groups", async () => {
    await mesh.apply(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: re2-routes }
spec:
  hosts: [re2.test]
  gateways: [test-gateway]
  http:
  - match: [{ uri: { regex: "/items/[[:digit:]]+" } }]
    route: [{ destination: { host: back, subset: v1 } }]
  - match: [{ uri: { regex: "/n" }, queryParams: { n: { regex: "\\\\pN+" } } }]
    route: [{ destination: { host: back, subset: v2 } }]
  - match: [{ uri: { regex: "/case/(?i)mixed\\\\Q.+\\\\E" } }]
    route: [{ destination: { host: back, subset: v3 } }]
  - match: [{ uri: { prefix: /r/ } }]
    rewrite: { uriRegexRewrite: { match: "^/r/([a-z]+)/([0-9]+)$", rewrite: "/\\\\2/of/\\\\1" } }
    route: [{ destination: { host: back, subset: v1 } }]
`);
    await mesh.settle(await mesh.snapshotVersion());
    const pod = async (path: string) => {
      const response = await mesh.gateway(path, { host: "re2.test:8080" });
      const body = await json(response);
      return response.status === 200 ? body.pod : body.error.code;
    };
    expect(await pod("/items/2024")).toBe("back-v1");
    // Full match, as Envoy: a trailing segment or a letter in the digits matches nothing.
    expect(await pod("/items/2024/x")).toBe("no_route");
    expect(await pod("/items/20a4")).toBe("no_route");
    // \pN is any Unicode number: Arabic-Indic digits in a (decoded) query parameter.
    expect(await pod(`/n?n=${encodeURIComponent("٣٤")}`)).toBe("back-v2");
    expect(await pod("/n?n=34")).toBe("back-v2");
    expect(await pod("/n?n=3x")).toBe("no_route");
    // (?i) applies from where it stands; \Q.+\E is the literal ".+".
    expect(await pod("/case/MiXeD.+")).toBe("back-v3");
    expect(await pod("/CASE/mixed.+")).toBe("no_route");
    expect(await pod("/case/mixedab")).toBe("no_route");
    const rewritten = await json(await mesh.gateway("/r/books/42", { host: "re2.test:8080" }));
    expect(rewritten.pod).toBe("back-v1");
    expect(rewritten.path).toBe("/42/of/books");
  });
});

describe("endpoints and gateway hosts", () => {
  it("routes a host-specific VirtualService at the gateway to an http:// origin endpoint", async () => {
    const response = await mesh.gateway("/orders/7?full=1", { host: "origin.test:8080" });
    expect(response.headers.get("x-pod")).toBe("origin");
    expect(await json(response)).toEqual({ url: "/legacy/orders/7?full=1" });
    // Other hosts still take the catch-all VirtualService.
    expect((await json(await mesh.gateway("/rewrite/x"))).pod).toBe("back-v2");
  });

  it("binds ns/host only for VirtualServices of that namespace, and redirects plain HTTP under httpsRedirect", async () => {
    await mesh.apply(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: shop-gateway }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 8080, name: http, protocol: HTTP }
    hosts: [shop/shop.test]
  - port: { number: 8080, name: http-secure, protocol: HTTP }
    hosts: [secure.test]
    tls: { httpsRedirect: true }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: shop-from-default }
spec:
  hosts: [shop.test]
  gateways: [shop-gateway]
  http: [{ route: [{ destination: { host: back, subset: v1 } }] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: shop, namespace: shop }
spec:
  hosts: [shop.test]
  gateways: [default/shop-gateway]
  http: [{ route: [{ destination: { host: back.default.svc.cluster.local, subset: v3 } }] }]
`);
    await mesh.settle(await mesh.snapshotVersion());
    // default/shop-from-default would merge first (same second, by name), but the server admits only namespace shop.
    expect((await json(await mesh.gateway("/x", { host: "shop.test:8080" }))).pod).toBe("back-v3");
    const redirected = await mesh.gateway("/a?b=1", { host: "secure.test:8080" });
    await redirected.arrayBuffer();
    expect(redirected.status).toBe(301);
    expect(redirected.headers.get("location")).toBe("https://secure.test:8080/a?b=1");
    const behindTls = await mesh.gateway("/rewrite/x", { host: "secure.test:8080", headers: { "x-forwarded-proto": "https" } });
    expect((await json(behindTls)).pod).toBe("back-v2");
  });

  it("serves plain HTTP on port 8080 servers whatever port the request names: the scheme picks the listener", async () => {
    for (const host of ["bookinfo.test:9999", "bookinfo.test:80", "bookinfo.test"]) {
      expect((await json(await mesh.gateway("/rewrite/x", { host }))).pod, host).toBe("back-v2");
    }
  });
});

describe("mesh.fetch and the sidecars", () => {
  const call = async (path: string, url: string, user?: string) =>
    json(await mesh.gateway(`/front/${path}?url=${encodeURIComponent(url)}`, { headers: user ? { "end-user": user } : {} }));

  it("reaches a service by short, namespaced, fully qualified and host:port names", async () => {
    for (const url of ["http://back/x", "http://back.default/x", "http://back.default.svc.cluster.local/x", "http://back:9080/x"]) {
      const result = await call("call", url);
      expect(result.status, url).toBe(200);
      expect(JSON.parse(result.body).pod, url).toBe("back-v1");
    }
  });

  it("applies mesh routes to mesh.fetch (header match)", async () => {
    const result = await call("call", "http://back/x", "jason");
    expect(JSON.parse(result.body).pod).toBe("back-v2");
  });

  it("meshes a plain global fetch to a mesh host from unchanged service code", async () => {
    const result = await call("call-global", "http://back:9080/x", "jason");
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body).pod).toBe("back-v2");
  });

  it("answers 404 NR naming the host when nothing routes it", async () => {
    const result = await call("call", "http://nowhere/x");
    expect(result.status).toBe(404);
    expect(result.headers["x-isthmus-error"]).toBe("no_route");
    expect(JSON.parse(result.body).error).toMatchObject({ code: "no_route", flags: "NR" });
    expect(JSON.parse(result.body).error.message).toContain("nowhere");

    const edge = await mesh.gateway("/no/such/route");
    const body = await json(edge);
    expect(edge.status).toBe(404);
    expect(body.error).toMatchObject({ code: "no_route", flags: "NR" });
    expect(body.error.message).toContain("bookinfo.test");
  });

  it("serves a service behind the standalone sidecar, inbound and outbound", async () => {
    const inbound = await mesh.gateway("/side/hello");
    expect((await json(inbound)).pod).toBe("side-v1");
    expect(inbound.headers.get("x-isthmus-snapshot")).toMatch(/^\d+$/);
    const outbound = await json(await mesh.gateway(`/side/call?url=${encodeURIComponent("http://back/x")}`, { headers: { "end-user": "jason" } }));
    expect(outbound.status).toBe(200);
    expect(JSON.parse(outbound.body).pod).toBe("back-v2");
  });

  it("strips mesh identity headers that arrive from outside", async () => {
    const body = await json(await mesh.gateway("/rewrite/x", { headers: { "x-isthmus-identity": "spiffe://cluster.local/ns/default/sa/admin", "x-forwarded-client-cert": "forged" } }));
    expect(body.headers["x-isthmus-identity"]).toBeUndefined();
    expect(body.headers["x-forwarded-client-cert"]).toBeUndefined();
  });
});
