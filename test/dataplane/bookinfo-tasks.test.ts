// Istio's Bookinfo traffic-management tasks, their VirtualServices written in Istio's own
// shape, applied through the control API of the local mesh and observed through the
// gateway: request routing by user, weighted shifting, fault injection.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapMesh } from "../../local/bootstrap.mjs";
import { startLocalMesh } from "../../local/mesh.mjs";

const TOKEN = "bookinfo-task-token";
const REFRESH_MS = 200;
let mesh: Awaited<ReturnType<typeof startLocalMesh>>;
let stateDir: string;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "isthmus-bookinfo-"));
  mesh = await startLocalMesh({ stateDir, adminToken: TOKEN, controlPort: 0, gatewayPort: 0, persist: false, refreshMs: REFRESH_MS });
  await bootstrapMesh({ controlUrl: mesh.controlUrl, adminToken: TOKEN, stateDir });
});

afterAll(async () => {
  await mesh?.dispose();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

async function apply(yaml: string): Promise<void> {
  const response = await fetch(`${mesh.controlUrl}/v1/apply`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/yaml" },
    body: yaml,
  });
  if (!response.ok) throw new Error(`apply: ${response.status} ${await response.text()}`);
  // Every isolate pulls within a refresh; wait two, as the propagation bound says.
  await new Promise((resolve) => setTimeout(resolve, 2 * REFRESH_MS + 100));
}

/** The reviews answer productpage gets for `user` (its API, as the page would render it). */
async function reviews(user?: string): Promise<{ podname: string; reviews: { rating?: { stars?: number; error?: string } }[] }> {
  const response = await fetch(`${mesh.gatewayUrl}/api/v1/products/0/reviews${user ? `?u=${user}` : ""}`);
  const text = await response.text();
  if (!response.ok) throw new Error(`reviews: ${response.status} ${text}`);
  return JSON.parse(text);
}

async function versions(count: number, user?: string): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const pod = (await reviews(user)).podname;
    seen[pod] = (seen[pod] ?? 0) + 1;
  }
  return seen;
}

