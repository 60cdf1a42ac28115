// Shipping metrics when the control plane's telemetry shards are lost or slow: a request
// never waits for a flush, a refused flush is kept for the next one, and a flush left
// unanswered for an interval is given up and sent again under its own batch id, so that
// whichever copy lands second is ignored and nothing is counted twice.
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

/**
 * A peer whose answer the test decides: "ok", "fail" (reject at once), "hang" (never settle)
 * or "slow" (held until `release`, then stored). It stores as a shard does: a batch id it
 * applied already is answered and ignored; `sent` is every batch that reached it.
 */
function peer() {
  const landed: TelemetryBatch[] = [];
  const sent: TelemetryBatch[] = [];
  const applied = new Set<string>();
  const held: (() => void)[] = [];
  let mode: "ok" | "fail" | "hang" | "slow" = "ok";
  let calls = 0;
  const store = (batch: TelemetryBatch) => {
    const id = `${batch.isolate}#${batch.seq}`;
    if (!applied.has(id)) landed.push(batch);
    applied.add(id);
    return { tapped: [] };
  };
  return {
    landed,
    sent,
    set mode(m: "ok" | "fail" | "hang" | "slow") {
      mode = m;
    },
    get calls() {
      return calls;
    },
    /** Lets the held shipments land, oldest first. */
    release: () => held.splice(0).forEach((land) => land()),
    async reportTelemetry(batch: TelemetryBatch) {
      calls += 1;
      const copy = structuredClone(batch);
      sent.push(copy);
      if (mode === "fail") throw new Error("shard refused");
      if (mode === "hang") return new Promise<never>(() => {});
      if (mode === "slow") return new Promise<{ tapped: string[] }>((resolve) => held.push(() => resolve(store(copy))));
      return store(copy);
    },
  };
}

const requestsIn = (batches: TelemetryBatch[]) => batches.flatMap((b) => b.series).reduce((n, s) => n + s.requests, 0);
const droppedIn = (batches: TelemetryBatch[], stage: string) =>
  batches.flatMap((b) => b.counters).filter((c) => c.name === "isthmus_telemetry_series_dropped_total" && c.labels.stage === stage).reduce((n, c) => n + c.value, 0);

const ids = (batches: TelemetryBatch[]) => batches.map((b) => b.seq);

