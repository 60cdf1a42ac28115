// End to end on the local mesh (workerd): one request through the gateway to Bookinfo
// gives one trace whose spans go gateway -> productpage -> reviews -> ratings with correct
// parent/child links, received by a local OTLP/HTTP receiver; and the metrics reach
// /metrics with both reporters.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapMesh } from "../../local/bootstrap.mjs";
import { startLocalMesh } from "../../local/mesh.mjs";

const TOKEN = "trace-e2e-admin";
type OtlpSpan = { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes: { key: string; value: any }[] };
const spans: (OtlpSpan & { service: string })[] = [];

let receiver: Server;
let mesh: Awaited<ReturnType<typeof startLocalMesh>>;
let stateDir: string;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      for (const rs of JSON.parse(body).resourceSpans) {
        const service = rs.resource.attributes.find((a: any) => a.key === "service.name").value.stringValue;
        for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, service });
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const otlp = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  stateDir = await mkdtemp(join(tmpdir(), "isthmus-trace-"));
  mesh = await startLocalMesh({
    stateDir,
    adminToken: TOKEN,
    controlPort: 0,
    gatewayPort: 0,
    persist: false,
    refreshMs: 200,
    dataPlaneVars: { ISTHMUS_OTLP_ENDPOINT: otlp, ISTHMUS_TRACE_SAMPLING: "100", ISTHMUS_ACCESS_LOG: "off" },
  });
  await bootstrapMesh({ controlUrl: mesh.controlUrl, adminToken: TOKEN, stateDir });
  // reviews v2 calls ratings (v1, the default routes' choice, does not)
  const res = await fetch(`${mesh.controlUrl}/v1/apply`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/yaml" },
    body: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: { host: reviews, subset: v2 }
`,
  });
  expect(res.ok).toBe(true);
}, 180_000);

afterAll(async () => {
  await mesh?.dispose();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

const attr = (s: OtlpSpan, key: string) => s.attributes.find((a) => a.key === key)?.value;

describe("a Bookinfo request as one trace", () => {
  it("spans gateway -> productpage -> reviews -> ratings with parent/child links", async () => {
    // Wait until the gateway routes reviews to v2 (config propagated), then take one request's trace.
    let traceId = "";
    const started = Date.now();
    while (Date.now() - started < 30_000) {
      const res = await fetch(`${mesh.gatewayUrl}/productpage`);
      const page = await res.text();
      if (res.ok && page.includes("reviews-v2")) {
        traceId = /^00-([0-9a-f]{32})-/.exec(res.headers.get("traceparent") ?? "")?.[1] ?? "";
        spans.length = 0;
        const again = await fetch(`${mesh.gatewayUrl}/productpage`, { headers: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" } });
        await again.text();
        traceId = "0af7651916cd43dd8448eb211c80319c";
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(traceId).not.toBe("");

    const byService = (service: string, kind: number) => spans.filter((s) => s.traceId === traceId && s.service === service && s.kind === kind);
    const until = Date.now() + 15_000;
    const complete = () =>
      ["istio-ingressgateway.istio-system", "productpage.default", "reviews.default"].every((svc) => byService(svc, 3).length > 0) &&
      ["productpage.default", "reviews.default", "ratings.default"].every((svc) => byService(svc, 2).length > 0);
    while (Date.now() < until && !complete()) await new Promise((r) => setTimeout(r, 100));

    const trace = spans.filter((s) => s.traceId === traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const parentOf = (s: OtlpSpan) => byId.get(s.parentSpanId ?? "");

    // gateway: client hop to productpage, parented by the caller's span id
    const gatewayHop = trace.find((s) => s.service.startsWith("istio-ingressgateway") && s.name === "productpage.default.svc.cluster.local")!;
    expect(gatewayHop, JSON.stringify(trace.map((s) => [s.service, s.name]))).toBeDefined();
    expect(gatewayHop.parentSpanId).toBe("b7ad6b7169203331");
    // productpage's server span is the child of the gateway's attempt span
    const productpage = byService("productpage.default", 2)[0];
    expect(parentOf(productpage)?.name).toBe("attempt 1");
    expect(parentOf(parentOf(productpage)!)?.spanId).toBe(gatewayHop.spanId);
    // reviews' server span: productpage client hop -> attempt -> reviews
    const reviews = byService("reviews.default", 2)[0];
    const ppAttempt = parentOf(reviews)!;
    expect(ppAttempt.service).toBe("productpage.default");
    const ppHop = parentOf(ppAttempt)!;
    expect(ppHop.kind).toBe(3);
    expect(attr(ppHop, "isthmus.subset")).toEqual({ stringValue: "v2" });
    expect(parentOf(ppHop)?.spanId).toBe(productpage.spanId);
    // ratings' server span under reviews
    const ratings = byService("ratings.default", 2)[0];
    expect(parentOf(parentOf(ratings)!)?.service).toBe("reviews.default");
    expect(parentOf(parentOf(parentOf(ratings)!)!)?.spanId).toBe(reviews.spanId);
    expect(attr(ratings, "http.response.status_code")).toEqual({ intValue: "200" });
  });

  it("ships both reporters' metrics to /metrics after a flush window", async () => {
    // Flushes are due 5 s after the oldest unflushed request; the next request sends them.
    await new Promise((r) => setTimeout(r, 5_200));
    await (await fetch(`${mesh.gatewayUrl}/productpage`)).text();
    const until = Date.now() + 15_000;
    let text = "";
    while (Date.now() < until) {
      text = await (await fetch(`${mesh.controlUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
      if (/istio_requests_total\{reporter="destination"[^}]*destination_service_name="ratings"/.test(text) && /istio_requests_total\{reporter="source",source_workload="istio-ingressgateway"/.test(text)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(text).toMatch(/istio_requests_total\{reporter="source",source_workload="istio-ingressgateway",source_workload_namespace="istio-system",[^}]*destination_service_name="productpage"[^}]*response_code="200"/);
    expect(text).toMatch(/istio_requests_total\{reporter="destination",[^}]*destination_workload="reviews-v2"[^}]*destination_service_name="reviews"/);
    expect(text).toMatch(/istio_requests_total\{reporter="destination",[^}]*source_workload="reviews-v2"[^}]*destination_service_name="ratings"/);
    expect(text).toMatch(/^isthmus_dataplane_snapshot_version\{[^}]*workload="productpage-v1"/m);
  });
});