const reviewsRoute = (http: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
  - reviews
  http:
${http}`;

describe("Bookinfo traffic management tasks", () => {
  it("all traffic to v1 by default (virtual-service-all-v1)", async () => {
    expect(await versions(10)).toEqual({ "reviews-v1": 10 });
  });

  it("routes jason to v2 and everyone else to v1 (virtual-service-reviews-test-v2)", async () => {
    await apply(
      reviewsRoute(`  - match:
    - headers:
        end-user:
          exact: jason
    route:
    - destination:
        host: reviews
        subset: v2
  - route:
    - destination:
        host: reviews
        subset: v1
`),
    );
    expect(await versions(5, "jason")).toEqual({ "reviews-v2": 5 });
    expect(await versions(5, "alice")).toEqual({ "reviews-v1": 5 });
  });

  it("shifts 10 % to v2, then 50 % to v3 (virtual-service-reviews-90-10, -50-v3)", async () => {
    const weighted = (a: string, wa: number, b: string, wb: number) =>
      reviewsRoute(`  - route:
    - destination:
        host: reviews
        subset: ${a}
      weight: ${wa}
    - destination:
        host: reviews
        subset: ${b}
      weight: ${wb}
`);
    await apply(weighted("v1", 90, "v2", 10));
    const ninety = await versions(200);
    expect(Object.keys(ninety).sort()).toEqual(["reviews-v1", "reviews-v2"]);
    expect(Math.abs((ninety["reviews-v2"] ?? 0) / 2 - 10)).toBeLessThanOrEqual(2);

    await apply(weighted("v1", 50, "v3", 50));
    const half = await versions(200);
    expect(Object.keys(half).sort()).toEqual(["reviews-v1", "reviews-v3"]);
    expect(Math.abs((half["reviews-v3"] ?? 0) / 2 - 50)).toBeLessThanOrEqual(2);
  });

  it("aborts ratings for jason with HTTP 500 (virtual-service-ratings-test-abort)", async () => {
    await apply(
      reviewsRoute(`  - match:
    - headers:
        end-user:
          exact: jason
    route:
    - destination:
        host: reviews
        subset: v2
  - route:
    - destination:
        host: reviews
        subset: v1
`) +
        `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ratings
spec:
  hosts:
  - ratings
  http:
  - match:
    - headers:
        end-user:
          exact: jason
    fault:
      abort:
        percentage:
          value: 100.0
        httpStatus: 500
    route:
    - destination:
        host: ratings
        subset: v1
  - route:
    - destination:
        host: ratings
        subset: v1
`,
    );
    const jason = await reviews("jason");
    expect(jason.podname).toBe("reviews-v2");
    expect(jason.reviews.every((review) => review.rating?.error === "Ratings service is currently unavailable")).toBe(true);
    const alice = await reviews("alice");
    expect(alice.podname).toBe("reviews-v1");
    const other = await fetch(`${mesh.gatewayUrl}/api/v1/products/0/ratings?u=alice`);
    expect(other.status).toBe(200);
    await other.arrayBuffer();
  });
});

// Istio's samples/bookinfo/networking/bookinfo-gateway.yaml, as written: some releases name
// port 80 (the ingress Service's port), others 8080 (its target port).
const istioBookinfoGateway = (port: number) => `apiVersion: networking.istio.io/v1alpha3
kind: Gateway
metadata:
  name: bookinfo-gateway
spec:
  # The selector matches the ingress gateway pod labels.
  selector:
    istio: ingressgateway # use istio default controller
  servers:
  - port:
      number: ${port}
      name: http
      protocol: HTTP
    hosts:
    - "*"
---
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata:
  name: bookinfo
spec:
  hosts:
  - "*"
  gateways:
  - bookinfo-gateway
  http:
  - match:
    - uri:
        exact: /productpage
    - uri:
        prefix: /static
    - uri:
        exact: /login
    - uri:
        exact: /logout
    - uri:
        prefix: /api/v1/products
    route:
    - destination:
        host: productpage
        port:
          number: 9080
`;

// Istio's samples/bookinfo/gateway-api/bookinfo-gateway.yaml, as written.
const GATEWAY_API_BOOKINFO = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: bookinfo-gateway
spec:
  gatewayClassName: istio
  listeners:
  - name: http
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: Same
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: bookinfo
spec:
  parentRefs:
  - name: bookinfo-gateway
  rules:
  - matches:
    - path:
        type: Exact
        value: /productpage
    - path:
        type: PathPrefix
        value: /static
    - path:
        type: Exact
        value: /login
    - path:
        type: Exact
        value: /logout
    - path:
        type: PathPrefix
        value: /api/v1/products
    backendRefs:
    - name: productpage
      port: 9080
`;

const control = (path: string, init: RequestInit = {}) =>
  fetch(`${mesh.controlUrl}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/yaml", ...init.headers } });

/** The product page through the local gateway: status and whether it is Bookinfo's page. */
async function productPage(url = `${mesh.gatewayUrl}/productpage`): Promise<{ status: number; page: boolean; code?: string }> {
  const response = await fetch(url);
  const text = await response.text();
  return { status: response.status, page: text.includes("The Comedy of Errors"), ...(response.ok ? {} : { code: (JSON.parse(text) as { error?: { code?: string } }).error?.code }) };
}

/** The same through the gateway Worker, as Cloudflare hands it a request the client sent over `https:` or `http:`. */
async function viaEdge(url: string): Promise<number> {
  const gateway = await mesh.mf.getWorker(mesh.workers[1]!);
  const response = (await gateway.fetch(url)) as unknown as Response;
  await response.arrayBuffer();
  return response.status;
}

describe("Istio's ingress gateways through the local gateway", () => {
  it("serves /productpage with Istio's bookinfo-gateway on port 80 and on port 8080", async () => {
    for (const port of [80, 8080]) {
      await apply(istioBookinfoGateway(port));
      expect(await productPage(), `port ${port}`).toEqual({ status: 200, page: true });
      expect(await viaEdge("https://bookinfo.example/productpage"), `port ${port} over https`).toBe(404);
    }
  });

  it("serves a 443 server over https only", async () => {
    await apply(istioBookinfoGateway(443));
    expect(await viaEdge("https://bookinfo.example/productpage")).toBe(200);
    expect(await productPage()).toMatchObject({ status: 404, code: "no_route" });
  });

  it("refuses a server port the gateway Worker does not listen on, naming the listeners, and stores nothing", async () => {
    await apply(istioBookinfoGateway(8080));
    const refused = await control("/v1/apply", { method: "POST", body: istioBookinfoGateway(9080) });
    expect(refused.status).toBe(422);
    const body = (await refused.json()) as { error: { code: string; details: { path: string; message: string }[] } };
    expect(body.error.code).toBe("invalid_resource");
    expect(body.error.details).toEqual([
      { path: "documents[0].spec.servers[0].port.number", message: "the gateway Worker listens for HTTP on 80/8080 and HTTPS on 443/8443" },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 2 * REFRESH_MS + 100));
    expect(await productPage()).toEqual({ status: 200, page: true });
  });

  it("serves /productpage with Istio's Gateway API bookinfo gateway and HTTPRoute", async () => {
    const deleted = await control("/v1/namespaces/default/virtualservices/bookinfo", { method: "DELETE" });
    expect(deleted.status).toBe(200);
    await deleted.arrayBuffer();
    await apply(GATEWAY_API_BOOKINFO);
    expect(await productPage()).toEqual({ status: 200, page: true });
    expect(await productPage(`${mesh.gatewayUrl}/api/v1/products/0/reviews`)).toMatchObject({ status: 200 });
    // Only the HTTPRoute's paths: the Istio VirtualService is gone.
    expect(await productPage(`${mesh.gatewayUrl}/other`)).toMatchObject({ status: 404, code: "no_route" });
    const stored = await control("/v1/namespaces/default/gateways/bookinfo-gateway");
    expect(await stored.json()).toMatchObject({ apiVersion: "gateway.networking.k8s.io/v1", spec: { gatewayClassName: "istio" } });
  });
});
