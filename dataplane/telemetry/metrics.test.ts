import { describe, expect, it } from "vitest";
import { histogramCount } from "../../contracts/telemetry/histogram.ts";
import { istioLabels, ISTIO_LABELS, parseDropLabels, type RequestSample } from "../../contracts/telemetry/labels.ts";
import { MetricsRecorder } from "./metrics.ts";
import { flushTelemetry } from "./report.ts";
import type { TelemetryBatch } from "../../contracts/telemetry/batch.ts";

function sample(overrides: Partial<RequestSample> = {}): RequestSample {
  return {
    reporter: "destination",
    source: { workload: "productpage-v1", namespace: "default", principal: "spiffe://cluster.local/ns/default/sa/productpage", app: "productpage", version: "v1" },
    destination: {
      workload: "reviews-v2",
      namespace: "default",
      principal: "spiffe://cluster.local/ns/default/sa/reviews",
      app: "reviews",
      version: "v2",
      service: "reviews.default.svc.cluster.local",
      serviceName: "reviews",
      serviceNamespace: "default",
    },
    protocol: "http",
    responseCode: 200,
    responseFlags: "-",
    mutualTls: true,
    durationMs: 12,
    requestBytes: 0,
    responseBytes: 340,
    method: "GET",
    path: "/reviews/0",
    ...overrides,
  };
}

const facts = { snapshotVersion: 3, snapshotGeneratedAt: "2026-11-26T10:00:00.000Z", snapshotAppliedAt: Date.parse("2026-11-26T10:00:01.500Z"), snapshotAgeMs: 100, stale: false };

describe("istioLabels", () => {
  it("gives every Istio label, unknown for missing facts, never the path", () => {
    const labels = istioLabels(sample({ source: {}, mutualTls: false }));
    expect(Object.keys(labels)).toEqual([...ISTIO_LABELS]);
    expect(labels.source_workload).toBe("unknown");
    expect(labels.connection_security_policy).toBe("none");
    expect(labels.destination_version).toBe("v2");
    expect(labels.response_code).toBe("200");
    expect(Object.values(labels)).not.toContain("/reviews/0");
  });

  it("parses the operator's drop list, refusing to drop reporter", () => {
    expect(parseDropLabels(" source_principal,reporter,,bogus,destination_principal")).toEqual(["source_principal", "destination_principal"]);
    expect(parseDropLabels(undefined)).toEqual([]);
  });
});

describe("MetricsRecorder", () => {
  it("aggregates requests with equal labels into one series", () => {
    const r = new MetricsRecorder({ workload: "reviews-v2" });
    r.recordRequest(sample({ durationMs: 3 }));
    r.recordRequest(sample({ durationMs: 30 }));
    r.recordRequest(sample({ responseCode: 503, responseFlags: "UH" }));
    const batch = r.takeBatch(facts)!;
    expect(batch.series).toHaveLength(2);
    const ok = batch.series.find((s) => s.labels.response_code === "200")!;
    expect(ok.requests).toBe(2);
    expect(histogramCount(ok.duration)).toBe(2);
    expect(ok.duration.sum).toBe(33);
    expect(batch.snapshotVersion).toBe(3);
    expect(r.takeBatch(facts)).toBeNull();
  });

  it("drops labels mesh-wide, merging the series they split", () => {
    const r = new MetricsRecorder({ workload: "reviews-v2", dropLabels: ["source_principal", "source_workload"] });
    r.recordRequest(sample());
    r.recordRequest(sample({ source: { workload: "other", principal: "spiffe://x/ns/a/sa/b" } }));
    const batch = r.takeBatch(facts)!;
    // source_workload_namespace etc. still differ between the two samples
    expect(batch.series.every((s) => !("source_principal" in s.labels) && !("source_workload" in s.labels))).toBe(true);
  });

  it("is due on the size bound and on the time bound", () => {
    let now = 1000;
    const r = new MetricsRecorder({ workload: "w", policy: { maxRequests: 3, intervalMs: 5000 }, now: () => now });
    expect(r.isDue()).toBe(false);
    r.recordRequest(sample());
    r.recordRequest(sample());
    expect(r.isDue()).toBe(false);
    r.recordRequest(sample());
    expect(r.isDue()).toBe(true);
    r.takeBatch(facts);
    r.recordRequest(sample());
    now += 4999;
    expect(r.isDue()).toBe(false);
    now += 1;
    expect(r.isDue()).toBe(true);
  });

  it("adds tap summaries only for tapped services, with secrets scrubbed from the path", () => {
    const r = new MetricsRecorder({ workload: "w" });
    r.recordRequest(sample());
    expect(r.takeBatch(facts)!.tap).toEqual([]);
    r.setTapped(["reviews.default"]);
    r.recordRequest(sample({ path: "/reviews/0?access_token=abc&x=1" }));
    r.recordRequest(sample({ destination: { serviceName: "ratings", serviceNamespace: "default" } }));
    const tap = r.takeBatch(facts)!.tap;
    expect(tap).toHaveLength(1);
    expect(tap[0]).toMatchObject({ destination: "reviews.default", destinationVersion: "v2", responseCode: 200, path: "/reviews/0?access_token=[redacted]&x=1" });
  });

  it("counts authn failures by reason and authz denials", () => {
    const r = new MetricsRecorder({ workload: "reviews-v2" });
    r.recordAuthnFailure("token_expired");
    r.recordAuthnFailure("token_expired");
    r.recordAuthzDenial("deny-all");
    const { counters } = r.takeBatch(facts)!;
    expect(counters).toContainEqual({ name: "isthmus_authn_failures_total", labels: { destination_workload: "reviews-v2", reason: "token_expired" }, value: 2 });
    expect(counters).toContainEqual({ name: "isthmus_authz_denials_total", labels: { destination_workload: "reviews-v2", policy: "deny-all" }, value: 1 });
  });
});

describe("flushTelemetry", () => {
  it("ships due batches in waitUntil, learns tapped services, and keeps a batch that failed", async () => {
    const r = new MetricsRecorder({ workload: "w", policy: { maxRequests: 1 } });
    const waited: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void waited.push(p) };
    const received: TelemetryBatch[] = [];
    let fail = true;
    const peer = {
      async reportTelemetry(batch: TelemetryBatch) {
        if (fail) throw new Error("control plane unreachable");
        received.push(batch);
        return { tapped: ["reviews.default"] };
      },
    };
    r.recordRequest(sample());
    expect(flushTelemetry(r, peer, ctx, facts)).not.toBeNull();
    await Promise.all(waited);
    expect(received).toHaveLength(0);
    fail = false;
    r.recordRequest(sample());
    flushTelemetry(r, peer, ctx, facts);
    await Promise.all(waited);
    expect(received).toHaveLength(1);
    expect(received[0].series[0].requests).toBe(2); // the failed batch came along
    r.recordRequest(sample());
    expect(r.takeBatch(facts)!.tap).toHaveLength(1);
  });

  it("does nothing when not due or without a control-plane binding", () => {
    const r = new MetricsRecorder({ workload: "w" });
    const ctx = { waitUntil: () => {} };
    r.recordRequest(sample());
    expect(flushTelemetry(r, undefined, ctx, facts, true)).toBeNull();
    expect(flushTelemetry(r, { reportTelemetry: async () => ({ tapped: [] }) }, ctx, facts)).toBeNull();
  });
});
