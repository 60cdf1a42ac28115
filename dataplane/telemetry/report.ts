// Ships due metrics batches to the control plane over the MeshPeer RPC, off the request
// path; it never fails or delays a request. A refused shipment is merged into the next
// flush. One not answered within a flush interval (a telemetry shard lost or slow) is given
// up at the next flush and sent again with it under the same batch id: if the first copy
// lands after all, the shard ignores the second (see metrics.ts). The recorder keeps the
// shipments, not the shipping task, since the runtime may end a request's waitUntil work
// without a word.
import type { MeshPeerApi } from "../../contracts/mesh-peer.ts";
import type { TelemetryBatch } from "../../contracts/telemetry/batch.ts";
import type { MetricsRecorder, SnapshotFacts } from "./metrics.ts";

/** The part of the control plane's MeshPeer entrypoint that telemetry uses. */
export type TelemetryPeer = Pick<MeshPeerApi, "reportTelemetry">;

/**
 * Flushes `recorder` when due (or when `force`), shipping its batches in `ctx.waitUntil`.
 * Returns the shipment promise (already handed to waitUntil), or null when nothing was due.
 */
export function flushTelemetry(
  recorder: MetricsRecorder,
  peer: TelemetryPeer | undefined,
  ctx: { waitUntil(promise: Promise<unknown>): void },
  facts: SnapshotFacts,
  force = false,
): Promise<void> | null {
  if (!peer) return null;
  recorder.expireShipments();
  if (!(force || recorder.isDue())) return null;
  const batches = recorder.takeShipments(facts);
  if (batches.length === 0) return null;
  const shipment = Promise.all(batches.map((batch) => ship(recorder, peer, batch))).then(() => undefined);
  ctx.waitUntil(shipment);
  return shipment;
}

async function ship(recorder: MetricsRecorder, peer: TelemetryPeer, batch: TelemetryBatch): Promise<void> {
  recorder.shipped(batch);
  try {
    const reply = await peer.reportTelemetry(batch);
    recorder.landed(batch);
    recorder.setTapped(Array.isArray(reply?.tapped) ? reply.tapped : []);
  } catch (error) {
    const kept = recorder.refused(batch);
    console.warn(JSON.stringify({ msg: kept ? "telemetry flush failed; kept for the next flush" : "telemetry flush failed after it was given up", seq: batch.seq, error: String(error) }));
  }
}
