// Shipping metrics when the control plane's telemetry shards are lost or slow: a request
// never waits for a flush, a refused flush is kept for the next one, and a flush left
// unanswered for an interval is given up with its requests counted as dropped.
import { describe, expect, it } from "vitest";
import type { TelemetryBatch } from "../../contracts/telemetry/batch.ts";
import type { RequestSample } from "../../contracts/telemetry/labels.ts";
import { MetricsRecorder } from "./metrics.ts";
import { flushTelemetry } from "./report.ts";

const facts = { snapshotVersion: 1, snapshotGeneratedAt: null, snapshotAppliedAt: null, snapshotAgeMs: null, stale: false };

function sample(version = "v1"): RequestSample {
  return {
    reporter: "destination",
    source: { workload: "gw", namespace: "istio-system" },
    destination: { workload: `back-${version}`, namespace: "default", version, serviceName: "back", serviceNamespace: "default", service: "back.default.svc.cluster.local" },
    protocol: "http",
    responseCode: 200,
    responseFlags: "-",
    mutualTls: true,
    durationMs: 5,
    requestBytes: 0,
    responseBytes: 10,
  };
}

/** A peer whose answer the test decides: "ok", "fail" (reject at once) or "hang" (never settle). */
function peer() {
  const landed: TelemetryBatch[] = [];
  let mode: "ok" | "fail" | "hang" = "ok";
  let calls = 0;
  return {
    landed,
    set mode(m: "ok" | "fail" | "hang") {
      mode = m;
    },
    get calls() {
      return calls;
    },
    async reportTelemetry(batch: TelemetryBatch) {
      calls += 1;
      if (mode === "fail") throw new Error("shard refused");
      if (mode === "hang") return new Promise<never>(() => {});
      landed.push(structuredClone(batch));
      return { tapped: [] };
    },
  };
}

const requestsIn = (batches: TelemetryBatch[]) => batches.flatMap((b) => b.series).reduce((n, s) => n + s.requests, 0);
const droppedIn = (batches: TelemetryBatch[], stage: string) =>
  batches.flatMap((b) => b.counters).filter((c) => c.name === "isthmus_telemetry_series_dropped_total" && c.labels.stage === stage).reduce((n, c) => n + c.value, 0);

describe("flushTelemetry with a lost or slow shard", () => {
  it("returns at once while the shard hangs, gives the flush up after an interval and counts its requests", async () => {
    let now = 0;
    const recorder = new MetricsRecorder({ workload: "back-v1", policy: { intervalMs: 1000 }, now: () => now });
    const shard = peer();
    const ctx = { waitUntil: () => {} };
    shard.mode = "hang";
    // 3 flush intervals of traffic, 10 requests each; every flush hangs.
    for (let i = 0; i < 30; i++) {
      now += 100;
      recorder.recordRequest(sample());
      // The request path calls this without awaiting; the loop goes on while flushes hang.
      flushTelemetry(recorder, shard, ctx, facts);
    }
    expect(shard.calls).toBe(2); // due at 1.1 s and 2.2 s
    shard.mode = "ok";
    now += 1000;
    recorder.recordRequest(sample());
    await flushTelemetry(recorder, shard, ctx, facts);
    // Each of the 31 requests either landed or was counted as dropped with its flush.
    expect(requestsIn(shard.landed) + droppedIn(shard.landed, "flush")).toBe(31);
    expect(droppedIn(shard.landed, "flush")).toBe(22); // the two hung flushes, 11 requests each
  });

  it("keeps a refused flush for the next one, trying again only once per interval", async () => {
    let now = 0;
    const recorder = new MetricsRecorder({ workload: "back-v1", policy: { intervalMs: 1000, maxRequests: 5 }, now: () => now });
    const shard = peer();
    const waited: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void waited.push(p) };
    shard.mode = "fail";
    for (let i = 0; i < 5; i++) recorder.recordRequest(sample());
    flushTelemetry(recorder, shard, ctx, facts); // due on size
    await Promise.all(waited);
    expect(shard.calls).toBe(1);
    // The kept batch waits for the time bound: no attempt per request while the shard refuses.
    for (let i = 0; i < 3; i++) {
      now += 100;
      recorder.recordRequest(sample());
      flushTelemetry(recorder, shard, ctx, facts);
    }
    expect(shard.calls).toBe(1);
    shard.mode = "ok";
    now += 1000;
    flushTelemetry(recorder, shard, ctx, facts);
    await Promise.all(waited);
    expect(requestsIn(shard.landed)).toBe(8);
    expect(droppedIn(shard.landed, "flush")).toBe(0);
  });

  it("counts what a refused flush cannot keep: at most four flushes' worth of series", async () => {
    const recorder = new MetricsRecorder({ workload: "back-v1", policy: { maxSeries: 2 } });
    const batch = (versions: string[]) => {
      for (const v of versions) recorder.recordRequest(sample(v));
      return recorder.takeBatch(facts)!;
    };
    recorder.restore(batch(["a", "b", "c", "d", "e", "f", "g", "h"])); // 8 series: all kept
    recorder.restore(batch(["i", "j"])); // no room
    const next = recorder.takeBatch(facts)!;
    expect(next.series).toHaveLength(8);
    expect(droppedIn([next], "flush")).toBe(2);
  });
});
