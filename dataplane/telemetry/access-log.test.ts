import { afterEach, describe, expect, it, vi } from "vitest";
import { accessLogLine, accessLogSampled } from "./access-log.ts";

const JWT = "eyJhbGciOiJFUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzcGlmZmU6Ly9jbHVzdGVyLmxvY2FsL25zL2RlZmF1bHQvc2EveCJ9.MEUCIQDxyz";

function request() {
  return new Request("http://bookinfo.example/productpage?u=normal&access_token=s3cr3t&id=1", {
    headers: {
      authorization: `Bearer ${JWT}`,
      cookie: "session=abc123",
      "x-isthmus-svid": JWT,
      "x-isthmus-join-token": "jt_live_0123456789",
      "user-agent": `curl/8 ${JWT}`,
      "x-forwarded-for": "203.0.113.7",
      "x-request-id": "req-1",
    },
  });
}

const entry = {
  startTime: Date.parse("2026-11-26T12:00:00.000Z"),
  durationMs: 12.4,
  request: request(),
  responseCode: 200,
  responseFlags: "-",
  upstreamHost: "worker://productpage-v1",
  upstreamCluster: "outbound|v1|productpage.default.svc.cluster.local",
  routeName: "default/bookinfo",
  sourcePrincipal: "spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway",
  destinationPrincipal: "spiffe://cluster.local/ns/default/sa/productpage",
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
};

afterEach(() => vi.restoreAllMocks());

describe("access log", () => {
  it("is one JSON line with Envoy's fields", () => {
    const line = accessLogLine(entry);
    expect(line).not.toContain("\n");
    const record = JSON.parse(line);
    expect(record).toMatchObject({
      start_time: "2026-11-26T12:00:00.000Z",
      method: "GET",
      response_code: 200,
      response_flags: "-",
      duration: 12,
      upstream_host: "worker://productpage-v1",
      upstream_cluster: "outbound|v1|productpage.default.svc.cluster.local",
      x_forwarded_for: "203.0.113.7",
      request_id: "req-1",
      authority: "bookinfo.example",
      source_principal: "spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway",
      destination_principal: "spiffe://cluster.local/ns/default/sa/productpage",
      trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
    });
    expect(record.path).toBe("/productpage?u=normal&access_token=[redacted]&id=1");
  });

  it("never contains a token, cookie or join token", () => {
    const line = accessLogLine(entry);
    for (const secret of [JWT, "eyJ", "s3cr3t", "abc123", "jt_live_0123456789", "Bearer"]) expect(line).not.toContain(secret);
  });

  it("is on by default, can be turned off, and is sampled (decided before any line is built)", () => {
    expect(accessLogSampled({})).toBe(true);
    expect(accessLogSampled({ ISTHMUS_ACCESS_LOG: "off" })).toBe(false);
    expect(accessLogSampled({ ISTHMUS_ACCESS_LOG_SAMPLING: "10" }, undefined, () => 0.5)).toBe(false);
    expect(accessLogSampled({ ISTHMUS_ACCESS_LOG_SAMPLING: "10" }, undefined, () => 0.05)).toBe(true);
    expect(accessLogSampled({}, 0)).toBe(false); // the route's annotation wins
    expect(JSON.parse(accessLogLine(entry)).trace_id).toBe(entry.traceId);
  });
});
