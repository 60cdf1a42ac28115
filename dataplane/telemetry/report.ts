// Ships due metrics batches to the control plane over the MeshPeer RPC, off the request
// path. A failed shipment is merged back for the next flush; it never fails a request.
import type { TelemetryBatch, TelemetryReply } from "./batch.ts";
import type { MetricsRecorder, SnapshotFacts } from "./metrics.ts";

/** The part of the control plane's MeshPeer entrypoint that telemetry uses. */
export type TelemetryPeer = { reportTelemetry(batch: TelemetryBatch): Promise<TelemetryReply> };

/**
 * Flushes `recorder` when due (or when `force`), shipping the batch in `ctx.waitUntil`.
 * Returns the shipment promise (already handed to waitUntil), or null when nothing was due.
 */
export function flushTelemetry(
  recorder: MetricsRecorder,
  peer: TelemetryPeer | undefined,
  ctx: { waitUntil(promise: Promise<unknown>): void },
  facts: SnapshotFacts,
  force = false,
): Promise<void> | null {
  if (!peer || !(force || recorder.isDue())) return null;
  const batch = recorder.takeBatch(facts);
  if (!batch) return null;
  const shipment = ship(recorder, peer, batch);
  ctx.waitUntil(shipment);
  return shipment;
}

async function ship(recorder: MetricsRecorder, peer: TelemetryPeer, batch: TelemetryBatch): Promise<void> {
  try {
    const reply = await peer.reportTelemetry(batch);
    recorder.setTapped(Array.isArray(reply?.tapped) ? reply.tapped : []);
  } catch (error) {
    recorder.restore(batch);
    console.warn(JSON.stringify({ msg: "telemetry flush failed; kept for the next flush", error: String(error) }));
  }
}
