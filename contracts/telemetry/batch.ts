// What a data-plane isolate ships to the control plane on each flush, and the reply it
// gets back. Validated on arrival: the batch crosses a trust boundary.
import { z } from "zod";

const histogramSchema = z.object({
  counts: z.array(z.number().nonnegative()).max(64),
  sum: z.number(),
});

export const seriesSchema = z.object({
  labels: z.record(z.string(), z.string().max(512)),
  requests: z.number().int().nonnegative(),
  duration: histogramSchema,
  requestBytes: histogramSchema,
  responseBytes: histogramSchema,
});

/**
 * Mesh counters that are not per request: authn failures by reason, authz denials, and
 * requests left uncounted because their series was over the isolate's series limit.
 */
export const meshCounterSchema = z.object({
  name: z.enum(["isthmus_authn_failures_total", "isthmus_authz_denials_total", "isthmus_telemetry_series_dropped_total"]),
  labels: z.record(z.string(), z.string().max(256)),
  value: z.number().int().nonnegative(),
});

/** One request summary of a tapped service (like `linkerd viz tap`). */
export const tapEventSchema = z.object({
  time: z.string(),
  reporter: z.string(),
  source: z.string(),
  /** Destination service as `name.namespace`. */
  destination: z.string(),
  destinationVersion: z.string(),
  method: z.string(),
  path: z.string().max(2048),
  responseCode: z.number().int(),
  responseFlags: z.string(),
  durationMs: z.number(),
  traceId: z.string().optional(),
});

export const telemetryBatchSchema = z.object({
  /** Random id of the reporting isolate, for "isolates seen". */
  isolate: z.string().max(64),
  /**
   * The batch's number among its isolate's batches, from 1: with `isolate`, its identity. A
   * batch sent again (its shipment given up or refused) keeps it, so the shard applies it at
   * most once. Absent from data planes of releases before it: such batches are applied as
   * they come.
   */
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  /** The reporter's workload name and version as it is configured (not attested). */
  workload: z.string().max(253),
  snapshotVersion: z.number().int().nullable(),
  /** The snapshot's generatedAt (ISO time) and when this isolate began routing by it
   * (epoch ms): their difference is the config propagation time to this isolate. */
  snapshotGeneratedAt: z.string().max(64).nullable(),
  snapshotAppliedAt: z.number().nullable(),
  /** How long ago the isolate fetched or revalidated its snapshot. */
  snapshotAgeMs: z.number().nonnegative().nullable(),
  /** True while serving last-known-good because the control plane was unreachable. */
  stale: z.boolean(),
  series: z.array(seriesSchema).max(5000),
  counters: z.array(meshCounterSchema).max(1000),
  tap: z.array(tapEventSchema).max(1000),
});

export const telemetryReplySchema = z.object({
  /** Destination service names (`name.namespace`) whose requests should be tapped. */
  tapped: z.array(z.string()),
});

export type SeriesAggregate = z.infer<typeof seriesSchema>;
export type MeshCounter = z.infer<typeof meshCounterSchema>;
export type TapEvent = z.infer<typeof tapEventSchema>;
export type TelemetryBatch = z.infer<typeof telemetryBatchSchema>;
export type TelemetryReply = z.infer<typeof telemetryReplySchema>;
