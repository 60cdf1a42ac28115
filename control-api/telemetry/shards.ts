// Telemetry is sharded by destination service so that one hot service can not bottleneck
// the mesh: each shard is its own Durable Object instance. The shard count is fixed
// because /metrics reads every shard; changing it would orphan stored series.
import type { Telemetry } from "../../durable-objects/telemetry.ts";

export const TELEMETRY_SHARDS = 4;
/** Instance name of the mesh-wide (isolates, counters, tap) Telemetry object. */
export const META = "meta";

export type TelemetryNamespace = DurableObjectNamespace<Telemetry>;

/** Shard instance name for a destination service given as `name.namespace`. */
export function shardName(service: string): string {
  return `shard-${fnv1a(service) % TELEMETRY_SHARDS}`;
}

export function shardStub(ns: TelemetryNamespace, name: string): DurableObjectStub<Telemetry> {
  return ns.get(ns.idFromName(name));
}

export function allShards(ns: TelemetryNamespace): DurableObjectStub<Telemetry>[] {
  return Array.from({ length: TELEMETRY_SHARDS }, (_, i) => shardStub(ns, `shard-${i}`));
}

/** The shard key of a series: its destination service as `name.namespace`. */
export function seriesService(labels: Record<string, string>): string {
  return `${labels.destination_service_name ?? "unknown"}.${labels.destination_service_namespace ?? "unknown"}`;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
