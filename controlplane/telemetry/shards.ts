// Telemetry is sharded by reporting isolate: each flush of one isolate goes to one shard
// (a Telemetry Durable Object), picked by a hash of the isolate's random id. Load spreads
// with the number of isolates, so one hot service (thousands of isolates) cannot bottleneck
// a shard, and a flush costs the control plane one object call. A series reported by many
// isolates lives in several shards; reads merge every shard (`mergeSeries`). The "meta"
// object only holds live tap sessions: isolates reach it only while they send tap events.
import type { Telemetry } from "./telemetry-object.ts";

/** Shards when ISTHMUS_TELEMETRY_SHARDS is unset: ~250 flushes/s each at 10,000 isolates flushing every 5 s. */
export const DEFAULT_TELEMETRY_SHARDS = 8;
/** Most shards a read fans out to. */
export const MAX_TELEMETRY_SHARDS = 64;
/** Instance name of the Telemetry object that holds live tap sessions. */
export const META = "meta";

export type TelemetryNamespace = DurableObjectNamespace<Telemetry>;
export type ShardEnv = { ISTHMUS_TELEMETRY_SHARDS?: string };

/**
 * The shard count. Reads fan out to every shard, so changing it leaves what the dropped
 * shards hold unread (cumulative totals restart lower); raise it, do not lower it.
 */
export function shardCount(env: ShardEnv): number {
  const n = Number(env.ISTHMUS_TELEMETRY_SHARDS);
  return Number.isInteger(n) && n >= 1 && n <= MAX_TELEMETRY_SHARDS ? n : DEFAULT_TELEMETRY_SHARDS;
}

/** Shard instance name of a reporting isolate. */
export function shardOfIsolate(isolate: string, count: number): string {
  return `shard-${fnv1a(isolate) % count}`;
}

export function shardStub(ns: TelemetryNamespace, name: string): DurableObjectStub<Telemetry> {
  return ns.get(ns.idFromName(name));
}

export function allShards(ns: TelemetryNamespace, count: number): DurableObjectStub<Telemetry>[] {
  return Array.from({ length: count }, (_, i) => shardStub(ns, `shard-${i}`));
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
