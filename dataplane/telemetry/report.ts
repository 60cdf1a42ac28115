// Ships due metrics batches to the control plane over the MeshPeer RPC, off the request
// path; it never fails or delays a request. A refused shipment is merged back for the next
// flush. One not answered within a flush interval (a telemetry shard lost or slow) is given
// up at the next flush and its requests counted as dropped: it may still land, so sending it
// again could count it twice. The recorder keeps the shipments, not the shipping task, since
// the runtime may end a request's waitUntil work without a word.
import type { MeshPeerApi } from "../../contracts/mesh-peer.ts";
import type { TelemetryBatch } from "../../contracts/telemetry/batch.ts";
import type { MetricsRecorder, SnapshotFacts } from "./metrics.ts";

/** The part of the control plane's MeshPeer entrypoint that telemetry uses. */
export type TelemetryPeer = Pick<MeshPeerApi, "reportTelemetry">;

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
  if (!peer) return null;
  recorder.expireShipments();
  if (!(force || recorder.isDue())) return null;
  const batch = recorder.takeBatch(facts);
  if (!batch) return null;
  const shipment = ship(recorder, peer, batch);
  ctx.waitUntil(shipment);
  return shipment;
}

async function ship(recorder: MetricsRecorder, peer: TelemetryPeer, batch: TelemetryBatch): Promise<void> {
  recorder.shipped(batch);
  try {
    const reply = await peer.reportTelemetry(batch);
    recorder.answered(batch);
    recorder.setTapped(Array.isArray(reply?.tapped) ? reply.tapped : []);
  } catch (error) {
    // Refused in time: sent again with the next flush. Refused after it was given up: counted already.
    const kept = recorder.answered(batch);
    if (kept) recorder.restore(batch);
    console.warn(JSON.stringify({ msg: kept ? "telemetry flush failed; kept for the next flush" : "telemetry flush failed after it was given up", error: String(error) }));
  }
}
