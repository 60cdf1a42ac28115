import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { annotationPercent, TRACE_SAMPLING_ANNOTATION } from "./sampling.ts";
import { endHop, Tracing } from "./trace.ts";
import { extractTraceContext, injectTraceContext } from "./trace-context.ts";

// A local OTLP/HTTP receiver: records every POST body to /v1/traces.
let server: Server;
let endpoint: string;
const received: { path: string; contentType: string | undefined; body: any }[] = [];
let answerStatus = 200;

beforeAll(async () => {
  server = createServer((req, res) => {
    let data = "";
    req.on("data", (chunk) => (data += chunk));
    req.on("end", () => {
      received.push({ path: req.url ?? "", contentType: req.headers["content-type"], body: JSON.parse(data) });
      res.writeHead(answerStatus, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function waitUntilCollector() {
  const waited: Promise<unknown>[] = [];
  return { ctx: { waitUntil: (p: Promise<unknown>) => void waited.push(p) }, done: () => Promise.all(waited) };
}

describe("Tracing over OTLP/HTTP JSON", () => {
  it("exports a hop span with a retry child span in one batch, linked to the caller's context", async () => {
    received.length = 0;
    const tracing = new Tracing({ serviceName: "productpage.default", endpoint, samplingPercent: 0 });
    const incoming = extractTraceContext(new Headers({ traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }));
    const hop = tracing.startHop("reviews.default.svc.cluster.local", "client", incoming, {
      destination: "reviews.default.svc.cluster.local",
      route: "default/reviews",
      subset: "v2",
      method: "GET",
      path: "/reviews/0?token=eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
    });
    const first = tracing.startAttempt(hop, 1, { upstream: "worker://reviews-v2" });
    endHop(first, { responseCode: 503, responseFlags: "UF" });
    const second = tracing.startAttempt(hop, 2, { upstream: "worker://reviews-v2" });
    const headers = new Headers();
    injectTraceContext(headers, second.spanContext());
    endHop(second, { responseCode: 200 });
    endHop(hop, { responseCode: 200, responseFlags: "-" });

    const { ctx, done } = waitUntilCollector();
    tracing.flush(ctx);
    await done();

    expect(received).toHaveLength(1);
    expect(received[0].path).toBe("/v1/traces");
    expect(received[0].contentType).toBe("application/json");
    const rs = received[0].body.resourceSpans[0];
    expect(rs.resource.attributes).toContainEqual({ key: "service.name", value: { stringValue: "productpage.default" } });
    const spans = rs.scopeSpans[0].spans;
    expect(spans).toHaveLength(3);
    const hopSpan = spans.find((s: any) => s.name === "reviews.default.svc.cluster.local");
    const attempts = spans.filter((s: any) => s.name.startsWith("attempt"));
    expect(hopSpan.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(hopSpan.parentSpanId).toBe("00f067aa0ba902b7");
    expect(hopSpan.kind).toBe(3); // CLIENT in OTLP
    expect(hopSpan.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(hopSpan.startTimeUnixNano).toMatch(/^\d{19}$/);
    for (const a of attempts) {
      expect(a.traceId).toBe(hopSpan.traceId);
      expect(a.parentSpanId).toBe(hopSpan.spanId);
    }
    const attr = (s: any, key: string) => s.attributes.find((a: any) => a.key === key)?.value;
    expect(attr(hopSpan, "isthmus.subset")).toEqual({ stringValue: "v2" });
    expect(attr(hopSpan, "isthmus.route")).toEqual({ stringValue: "default/reviews" });
    expect(attr(hopSpan, "http.response.status_code")).toEqual({ intValue: "200" });
    expect(attr(hopSpan, "url.path")).toEqual({ stringValue: "/reviews/0?token=[redacted]" });
    expect(attr(hopSpan, "isthmus.sampling_percent")).toBeUndefined();
    const failed = attempts.find((a: any) => attr(a, "isthmus.attempt").intValue === "1");
    expect(failed.status).toEqual({ code: 2, message: "UF" });
    expect(attr(failed, "response_flags")).toEqual({ stringValue: "UF" });
    // the next hop's parent is the second attempt
    expect(headers.get("traceparent")).toBe(`00-${hopSpan.traceId}-${attempts.find((a: any) => attr(a, "isthmus.attempt").intValue === "2").spanId}-01`);
  });

  it("follows an unsampled parent and samples new traces by the route's percent", async () => {
    received.length = 0;
    const tracing = new Tracing({ serviceName: "gw", endpoint, samplingPercent: 100 });
    const unsampled = extractTraceContext(new Headers({ traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00" }));
    const a = tracing.startHop("a", "server", unsampled);
    expect(a.isRecording()).toBe(false);
    expect(a.spanContext().traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736"); // context still propagates
    a.end();
    const vs = { metadata: { annotations: { [TRACE_SAMPLING_ANNOTATION]: "0" } } };
    const b = tracing.startHop("b", "server", null, {}, annotationPercent(vs, TRACE_SAMPLING_ANNOTATION));
    expect(b.isRecording()).toBe(false);
    b.end();
    const deferred = extractTraceContext(new Headers({ b3: "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7" }));
    const c = tracing.startHop("c", "server", deferred);
    expect(c.isRecording()).toBe(true);
    c.end();
    const { ctx, done } = waitUntilCollector();
    tracing.flush(ctx);
    await done();
    expect(received.flatMap((r) => r.body.resourceSpans[0].scopeSpans[0].spans.map((s: any) => s.name))).toEqual(["c"]);
  });

  it("never fails the request when the collector refuses or is down", async () => {
    answerStatus = 500;
    const tracing = new Tracing({ serviceName: "gw", endpoint, samplingPercent: 100 });
    tracing.startHop("x", "server", null).end();
    const { ctx, done } = waitUntilCollector();
    tracing.flush(ctx);
    await expect(done()).resolves.toBeDefined();
    expect(tracing.exporter!.dropped).toBe(1);
    answerStatus = 200;

    const down = new Tracing({ serviceName: "gw", endpoint: "http://127.0.0.1:1", samplingPercent: 100 });
    down.startHop("y", "server", null).end();
    const w = waitUntilCollector();
    down.flush(w.ctx);
    await expect(w.done()).resolves.toBeDefined();
    expect(down.exporter!.dropped).toBe(1);
  });
});