describe("flushTelemetry with a lost or slow shard", () => {
  it("returns at once while the shard hangs, gives a flush up after an interval and sends it again under its id", async () => {
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
    // Due at 1.1 s (batch 1) and 2.2 s (batch 2, and batch 1 again: unanswered for an interval).
    expect(ids(shard.sent)).toEqual([1, 1, 2]);
    expect(shard.sent[1]).toMatchObject({ isolate: recorder.isolate, seq: 1, series: shard.sent[0].series });
    shard.mode = "ok";
    now += 1000;
    recorder.recordRequest(sample());
    await flushTelemetry(recorder, shard, ctx, facts);
    // The hung ones go again as they were, then the new one.
    expect(ids(shard.sent)).toEqual([1, 1, 2, 1, 2, 3]);
    expect(ids(shard.landed)).toEqual([1, 2, 3]);
    expect(requestsIn(shard.landed)).toBe(31);
    expect(droppedIn(shard.landed, "flush")).toBe(0);
  });

  it("counts a given-up flush that lands late once: its copy is ignored, and its counters are in no other batch", async () => {
    let now = 0;
    const recorder = new MetricsRecorder({ workload: "back-v1", policy: { intervalMs: 1000 }, now: () => now });
    const shard = peer();
    const waited: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void waited.push(p) };
    shard.mode = "slow";
    recorder.recordRequest(sample());
    recorder.recordAuthnFailure("token_expired");
    flushTelemetry(recorder, shard, ctx, facts, true); // batch 1, held by the slow shard
    now += 1000;
    recorder.recordRequest(sample());
    shard.mode = "ok";
    flushTelemetry(recorder, shard, ctx, facts, true); // batch 1 given up: sent again with batch 2
    shard.release(); // the first copy of batch 1 lands after all, after the second
    await Promise.all(waited);
    expect(ids(shard.sent)).toEqual([1, 1, 2]);
    expect(ids(shard.landed)).toEqual([1, 2]);
    expect(requestsIn(shard.landed)).toBe(2);
    // The authn failure went only under batch 1's id (before, it was merged into the next batch).
    const authn = shard.sent.filter((b) => b.counters.some((c) => c.name === "isthmus_authn_failures_total"));
    expect(ids(authn)).toEqual([1, 1]);
    now += 1000;
    recorder.recordRequest(sample());
    await flushTelemetry(recorder, shard, ctx, facts, true);
    expect(ids(shard.sent)).toEqual([1, 1, 2, 3]);
    expect(droppedIn(shard.landed, "flush")).toBe(0);
  });

  it("does not send a given-up flush again when it lands before the next flush", async () => {
    let now = 0;
    const recorder = new MetricsRecorder({ workload: "back-v1", policy: { intervalMs: 1000 }, now: () => now });
    const shard = peer();
    const waited: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void waited.push(p) };
    shard.mode = "slow";
    recorder.recordRequest(sample());
    flushTelemetry(recorder, shard, ctx, facts, true); // batch 1, held
    now += 1000;
    recorder.recordRequest(sample());
    flushTelemetry(recorder, shard, ctx, facts); // not due (the new request is 0 s old), but batch 1 is given up
    shard.release();
    await Promise.all(waited);
    shard.mode = "ok";
    now += 1000;
    await flushTelemetry(recorder, shard, ctx, facts);
    expect(ids(shard.sent)).toEqual([1, 2]);
    expect(requestsIn(shard.landed)).toBe(2);
  });

  it("sends a copy that was refused again under its id, never merged into a new batch", async () => {
    let now = 0;
    const recorder = new MetricsRecorder({ workload: "back-v1", policy: { intervalMs: 1000 }, now: () => now });
    const shard = peer();
    const waited: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void waited.push(p) };
    shard.mode = "slow";
    recorder.recordRequest(sample());
    flushTelemetry(recorder, shard, ctx, facts, true); // batch 1, held
    now += 1000;
    shard.mode = "fail";
    recorder.recordRequest(sample());
    flushTelemetry(recorder, shard, ctx, facts, true); // batch 1 again and batch 2: both refused
    await Promise.all(waited.slice(1));
    shard.mode = "ok";
    now += 1000;
    await flushTelemetry(recorder, shard, ctx, facts);
    // Batch 2 was refused on its first trip: merged into batch 3. Batch 1 goes as itself.
    expect(ids(shard.sent)).toEqual([1, 1, 2, 1, 3]);
    shard.release();
    await Promise.all(waited);
    expect(ids(shard.landed)).toEqual([1, 3]);
    expect(requestsIn(shard.landed)).toBe(2);
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
    const shipped = (versions: string[]) => {
      for (const v of versions) recorder.recordRequest(sample(v));
      const batch = recorder.takeBatch(facts)!;
      recorder.shipped(batch);
      return batch;
    };
    recorder.refused(shipped(["a", "b", "c", "d", "e", "f", "g", "h"])); // 8 series: all kept
    recorder.refused(shipped(["i", "j"])); // no room
    const next = recorder.takeBatch(facts)!;
    expect(next.series).toHaveLength(8);
    expect(droppedIn([next], "flush")).toBe(2);
  });

  it("keeps at most four given-up flushes to send again, and counts the requests of the next as dropped", async () => {
    let now = 0;
    const recorder = new MetricsRecorder({ workload: "back-v1", policy: { intervalMs: 1000, maxSeries: 2 }, now: () => now });
    const shipped = (versions: string[]) => {
      for (const v of versions) recorder.recordRequest(sample(v));
      const batch = recorder.takeBatch(facts)!;
      recorder.shipped(batch);
      return batch;
    };
    for (let i = 0; i < 5; i++) shipped([`v${i}`]); // five 1-series flushes, all hanging
    shipped(["x", "y", "z"]); // a 3-series one
    now += 1000;
    recorder.expireShipments();
    const shipments = recorder.takeShipments(facts);
    // Four batches kept (4 series of the 8 allowed); the fifth and the 3-series one counted.
    expect(ids(shipments)).toEqual([1, 2, 3, 4, 7]);
    expect(droppedIn(shipments, "flush")).toBe(4);
    expect(shipments.slice(0, 4).every((b) => b.tap.length === 0 && b.series.length === 1)).toBe(true);
  });
});
