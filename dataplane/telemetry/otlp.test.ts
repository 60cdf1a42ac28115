import { SpanKind, SpanStatusCode, TraceFlags } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { OtlpExporter } from "./otlp.ts";
import type { FinishedSpan } from "./tracer.ts";

function span(name: string): FinishedSpan {
  return {
    name,
    kind: SpanKind.SERVER,
    spanContext: { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: TraceFlags.SAMPLED },
    parentSpanId: undefined,
    startMs: 1,
    endMs: 2,
    attributes: {},
    events: [],
    status: { code: SpanStatusCode.UNSET },
  };
}

// A collector that records each export's span names and answers when `release` is called.
function collector() {
  const exports: string[][] = [];
  const gates: (() => void)[] = [];
  const fetch = (async (_url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body));
    exports.push(body.resourceSpans[0].scopeSpans[0].spans.map((s: { name: string }) => s.name));
    await new Promise<void>((resolve) => gates.push(resolve));
    return new Response("{}");
  }) as unknown as typeof globalThis.fetch;
  return { exports, fetch, release: () => gates.splice(0).forEach((open) => open()) };
}

// A clock the test moves, and sleeps that resolve when it passes their deadline.
function clock() {
  let now = 0;
  const sleepers: { at: number; wake: () => void }[] = [];
  return {
    now: () => now,
    sleep: (ms: number) => new Promise<void>((wake) => sleepers.push({ at: now + ms, wake })),
    advance(ms: number) {
      now += ms;
      for (const s of sleepers.splice(0)) (s.at <= now ? s.wake : () => sleepers.push(s))();
    },
  };
}

function requests() {
  const waited: Promise<unknown>[] = [];
  return { ctx: { waitUntil: (p: Promise<unknown>) => void waited.push(p) }, count: () => waited.length, done: () => Promise.all(waited) };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("OtlpExporter batching", () => {
  it("batches spans of many requests into one export when the interval passes", async () => {
    const c = collector();
    const t = clock();
    const exporter = new OtlpExporter({ endpoint: "http://collector", serviceName: "gw", fetch: c.fetch, now: t.now, sleep: t.sleep, intervalMs: 1000, maxBatch: 100 });
    const w = requests();
    for (let i = 0; i < 10; i++) {
      exporter.enqueue(span(`r${i}`));
      exporter.flushDue(w.ctx);
      t.advance(50);
    }
    expect(w.count()).toBe(1); // one timer armed by the first request, none by the others
    expect(c.exports).toHaveLength(0);
    t.advance(600);
    await tick();
    c.release();
    await w.done();
    expect(c.exports).toEqual([Array.from({ length: 10 }, (_, i) => `r${i}`)]);
    expect(exporter.exports).toBe(1);
  });

  it("sends a full batch at once from the request that fills it", async () => {
    const c = collector();
    const t = clock();
    const exporter = new OtlpExporter({ endpoint: "http://collector", serviceName: "gw", fetch: c.fetch, now: t.now, sleep: t.sleep, maxBatch: 3 });
    const w = requests();
    for (const name of ["a", "b", "c"]) exporter.enqueue(span(name));
    exporter.flushDue(w.ctx);
    await tick();
    expect(c.exports).toEqual([["a", "b", "c"]]);
    c.release();
    await w.done();
  });

  it("keeps at most one export in flight; what queues meanwhile goes in the next one", async () => {
    const c = collector();
    const t = clock();
    const exporter = new OtlpExporter({ endpoint: "http://collector", serviceName: "gw", fetch: c.fetch, now: t.now, sleep: t.sleep, maxBatch: 2 });
    const w = requests();
    exporter.enqueue(span("a"));
    exporter.enqueue(span("b"));
    exporter.flushDue(w.ctx);
    await tick();
    for (const name of ["c", "d", "e", "f"]) {
      exporter.enqueue(span(name));
      exporter.flushDue(w.ctx); // full batches queued, but one export is already in flight
    }
    await tick();
    expect(c.exports).toEqual([["a", "b"]]);
    expect(w.count()).toBe(1);
    for (let i = 0; i < 3; i++) {
      c.release();
      await tick();
    }
    await w.done();
    expect(c.exports).toEqual([["a", "b"], ["c", "d"], ["e", "f"]]);
  });

  it("bounds the queue, dropping the oldest spans and counting them", async () => {
    const c = collector();
    const exporter = new OtlpExporter({ endpoint: "http://collector", serviceName: "gw", fetch: c.fetch, maxQueued: 3 });
    for (const name of ["a", "b", "c", "d", "e"]) exporter.enqueue(span(name));
    expect(exporter.pending).toBe(3);
    expect(exporter.overflowed).toBe(2);
    expect(exporter.dropped).toBe(2);
    const flushed = exporter.flush();
    await tick();
    c.release();
    await flushed;
    expect(c.exports).toEqual([["c", "d", "e"]]);
  });

  it("counts a failed export as dropped and never throws", async () => {
    const exporter = new OtlpExporter({
      endpoint: "http://collector",
      serviceName: "gw",
      fetch: (async () => {
        throw new Error("connection refused");
      }) as unknown as typeof fetch,
      maxBatch: 1,
    });
    const w = requests();
    exporter.enqueue(span("a"));
    exporter.flushDue(w.ctx);
    await expect(w.done()).resolves.toBeDefined();
    expect(exporter.dropped).toBe(1);
  });
});
