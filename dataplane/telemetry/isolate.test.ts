// The isolate's telemetry flushes: due on a request, and after a quiet spell by one timer.
import { describe, expect, it, vi } from "vitest";
import { compileMesh } from "../config/compiled.ts";
import type { InboundCall } from "../inbound/call.ts";
import { IsolateState } from "../isolate.ts";
import type { TelemetryBatch } from "../../contracts/telemetry/batch.ts";
import { inboundTelemetry } from "./layers.ts";
import { workload } from "../workload.ts";

const mesh = compileMesh({ version: 1, hash: "t", generatedAt: new Date(0).toISOString(), trustDomain: "cluster.local", endpointHealth: {}, revokedIdentities: [], resources: [] } as never);

function isolateWithPeer(flushMs: string) {
  const batches: TelemetryBatch[] = [];
  const env = { ISTHMUS_ACCESS_LOG: "off", ISTHMUS_TELEMETRY_FLUSH_MS: flushMs, ISTHMUS_CONTROL: { reportTelemetry: async (b: TelemetryBatch) => (batches.push(b), { tapped: [] }) } };
  const state = new IsolateState();
  const held: Promise<unknown>[] = [];
  const serve = () => {
    const call: InboundCall = { mesh, isolate: state, env, waitUntil: (p) => void held.push(p), workload: workload({ service: "greeter", version: "v1" }), flags: [], peer: {}, securityPolicy: "none" };
    return inboundTelemetry(new Request("http://greeter/hi"), call, async () => new Response("ok"));
  };
  return { batches, held, serve };
}

const requestsIn = (batches: TelemetryBatch[]) => batches.flatMap((b) => b.series).reduce((n, s) => n + s.requests, 0);

describe("telemetry flush after the last request", () => {
  it("ships requests that no later request would flush, with one timer for the isolate", async () => {
    const { batches, held, serve } = isolateWithPeer("30");
    await serve();
    await serve();
    // Neither request was due (within the interval); one timer waits for both.
    expect(batches).toEqual([]);
    expect(held).toHaveLength(1);
    await Promise.all(held);
    expect(batches).toHaveLength(1);
    expect(requestsIn(batches)).toBe(2);

    // The timer is spent: the next quiet spell gets its own.
    await serve();
    expect(held).toHaveLength(2);
    await Promise.all(held);
    expect(requestsIn(batches)).toBe(3);
  });

  it("replaces a timer the runtime dropped with its request context, once it is an interval overdue", async () => {
    vi.useFakeTimers();
    try {
      const { batches, held, serve } = isolateWithPeer("20");
      await serve();
      expect(held).toHaveLength(1);
      vi.clearAllTimers(); // the request's context ended: its timer never fires
      await serve();
      expect(held).toHaveLength(1); // within the interval, the lost timer still counts as set
      vi.advanceTimersByTime(50);
      await serve(); // due: flushed on the request (its shipment held), nothing left to wait for
      await held[1];
      expect(held).toHaveLength(2);
      expect(requestsIn(batches)).toBe(3);
      await serve(); // the lost timer is long overdue: a new one
      expect(held).toHaveLength(3);
      await vi.advanceTimersByTimeAsync(20);
      await held[2];
      expect(requestsIn(batches)).toBe(4);
    } finally {
      vi.useRealTimers();
    }
  });
});
